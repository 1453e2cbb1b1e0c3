"""The Council's three stages, with no Streamlit: members answer (concurrently, through the same
fan-out as Compare), review each other anonymously, and a chairman writes the final answer.

- Every member gets one global label (A, B, …) for the whole run. Each reviewer sees the other
  answers that arrived, under their labels, in an order shuffled for it alone, never its own; it
  ends with ``FINAL RANKING:`` and a numbered list, parsed with fallbacks for sloppy output (an
  unparsable review is kept with ``parsed: false`` and never stops the run).
- Failures fall back along the user's fallback order (the transcript says who answered and why);
  a member that fails entirely is shown as failed, and the council goes on while two remain.
- The transcript (a typed ``Transcript`` of ``Seat``s and ``Review``s; its ``to_dict`` is the
  ``schema_version`` 1 contract) is filled in place as the stages go, so a run that is stopped
  part-way still has everything that happened before.

The prompts live in ``council_prompts``, the ranking maths in ``ranking``, the estimate before Run
in ``council_estimate``; this module runs the stages.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from adapters import Attachment, GenerationParams, Message, OutputFormat
from adapters import errors as err
from council.facts import availability, capabilities, pricing
from council.facts.capabilities import GRAMMAR, TEXT
from council.runs import bias, providers, service
from council.runs.compare import LABELS, SlotRun, fan_out
from council.runs.council_estimate import Budget
from council.runs.council_prompts import (
    Earlier,
    asked,
    chair_messages,
    echoes_prompt,
    member_messages,
    plain_chair_messages,
    review_prompt,
    structured_review_prompt,
)
from council.runs.ranking import aggregate, agreement, parse_ranking, read_review, review_grammar, review_orders, review_schema
from council.runs.records import Answer, Review, Seat, Transcript
from council.runs.resilience import RetryLayer, Target
from council.runs.routing import Member
from council.runs.turns import TurnResult, error_to_dict
from council.settings import RetrySettings
from council.storage.response_cache import ResponseCache

CHAIR = "chair"


@dataclass
class Observer:
    """How the page follows a run (every callback optional)."""

    stage: Callable[[int], None] | None = None  # a stage starts
    text: Callable[[int, str, str], None] | None = None  # (stage, label or "chair", text so far)
    queued: Callable[[int, str], None] | None = None  # waiting for the bundled model
    done: Callable[[int, str, TurnResult], None] | None = None
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
    attachments: tuple[Attachment, ...] = ()  # the material asked about: every member, reviewer and the chairman see it
    both_orders: bool = True  # each review asked twice, the answers as shown and reversed; only what both agree on counts


# ---- running -----------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Job:
    """One request of a stage: whose seat, what it is asked, how long it may answer, in what form."""

    label: str
    member: Member
    messages: list[Message]
    max_new: int
    output: OutputFormat | None = None
    temperature: float | None = None  # None: the member's own


def _targets(job: Job, ctx: Context) -> list[Target]:
    member = job.member
    temperature = job.temperature if job.temperature is not None else member.temperature if member.temperature is not None else 0.7
    params = GenerationParams(temperature=temperature, max_new_tokens=job.max_new)
    messages = job.messages
    if ctx.attachments:  # the material goes with the last question each is asked (a model that cannot read it fails its seat, said)
        last = max(i for i, m in enumerate(messages) if m.role == "user")
        messages = [*messages[:last], dataclasses.replace(messages[last], attachments=ctx.attachments), *messages[last + 1 :]]
    return service.plan(
        member.provider,
        member.model,
        messages,
        params,
        ctx.connection,
        fallback_order=ctx.fallback_order,
        live=ctx.live,
        output=job.output,
    )


async def _stage(stage: int, jobs: list[Job], ctx: Context) -> dict[str, TurnResult]:
    """Run one stage's requests at once (the bundled model's take turns); label → its result. A request
    that could not even be sent (a bad address, a conversation too long) is a result with that error."""
    obs = ctx.observer
    runs: list[SlotRun] = []
    labels: list[str] = []
    out: dict[str, TurnResult] = {}
    for job in jobs:
        label = job.label
        try:
            targets = _targets(job, ctx)
        except Exception as exc:
            error = providers.as_provider_error(exc)
            out[label] = TurnResult(provider=job.member.provider, model=job.member.model, error=error)
            if obs.done:
                obs.done(stage, label, out[label])
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


def new_transcript(question: str, task: str, mode: str, members: Sequence[Member], chairman: Member) -> Transcript:
    return Transcript(
        question,
        task,
        mode,
        members=[
            {"label": LABELS[i], "provider": m.provider, "model": m.model, "persona": m.persona_name or None} for i, m in enumerate(members)
        ],
        chairman={"provider": chairman.provider, "model": chairman.model, "persona": chairman.persona_name or None},
    )


def _seat(label: str, member: Member, result: TurnResult) -> Seat:
    """A stage-1 or chairman seat: who answered (a fallback, when one did), the text, and any failure."""
    answer = Answer.from_turn(result)
    answer.provider, answer.model = result.provider or member.provider, result.model or member.model
    if answer.error is None and not answer.text.strip():
        answer.error = error_to_dict(err.EmptyAnswerError(provider=answer.provider, model=answer.model))
    return Seat(label, answer, _fallback_from(result))


def _account(transcript: Transcript, result: TurnResult) -> None:
    if not result.attribution.cached:
        transcript.requests += len(result.attribution.attempts)
        sent = bool(result.attribution.attempts)  # a request that never left has no cost
        cost = pricing.cost_usd(result.provider, result.model, result.usage) if sent and result.provider else None
        if cost is not None:
            transcript.cost_usd = (transcript.cost_usd or 0.0) + cost


async def deliberate(
    question: str,
    task: str,
    mode: str,
    members: Sequence[Member],
    chairman: Member,
    ctx: Context,
    *,
    budget: Budget = Budget(),
    transcript: Transcript | None = None,
    earlier: Sequence[Transcript] = (),
) -> Transcript:
    """Run the three stages; returns the transcript, filled in place as the stages go (pass a fresh
    ``new_transcript`` to keep what a stopped run had done). ``earlier``: the rounds before this one, for a
    follow-up question — each member sees them with its own answers and the council's final answers,
    reviewers and the chairman see what the question follows; the review stage runs afresh."""
    if len(members) < 2:
        raise ValueError("A council needs at least two members.")
    if len(members) > len(LABELS):
        raise ValueError(f"A council has at most {len(LABELS)} members.")
    t = transcript if transcript is not None else new_transcript(question, task, mode, members, chairman)
    t.earlier = list(earlier)
    seats = {LABELS[i]: m for i, m in enumerate(members)}
    before = {label: [_earlier(r, label) for r in earlier] for label in seats}
    context = asked(question, before[LABELS[0]])  # what reviewers and the chairman read as the question
    obs = ctx.observer

    # Stage 1: every member answers.
    t.stopped_in_stage = 1
    if obs.stage:
        obs.stage(1)
    first = await _stage(1, [Job(label, m, member_messages(m, question, before[label]), budget.answer) for label, m in seats.items()], ctx)
    answers: dict[str, str] = {}
    for label, m in seats.items():
        _account(t, first[label])
        seat = _seat(label, m, first[label])
        t.stage1.append(seat)
        if seat.ok:
            answers[label] = seat.answer.text
    if len(answers) < 2:
        t.stopped_in_stage = None
        t.note = f"Only {len(answers)} member(s) answered; a council needs at least two, so it stopped after stage 1."
        return t

    # Stage 2: each member that answered reviews the others, anonymously, in its own order.
    t.stopped_in_stage = 2
    if obs.stage:
        obs.stage(2)
    orders = review_orders(list(answers), ctx.rng)
    if ctx.both_orders:  # the same review with the answers reversed, asked at the same time (one shown alone has no order)
        orders |= {swapped(label): orders[label][::-1] for label in answers if len(orders[label]) >= 2}
    reviewer = {job: seats[job.removesuffix(SWAP)] for job in orders}
    lives: dict[str, list] = {}  # each provider's cached live list, read once
    methods = {job: _review_method(reviewer[job], ctx, lives) for job in orders}
    second = await _stage(2, [_review_job(job, reviewer[job], context, orders[job], answers, methods[job], budget) for job in orders], ctx)
    for job in orders:
        _account(t, second[job])
    # a model that refused the structured form, or answered it unreadably, is asked once more in free text
    again = [job for job in orders if methods[job] != TEXT and not _review_ok(second[job], orders[job])]
    if again:
        retried = await _stage(2, [_review_job(job, reviewer[job], context, orders[job], answers, TEXT, budget) for job in again], ctx)
        for job in again:
            _account(t, retried[job])
            second[job], methods[job] = retried[job], TEXT
    for label in answers:
        review = _review(label, seats[label], second[label], orders[label], methods[label])
        if swapped(label) in orders:
            review.swap = _review(label, seats[label], second[swapped(label)], orders[swapped(label)], methods[swapped(label)])
        t.stage2.append(review)
    answered_by = {s.label: (s.answer.provider, s.answer.model) for s in t.stage1}
    reviews = [r.to_dict() for r in t.stage2]  # the ranking maths reads the contract's shape (History's runs too)
    t.aggregate = aggregate([(label, *answered_by[label]) for label in answers], reviews)
    t.consensus = agreement(reviews)
    t.label_map = {label: f"{answered_by[label][0]}:{answered_by[label][1]}" for label in seats}
    t.bias = bias.panel(t.to_dict())

    # Stage 3: the chairman writes the final answer.
    t.stopped_in_stage = 3
    if obs.stage:
        obs.stage(3)
    reasons: dict[str, list[str]] = {}
    for review in t.stage2:
        for label, reason in review.reasons.items():
            reasons.setdefault(label, []).append(reason)
    said = [r for rs in reasons.values() for r in rs]
    if providers.in_process(chairman.provider):  # a small model recites what it is shown: the answers only
        reasons = {}
    messages = chair_messages(chairman, context, answers, t.aggregate, reasons)
    third = (await _stage(3, [Job(CHAIR, chairman, messages, budget.final)], ctx))[CHAIR]
    _account(t, third)
    tries = 1
    best = next((a["label"] for a in t.aggregate if a["label"] in answers), next(iter(answers)))
    if third.error is None and echoes_prompt(third.text, said):
        # it recited its instructions (or said nothing usable): once more, plainly, with the best answer as notes
        plain = Job(CHAIR, chairman, plain_chair_messages(question, answers[best]), budget.final, temperature=0.3)
        retry = (await _stage(3, [plain], ctx))[CHAIR]
        _account(t, retry)
        tries = 2
        if retry.error is None:
            third = retry
    final = _seat("", chairman, third)
    final.tries = tries
    if third.error is None and echoes_prompt(third.text, said):
        final.answer.text, final.answer.error, final.method = answers[best], None, "top_ranked"
        final.note = (
            f"The chairman recited its instructions instead of answering, twice, so this is the top-ranked answer "
            f"(Answer {best}) as its member wrote it."
        )
    elif final.ok:
        final.method = "synthesis"
        final.kept_from = kept_points(third.text, answers)
    t.final = final
    t.stopped_in_stage = None
    return t


SWAP = "\u2194"  # a review's second order: "A\u2194" is A's review with the answers reversed


def swapped(label: str) -> str:
    return label + SWAP


def _earlier(round_: Transcript, label: str) -> Earlier:
    """An earlier round as the seat ``label`` sees it: the question, its own answer, the council's final answer."""
    own = round_.seat(label)
    final = round_.final.answer.text if round_.final is not None and round_.final.ok else "(the council gave no final answer)"
    return Earlier(round_.question, own.answer.text if own is not None and own.ok else "", final)


def _review_method(member: Member, ctx: Context, lives: dict[str, list]) -> str:
    """How this member's review is asked: what its provider's (cached) live list says, else the registry and spec."""
    if member.provider not in lives:
        cached = None if providers.in_process(member.provider) else availability.cached(member.provider, ctx.connection)
        lives[member.provider] = cached.rows if cached else []
    return capabilities.structured_output(member.provider, member.model, lives[member.provider])


def _review_job(label: str, member: Member, question: str, order: list[str], answers: dict[str, str], method: str, budget: Budget) -> Job:
    """A reviewer's request: structured (a schema, or the bundled model's grammar) or free text."""
    if method == TEXT:
        return Job(label, member, [Message("user", review_prompt(question, order, answers))], budget.review)
    output = OutputFormat("council_review", review_schema(order), review_grammar(order) if method == GRAMMAR else None)
    # a cooler temperature for a judgement; the form itself is enforced by the schema or grammar
    return Job(label, member, [Message("user", structured_review_prompt(question, order, answers))], budget.review, output, 0.3)


def _review_ok(result: TurnResult, order: list[str]) -> bool:
    """Worth keeping as it came: a structured review that reads, or a failure a text retry would not mend."""
    if result.error is not None:
        return not isinstance(result.error, err.BadRequestError)  # refused the form: ask in text
    return read_review(result.text, order)[2]


def _review(label: str, member: Member, result: TurnResult, order: list[str], method: str) -> Review:
    text = result.text
    if method == TEXT:
        (ranking, parsed), reasons = (parse_ranking(text, order) if text else ([], False)), {}
    else:
        ranking, reasons, parsed = read_review(text, order)
    return Review(
        reviewer_label=label,
        provider=result.provider or member.provider,
        model=result.model or member.model,
        order=order,
        ranking=ranking,
        parsed=parsed,
        method=method,
        reasons=reasons,
        text=text,
        latency_s=result.metrics.latency_s,
        error=error_to_dict(result.error) if result.error is not None else None,
    )


_WORD = re.compile(r"[a-z][a-z'-]{4,}")


def kept_points(final: str, answers: dict[str, str], *, share: float = 0.3) -> list[str]:
    """Which members' points the final answer kept: the labels whose distinctive words (five letters or
    more, used by that answer and not by every other) appear in the final answer at least ``share``
    of the time, best kept first."""
    words = {label: set(_WORD.findall(text.lower())) for label, text in answers.items()}
    common = set.intersection(*words.values()) if len(words) > 1 else set()
    said = set(_WORD.findall(final.lower()))
    scores = {}
    for label, own in words.items():
        distinctive = own - common
        if distinctive:
            scores[label] = len(distinctive & said) / len(distinctive)
    return [label for label, score in sorted(scores.items(), key=lambda kv: -kv[1]) if score >= share]
