"""The one retry layer: waits honoured, caps respected, non-retryable never retried, fallbacks
said out loud. Sleep is injected, so nothing here really waits."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from adapters import Adapter, ChatRequest, Chunk, Completion, Message, ModelInfo, create_adapter, errors
from council.runs.resilience import Attribution, LoadingQueue, RetryLayer, Target, WaitEvent
from council.settings import RetrySettings
from tests.fakes.hf_server import ERRORS, chat_stream

REQUEST = ChatRequest("m", (Message("user", "hi"),))


class Scripted(Adapter):
    """An in-memory adapter that fails with the scripted errors, then answers."""

    def __init__(
        self, provider: str, *failures: errors.ProviderError, text: str = "answer", fail_after_text: errors.ProviderError | None = None
    ):
        self.provider = provider
        self.failures = list(failures)
        self.calls = 0
        self.text = text
        self.fail_after_text = fail_after_text

    async def complete(self, request: ChatRequest) -> Completion:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return Completion(self.text, request.model, self.provider)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        for word in self.text.split():
            yield Chunk(text=word + " ")
            if self.fail_after_text:
                raise self.fail_after_text
        yield Chunk(finish_reason="stop")

    async def list_models(self) -> list[ModelInfo]:
        return []

    async def verify(self) -> str:
        return "ok"


class Recorder:
    def __init__(self) -> None:
        self.slept: list[float] = []
        self.events: list[WaitEvent] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def layer(self, **settings) -> RetryLayer:
        return RetryLayer(
            RetrySettings(**settings), on_wait=self.events.append, sleep=self.sleep, rng=random.Random(0), queue=LoadingQueue()
        )


def loading(t: float | None = 3.0) -> errors.ModelLoadingError:
    return errors.ModelLoadingError(estimated_time=t, status=503)


def limited(t: float | None) -> errors.RateLimitError:
    return errors.RateLimitError(retry_after=t, status=429)


async def test_server_hints_are_honoured_and_reported():
    rec = Recorder()
    adapter = Scripted("a", loading(3.0), limited(1.5))
    result = await rec.layer().complete([Target(adapter, REQUEST)])
    assert result.text == "answer" and adapter.calls == 3
    assert rec.slept == [3.0, 1.5]
    assert [(e.attempt, e.seconds, e.kind, e.from_server) for e in rec.events] == [(1, 3.0, "loading", True), (2, 1.5, "rate_limit", True)]


async def test_backoff_with_jitter_when_the_server_gives_no_hint():
    rec = Recorder()
    adapter = Scripted("a", errors.ProviderUnavailableError(), errors.ProviderUnavailableError(), errors.ProviderUnavailableError())
    await rec.layer().complete([Target(adapter, REQUEST)])
    assert len(rec.slept) == 3
    for attempt, wait in enumerate(rec.slept, start=1):
        base = 2.0 ** (attempt - 1)
        assert base <= wait <= base + 1.0


@pytest.mark.parametrize(
    "error",
    [
        errors.AuthError(),
        errors.AccessDeniedError(),
        errors.ModelNotFoundError(),
        errors.EndpointGoneError(),
        errors.QuotaExhaustedError(),
        errors.ContextLengthError(),
        errors.BadRequestError(),
    ],
)
async def test_non_retryable_errors_are_never_retried(error):
    rec = Recorder()
    adapter = Scripted("a", error)
    with pytest.raises(type(error)):
        await rec.layer().complete([Target(adapter, REQUEST)])
    assert adapter.calls == 1 and rec.slept == []


async def test_attempts_are_capped():
    rec = Recorder()
    adapter = Scripted("a", *[errors.ProviderUnavailableError() for _ in range(10)])
    with pytest.raises(errors.ProviderUnavailableError):
        await rec.layer(max_attempts=4).complete([Target(adapter, REQUEST)])
    assert adapter.calls == 4 and len(rec.slept) == 3


async def test_total_wait_is_capped():
    rec = Recorder()
    adapter = Scripted("a", loading(25.0), loading(25.0), loading(25.0))
    with pytest.raises(errors.ModelLoadingError):
        await rec.layer(max_total_wait_s=60).complete([Target(adapter, REQUEST)])
    assert rec.slept == [25.0, 25.0]  # a third 25 s wait would pass 60 s
    assert adapter.calls == 3


async def test_a_wait_beyond_the_cap_is_not_slept_but_falls_back():
    rec = Recorder()
    first = Scripted("huggingface", limited(600.0))
    second = Scripted("local", text="from the fallback")
    attribution = Attribution()
    result = await rec.layer(max_total_wait_s=60).complete([Target(first, REQUEST), Target(second, REQUEST)], attribution)
    assert result.text == "from the fallback"
    assert rec.slept == [] and first.calls == 1
    assert attribution.provider == "local" and attribution.fell_back
    (provider, _model, reason) = attribution.fallbacks[0]
    assert provider == "huggingface" and "600 s" in reason and "60 s cap" in reason


async def test_a_wait_beyond_the_cap_with_no_fallback_raises_at_once():
    rec = Recorder()
    adapter = Scripted("a", limited(600.0))
    with pytest.raises(errors.RateLimitError):
        await rec.layer().complete([Target(adapter, REQUEST)])
    assert rec.slept == []


async def test_bad_requests_do_not_fall_back():
    rec = Recorder()
    second = Scripted("b")
    with pytest.raises(errors.BadRequestError):
        await rec.layer().complete([Target(Scripted("a", errors.BadRequestError()), REQUEST), Target(second, REQUEST)])
    assert second.calls == 0


async def test_attempts_are_recorded_for_the_ledger():
    rec = Recorder()
    attribution = Attribution()
    await rec.layer().complete([Target(Scripted("a", loading(1.0)), REQUEST)], attribution)
    assert [(a.provider, a.outcome) for a in attribution.attempts] == [("a", "loading"), ("a", "ok")]


async def test_stream_is_retried_before_its_first_text():
    rec = Recorder()
    adapter = Scripted("a", loading(2.0), text="one two three")
    attribution = Attribution()
    chunks = [c async for c in rec.layer().stream([Target(adapter, REQUEST)], attribution)]
    assert "".join(c.text for c in chunks) == "one two three "
    assert rec.slept == [2.0] and attribution.attempts[-1].outcome == "ok"


async def test_stream_failing_after_text_is_not_retried_and_keeps_the_partial():
    rec = Recorder()
    adapter = Scripted("a", text="one two", fail_after_text=errors.ProviderUnavailableError())
    got: list[str] = []
    with pytest.raises(errors.ProviderUnavailableError):
        async for chunk in rec.layer().stream([Target(adapter, REQUEST)]):
            got.append(chunk.text)
    assert got == ["one "] and adapter.calls == 1 and rec.slept == []


# ---- over real HTTP, through the Hugging Face adapter -------------------------------------


async def test_loading_twice_then_answer_over_http(fake_hf):
    fake_hf.enqueue("chat", ERRORS["503-loading"], ERRORS["503-loading"], chat_stream("acme/chat", ["Warm", " now"]))
    rec = Recorder()
    adapter = create_adapter("huggingface", token="hf_retrytoken123456", base_url=fake_hf.url, hub_url=fake_hf.url)
    chunks = [c async for c in rec.layer().stream([Target(adapter, ChatRequest("acme/chat", (Message("user", "hi"),)))])]
    assert "".join(c.text for c in chunks) == "Warm now"
    assert rec.slept == [0.05, 0.05] and len(fake_hf.requests_to("chat")) == 3


async def test_fallback_from_the_router_to_the_bundled_model_shape_over_http(fake_hf):
    fake_hf.enqueue("chat", ERRORS["402"])
    rec = Recorder()
    hf = create_adapter("huggingface", token="hf_retrytoken123456", base_url=fake_hf.url, hub_url=fake_hf.url)
    spare = Scripted("local", text="offline answer")
    attribution = Attribution()
    chunks = [
        c
        async for c in rec.layer().stream(
            [Target(hf, ChatRequest("acme/chat", (Message("user", "hi"),))), Target(spare, REQUEST)], attribution
        )
    ]
    assert "".join(c.text for c in chunks).strip() == "offline answer"
    assert attribution.fallbacks == [("huggingface", "acme/chat", "credits or quota used up")]


# ---- one probe while a model loads, across browser sessions -----------------------------------


def test_requests_from_many_sessions_wait_behind_one_probe(fake_hf):
    """Ten sessions (threads, each with its own event loop) ask for a model that is warming up:
    while it loads the fake sees one request per probe interval, and all ten get the answer."""
    import asyncio
    import threading

    from tests.fakes.server import json_reply

    loading = json_reply(503, {"error": "Model acme/warm is currently loading", "estimated_time": 0.3})
    fake_hf.enqueue("chat", loading, loading)  # the first request and the first probe hear "loading"
    queue = LoadingQueue()  # the process-wide queue every session shares
    results: dict[int, str] = {}
    first_heard = threading.Event()

    def session(n: int) -> None:
        async def run() -> str:
            adapter = create_adapter("huggingface", token="hf_queueToken0123456789", base_url=fake_hf.url, hub_url=fake_hf.url)

            async def sleep(seconds: float) -> None:
                first_heard.set()
                await asyncio.sleep(seconds)

            layer = RetryLayer(RetrySettings(), sleep=sleep, queue=queue)
            chunks = [c async for c in layer.stream([Target(adapter, ChatRequest("acme/warm", (Message("user", f"hi {n}"),)))])]
            await adapter.aclose()
            return "".join(c.text for c in chunks)

        results[n] = asyncio.run(run())

    first = threading.Thread(target=session, args=(0,))
    first.start()
    assert first_heard.wait(10)  # session 0 has heard "loading": the model is known to be warming
    others = [threading.Thread(target=session, args=(n,)) for n in range(1, 10)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(30)

    assert sorted(results) == list(range(10))
    assert all(text.startswith("Hello from acme/warm") for text in results.values())
    chats = fake_hf.requests_to("chat")
    assert len(chats) == 3 + 9  # while loading: the first request and two probes; then the nine waiting
    loading_phase = chats[:3]
    assert [s.body["messages"][0]["content"] for s in loading_phase] == ["hi 0"] * 3  # only session 0 asked
