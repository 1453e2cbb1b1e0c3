"""What a user sees in a real browser: streaming text growing, Ctrl+Enter, no exception box."""

from __future__ import annotations

import itertools
import time

import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import ask_in_playground, countdown_then_answer, no_exception_box, send_in_playground, shot

pytestmark = [pytest.mark.e2e, pytest.mark.local_model]


def live_answer(page) -> str:
    """The answer growing on screen (not the status lines), read in one step: it can vanish at any
    moment when the answer completes and the page redraws."""
    return page.evaluate("() => document.querySelector('.st-key-pg_live_answer')?.innerText ?? ''")


def test_ctrl_enter_streams_a_growing_answer_from_the_bundled_model(page, bundled_model):
    box = page.get_by_label("Your message")
    box.click()
    box.fill("Write three sentences about the sea.")
    box.press("Control+Enter")

    messages = page.get_by_test_id("stChatMessage")
    messages.nth(1).wait_for()  # the assistant's answer has started
    lengths: list[int] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if page.get_by_test_id("stMetric").count() >= 5:  # metrics appear when the answer is done
            break
        text = live_answer(page)
        if not lengths or len(text) != lengths[-1]:
            lengths.append(len(text))
        time.sleep(0.05)
    grown = [n for n in lengths if n > 0]
    assert len(set(grown)) >= 3, f"the answer did not grow while streaming: {lengths}"
    # a partial Markdown construct may render a character or two shorter once it completes
    assert all(b >= a - 5 for a, b in itertools.pairwise(grown)), f"the answer shrank while streaming: {lengths}"
    assert grown[-1] > grown[0], lengths
    page.get_by_test_id("stMetric").first.wait_for()
    labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
    assert {"Latency", "First token", "Tokens in", "Tokens out", "Speed"} <= {label.strip() for label in labels}
    assert page.get_by_test_id("stChatMessage").nth(1).inner_text().strip()
    assert box.input_value() == ""
    no_exception_box(page)


def test_settings_page_and_sidebar_chips(page):
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Settings").click()
    page.get_by_text("Hugging Face token").first.wait_for()
    sidebar = page.get_by_test_id("stSidebar")
    assert "Bundled model" in sidebar.inner_text() and "Not set" in sidebar.inner_text()
    field = page.get_by_role("textbox", name="Hugging Face token")
    field.fill("hf_E2eToken0123456789abcdef")
    field.press("Enter")
    page.get_by_role("button", name="Verify").click()
    page.get_by_test_id("stMainBlockContainer").get_by_text("Signed in as council-tester").wait_for()
    assert "Verified" in sidebar.inner_text()
    assert "hf_E2eToken0123456789abcdef" not in page.content()
    no_exception_box(page)


def test_stop_keeps_the_partial_answer(page, bundled_model):
    field = page.get_by_role("spinbutton", name="Max new tokens (tokens)")
    field.fill("600")
    field.press("Enter")
    box = page.get_by_label("Your message")
    box.fill("Write a very long story about a dragon who learns to bake bread.")
    page.get_by_role("button", name="Run").click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(live_answer(page)) < 40:
        time.sleep(0.05)
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Stopped by you; the answer so far is kept.").wait_for()
    kept = page.get_by_test_id("stChatMessage").nth(1).inner_text()
    assert len(kept) >= 40
    no_exception_box(page)


def test_a_deep_link_as_the_first_request_gets_the_whole_app(browser, tmp_path):
    """A fresh server whose first visitor opens /settings directly still gets app.py's navigation."""
    from tests.processes import streamlit_app

    with streamlit_app(tmp_path / "streamlit.log", COUNCIL_DATA_DIR=str(tmp_path / "data")) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{url}/settings")
        page.get_by_role("heading", name="Settings").wait_for(timeout=30_000)
        page.get_by_test_id("stSidebar").get_by_text("Bundled model (offline)").wait_for(timeout=30_000)
        nav = page.get_by_test_id("stSidebarNav").inner_text()
        assert "Playground" in nav and "Settings" in nav
        assert "widgets" not in nav.lower() and "app" not in nav.split()
        no_exception_box(page)
        context.close()


def test_history_reopens_a_conversation_in_the_playground(page, bundled_model):
    ask_in_playground(page, "Remember the word lighthouse.", 12)
    page.get_by_test_id("stMetric").first.wait_for()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="History").click()
    page.get_by_role("heading", name="History").wait_for()
    page.get_by_text("Remember the word lighthouse.").first.wait_for()
    page.get_by_role("button", name="Open").first.click()
    page.get_by_role("heading", name="Playground").wait_for()
    page.get_by_test_id("stChatMessage").first.get_by_text("Remember the word lighthouse.").wait_for()
    assert page.get_by_test_id("stChatMessage").count() == 2
    no_exception_box(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="History").click()
    page.get_by_role("heading", name="History").wait_for()
    shot(page, "history")
    assert_accessible(page, "History with a saved conversation")


def _use_router_model(page, model: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Settings").click()
    field = page.get_by_role("textbox", name="Hugging Face token")
    field.fill("hf_E2eRouterToken0123456789ab")
    field.press("Enter")
    page.get_by_text("Using the token you pasted").wait_for()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Playground").click()
    page.get_by_role("heading", name="Playground").wait_for()
    page.get_by_test_id("stSelectbox").filter(has_text="Provider").click()
    page.get_by_role("option", name="Hugging Face").click()
    page.get_by_text("models from Hugging Face's live list").wait_for()  # the picker has settled
    page.get_by_test_id("stSelectbox").filter(has_text="Model").click()
    page.keyboard.type("Custom model id")
    page.keyboard.press("Enter")
    page.get_by_role("textbox", name="Model id").fill(model)
    page.get_by_role("textbox", name="Model id").press("Enter")
    page.wait_for_timeout(500)


def test_a_loading_model_shows_a_countdown_then_answers(page, e2e_fake):
    from tests.fakes.server import json_reply

    _use_router_model(page, "acme/warming")
    e2e_fake.enqueue("chat", json_reply(503, {"error": "Model acme/warming is currently loading", "estimated_time": 3.0}))
    send_in_playground(page, "Are you warm yet?")
    countdown_then_answer(page, "The model is warming up", "Hello from acme/warming")
    no_exception_box(page)


def test_a_rejected_token_shows_the_advice_panel(page, e2e_fake):
    from tests.fakes.hf_server import ERRORS

    _use_router_model(page, "acme/anything")
    e2e_fake.enqueue("chat", ERRORS["401"])
    send_in_playground(page, "Hello")
    panel = page.get_by_test_id("stAlert").filter(has_text="The token was not accepted")
    panel.first.wait_for(timeout=30_000)
    text = panel.first.inner_text()
    assert "extra spaces or quotes" in text and "read" in text
    page.get_by_role("link", name="Open Settings").first.wait_for()
    no_exception_box(page)
    assert_accessible(page, "Playground with an error panel")
