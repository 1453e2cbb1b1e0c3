"""The one turn service: every answer the app asks for — a Playground turn, each Compare slot, each
council seat, ``ask`` and ``check`` — goes through here.

``plan`` turns "this model, these messages, these parameters" into targets (the model, then the
fallback order's providers), refusing before anything is sent when the conversation cannot fit
the model's window. ``run`` streams one answer through the retry layer, then — also when the run
is stopped part-way — closes the attribution, writes every attempt to the usage ledger and closes
the adapters. The page hands in only what draws: ``on_text``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence

from adapters import GenerationParams, Message, OutputFormat, Usage
from council.facts import availability, pricing, registry
from council.runs import providers
from council.runs.resilience import Attribution, RetryLayer, Target
from council.runs.turns import OnText, TurnResult, check_fits, make_request, stream_turn
from council.storage.response_cache import ResponseCache
from council.storage.usage import SIMULATOR, LedgerRow, ledger, record_safely

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
    messages = list(messages)
    check_fits(messages, params, context_window, provider=provider, model=model)
    targets = [Target(providers.adapter_for(provider, connection), make_request(model, task, messages, params, output))]
    if fallback_order:  # another provider may not take the same structured form: fallbacks are asked in text
        targets += providers.fallback_targets(provider, list(fallback_order), connection, messages, params, live)
    return targets


async def run(
    targets: Sequence[Target],
    layer: RetryLayer,
    on_text: OnText,
    *,
    kind: str,
    attribution: Attribution | None = None,
    cache: ResponseCache | None = None,
) -> TurnResult:
    """Stream one answer; a failure comes back in ``result.error``. Every attempt sent is in the
    ledger and every adapter closed, also when the run is interrupted (Stop)."""
    attribution = attribution if attribution is not None else Attribution()
    result: TurnResult | None = None
    try:
        result = await stream_turn(targets, layer, on_text, attribution, cache=cache)
        return result
    finally:
        attribution.close("stopped")
        record_call(kind, attribution, result.usage if result else None)
        for target in targets:
            await target.adapter.aclose()


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
        except (sqlite3.Error, OSError) as exc:
            log.warning("usage ledger not written: %s", type(exc).__name__)
        return
    if attribution.cached:
        return
    record_safely(rows_for(kind, attribution, usage))
    availability.note_attempts(attribution.attempts)
