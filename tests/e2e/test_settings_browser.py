"""Settings that survive a reload, in a real browser: a person sets something, reloads the tab (a new
session), and finds it as they left it."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import no_exception_box

pytestmark = pytest.mark.e2e


def test_a_setting_is_still_there_after_a_reload(browser, tmp_path):
    from tests.processes import streamlit_app

    with streamlit_app(tmp_path / "streamlit.log", COUNCIL_DATA_DIR=str(tmp_path / "data")) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/settings")
        page.get_by_role("heading", name="Settings", exact=True).wait_for()
        field = page.get_by_role("spinbutton", name="Attempts per request")
        field.fill("6")
        field.press("Enter")
        saved = tmp_path / "data" / "settings.toml"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (saved.exists() and "retry_max_attempts = 6" in saved.read_text(encoding="utf-8")):
            time.sleep(0.1)
        assert "retry_max_attempts = 6" in saved.read_text(encoding="utf-8")
        page.wait_for_timeout(500)  # the run that saved it has finished drawing
        page.reload()  # a new session, as after closing and reopening the tab
        page.get_by_role("heading", name="Settings", exact=True).wait_for()
        field = page.get_by_role("spinbutton", name="Attempts per request")
        field.wait_for()
        assert field.input_value() == "6"
        no_exception_box(page)
        context.close()
