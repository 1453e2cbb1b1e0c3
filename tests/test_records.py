"""The typed records are the working model: a council transcript holds ``Seat``s and ``Review``s with
``Answer`` objects, a comparison ``SlotRecord``s, a Playground conversation ``ChatTurn``s — and each
leaves the process only through ``to_dict``, the contract History, exports and the JSON keep."""

from __future__ import annotations

import random

from adapters import errors as err
from council.runs import compare, deliberation, exports, routing
from council.runs.compare import SlotSpec
from council.runs.providers import Connection
from council.runs.records import Answer, ChatTurn, Comparison, Seat, Transcript
from council.runs.turns import TurnMetrics, TurnResult, error_to_dict
from council.settings import RetrySettings
from council.storage.usage import ledger

ERROR_KEYS = set(error_to_dict(err.RateLimitError(provider="groq", model="m")))


def _council(scenario: str) -> tuple[list, routing.Member, deliberation.Context]:
    from adapters.simulator import Scenario

    conn = Connection(tokens={}, base_urls={}, simulator=Scenario(scenario, tokens_per_s=2000.0))
    members = routing.offline_members(3, routing.SIMULATOR, routing.SIMULATOR_MODEL)
    chair = routing.offline_chair(routing.SIMULATOR, routing.SIMULATOR_MODEL)
    return members, chair, deliberation.Context(conn, settings=RetrySettings(1, 5.0), rng=random.Random(5))


async def test_a_council_run_is_typed_from_the_stages_to_the_page_and_round_trips_through_its_contract():
    members, chair, ctx = _council("ok")
    t = await deliberation.deliberate("Why is the sky blue?", "general", "balanced", members, chair, ctx)
    assert isinstance(t, Transcript) and all(isinstance(s, Seat) and isinstance(s.answer, Answer) for s in t.stage1)
    assert t.final is not None and t.final.ok and t.final.method == "synthesis" and t.final.tries >= 1
    saved = t.to_dict()  # what History, the CLI and the downloads keep
    assert saved["schema_version"] == 1 and saved["final"]["tries"] == t.final.tries and "bias" in saved
    assert Transcript.from_dict(saved).to_dict() == saved  # read back, nothing lost or added
    assert exports.transcript_json(Transcript.from_dict(saved)) == exports.transcript_json(t)
    assert ledger().count() == 0


async def test_every_failure_in_a_transcript_has_the_one_error_shape():
    """A failed seat, a failed review and a seat that said nothing carry the same error dict as a Compare
    slot or a Playground turn (no second, shorter 'brief')."""
    members, chair, ctx = _council("auth")
    t = await deliberation.deliberate("Hello?", "general", "balanced", members, chair, ctx)
    assert all(set(s.answer.error) == ERROR_KEYS for s in t.stage1)
    assert all(e["error"]["kind"] == "auth" and set(e["error"]) == ERROR_KEYS for e in t.to_dict()["stage1"])
    empty = deliberation._seat("A", members[0], TurnResult(text="  ", provider="simulator", model="m"))
    assert empty.answer.error["kind"] == "empty" and set(empty.answer.error) == ERROR_KEYS


async def test_a_member_that_cannot_even_be_sent_is_a_seat_like_any_other():
    """No ``TurnResult | ProviderError`` union: a bad address becomes a result with that error, said on its cell."""
    members, chair, ctx = _council("ok")
    members = [routing.Member("openai-compatible", "m"), *members[:2]]  # no base URL: it cannot be sent
    seen: list[tuple[int, str, TurnResult]] = []
    ctx.observer = deliberation.Observer(done=lambda stage, label, result: seen.append((stage, label, result)))
    t = await deliberation.deliberate("Hello?", "general", "balanced", members, chair, ctx)
    first = t.seat("A")
    assert first is not None and not first.ok and first.answer.provider == "openai-compatible"
    assert set(first.answer.error) == ERROR_KEYS and t.final is not None and t.final.ok  # the two others went on
    assert any(stage == 1 and label == "A" and result.error is not None for stage, label, result in seen)


def test_a_transcript_saved_before_reads_and_shows():
    """History holds transcripts from before this change: a brief error, no bias, no tries."""
    old = {
        "schema_version": 1,
        "question": "Q?",
        "task": "general",
        "mode": "fast",
        "members": [{"label": "A", "provider": "groq", "model": "m", "persona": None}],
        "chairman": {"provider": "groq", "model": "m", "persona": None},
        "stage1": [
            {
                "label": "A",
                "provider": "groq",
                "model": "m",
                "text": "",
                "latency_s": None,
                "fallback_from": None,
                "error": {"kind": "rate_limit", "status": 429, "message": "Slow down."},
            }
        ],
        "stage2": [],
        "aggregate": [],
        "consensus": None,
        "label_map": {},
        "final": None,
        "requests": 1,
        "cost_usd": None,
        "stopped_in_stage": None,
        "note": "Only 0 member(s) answered.",
        "a_later_field": [1, 2],
    }
    t = Transcript.from_dict(old)
    assert t.seat("A").answer.error["status"] == 429 and t.more == {"a_later_field": [1, 2]}
    assert t.to_dict() == old
    assert "Slow down." in exports.transcript_markdown(t)


def test_a_comparison_is_typed_and_its_exports_still_take_what_history_stores():
    specs = [SlotSpec("groq", "m1"), SlotSpec("openai", "m2")]
    ok = TurnResult(text="=1+1", provider="groq", model="m1", metrics=TurnMetrics(latency_s=1.0, prompt_tokens=3, completion_tokens=2))
    slots = [compare.slot_record(0, specs[0], ok), compare.failed_record(1, specs[1], err.ProviderUnavailableError(provider="openai"))]
    rec = compare.record("Hi", "", slots, blind=True, order=[1, 0])
    assert isinstance(rec, Comparison) and compare.voteable(rec) == ["B"] and compare.label_of(rec, 0) == "B"
    saved = rec.to_dict()
    assert Comparison.from_dict(saved).to_dict() == saved
    assert set(saved["slots"][1]["error"]) == ERROR_KEYS
    # DESIGN.md's stable entry point: comparison_csv with a comparison as History stores it
    assert exports.comparison_csv(saved) == exports.comparison_csv(rec) and "'=1+1" in exports.comparison_csv(saved)


def test_a_playground_conversation_keeps_answers_as_records():
    answer = Answer("groq", "m", text="Paris.", metrics=TurnMetrics(latency_s=0.5), extra={"notes": ["temperature was refused"]})
    turns = [ChatTurn("user", "Capital of France?"), ChatTurn("assistant", answer.text, answer)]
    saved = [t.to_dict() for t in turns]
    assert saved[1]["meta"]["extra"]["notes"] == ["temperature was refused"] and saved[0]["meta"] == {}
    back = [ChatTurn.from_dict(t) for t in saved]
    assert back[0].answer is None and back[1].answer.text == "Paris." and back[1].answer.metrics.latency_s == 0.5


def test_a_saved_runs_files_keep_their_hash_when_their_bytes_are_not_read_back():
    import io

    from PIL import Image

    from council.runs import attachments

    buf = io.BytesIO()
    Image.new("RGB", (20, 10)).save(buf, "PNG")
    image = attachments.prepare(buf.getvalue(), "dot.png")
    t = Transcript("Q?", "general", "fast", [], {}, attachments=(image,))
    saved = t.to_dict()
    assert saved["files"][0]["sha256"] == attachments.digest(image.data)
    back = Transcript.from_dict(saved)  # names only: the bytes stay in the file store
    assert back.attachments[0].data == b"" and back.to_dict()["files"] == saved["files"]
