"""The one retry layer over the adapters: retry (same target), then fallback (next target).

- Exponential backoff with jitter (tenacity), capped in attempts and in total waiting.
- A server's own hint (``retry_after``, ``estimated_time``) wins when it fits in the cap; a wait
  beyond the cap is never slept through: it ends the retries and the next target in the user's
  fallback order answers instead, with the reason recorded.
- Non-retryable errors are never retried.
- Each wait is reported to ``on_wait`` before it starts (the UI's countdown); ``sleep`` is
  injectable so tests need no real waiting, and the UI passes one that redraws a countdown.
- A stream is retried only until its first text arrives; after that a failure keeps the partial
  answer and is reported as it is.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from adapters import Adapter, ChatRequest, Chunk
from adapters import errors as err
from council.settings import RetrySettings

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class WaitEvent:
    """One wait before a retry, as the countdown shows it."""

    attempt: int  # the attempt that just failed (1-based)
    seconds: float
    reason: str  # plain words
    kind: str  # the error's kind (rate_limit, loading, unavailable)
    provider: str
    model: str
    from_server: bool  # the provider said how long to wait


@dataclass(frozen=True)
class Target:
    """One provider + model to try; the fallback order is a list of these."""

    adapter: Adapter
    request: ChatRequest

    @property
    def provider(self) -> str:
        return self.adapter.provider

    @property
    def model(self) -> str:
        return self.request.model


@dataclass(frozen=True)
class Attempt:
    provider: str
    model: str
    outcome: str  # "ok" or the error kind
    status: int | None = None


@dataclass
class Attribution:
    """Who really answered, and why others did not (shown under the answer)."""

    provider: str = ""
    model: str = ""
    fallbacks: list[tuple[str, str, str]] = field(default_factory=list)  # (provider, model, reason)
    attempts: list[Attempt] = field(default_factory=list)
    waits: list[WaitEvent] = field(default_factory=list)

    @property
    def fell_back(self) -> bool:
        return bool(self.fallbacks)


class RetryLayer:
    def __init__(
        self,
        settings: RetrySettings | None = None,
        *,
        on_wait: Callable[[WaitEvent], None] | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings or RetrySettings()
        self.on_wait = on_wait
        self.sleep = sleep
        self.rng = rng or random.Random()

    # ---- waits ---------------------------------------------------------------------------------

    def server_hint(self, exc: BaseException | None) -> float | None:
        if isinstance(exc, err.RateLimitError):
            return exc.retry_after
        if isinstance(exc, err.ModelLoadingError):
            return exc.estimated_time
        return None

    def backoff(self, attempt: int) -> float:
        """1 s, 2 s, 4 s … (at most 20 s) plus up to 1 s of jitter."""
        return min(20.0, 2.0 ** (attempt - 1)) + self.rng.uniform(0.0, 1.0)

    def _wait(self, state: RetryCallState) -> float:
        hint = self.server_hint(state.outcome.exception() if state.outcome else None)
        return max(0.0, hint) if hint is not None else self.backoff(state.attempt_number)

    def _over_budget(self, state: RetryCallState) -> bool:
        return state.idle_for + (state.upcoming_sleep or 0.0) > self.settings.max_total_wait_s

    def _before_sleep(self, state: RetryCallState, target: Target, attribution: Attribution) -> None:
        exc = state.outcome.exception() if state.outcome else None
        event = WaitEvent(
            attempt=state.attempt_number,
            seconds=state.upcoming_sleep or 0.0,
            reason=_wait_reason(exc),
            kind=getattr(exc, "kind", "unavailable"),
            provider=target.provider,
            model=target.model,
            from_server=self.server_hint(exc) is not None,
        )
        attribution.waits.append(event)
        if self.on_wait:
            self.on_wait(event)

    def _retrying(self, target: Target, attribution: Attribution) -> AsyncRetrying:
        return AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, err.ProviderError) and e.retryable),
            stop=stop_after_attempt(max(1, self.settings.max_attempts)) | self._over_budget,
            wait=self._wait,
            sleep=self.sleep,
            before_sleep=lambda state: self._before_sleep(state, target, attribution),
            reraise=True,
        )

    # ---- calls ---------------------------------------------------------------------------------

    async def complete(self, targets: Sequence[Target], attribution: Attribution | None = None):
        """``complete()`` on the first target that answers; retries and fallbacks recorded."""
        attribution = attribution if attribution is not None else Attribution()

        async def one(target: Target):
            async for attempt in self._retrying(target, attribution):
                with attempt:
                    try:
                        result = await target.adapter.complete(target.request)
                    except err.ProviderError as exc:
                        attribution.attempts.append(Attempt(target.provider, target.model, exc.kind, exc.status))
                        raise
                    attribution.attempts.append(Attempt(target.provider, target.model, "ok", 200))
                    return result

        return await self._over_targets(targets, attribution, one)

    async def stream(self, targets: Sequence[Target], attribution: Attribution | None = None) -> AsyncIterator[Chunk]:
        """Chunks from the first target that starts answering; ``attribution`` says who did."""
        attribution = attribution if attribution is not None else Attribution()

        async def opening(target: Target) -> tuple[list[Chunk], AsyncIterator[Chunk] | None]:
            """Open the stream and read up to its first text; retried as a unit."""
            async for attempt in self._retrying(target, attribution):
                with attempt:
                    stream = target.adapter.stream(target.request)
                    buffered: list[Chunk] = []
                    try:
                        async for chunk in stream:
                            buffered.append(chunk)
                            if chunk.text:
                                return buffered, stream
                    except err.ProviderError as exc:
                        await stream.aclose()
                        attribution.attempts.append(Attempt(target.provider, target.model, exc.kind, exc.status))
                        raise
                    return buffered, None  # ended without text (an empty answer)

        buffered, rest = await self._over_targets(targets, attribution, opening)
        try:
            for chunk in buffered:
                yield chunk
            if rest is not None:
                async with aclosing(rest):
                    async for chunk in rest:
                        yield chunk
        except err.ProviderError as exc:
            attribution.attempts.append(Attempt(attribution.provider, attribution.model, exc.kind, exc.status))
            raise
        attribution.attempts.append(Attempt(attribution.provider, attribution.model, "ok", 200))

    async def _over_targets(self, targets: Sequence[Target], attribution: Attribution, call):
        if not targets:
            raise err.BadRequestError("No model is selected. Pick a provider and a model first.")
        last: err.ProviderError | None = None
        for index, target in enumerate(targets):
            attribution.provider, attribution.model = target.provider, target.model
            try:
                return await call(target)
            except err.ProviderError as exc:
                last = exc
                exc.provider = exc.provider or target.provider
                exc.model = exc.model or target.model
                if index + 1 >= len(targets) or not should_fall_back(exc):
                    raise
                attribution.fallbacks.append((target.provider, target.model, fallback_reason(exc, self.settings)))
        assert last is not None
        raise last


def should_fall_back(exc: err.ProviderError) -> bool:
    """Anything but an invalid request moves on to the next target (it would fail there too)."""
    return not isinstance(exc, err.BadRequestError)


def fallback_reason(exc: err.ProviderError, settings: RetrySettings) -> str:
    hint = exc.retry_after if isinstance(exc, err.RateLimitError) else getattr(exc, "estimated_time", None)
    if exc.retryable and hint is not None and hint > settings.max_total_wait_s:
        return f"{exc.title.lower()}; it asked to wait {hint:.0f} s, more than your {settings.max_total_wait_s:.0f} s cap"
    if exc.retryable:
        return f"{exc.title.lower()} after {settings.max_attempts} attempts"
    return exc.title.lower()


def _wait_reason(exc: BaseException | None) -> str:
    if isinstance(exc, err.ModelLoadingError):
        return "The model is warming up"
    if isinstance(exc, err.RateLimitError):
        return "Rate-limited by the provider"
    return "The provider did not answer"
