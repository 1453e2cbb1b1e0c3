"""Prompt sets in a real browser: paste a set, run it on the bundled model and the QA simulator, watch the
run on the server fill the grid, score an answer, export — and the page passes the accessibility audit."""

from __future__ import annotations

import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.e2e, pytest.mark.local_model]


def test_a_pasted_set_runs_on_two_models_and_is_scored_and_exported(page, bundled_model):
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Prompt sets").click()
    page.get_by_role("textbox", name="One prompt a line").fill("What is the capital of France?\nName a primary colour.")
    page.get_by_role("button", name="Use these prompts").click()
    page.get_by_text("2 prompts.", exact=False).wait_for()
    models = page.get_by_role("spinbutton", name="Models")
    models.fill("2")
    models.press("Enter")
    slot = page.locator(".st-key-ps_slot_1")
    slot.get_by_test_id("stSelectbox").filter(has_text="Provider").click()
    page.keyboard.type("QA simulator")  # the list is long: typing filters it
    page.get_by_role("option", name="QA simulator", exact=False).first.click()
    page.get_by_text("Before you run: 4 answers, 4 requests in all", exact=False).wait_for()
    assert_accessible(page, "Prompt sets before a run")
    page.get_by_role("button", name="Run the set").click()
    page.get_by_text("4 of 4 answers \u00b7 0 failed", exact=False).wait_for(timeout=180_000)
    page.get_by_text("\u2605 the best of each measure", exact=False).wait_for()
    page.get_by_text("One answer in full").wait_for()
    score = page.locator(".st-key-ps_cell")
    score.get_by_test_id("stButtonGroup").get_by_text("Pass", exact=True).click()
    score.get_by_role("button", name="Save my score").click()
    page.get_by_text("Saved your score", exact=False).wait_for()
    for label in ("CSV", "JSON", "Markdown"):
        page.get_by_role("button", name=label, exact=True).wait_for()
    shot(page, "prompt-sets")
    assert page.get_by_test_id("stException").count() == 0
    assert_accessible(page, "Prompt sets after a run")
