"""The one turn service: every answer the app asks for — a Playground turn, each Compare slot, each
council seat, ``ask`` and ``check`` — goes through here.

``plan`` turns "this model, these messages, these parameters" into targets (the model, then the
fallback order's providers), refusing before anything is sent when the conversation cannot fit
the model's window. ``run`` streams one answer through the retry layer, then — also when the run
is stopped part-way — closes the attribution, writes every attempt to the usage ledger and closes
the adapters. The page hands in only what draws: ``on_text``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from adapters import PROVIDERS, GenerationParams, Message, OutputFormat, Usage, spec_for
from adapters import errors as err
from adapters.roles import SIMULATOR
from council.facts import availability, capabilities, pricing, registry
from council.runs import attachments, providers
from council.runs.resilience import Attribution, RetryLayer, Target
from council.runs.turns import OnText, TurnResult, check_fits, make_request, stream_turn
from council.storage import database, learned, setup_progress
from council.storage.response_cache import ResponseCache
from council.storage.usage import LedgerRow, ledger, record_safely

log = logging.getLogger(__name__)


def plan(
    provider: str,
    model: str,
    messages: Sequence[Message],
    params: GenerationParams,
    connection: providers.Connection,
    *,
    task: str = "chat",
    fallback_order: Sequence[str] = (),
    live: Mapping[str, list[str]] | None = None,
    context_window: int | None = None,
    output: OutputFormat | None = None,
) -> list[Target]:
    """The model first, then (when a fallback order is given) each configured provider of it with its
    default model. Raises a typed error when the conversation cannot fit or the provider cannot be
    reached as configured; nothing has been sent then."""
    if context_window is None:
        entry = registry.find(provider, model)
        context_window = entry.context_window if entry else None
    messages = fit_attachments(provider, model, messages)  # nothing the model cannot read is sent
    fitted, notes = capabilities.fit(params, capabilities.accepts(provider, model), model)  # nothing the model refuses is sent
    check_fits(messages, fitted, context_window, provider=provider, model=model)
    request = make_request(model, task, messages, fitted, output)
    shared = providers.uses_host_key(provider, connection)
    targets = [Target(providers.adapter_for(provider, connection), request, tuple(notes), connection.person, shared)]
    for other in fallback_order:
        # each configured provider of the order with its default model, fitted to that model in turn (from what
        # was asked, not from the first model's fit), asked in text (it may not take the same structured form);
        # one that cannot be reached or whose window is too small is skipped, not fatal
        fallback = providers.default_model(other, (live or {}).get(other)) if other != provider else None
        if fallback is None or not providers.is_configured(other, connection):
            continue
        try:
            targets += plan(other, fallback, messages, params, connection)
        except err.ProviderError:
            continue
    return targets


def fit_attachments(provider: str, model: str, messages: Sequence[Message]) -> list[Message]:
    """The messages as this model can read them: a PDF as a file where the model reads PDFs, else as its
    text; an image refused before anything is sent when a capability layer says the model reads text only
    (when nothing knows, it is sent, and the provider's answer teaches the app); and the files as sent
    within what the provider takes in one request."""
    if not any(m.attachments for m in messages):
        return list(messages)
    can = capabilities.reads(provider, model)
    out = []
    for m in messages:
        images = sum(1 for a in m.attachments if a.kind == "image")
        if images and can.images is False:
            said = f" ({can.source})" if can.source else ""
            raise err.InputNotSupportedError(
                f"{model} reads text only{said} \u2014 pick a model marked \U0001f441, or remove the "
                f"{'image' if images == 1 else 'images'}. Nothing was sent.",
                provider=provider,
                model=model,
            )
        out.append(replace(m, attachments=tuple(a if a.kind != "pdf" or can.pdf else attachments.as_text(a) for a in m.attachments)))
    limit = spec_for(provider).attachments_max_mb if provider in PROVIDERS else None
    weight = sum(len(a.base64) for m in out for a in m.attachments if a.data) / 1024 / 1024  # as sent: base64
    if limit and weight > limit:
        raise err.BadRequestError(
            f"The attached files come to {weight:.1f} MB as sent, more than {providers.label(provider)} takes in one request "
            f"({limit:g} MB). Nothing was sent: attach fewer or smaller files, or pick another provider.",
            provider=provider,
            model=model,
        )
    return out


async def run(
    targets: Sequence[Target],
    layer: RetryLayer,
    on_text: OnText,
    *,
    kind: str,
    attribution: Attribution | None = None,
    cache: ResponseCache | None = None,
    ledger_off_loop: bool = False,
) -> TurnResult:
    """Stream one answer; a failure comes back in ``result.error``. Every attempt sent is in the
    ledger and every adapter closed, also when the run is interrupted (Stop).

    ``ledger_off_loop``: write the ledger from a worker thread, so the event loop streams the other
    answers meanwhile — for the prompt-set worker, whose cells are never cancelled mid-answer (a page's
    Stop interrupts its run, and a write awaited while being interrupted could be lost)."""
    attribution = attribution if attribution is not None else Attribution()
    result: TurnResult | None = None
    notes = list(targets[0].notes) if targets else []
    budget_mended = False
    try:
        blind = await unseeing(targets[0]) if targets else None
        if blind is not None:  # the provider's own facts say so: nothing sent
            result = TurnResult(provider=targets[0].provider, model=targets[0].model, error=blind)
            return result
        result = await stream_turn(targets, layer, on_text, attribution, cache=cache)
        for _ in range(MAX_REPAIRS):  # a refused parameter, then an answer thinking left empty: each mended once
            before = targets[0].request.params.max_new_tokens if targets else None
            mended = repair(targets[0], result, budget_mended=budget_mended) if targets else None
            if mended is None:
                break
            budget_mended = budget_mended or mended.request.params.max_new_tokens != before
            targets = [mended, *targets[1:]]
            notes.append(mended.notes[-1])
            result = await stream_turn(targets, layer, on_text, attribution, cache=cache)
        refused = isinstance(result.error, err.InputNotSupportedError) and result.error.status
        if refused and result.provider != SIMULATOR:  # the provider said so: remembered (the simulator only plays it)
            learned.remember(result.provider or targets[0].provider, result.model or targets[0].model, text_only=True)
        if notes:
            result.extra["notes"] = notes
        if targets and thought_out(result):  # mended as far as it goes, and still nothing but thinking
            result.extra["thought_out"] = targets[0].request.params.max_new_tokens
        step = ANSWER_STEPS.get(result.provider)
        if step and result.error is None and result.text.strip():  # Getting started: this step happened, in any flow
            setup_progress.mark_once(step)
        return result
    finally:
        attribution.close("stopped")
        if ledger_off_loop:
            await asyncio.to_thread(record_call, kind, attribution, result.usage if result else None)
        else:
            record_call(kind, attribution, result.usage if result else None)
        for target in targets:
            await target.adapter.aclose()


async def unseeing(target: Target) -> err.InputNotSupportedError | None:
    """When an image goes to a model nothing knows the sight of, ask the model's own facts where its provider can
    say (Ollama's ``/api/show``): one that lists capabilities without ``vision`` reads text only — remembered, and
    the error says so before anything is sent. Facts that cannot be read say nothing (the image is sent, and the
    answer teaches the app)."""
    show = getattr(target.adapter, "show", None)
    images = any(a.kind == "image" for m in target.request.messages for a in m.attachments)
    if not images or show is None or capabilities.reads(target.provider, target.model).images is not None:
        return None
    facts = await show(target.model)
    listed = facts.get("capabilities") if isinstance(facts, dict) else None
    if not isinstance(listed, list) or not listed or "vision" in listed:
        return None
    learned.remember(target.provider, target.model, text_only=True)
    return err.InputNotSupportedError(
        f"{target.model} reads text only ({providers.label(target.provider)} says so of the model) \u2014 pick a model marked "
        "\U0001f441, or remove the image. Nothing was sent.",
        provider=target.provider,
        model=target.model,
    )


# ---- mending a request the model refused ------------------------------------------------------------

MAX_REPAIRS = 3
ANSWER_STEPS = {providers.BUNDLED: "bundled", providers.STARTER: "router"}  # Getting started's steps a real answer completes


def thought_out(result: TurnResult) -> bool:
    """The model spent its whole budget thinking and wrote nothing (200, empty, finish "length")."""
    return result.error is None and not result.text.strip() and result.finish_reason == "length" and bool(result.usage.reasoning_tokens)


def repair(target: Target, result: TurnResult, *, budget_mended: bool = False) -> Target | None:
    """The request again, mended, when the model refused a parameter it named (left out from now on),
    or thought through its whole budget and said nothing (a larger budget, from now on; once a run:
    ``budget_mended`` says it was done). None when there is nothing to mend. What was met is
    remembered for the model in the data folder."""
    request, provider, model = target.request, target.provider, target.model
    if result.provider not in ("", provider) or result.model not in ("", model):
        return None  # a fallback answered: the first model's request is not what came back
    error = result.error
    if isinstance(error, err.UnsupportedParameterError) and not result.text:
        field = capabilities.WIRE_TO_FIELD.get(error.param)
        value = getattr(request.params, field, None) if field else None
        if field is None or value is None:
            return None
        learned.remember(provider, model, refused=field)
        note = f"{field.replace('_', ' ')} {value} was refused by {model}; sent without it (remembered for next time)."
        return replace(target, request=replace(request, params=replace(request.params, **{field: None})), notes=(*target.notes, note))
    empty = error is None and not result.text.strip() and result.finish_reason == "length"
    if empty and not budget_mended and (result.usage.reasoning_tokens or capabilities.accepts(provider, model).reasoning):
        before = request.params.max_new_tokens or 0
        budget = min(capabilities.MAX_BUDGET, max(before * 4, 2048))
        if budget <= before:
            return None
        learned.remember(provider, model, min_budget=budget)
        note = (
            f"{model} spent all {before} tokens thinking and said nothing, so it was asked again with {budget} (remembered for next time)."
        )
        return replace(target, request=replace(request, params=replace(request.params, max_new_tokens=budget)), notes=(*target.notes, note))
    return None


# ---- accounting: attempts → ledger rows ------------------------------------------------------


def rows_for(kind: str, attribution: Attribution, usage: Usage | None) -> list[LedgerRow]:
    """One row per attempt of a call; the tokens and cost belong to the attempt that answered. The QA
    simulator's attempts are not real usage: they get no row."""
    rows = []
    for index, attempt in enumerate(attribution.attempts):
        if attempt.provider == SIMULATOR:
            continue
        answered = attempt.outcome == "ok" and index == len(attribution.attempts) - 1
        tokens = usage if answered or attempt.outcome == "stopped" else None
        rows.append(
            LedgerRow(
                provider=attempt.provider,
                model=attempt.model,
                kind=kind,
                outcome=attempt.outcome,
                status=attempt.status,
                latency_s=attempt.latency_s,
                ttft_s=attempt.ttft_s,
                prompt_tokens=tokens.prompt_tokens if tokens else None,
                completion_tokens=tokens.completion_tokens if tokens else None,
                cost_usd=pricing.cost_usd(attempt.provider, attempt.model, tokens) if tokens else None,
                fallback_from=attempt.fallback_from,
                reasoning_tokens=tokens.reasoning_tokens if tokens else None,
                person=attempt.person,
                shared=attempt.shared,
            )
        )
    return rows


def record_call(kind: str, attribution: Attribution, usage: Usage | None) -> None:
    """Store a call's attempts, one row each; a model met as no longer served is noted as such. An
    answer from the response cache sent nothing: it is counted apart, as quota saved."""
    if attribution.cached and attribution.provider != SIMULATOR:
        saved = pricing.cost_usd(attribution.provider, attribution.model, usage)
        try:
            ledger().record_cache_hit(attribution.provider, attribution.model, kind, usage, saved)
        except database.errors() as exc:
            log.warning("usage ledger not written: %s", type(exc).__name__)
        return
    if attribution.cached:
        return
    record_safely(rows_for(kind, attribution, usage))
    availability.note_attempts(attribution.attempts)
