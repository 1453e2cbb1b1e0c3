"""Ready for a room, in a real browser at a projector's 1400 px and a half laptop screen's 800 px: no
exception box, and no metric value or label cut by CSS (the DOM keeps the whole text while the
screen shows "…": an element whose scrollWidth exceeds its clientWidth is cut)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ask_in_playground, no_exception_box, page_at

pytestmark = pytest.mark.e2e

# every element inside a metric's label or value whose text does not fit its box
CUT = """(selector) => [...document.querySelectorAll(selector)]
    .filter((e) => e.scrollWidth > e.clientWidth + 1 && e.innerText.trim())
    .map((e) => e.innerText.trim())"""
METRIC_TEXT = (
    '[data-testid="stMetricValue"], [data-testid="stMetricValue"] *, [data-testid="stMetricLabel"], [data-testid="stMetricLabel"] *'
)


def cut_texts(page, selector: str = METRIC_TEXT) -> list[str]:
    return page.evaluate(CUT, selector)


@pytest.mark.parametrize("width", [1400, 800])
def test_playground_metrics_are_never_cut(browser, app_url, bundled_model, width):
    with page_at(browser, app_url, width) as page:
        ask_in_playground(page, "Name a colour.", 12)
        page.get_by_test_id("stMetric").filter(has_text="Tokens out").first.wait_for(timeout=60_000)
        page.wait_for_timeout(300)
        labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
        assert {"Latency", "First token", "Tokens in", "Tokens out", "Speed"} <= {t.strip() for t in labels}
        values = page.get_by_test_id("stMetricValue").all_inner_texts()
        assert any(v.strip().endswith((" ms", " s")) for v in values)  # units always shown
        assert cut_texts(page) == []
        # the parameter panel is never squeezed: beside the conversation at 1400 px, below it at 800 px
        panel = (
            '.st-key-pg_side [data-testid="stWidgetLabel"] *, .st-key-pg_side [data-testid="stButtonGroup"] button *, .st-key-pg_side h3'
        )
        assert cut_texts(page, panel) == []
        chat, side = (page.locator(f".st-key-{key}").bounding_box() for key in ("pg_chat", "pg_side"))
        beside = side["x"] > chat["x"] + chat["width"] - 1
        assert beside == (width == 1400), (width, chat, side)
        no_exception_box(page)


# any text the page cut with an ellipsis, outside the select boxes (which show a long choice cut, by design)
CUT_ANYWHERE = """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
    .filter((e) => e.children.length === 0 && (e.innerText || '').trim() && e.scrollWidth > e.clientWidth + 1
        && getComputedStyle(e).textOverflow === 'ellipsis' && !e.closest('[data-baseweb="select"]'))
    .map((e) => e.innerText.trim().slice(0, 60))"""
PAGES = (("Compare", "Compare"), ("Council", "Council"), ("Models", "Models"), ("Usage & quota", "Usage & quota"), ("Costs", "Costs"))


@pytest.mark.parametrize("width", [1400, 800])
def test_the_pages_that_matter_cut_nothing(browser, app_url, width):
    with page_at(browser, app_url, width) as page:
        for link, heading in PAGES:
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
            page.get_by_role("heading", name=heading, exact=True).first.wait_for()
            page.wait_for_timeout(500)
            assert page.evaluate(CUT_ANYWHERE) == [], (link, width)
            no_exception_box(page)
