"""Readable by everyone: every page passes the axe-core audit (WCAG 2.1 A and AA; no serious or critical
violation in the app's own content), and the prompt, Run and Stop work from the keyboard with the focus
in sight. The pages after an answer are audited in the flows that make them (Playground, Usage, Costs,
Compare, the Council, History, an error panel)."""

from __future__ import annotations

import pytest

from tests.e2e.accessibility import audit
from tests.e2e.conftest import ask_in_playground

pytestmark = [pytest.mark.e2e]

PAGES = (
    "Compare",
    "Council",
    "Prompt sets",
    "Models",
    "History",
    "Usage & quota",
    "Costs",
    "Settings",
    "Getting started",
    "Troubleshooting",
)

# What makes the focused element visible: an outline or a focus ring drawn as a box shadow.
FOCUS_RING = """() => {
    const e = document.activeElement, s = getComputedStyle(e);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    return {label: (e.innerText || e.getAttribute('aria-label') || '').trim(), tag: e.tagName,
            ring: outline || (s.boxShadow && s.boxShadow !== 'none')};
}"""


def go(page, link: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
    page.get_by_role("heading", name=link, exact=True).first.wait_for()
    page.wait_for_timeout(800)  # let the page's last redraw settle


def test_every_page_passes_the_audit(page):
    failures = audit(page, "Playground")
    for link in PAGES:
        go(page, link)
        failures += audit(page, link)
    go(page, "Models")
    page.get_by_role("tab", name="Hugging Face Hub").click()
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("button", name="More results").wait_for()
    failures += audit(page, "Models, Hub search results")
    go(page, "Settings")
    page.get_by_role("tab", name="OpenAI").click()
    failures += audit(page, "Settings, another provider's tab")
    assert not failures, "\n".join(failures)


def tab_to(page, name: str, most: int = 40) -> dict:
    """Press Tab until the focused element is the button called ``name``; returns what had the focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_RING)
        if focused["tag"] == "BUTTON" and name in focused["label"].split():  # (its icon's name comes first)
            return focused
    raise AssertionError(f"Tab never reached {name!r}")


@pytest.mark.local_model
def test_the_prompt_run_and_stop_work_from_the_keyboard(page, bundled_model):
    ask_in_playground(page, "Hello", 8)  # (sets a short answer length first)
    page.get_by_test_id("stMetric").first.wait_for()
    box = page.get_by_label("Your message")
    box.fill("Tell me a long story about the sea.")
    box.focus()
    run = tab_to(page, "Run")
    assert run["ring"], "the focused Run button shows no focus ring"
    page.keyboard.press("Enter")
    page.get_by_test_id("stChatMessage").filter(has_text="Tell me a long story about the sea.").wait_for()
    page.get_by_role("button", name="Stop").and_(page.locator(":enabled")).wait_for()
    box.focus()
    stop = tab_to(page, "Stop")
    assert stop["ring"], "the focused Stop button shows no focus ring"
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Stop").and_(page.locator(":disabled")).wait_for(timeout=15_000)
