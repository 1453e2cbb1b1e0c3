"""Every page in a real browser: it opens with its heading and never an exception box; Usage and
Costs draw their charts; the Models page searches the fake Hub; Settings verifies a key against a
fake and the sidebar chip follows; Getting started runs its first check; Troubleshooting lists its
entries. (The Playground, Compare and Council flows have files of their own.)"""

from __future__ import annotations

import json

import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import ask_in_playground, countdown_then_answer, no_exception_box, send_in_playground, settled, shot

pytestmark = [pytest.mark.e2e]

PAGES = [
    ("Playground", "Playground"),
    ("Compare", "Compare"),
    ("Council", "Council"),
    ("Models", "Models"),
    ("History", "History"),
    ("Usage & quota", "Usage & quota"),
    ("Costs", "Costs"),
    ("Settings", "Settings"),
    ("Getting started", "Getting started"),
    ("Troubleshooting", "Troubleshooting"),
]


def go(page, link: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()


def test_every_page_opens_without_an_exception(page):
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Getting started").wait_for()
    nav = page.get_by_test_id("stSidebarNav").inner_text()
    assert "widgets" not in nav and "charts" not in nav  # the app's own navigation, not the pages/ folder's
    for link, heading in PAGES:
        assert link in nav
        go(page, link)
        page.get_by_role("heading", name=heading, exact=True).first.wait_for()
        page.wait_for_timeout(300)
        no_exception_box(page)


@pytest.mark.local_model
def test_usage_and_costs_draw_their_charts(page, bundled_model):
    ask_in_playground(page, "Name the three primary colours.", 160)  # room for a whole answer (the README's picture)
    page.get_by_test_id("stMetric").first.wait_for()
    shot(page, "playground")
    assert_accessible(page, "Playground after an answer")
    go(page, "Usage & quota")
    page.get_by_test_id("stPlotlyChart").nth(2).wait_for()  # requests, latency, tokens and cost
    assert page.get_by_test_id("stPlotlyChart").count() >= 3
    assert page.get_by_test_id("stMetricLabel").filter(has_text="Requests").count() == 1
    shot(page, "usage")
    assert_accessible(page, "Usage with charts")
    summaries = page.get_by_text("Chart, in words:")
    assert summaries.count() >= 3 and "at no cost" in page.get_by_test_id("stMain").inner_text()  # the bundled model is free
    charts = page.get_by_test_id("stPlotlyChart")
    assert charts.filter(has_text="tokens").count() and not charts.filter(has_text="Cost (USD, est.)").count()  # no $ axis over $0
    table = page.get_by_test_id("stDataFrame").last  # the recent requests
    widths = table.evaluate("(e) => { const s = e.querySelector('.dvn-scroller'); return s && [s.scrollWidth, s.clientWidth] }")
    assert widths and widths[0] <= widths[1] + 1, f"the recent requests table scrolls sideways at 1400 px: {widths}"
    go(page, "Costs")
    page.get_by_role("heading", name="Costs", exact=True).wait_for()
    page.get_by_test_id("stPlotlyChart").first.wait_for()
    shot(page, "costs")
    no_exception_box(page)
    assert_accessible(page, "Costs with the workload chart")


def test_models_page_searches_the_hub(page):
    go(page, "Models")
    page.get_by_role("heading", name="Models", exact=True).wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()
    shot(page, "models")
    page.get_by_role("tab", name="Hugging Face Hub").click()
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("button", name="More results").wait_for()
    assert "20 models from the Hugging Face Hub" in page.get_by_test_id("stMainBlockContainer").inner_text()
    page.get_by_role("button", name="More results").click()
    page.get_by_text("models from the Hugging Face Hub").wait_for()
    page.wait_for_function("() => document.body.innerText.includes('25 models from the Hugging Face Hub')")
    no_exception_box(page)


def test_settings_verifies_a_groq_key_against_its_fake(page):
    go(page, "Settings")
    page.get_by_role("tab", name="Groq").click()
    field = page.get_by_role("textbox", name="Groq token")
    field.fill("gsk_E2eKey0123456789abcdefgh")
    field.press("Enter")
    panel = page.get_by_role("tabpanel").filter(has=page.get_by_role("textbox", name="Groq token"))
    panel.get_by_text("Using the token you pasted").wait_for()
    panel.get_by_role("button", name="Verify").click()
    panel.get_by_text("Key accepted \u00b7 2 models available").wait_for()
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    assert "Groq" in sidebar and "Verified" in sidebar
    assert "gsk_E2eKey0123456789abcdefgh" not in page.content()
    shot(page, "settings")
    no_exception_box(page)


@pytest.mark.local_model
def test_getting_started_runs_its_first_check_and_troubleshooting_lists_every_error(page, bundled_model):
    go(page, "Getting started")
    page.get_by_role("heading", name="Getting started", exact=True).wait_for()
    page.get_by_role("button", name="Ask the bundled model").click()
    page.get_by_text("It answered:").wait_for()
    shot(page, "getting_started")
    go(page, "Troubleshooting")
    page.get_by_role("heading", name="Troubleshooting", exact=True).wait_for()
    from council.facts.troubleshooting import ENTRIES

    page.get_by_test_id("stExpander").nth(len(ENTRIES) - 1).wait_for()  # (the heading can arrive before the entries)
    assert page.get_by_test_id("stExpander").count() == len(ENTRIES)
    shot(page, "troubleshooting")
    no_exception_box(page)


def test_a_pasted_token_never_comes_back_to_the_browser_or_the_log(browser, e2e_fakes, tmp_path):
    """Canary tokens pasted in Settings (one token-shaped, one not) and used — in the Playground and by
    Verify — are in no page's HTML, no address, no message the server sends the browser (the
    websocket frames), on any page, nor in the server's log at DEBUG level."""
    from tests.processes import streamlit_app

    hf_canary, gemini_canary = "hf_BrowserCanary0123456789abcdefXYZ", "BrowserCanaryGeminiKey-4711"
    env = {
        "COUNCIL_DATA_DIR": str(tmp_path / "data"),
        "HF_ROUTER_URL": e2e_fakes["huggingface"].url,
        "HF_ENDPOINT": e2e_fakes["huggingface"].url,
        "GEMINI_BASE_URL": e2e_fakes["gemini"].url,
    }
    log = tmp_path / "streamlit.log"
    with streamlit_app(log, "--logger.level", "debug", **env) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        received: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(str(frame))))
        page.goto(url)
        page.get_by_test_id("stApp").wait_for()
        go(page, "Settings")
        for tab, label, canary in (("Hugging Face", "Hugging Face token", hf_canary), ("Gemini", "Google Gemini token", gemini_canary)):
            page.get_by_role("tab", name=tab).click()
            field = page.get_by_role("textbox", name=label)
            field.fill(canary)
            field.press("Enter")
            panel = page.get_by_role("tabpanel").filter(has=page.get_by_role("textbox", name=label))
            panel.get_by_text("Using the token you pasted").wait_for()
        panel.get_by_role("button", name="Verify").click()  # the Gemini key, against its fake
        panel.get_by_text("Key accepted").wait_for()
        go(page, "Playground")
        page.get_by_test_id("stSelectbox").filter(has_text="Provider").click()
        page.get_by_role("option", name="Hugging Face").click()
        page.get_by_text("models from Hugging Face's live list").wait_for()
        send_in_playground(page, "Hello with my token")
        page.get_by_test_id("stMetric").first.wait_for()
        for link, heading in PAGES:
            go(page, link)
            page.get_by_role("heading", name=heading, exact=True).first.wait_for()
            page.wait_for_timeout(300)
            for canary in (hf_canary, gemini_canary):
                assert canary not in page.content() and canary not in page.url, link
            no_exception_box(page)
        context.close()
    assert any(hf_canary in json.dumps(s.headers) for s in e2e_fakes["huggingface"].seen)  # both were used
    assert any(gemini_canary in json.dumps(s.headers) for s in e2e_fakes["gemini"].seen)
    assert received and not [frame for frame in received if hf_canary in frame or gemini_canary in frame]
    text = log.read_text()
    assert "Runtime state:" in text  # a line Streamlit logs at DEBUG only: the log was at DEBUG
    assert hf_canary not in text and gemini_canary not in text


def _simulate(page, option: str, retry_after: str | None = None) -> None:
    go(page, "Settings")
    page.get_by_role("tab", name="QA simulator").click()
    page.get_by_test_id("stSelectbox").filter(has_text="Scenario").click()
    page.get_by_role("option", name=option).click()
    if retry_after is not None:
        field = page.get_by_role("spinbutton", name="Retry-After (s)")
        field.fill(retry_after)
        field.press("Enter")
    page.wait_for_timeout(300)
    settled(page)  # the scenario is kept before the page changes
    go(page, "Playground")
    page.get_by_test_id("stSelectbox").filter(has_text="Provider").click()
    page.get_by_role("option", name="QA simulator (no real model)").click()
    page.wait_for_function(  # the picker shows the simulator (the box holds it as its text or its input's value)
        "() => [...document.querySelectorAll('[data-testid=stSelectbox]')].some(b => b.innerText.includes('Provider') && "
        "(b.innerText + [...b.querySelectorAll('input')].map(i => i.value).join(' ')).includes('QA simulator'))"
    )
    settled(page)  # the page has taken the new provider before anything is sent


def test_qa_walks_a_countdown_and_an_error_panel_with_the_simulator(page):
    """As a QA person would: a 429 with Retry-After shows the countdown bar then the answer; a 401
    shows the advice panel with its Troubleshooting link — no quota spent, no exception box."""
    _simulate(page, "rate_limit: 429 Too Many Requests with Retry-After on the first attempt, then answers", "3")
    send_in_playground(page, "Rate-limit me")
    countdown_then_answer(page, "attempt 1 of", "This is the QA simulator (rate_limit)")
    _simulate(page, "auth: 401 Unauthorized: the token is not accepted")
    send_in_playground(page, "Refuse me")
    page.get_by_text("The token was not accepted").first.wait_for(timeout=15_000)
    page.get_by_role("link", name="What this means and what to do").first.wait_for()
    no_exception_box(page)
