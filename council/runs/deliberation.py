"""The Council's three stages, with no Streamlit: members answer (concurrently, through the same
fan-out as Compare), review each other anonymously, and a chairman writes the final answer.

- Every member gets one global label (A, B, …) for the whole run. Each reviewer sees the other
  answers that arrived, under their labels, in an order shuffled for it alone, never its own; it
  ends with ``FINAL RANKING:`` and a numbered list, parsed with fallbacks for sloppy output (an
  unparsable review is kept with ``parsed: false`` and never stops the run).
- Failures fall back along the user's fallback order (the transcript says who answered and why);
  a member that fails entirely is shown as failed, and the council goes on while two remain.
- The transcript (a dict, ``schema_version`` 1) is filled in place as the stages go, so a run that
  is stopped part-way still has everything that happened before.

The prompts live in ``council_prompts``, the ranking maths in ``ranking``, the estimate before Run
in ``council_estimate``; this module runs the stages.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters import GenerationParams, Message
from adapters import errors as err
from council.facts import pricing
from council.runs import providers, service
from council.runs.compare import LABELS, SlotRun, fan_out
from council.runs.council_estimate import Budget
from council.runs.council_prompts import chair_messages, member_messages, review_prompt
from council.runs.ranking import aggregate, consensus, parse_ranking, review_orders
from council.runs.records import Answer, Transcript
from council.runs.resilience import RetryLayer, Target
from council.runs.routing import Member
from council.runs.turns import TurnResult
from council.settings import RetrySettings
from council.storage.response_cache import ResponseCache

CHAIR = "chair"


@dataclass
class Observer:
    """How the page follows a run (every callback optional)."""

    stage: Callable[[int], None] | None = None  # a stage starts
    text: Callable[[int, str, str], None] | None = None  # (stage, label or "chair", text so far)
    queued: Callable[[int, str], None] | None = None  # waiting for the bundled model
    done: Callable[[int, str, TurnResult | None], None] | None = None
    layer: Callable[[int, str], RetryLayer] | None = None  # the retry layer for (stage, label): the page's countdown


@dataclass
class Context:
    connection: providers.Connection
    fallback_order: Sequence[str] = ()
    settings: RetrySettings = field(default_factory=RetrySettings)
    guard: Callable | None = None
    observer: Observer = field(default_factory=Observer)
    rng: random.Random = field(default_factory=random.Random)
    live: dict[str, list[str]] | None = None
    cache: ResponseCache | None = None


# ---- running -----------------------------------------------------------------------------------


def _error(exc: err.ProviderError | None) -> dict | None:
    return None if exc is None else {"kind": exc.kind, "status": exc.status, "message": exc.user_message}


def _fallback_from(result: TurnResult) -> dict | None:
    if not result.attribution.fallbacks:
        return None
    provider, model, reason = result.attribution.fallbacks[0]
    failed = [a for a in result.attribution.attempts if a.provider == provider and a.outcome != "ok"]
    last = failed[-1] if failed else None
    return {
        "provider": provider,
        "model": model,
        "kind": last.outcome if last else None,
        "status": last.status if last else None,
        "message": reason,
    }


def _targets(member: Member, messages: list[Message], max_new: int, ctx: Context) -> list[Target]:
    params = GenerationParams(temperature=member.temperature if member.temperature is not None else 0.7, max_new_tokens=max_new)
    return service.plan(member.provider, member.model, messages, params, ctx.connection, fallback_order=ctx.fallback_order, live=ctx.live)


async def _stage(stage: int, jobs: list[tuple[str, Member, list[Message], int]], ctx: Context) -> dict[str, TurnResult | err.ProviderError]:
    """Run one stage's requests at once (the bundled model's take turns); label → result or the error
    that kept it from being sent."""
    obs = ctx.observer
    runs: list[SlotRun] = []
    labels: list[str] = []
    out: dict[str, TurnResult | err.ProviderError] = {}
    for label, member, messages, max_new in jobs:
        try:
            targets = _targets(member, messages, max_new, ctx)
        except Exception as exc:
            out[label] = providers.describe_error(exc)
            continue
        layer = obs.layer(stage, label) if obs.layer else RetryLayer(ctx.settings, guard=ctx.guard)

        def on_text(text: str, label: str = label) -> None:
            if obs.text:
                obs.text(stage, label, text)

        def on_queued(label: str = label) -> None:
            if obs.queued:
                obs.queued(stage, label)

        def on_done(result: TurnResult, label: str = label) -> None:
            if obs.done:
                obs.done(stage, label, result)

        runs.append(SlotRun(targets, layer, on_text, on_queued=on_queued, on_done=on_done, cache=ctx.cache))
        labels.append(label)
    results = await fan_out(runs, kind="council")
    out.update(dict(zip(labels, results, strict=True)))
    return out


def new_transcript(question: str, task: str, mode: str, members: Sequence[Member], chairman: Member) -> dict[str, Any]:
    return Transcript(
        question,
        task,
        mode,
        members=[
            {"label": LABELS[i], "provider": m.provider, "model": m.model, "persona": m.persona_name or None} for i, m in enumerate(members)
        ],
        chairman={"provider": chairman.provider, "model": chairman.model, "persona": chairman.persona_name or None},
    ).to_dict()


def _seat(label: str, member: Member, result: TurnResult | err.ProviderError) -> dict[str, Any]:
    """A stage-1 or chairman entry: who answered (a fallback, when one did), the text, and any failure."""
    if not isinstance(result, TurnResult):
        return Answer.failed(member.provider, member.model, result).seat(label)
    answer = Answer.from_turn(result)
    answer.provider, answer.model = result.provider or member.provider, result.model or member.model
    entry = answer.seat(label, fallback_from=_fallback_from(result))
    if result.error is None and not result.text.strip():
        entry["error"] = {"kind": "empty", "status": None, "message": "The model returned an empty answer."}
    return entry


def _account(transcript: dict, result: TurnResult | err.ProviderError) -> None:
    if isinstance(result, TurnResult) and not result.attribution.cached:
        transcript["requests"] += len(result.attribution.attempts)
        cost = pricing.cost_usd(result.provider, result.model, result.usage) if result.provider else None
        if cost is not None:
            transcript["cost_usd"] = (transcript["cost_usd"] or 0.0) + cost


async def deliberate(
    question: str,
    task: str,
    mode: str,
    members: Sequence[Member],
    chairman: Member,
    ctx: Context,
    *,
    budget: Budget = Budget(),
    transcript: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the three stages; returns (and fills in place) the transcript."""
    if len(members) < 2:
        raise ValueError("A council needs at least two members.")
    if len(members) > len(LABELS):
        raise ValueError(f"A council has at most {len(LABELS)} members.")
    t = transcript if transcript is not None else {}
    t.update(new_transcript(question, task, mode, members, chairman))
    seats = {LABELS[i]: m for i, m in enumerate(members)}
    obs = ctx.observer

    # Stage 1: every member answers.
    t["stopped_in_stage"] = 1
    if obs.stage:
        obs.stage(1)
    first = await _stage(1, [(label, m, member_messages(m, question), budget.answer) for label, m in seats.items()], ctx)
    answers: dict[str, str] = {}
    for label, m in seats.items():
        result = first[label]
        _account(t, result)
        entry = _seat(label, m, result)
        t["stage1"].append(entry)
        if entry["error"] is None:
            answers[label] = result.text
    if len(answers) < 2:
        t["stopped_in_stage"] = None
        t["note"] = f"Only {len(answers)} member(s) answered; a council needs at least two, so it stopped after stage 1."
        return t

    # Stage 2: each member that answered reviews the others, anonymously, in its own order.
    t["stopped_in_stage"] = 2
    if obs.stage:
        obs.stage(2)
    orders = review_orders(list(answers), ctx.rng)
    jobs = [(label, seats[label], [Message("user", review_prompt(question, orders[label], answers))], budget.review) for label in answers]
    second = await _stage(2, jobs, ctx)
    for label in answers:
        result = second[label]
        _account(t, result)
        text = result.text if isinstance(result, TurnResult) else ""
        failure = result.error if isinstance(result, TurnResult) else result
        ranking, parsed = parse_ranking(text, orders[label]) if text else ([], False)
        t["stage2"].append(
            {
                "reviewer_label": label,
                "reviewer": {
                    "provider": (result.provider if isinstance(result, TurnResult) and result.provider else seats[label].provider),
                    "model": (result.model if isinstance(result, TurnResult) and result.model else seats[label].model),
                },
                "order": orders[label],
                "ranking": ranking,
                "parsed": parsed,
                "text": text,
                "latency_s": result.metrics.latency_s if isinstance(result, TurnResult) else None,
                "error": _error(failure),
            }
        )
    answered_by = {e["label"]: (e["provider"], e["model"]) for e in t["stage1"]}
    t["aggregate"] = aggregate([(label, *answered_by[label]) for label in answers], t["stage2"])
    t["consensus"] = consensus(t["stage2"])
    t["label_map"] = {label: f"{answered_by[label][0]}:{answered_by[label][1]}" for label in seats}

    # Stage 3: the chairman writes the final answer.
    t["stopped_in_stage"] = 3
    if obs.stage:
        obs.stage(3)
    messages = chair_messages(chairman, question, answers, t["aggregate"])
    third = (await _stage(3, [(CHAIR, chairman, messages, budget.final)], ctx))[CHAIR]
    _account(t, third)
    t["final"] = _seat("", chairman, third)
    if isinstance(third, TurnResult) and third.error is None and not third.text.strip():
        t["final"]["error"] = None  # an empty final answer is shown as such, not as a failure
    t["stopped_in_stage"] = None
    return t
