"""Compare in a real browser: a shared link opens four slots; Run streams them side by side; a
failing slot shows its error in its own column while the others finish."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from adapters import GenerationParams
from council.runs.compare import SlotSpec
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import app_with_hf_token, shared_comparison, shot

pytestmark = [pytest.mark.e2e, pytest.mark.local_model]

TOKEN = "hf_E2eCompareToken0123456789ab"


@pytest.fixture(scope="module")
def app_with_token(e2e_fake, tmp_path_factory) -> Iterator[str]:
    with app_with_hf_token(e2e_fake, tmp_path_factory, "compare", TOKEN) as url:
        yield url


def column_text(page, slot: int) -> str:
    return page.evaluate(f"() => document.querySelector('.st-key-cmp_answer_{slot}')?.innerText ?? ''")


def test_four_slots_stream_side_by_side_and_a_failure_stays_in_its_column(browser, app_with_token, bundled_model):
    slots = [
        # real ids the fake answers slowly, in pieces (and one the router no longer serves)
        SlotSpec("huggingface", "meta-llama/Llama-3.1-8B-Instruct", "chat", GenerationParams(temperature=0.7, max_new_tokens=64)),
        SlotSpec("huggingface", "Qwen/Qwen2.5-7B-Instruct:fastest", "chat", GenerationParams(temperature=0.7, max_new_tokens=64)),
        SlotSpec("huggingface", "meta-llama/Llama-2-70b-chat-hf", "chat", GenerationParams(temperature=0.7, max_new_tokens=64)),
        SlotSpec("local", "SmolLM2-135M-Instruct", "chat", GenerationParams(temperature=0.0, max_new_tokens=24)),
    ]
    with shared_comparison(browser, app_with_token, "Count slowly to ten.", slots) as page:
        from playwright.sync_api import expect

        expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_have_value(
            "Count slowly to ten."
        )  # (the page may still be redrawing)
        # a browser on this computer is offered the host's token (Streamlit reports it as ::ffff:127.0.0.1)
        assert "token from environment" in page.get_by_test_id("stSidebar").inner_text()

        page.get_by_role("textbox", name="Prompt", exact=True).press("Control+Enter")  # runs from inside the prompt box
        both_streaming = False
        samples = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            first, second = column_text(page, 0), column_text(page, 1)
            samples.append((first[-40:], second[-40:]))
            if "\u258c" in first and "\u258c" in second:  # both columns growing at the same moment
                both_streaming = True
            if page.get_by_text("Export this comparison").count():
                break
            time.sleep(0.03)
        assert both_streaming, f"the two slow slots did not stream at the same time: {samples[::5]}"

        page.get_by_text("Export this comparison").wait_for()
        assert "One, two, three, four, five, six, seven, eight, nine, ten." in column_text(page, 0)
        assert "10. Counted slowly." in column_text(page, 1)
        failed = column_text(page, 2)
        assert "could not be found" in failed.lower() or "not found" in failed.lower(), failed
        assert "Latency" not in failed  # the failure shows its advice, not empty figures
        local = column_text(page, 3)
        assert "Bundled model" in local and "Latency" in local
        assert TOKEN not in page.content()
        assert page.get_by_test_id("stException").count() == 0
        page.get_by_test_id("stDataFrame").filter(
            has_text="Best at"
        ).first.scroll_into_view_if_needed()  # the row at a glance, then the columns
        shot(page, "compare")
        assert_accessible(page, "Compare after a run, one slot failed")


def test_stop_ends_every_slot_within_a_second_and_keeps_what_arrived(browser, app_with_token, e2e_fake):
    from tests.fakes.hf_server import chat_stream

    words = [f" word{i}" for i in range(60)]
    for model in ("acme/long-one", "acme/long-two"):
        reply = chat_stream(model, words)
        reply.gap_s = 0.2  # about 15 s in all: far longer than the test waits
        e2e_fake.enqueue("chat", reply)
    slots = [SlotSpec("huggingface", "acme/long-one"), SlotSpec("huggingface", "acme/long-two")]
    with shared_comparison(browser, app_with_token, "Go on and on.", slots) as page:
        page.get_by_role("button", name="Run").click()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all("word3" in column_text(page, i) for i in (0, 1)):
            time.sleep(0.05)
        page.get_by_role("button", name="Stop").click()
        clicked = time.monotonic()
        page.get_by_text("Stopped by you; what had arrived is kept.").wait_for(timeout=10_000)
        assert time.monotonic() - clicked < 3.0  # (a second to stop, plus the page redrawing in a busy browser)
        for slot in (0, 1):  # the caption is drawn a moment before the kept columns under it
            page.locator(f".st-key-cmp_answer_{slot}").get_by_text("word3").wait_for(timeout=5_000)
        for slot in (0, 1):
            kept = column_text(page, slot)
            assert "word3" in kept and "word59" not in kept, kept
        assert page.get_by_test_id("stException").count() == 0


def test_a_new_run_clears_the_last_one_at_once(browser, app_with_token, e2e_fake):
    """Run once, then again with slow slots: while the second run streams, nothing of the first (its
    answers, export buttons, a faded copy of anything) is on the page."""
    from tests.e2e.conftest import stale_texts
    from tests.fakes.hf_server import chat_stream

    slots = [SlotSpec("huggingface", "acme/first"), SlotSpec("huggingface", "acme/second")]
    with shared_comparison(browser, app_with_token, "First question.", slots) as page:
        page.get_by_role("button", name="Run").click()
        page.get_by_text("Export this comparison").wait_for()
        for model in ("acme/first", "acme/second"):
            reply = chat_stream(model, [f" slow{i}" for i in range(30)])
            reply.gap_s = 0.15
            e2e_fake.enqueue("chat", reply)
        box = page.get_by_role("textbox", name="Prompt", exact=True)
        box.fill("Second question.")
        box.press("Control+Enter")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "slow2" not in column_text(page, 0):
            time.sleep(0.05)
        seen: list[str] = []
        for _ in range(10):  # while the second run streams
            seen += stale_texts(page)
            assert page.get_by_text("Export this comparison").count() == 0
            time.sleep(0.1)
        assert seen == [], seen
        page.get_by_text("Export this comparison").wait_for(timeout=30_000)
        assert page.get_by_test_id("stException").count() == 0
