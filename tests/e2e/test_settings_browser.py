"""Settings that survive a reload, in a real browser: a person sets something, reloads the tab (a new
session), and finds it as they left it."""

from __future__ import annotations

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
        page.wait_for_timeout(800)
        assert "retry_max_attempts = 6" in (tmp_path / "data" / "settings.toml").read_text(encoding="utf-8")
        page.reload()  # a new session, as after closing and reopening the tab
        page.get_by_role("heading", name="Settings", exact=True).wait_for()
        assert page.get_by_role("spinbutton", name="Attempts per request").input_value() == "6"
        no_exception_box(page)
        context.close()
