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
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from adapters import Adapter, ChatRequest, Chunk
from adapters import errors as err
from council.settings import SINGLE_USER, RetrySettings

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
    notes: tuple[str, ...] = ()  # what was changed to fit the model before sending (said with the answer)
    person: str = SINGLE_USER  # who asks (the signed-in person's stable id)
    shared: bool = False  # sent with the host's own token (the caps on shared keys count it)

    @property
    def provider(self) -> str:
        return self.adapter.provider

    @property
    def model(self) -> str:
        return self.request.model


@dataclass(frozen=True)
class Attempt:
    """One request actually sent (what the usage ledger stores a row for)."""

    provider: str
    model: str
    outcome: str  # "ok" or the error kind
    status: int | None = None
    latency_s: float | None = None
    ttft_s: float | None = None
    fallback_from: str | None = None  # the provider this target stood in for
    person: str = SINGLE_USER  # who sent it
    shared: bool = False  # with the host's own token


@dataclass
class Attribution:
    """Who really answered, and why others did not (shown under the answer)."""

    provider: str = ""
    model: str = ""
    fallbacks: list[tuple[str, str, str]] = field(default_factory=list)  # (provider, model, reason)
    attempts: list[Attempt] = field(default_factory=list)
    waits: list[WaitEvent] = field(default_factory=list)
    sent_at: float = 0.0  # when the current attempt was sent (perf_counter)
    ttft_s: float | None = None  # of the attempt that answered
    in_flight: bool = False  # an attempt was sent and has no outcome yet
    cached: bool = False  # answered from the response cache: nothing was sent
    person: str = SINGLE_USER  # who asks (from the current target)
    shared: bool = False  # the current target uses the host's own token

    def record(self, outcome: str, status: int | None, *, ttft_s: float | None = None) -> None:
        """Note the current attempt's outcome, timed from when it was sent."""
        fallback_from = self.fallbacks[-1][0] if self.fallbacks else None
        latency = time.perf_counter() - self.sent_at if self.sent_at else None
        self.attempts.append(Attempt(self.provider, self.model, outcome, status, latency, ttft_s, fallback_from, self.person, self.shared))
        self.in_flight = False

    def close(self, outcome: str = "stopped") -> None:
        """The run ended with an attempt still open (Stop, or the page went away): record it so."""
        if self.in_flight:
            self.record(outcome, None, ttft_s=self.ttft_s)

    @property
    def fell_back(self) -> bool:
        return bool(self.fallbacks)


@dataclass
class _Warming:
    next_probe: float  # monotonic time at which one request may ask again
    owner: object | None  # the request that heard "loading" probes next, after its own backoff
    probing: bool = False  # a probe is on its way


class LoadingQueue:
    """While a model warms up, requests for it — from every browser session of the process, each in
    its own thread and event loop — wait behind one probe instead of each asking the provider.

    A model is known to be warming once a request for it answered "loading". That request owns the
    next probe (it waits its own backoff first); the others wait for the outcome. If the owner gives
    up, any waiting request takes the probe over at the provider's estimate. When a probe succeeds,
    all waiting requests go. Thread-safe; waiting polls, so it works across event loops.
    """

    MIN_INTERVAL_S = 0.05

    def __init__(self, poll_s: float = 0.05) -> None:
        self._lock = threading.Lock()
        self._models: dict[tuple[str, str, str], _Warming] = {}
        self.poll_s = poll_s

    async def wait_turn(self, key: tuple[str, str, str], request: object, max_wait_s: float) -> None:
        """Return when ``request`` may be sent: the model is not warming, or it is this request's probe."""
        give_up = time.monotonic() + max_wait_s
        while True:
            with self._lock:
                state = self._models.get(key)
                now = time.monotonic()
                if state is None:
                    return
                mine = state.owner is request
                free = state.owner is None and not state.probing and now >= state.next_probe
                if mine or free or (now >= give_up and not state.probing):
                    state.owner, state.probing = request, True
                    return
            await asyncio.sleep(self.poll_s)

    def warming(self, key: tuple[str, str, str], request: object, estimated_s: float | None) -> None:
        """``request`` heard "loading": it probes next; others wait at least the estimate."""
        wait = max(self.MIN_INTERVAL_S, estimated_s if estimated_s is not None else 1.0)
        with self._lock:
            self._models[key] = _Warming(next_probe=time.monotonic() + wait, owner=request)

    def ready(self, key: tuple[str, str, str]) -> None:
        """A request succeeded: everyone waiting may go."""
        with self._lock:
            self._models.pop(key, None)

    def release(self, key: tuple[str, str, str], request: object) -> None:
        """``request`` will not probe (it failed otherwise, gave up, or was stopped): hand the probe on."""
        with self._lock:
            state = self._models.get(key)
            if state is not None and state.owner is request:
                state.owner, state.probing = None, False


LOADING = LoadingQueue()  # one per process: shared by every browser session


def loading_key(target: Target) -> tuple[str, str, str]:
    return (target.provider, str(getattr(target.adapter, "base_url", "")), target.model)


class RetryLayer:
    def __init__(
        self,
        settings: RetrySettings | None = None,
        *,
        on_wait: Callable[[WaitEvent], None] | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        queue: LoadingQueue | None = None,
        guard: Callable[[Target], None] | None = None,
    ) -> None:
        self.settings = settings or RetrySettings()
        self.on_wait = on_wait
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.queue = queue or LOADING
        self.guard = guard  # may refuse a request before it is sent (a used-up quota)

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

    async def _attempt(self, target: Target, request: object, attribution: Attribution, send: Callable[[], Awaitable[T]]) -> T:
        """One attempt: wait for the model's turn while it warms up, send, and tell the queue."""
        if self.guard is not None:
            self.guard(target)  # raises (e.g. quota used up) before anything is sent
        key = loading_key(target)
        await self.queue.wait_turn(key, request, self.settings.max_total_wait_s)
        attribution.sent_at, attribution.ttft_s, attribution.in_flight = time.perf_counter(), None, True
        try:
            result = await send()
        except err.ModelLoadingError as exc:
            self.queue.warming(key, request, exc.estimated_time)
            attribution.record(exc.kind, exc.status)
            raise
        except err.ProviderError as exc:
            self.queue.release(key, request)
            attribution.record(exc.kind, exc.status)
            raise
        except BaseException:  # stopped or cancelled: let a waiting request probe
            self.queue.release(key, request)
            raise
        self.queue.ready(key)
        return result

    async def _with_retries(self, target: Target, attribution: Attribution, send: Callable[[], Awaitable[T]]) -> T:
        """Retry one target; if it gives up, the probe it may own passes to a waiting request."""
        request = object()
        try:
            async for attempt in self._retrying(target, attribution):
                with attempt:
                    return await self._attempt(target, request, attribution, send)
        finally:
            self.queue.release(loading_key(target), request)
        raise AssertionError("unreachable: tenacity returns or raises")

    async def complete(self, targets: Sequence[Target], attribution: Attribution | None = None):
        """``complete()`` on the first target that answers; retries and fallbacks recorded."""
        attribution = attribution if attribution is not None else Attribution()

        async def one(target: Target):
            result = await self._with_retries(target, attribution, lambda: target.adapter.complete(target.request))
            attribution.record("ok", 200, ttft_s=result.ttft_s)
            return result

        return await self._over_targets(targets, attribution, one)

    async def stream(self, targets: Sequence[Target], attribution: Attribution | None = None) -> AsyncIterator[Chunk]:
        """Chunks from the first target that starts answering; ``attribution`` says who did."""
        attribution = attribution if attribution is not None else Attribution()

        async def opening(target: Target) -> tuple[list[Chunk], AsyncIterator[Chunk] | None]:
            """Open the stream and read up to its first text; retried as a unit."""

            async def first_text() -> tuple[list[Chunk], AsyncIterator[Chunk] | None]:
                stream = target.adapter.stream(target.request)
                buffered: list[Chunk] = []
                try:
                    async for chunk in stream:
                        buffered.append(chunk)
                        if chunk.text:
                            attribution.ttft_s = time.perf_counter() - attribution.sent_at
                            return buffered, stream
                except err.ProviderError:
                    await stream.aclose()
                    raise
                return buffered, None  # ended without text (an empty answer)

            return await self._with_retries(target, attribution, first_text)

        buffered, rest = await self._over_targets(targets, attribution, opening)
        try:
            for chunk in buffered:
                yield chunk
            if rest is not None:
                async with aclosing(rest):
                    async for chunk in rest:
                        yield chunk
        except err.ProviderError as exc:
            attribution.record(exc.kind, exc.status, ttft_s=attribution.ttft_s)
            raise
        attribution.record("ok", 200, ttft_s=attribution.ttft_s)

    async def _over_targets(self, targets: Sequence[Target], attribution: Attribution, call):
        if not targets:
            raise err.BadRequestError("No model is selected. Pick a provider and a model first.")
        last: err.ProviderError | None = None
        for index, target in enumerate(targets):
            attribution.provider, attribution.model = target.provider, target.model
            attribution.person, attribution.shared = target.person, target.shared
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
