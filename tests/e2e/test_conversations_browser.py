"""Conversations in a real browser, at 1400 and 800 px: a Playground message edited and its branches
switched, a Compare follow-up sent to every slot, and a second question to the same council."""

from __future__ import annotations

import pytest

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import no_exception_box, page_at, send_in_playground, settled, shot

pytestmark = [pytest.mark.e2e]


def pick_simulator(page) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="Provider").first.click()
    page.keyboard.type("QA simulator")
    page.get_by_role("option", name="QA simulator", exact=False).first.click()


@pytest.mark.parametrize("width", [1400, 800])
def test_edit_a_message_and_switch_its_branches(browser, app_url, width):
    with page_at(browser, app_url, width, height=1800) as page:  # tall: at 800 px the model panel sits below the chat
        pick_simulator(page)
        send_in_playground(page, "Name a colour.")
        page.get_by_text("You asked: \u201cName a colour.\u201d", exact=False).first.wait_for()
        page.locator(".st-key-btn_pg_edit_0 button:not([disabled])").first.click()  # once the answer is in (tools are off meanwhile)
        box = page.get_by_role("textbox", name="Edit your message")
        box.fill("Name a fruit.")
        page.get_by_role("button", name="Save and run").click()
        page.get_by_text("You asked: \u201cName a fruit.\u201d", exact=False).first.wait_for()
        page.get_by_text("2 / 2").first.wait_for()
        assert page.get_by_text("Name a colour.", exact=True).count() == 0  # the old wording is a branch, not shown
        shot(page, f"playground-branches-{width}")
        page.locator(".st-key-btn_pg_prev_2 button:not([disabled])").first.click()  # ← the first wording, with its own answer
        page.get_by_text("You asked: \u201cName a colour.\u201d", exact=False).first.wait_for()
        page.get_by_text("1 / 2").first.wait_for()
        no_exception_box(page)
        if width == 800:
            assert_accessible(page, "Playground with branches at 800 px")


@pytest.mark.parametrize("width", [1400, 800])
def test_a_compare_follow_up_goes_to_every_slot(browser, app_url, width):
    from adapters import GenerationParams
    from council.runs import compare
    from council.runs.compare import SlotSpec

    slots = [SlotSpec("simulator", "sim-echo", "chat", GenerationParams()), SlotSpec("simulator", "sim-two", "chat", GenerationParams())]
    with page_at(browser, app_url, width) as page:
        page.goto(f"{app_url}/compare?{compare.SHARE_PARAM}={compare.share_value('Name a colour.', '', slots)}")
        page.get_by_text("Opened a shared comparison of 2 models").wait_for()
        settled(page)  # as a person reads the note before pressing Run
        page.get_by_role("textbox", name="Prompt", exact=True).press("Control+Enter")
        page.get_by_text("Export this comparison").wait_for()
        settled(page)
        box = page.get_by_role("textbox", name="Follow-up prompt (every slot continues its own conversation)")
        box.fill("Now a shorter one.")
        page.get_by_role("button", name="Send to every slot").click()
        page.get_by_text("Prompt 2: Now a shorter one.").wait_for()
        page.wait_for_function(  # the follow-up has answered in both columns (the last prompt's export is no sign of it)
            "() => [0, 1].map(i => document.querySelector(`.st-key-cmp_answer_${i}`)?.innerText ?? '')"
            ".every(t => t.includes('You asked: \u201cNow a shorter one.\u201d') && t.includes('Latency'))"
        )
        settled(page)
        for slot, model in ((0, "sim-echo"), (1, "sim-two")):
            column = page.evaluate(f"() => document.querySelector('.st-key-cmp_answer_{slot}')?.innerText ?? ''")
            assert model in column and "You asked: \u201cNow a shorter one.\u201d" in column and "Latency" in column, column
        assert page.get_by_text("Prompt 1: Name a colour.").count() == 1  # the first prompt, folded above
        # the headings and the figures under them line up across the columns
        tops = page.evaluate(
            "() => [0, 1].map(i => document.querySelector(`.st-key-cmp_answer_${i} table`)?.getBoundingClientRect().top ?? -1)"
        )
        lefts = page.evaluate("() => [0, 1].map(i => document.querySelector(`.st-key-cmp_answer_${i}`).getBoundingClientRect().left)")
        if lefts[0] != lefts[1]:  # side by side (1400 px): the figures start at the same height
            assert abs(tops[0] - tops[1]) < 2, tops
        shot(page, f"compare-follow-up-{width}")
        no_exception_box(page)


@pytest.mark.local_model
@pytest.mark.parametrize("width", [1400, 800])
def test_a_second_question_to_the_same_council(browser, app_url, bundled_model, width):
    link = ""
    with page_at(browser, app_url, width) as page:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Council").click() if width == 1400 else page.goto(
            f"{app_url}/council"
        )
        box = page.get_by_role("textbox", name="Question", exact=True)
        box.fill("Name a river.")
        page.get_by_test_id("stButtonGroup").get_by_text("Fast", exact=True).click()
        page.get_by_text("Before you run: 5 requests").wait_for()
        box.press("Control+Enter")
        page.locator(".st-key-council_final").wait_for(timeout=120_000)
        settled(page)
        follow = page.get_by_role("textbox", name="Follow-up question")
        follow.fill("And another one?")
        page.get_by_role("button", name="Ask the council").click()
        page.get_by_text("Question 2: And another one?").first.wait_for()
        page.locator(".st-key-council_final").wait_for(timeout=120_000)
        page.get_by_text("Question 1: Name a river.").first.wait_for()
        page.get_by_text("Requests sent over 2 questions", exact=False).wait_for()
        shot(page, f"council-follow-up-{width}")
        no_exception_box(page)
        if width == 800:
            return
        settled(page)  # and shared: someone else opens it read-only, with both questions, and continues it
        page.get_by_text("Share this council run").click()
        page.get_by_role("button", name="Make a link").click()
        link = (page.get_by_test_id("stCode").filter(has_text="share=").first.text_content() or "").strip()
    with page_at(browser, link, 1400, heading="Council") as visitor:
        visitor.get_by_text("A shared council run, read-only", exact=False).wait_for()
        visitor.get_by_text("Question 1: Name a river.").first.wait_for()
        visitor.get_by_role("button", name="Continue in my Council").click()
        visitor.get_by_role("textbox", name="Follow-up question").wait_for()  # theirs now: a third question can follow
        no_exception_box(visitor)


def test_a_shared_conversation_opens_read_only_and_continues(browser, app_url):
    with page_at(browser, app_url, 1400) as page:
        pick_simulator(page)
        send_in_playground(page, "What is a council?")
        page.get_by_text("You asked: \u201cWhat is a council?\u201d", exact=False).first.wait_for()
        settled(page)
        page.get_by_text("Share this conversation").click()
        page.get_by_role("button", name="Make a link").click()
        link = (page.get_by_test_id("stCode").filter(has_text="share=").first.text_content() or "").strip()
        assert "share=r1." in link and "hf_" not in link
    with page_at(browser, link, 800) as visitor:  # someone else, in another browser
        visitor.get_by_text("A shared conversation with sim-echo", exact=False).wait_for()
        assert visitor.get_by_label("Your message").count() == 0  # read-only
        visitor.get_by_role("button", name="Continue in my Playground").click()
        visitor.get_by_label("Your message").wait_for()
        visitor.get_by_text("What is a council?").first.wait_for()
        assert "share=" not in visitor.url
        no_exception_box(visitor)
