"""The Council in a real browser, offline on the bundled model: all three stages on screen, and
Stop part-way keeps what happened before it."""

from __future__ import annotations

import time

import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import shot, stale_texts

pytestmark = [pytest.mark.e2e, pytest.mark.local_model]


def open_council(page, question: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Council").click()
    box = page.get_by_role("textbox", name="Question", exact=True)
    box.fill(question)
    page.get_by_test_id("stButtonGroup").get_by_text("Fast", exact=True).click()
    page.get_by_text("Before you run: 5 requests").wait_for()


def test_an_offline_council_shows_every_stage(page, bundled_model):
    open_council(page, "Why do leaves change colour in autumn?")
    page.get_by_role("textbox", name="Question", exact=True).press("Control+Enter")
    page.get_by_text("Stage 1 \u2014 the members answer").first.wait_for()
    page.get_by_text("Waiting for the bundled model, which answers one request at a time").first.wait_for()
    page.get_by_text("Stage 2 \u2014 anonymous reviews").first.wait_for(timeout=120_000)
    # the final answer's own box (the live stage label may say "answer" before the box is drawn)
    page.locator(".st-key-council_final").get_by_text("Chairman: Bundled model (offline)").wait_for(timeout=120_000)
    final = page.evaluate("() => document.querySelector('.st-key-council_final')?.innerText ?? ''")
    assert final.startswith("The council's answer") and len(final) > 80
    page.get_by_text("Labels revealed", exact=False).wait_for()
    assert page.get_by_text("Review by A").count() >= 1
    page.get_by_role("button", name="Transcript (JSON)").wait_for()
    stage1 = page.get_by_test_id("stExpander").filter(has_text="Stage 1 \u2014 the members answer").last
    stage1.locator("summary").first.click()  # the README's picture: the stages open, from the answers down
    stage1.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    shot(page, "council")
    assert page.get_by_test_id("stException").count() == 0
    assert_accessible(page, "Council after a run")
    # a second question: the first run's reviews and answer are gone the moment it starts, and the
    # stage marker spins (it does not show done) while its members answer
    box = page.get_by_role("textbox", name="Question", exact=True)
    box.fill("Name three rivers.")
    box.press("Control+Enter")
    page.get_by_text("Waiting for the bundled model, which answers one request at a time").first.wait_for()
    marker = page.get_by_test_id("stExpander").filter(has_text="Stage 1 \u2014 the members answer").first.inner_text()
    assert "Stage 1 \u2014 the members answer \u2014 done" not in marker  # a member still waits: not done yet
    seen: list[str] = []
    until = time.monotonic() + 4
    while time.monotonic() < until:
        seen += stale_texts(page)
        assert page.get_by_text("Labels revealed", exact=False).count() == 0
        assert page.locator(".st-key-council_final").count() == 0
        time.sleep(0.2)
    assert seen == [], seen


def test_stop_during_the_reviews_keeps_the_answers(page, bundled_model):
    open_council(page, "Write a short story about a lighthouse keeper.")
    page.get_by_role("button", name="Run").click()
    page.get_by_text("Stage 2 \u2014 anonymous reviews").first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Stopped by you during stage 2").wait_for(timeout=10_000)
    page.locator(".st-key-council_answer_A").wait_for()  # the caption is drawn a moment before the kept answers
    answers = page.evaluate("() => document.querySelector('.st-key-council_answer_A')?.innerText ?? ''")
    assert "Answer A" in answers
    assert page.get_by_text("The council's answer").count() == 0
    assert page.get_by_test_id("stException").count() == 0
