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
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from statistics import mean
from typing import Any

from adapters import GenerationParams, Message
from adapters import errors as err
from council.facts import pricing
from council.runs import providers, service
from council.runs.compare import LABELS, SlotRun, fan_out
from council.runs.records import Answer, Transcript
from council.runs.resilience import RetryLayer, Target
from council.runs.routing import Member
from council.runs.turns import TurnResult
from council.settings import RetrySettings
from council.storage.response_cache import ResponseCache

SCHEMA_VERSION = 1
CHAIR = "chair"


@dataclass(frozen=True)
class Budget:
    """Max new tokens per stage."""

    answer: int = 384
    review: int = 256
    final: int = 512


OFFLINE_BUDGET = Budget(answer=96, review=96, final=160)  # the bundled model answers one request at a time


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


# ---- prompts -----------------------------------------------------------------------------------


def member_messages(member: Member, question: str) -> list[Message]:
    system = [Message("system", f"You are {member.persona}")] if member.persona else []
    return [*system, Message("user", question)]


def review_prompt(question: str, order: Sequence[str], answers: dict[str, str]) -> str:
    shown = "\n\n".join(f"Answer {label}:\n{answers[label].strip()}" for label in order)
    return (
        "You are one of several experts reviewing anonymous answers to the same question.\n\n"
        f"Question:\n{question}\n\n{shown}\n\n"
        "Briefly assess each answer for accuracy, completeness and clarity. Then finish with the line\n"
        "FINAL RANKING:\n"
        "followed by a numbered list of the answers from best to worst, one per line, written as\n"
        "1. Answer <label>\n2. Answer <label>"
    )


CHAIR_INSTRUCTIONS = (
    "You chair a council of models. Members answered a question, then ranked each other's answers anonymously "
    "(rank 1 is best). Write the single best final answer to the question: keep the strongest points, correct any "
    "mistakes, and do not mention the council, the reviews or the labels."
)


def chair_messages(chairman: Member, question: str, answers: dict[str, str], aggregate: list[dict]) -> list[Message]:
    """The instructions as the system message; the question, answers and rankings as the user's."""
    ranks = {a["label"]: a for a in aggregate}
    parts = []
    for label, text in answers.items():
        a = ranks.get(label) or {}
        standing = f"average rank {a['avg_rank']:.2f} from {a['votes']} review(s)" if a.get("avg_rank") is not None else "not ranked"
        parts.append(f"Answer {label} ({standing}):\n{text.strip()}")
    system = (f"You are {chairman.persona} " if chairman.persona else "") + CHAIR_INSTRUCTIONS
    user = f"Question:\n{question}\n\n" + "\n\n".join(parts) + "\n\nYour final answer to the question:"
    return [Message("system", system), Message("user", user)]


# ---- parsing and aggregating reviews -----------------------------------------------------------

_HEADER = re.compile(r"final\s+ranking\s*:?", re.I)
_NUMBERED = re.compile(r"^\s*(?:\d+[.):]|#\d+|[-*])\s*(?:\*\*)?\s*(?:answer|response)?\s*\(?([A-Z])\)?\b", re.I | re.M)
_MENTION = re.compile(r"\b(?:answer|response)\s+([A-Z])\b", re.I)


def parse_ranking(text: str, allowed: Sequence[str]) -> tuple[list[str], bool]:
    """The labels a review ranked, best first, and whether a ranking was found.

    In order of trust: the numbered list (or failing that the "Answer X" mentions) after the last
    ``FINAL RANKING`` header; else the last numbered list of labels anywhere. Prose without either
    is not guessed at. Unknown labels and repeats are dropped.
    """
    allowed_set = {a.upper() for a in allowed}

    def clean(labels: list[str]) -> list[str]:
        out: list[str] = []
        for label in (x.upper() for x in labels):
            if label in allowed_set and label not in out:
                out.append(label)
        return out

    headers = list(_HEADER.finditer(text))
    if headers:
        tail = text[headers[-1].end() :]
        ranking = clean(_NUMBERED.findall(tail)) or clean(_MENTION.findall(tail))
        if ranking:
            return ranking, True
    blocks = re.split(r"\n\s*\n", text)
    for block in reversed(blocks):
        ranking = clean(_NUMBERED.findall(block))
        if len(ranking) >= min(2, len(allowed_set)):
            return ranking, True
    return [], False


def kendall_tau(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Kendall's tau between two rankings over the items both ranked (None with fewer than two)."""
    common = [x for x in a if x in b]
    if len(common) < 2:
        return None
    pos_b = {x: i for i, x in enumerate(b)}
    pos_a = {x: i for i, x in enumerate(a)}
    score = 0
    for x, y in combinations(common, 2):
        score += 1 if (pos_a[x] - pos_a[y]) * (pos_b[x] - pos_b[y]) > 0 else -1
    return score / (len(common) * (len(common) - 1) / 2)


def aggregate(seats: Sequence[tuple[str, str, str]], reviews: Sequence[dict]) -> list[dict]:
    """Each member's average rank among the parsed reviews and how many ranked it (``avg_rank``
    None with no votes), best first. ``seats``: (label, provider, model)."""
    out = []
    for label, provider, model in seats:
        ranks = [r["ranking"].index(label) + 1 for r in reviews if r["parsed"] and label in r["ranking"]]
        out.append({"label": label, "provider": provider, "model": model, "avg_rank": mean(ranks) if ranks else None, "votes": len(ranks)})
    return sorted(out, key=lambda a: (a["avg_rank"] is None, a["avg_rank"] or 0.0, a["label"]))


def consensus(reviews: Sequence[dict]) -> float | None:
    """Mean pairwise Kendall tau between parsed reviews (None with fewer than two)."""
    parsed = [r["ranking"] for r in reviews if r["parsed"]]
    if len(parsed) < 2:
        return None
    taus = [t for a, b in combinations(parsed, 2) if (t := kendall_tau(a, b)) is not None]
    return mean(taus) if taus else None


def review_orders(labels: Sequence[str], rng: random.Random) -> dict[str, list[str]]:
    """For each reviewer, the others' labels in an order shuffled for it alone (its own left out)."""
    orders = {}
    for reviewer in labels:
        others = [x for x in labels if x != reviewer]
        rng.shuffle(others)
        orders[reviewer] = others
    return orders


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


# ---- the estimate before Run ----------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    requests: int
    tokens_in: int
    tokens_out: int
    cost_usd: float | None  # None when a price is unknown
    by_provider: dict[str, int]  # requests per provider
    cost_by_provider: dict[str, float | None] = field(default_factory=dict)  # USD per provider (None: price unknown)


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def estimate(question: str, members: Sequence[Member], chairman: Member, budget: Budget) -> Estimate:
    """Requests (members + reviewers + chairman), tokens and cost, before anything is sent. Tokens
    are estimated (about four characters a token) with every answer at its maximum length."""
    n = len(members)
    q = _tokens(question) + 20
    calls: list[tuple[Member, int, int]] = []
    for m in members:
        calls.append((m, q + (_tokens(m.persona or "")), budget.answer))
    for m in members:
        calls.append((m, q + 80 + (n - 1) * budget.answer, budget.review))
    calls.append((chairman, q + 80 + n * (budget.answer + 10), budget.final))
    cost: float | None = 0.0
    by_provider: dict[str, int] = {}
    cost_by: dict[str, float | None] = {}
    for m, tin, tout in calls:
        by_provider[m.provider] = by_provider.get(m.provider, 0) + 1
        price = pricing.prices(m.provider, m.model)
        one = None if price is None else (tin * price[0] + tout * price[1]) / 1_000_000
        cost = None if cost is None or one is None else cost + one
        before = cost_by.get(m.provider, 0.0)
        cost_by[m.provider] = None if before is None or one is None else before + one
    return Estimate(len(calls), sum(c[1] for c in calls), sum(c[2] for c in calls), cost, by_provider, cost_by)
