"""Sign-in for a shared deployment, in a real browser: the passcode (with its wrong tries), and OpenID
Connect through Streamlit's own ``st.login`` against a loopback identity provider (oidc-provider-mock),
configured as a host would, in a ``secrets.toml`` ``[auth]`` section. Whoever signs in is who the
usage ledger records."""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import no_exception_box
from tests.processes import child_process, free_port, streamlit_app

pytestmark = pytest.mark.e2e


def _ask_bundled(page, question: str) -> None:
    page.get_by_role("heading", name="Playground").wait_for()
    page.get_by_label("Your message").fill(question)
    page.get_by_role("button", name="Run").click()
    page.get_by_text("tokens/s").first.wait_for(timeout=90_000)


def _people_in_ledger(data: Path) -> set[str]:
    deadline = time.monotonic() + 10
    found: set[str] = set()
    while time.monotonic() < deadline and not found:
        if (data / "usage.sqlite3").exists():
            with sqlite3.connect(data / "usage.sqlite3") as db:
                found = {r[0] for r in db.execute("SELECT DISTINCT person FROM attempts")}
        time.sleep(0.2)
    return found


def test_the_passcode_lets_a_person_in_and_names_their_usage(browser, tmp_path):
    data = tmp_path / "data"
    env = {"COUNCIL_DATA_DIR": str(data), "COUNCIL_REQUIRE_SIGNIN": "1", "COUNCIL_PASSCODE": "team-passcode-2026"}
    with streamlit_app(tmp_path / "streamlit.log", **env) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/settings")  # a deep link shows the sign-in page too
        page.get_by_role("heading", name="Sign in to AI Council Playground").wait_for()
        assert page.get_by_test_id("stSidebarNav").count() == 0  # no page is reachable before signing in
        page.get_by_role("textbox", name="Your name").fill("Ada")
        page.get_by_role("textbox", name="Passcode").fill("not-the-passcode")
        page.get_by_role("button", name="Sign in with the passcode").click()
        page.get_by_text("That passcode is not right").wait_for()
        page.get_by_role("textbox", name="Passcode").fill("team-passcode-2026")
        page.get_by_role("button", name="Sign in with the passcode").click()
        page.get_by_text("Signed in as").wait_for()
        assert "Ada" in page.get_by_test_id("stSidebar").inner_text()
        page.goto(url)
        page.get_by_role("heading", name="Sign in to AI Council Playground").wait_for()  # a new session signs in again
        page.get_by_role("textbox", name="Your name").fill("Ada")
        page.get_by_role("textbox", name="Passcode").fill("team-passcode-2026")
        page.get_by_role("button", name="Sign in with the passcode").click()
        _ask_bundled(page, "Say hello")
        assert _people_in_ledger(data) == {"name:ada"}
        no_exception_box(page)
        context.close()


@pytest.fixture
def identity_provider(tmp_path):
    """oidc-provider-mock on a free loopback port (any subject may sign in; its e-mail is the subject)."""
    port = free_port()
    args = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--host", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}"
    with child_process(args, f"{url}/.well-known/openid-configuration", tmp_path / "oidc.log", what="oidc-provider-mock", timeout_s=60):
        yield url


def test_sign_in_with_an_identity_provider(browser, tmp_path, identity_provider):
    data, port = tmp_path / "data", free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-long-random-string-for-the-test-only-0123456789"\n'
        'client_id = "council-test"\n'
        'client_secret = "council-test-secret"\n'
        f'server_metadata_url = "{identity_provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = {"COUNCIL_DATA_DIR": str(data), "COUNCIL_REQUIRE_SIGNIN": "1"}
    with streamlit_app(tmp_path / "streamlit.log", "--secrets.files", str(secrets), port=port, **env) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(url)
        page.get_by_role("heading", name="Sign in to AI Council Playground").wait_for()
        assert page.get_by_role("textbox", name="Passcode").count() == 0  # no passcode is set: the identity provider only
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("heading", name="Authorize Client").wait_for()  # the identity provider's own page
        page.get_by_placeholder("sub").fill("ada@example.com")
        page.get_by_role("button", name="Authorize").click()
        page.get_by_text("Signed in as").wait_for()
        assert "ada@example.com" in page.get_by_test_id("stSidebar").inner_text()
        _ask_bundled(page, "Say hello")
        assert _people_in_ledger(data) == {"oidc:ada@example.com"}
        no_exception_box(page)
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="End session").click()  # the identity provider ends its session too
        page.get_by_role("heading", name="Sign in to AI Council Playground").wait_for()
        context.close()
