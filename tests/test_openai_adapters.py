"""OpenAI, Groq and any OpenAI-compatible server, over real HTTP against the fake (reference §4, §5)."""

from __future__ import annotations

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter, errors
from tests.error_cases import GROQ_KEY, OPENAI_KEY
from tests.error_cases import OPENAI_CASES as CASES
from tests.fakes.openai_server import ERRORS, chat_stream
from tests.fakes.server import sse, stream_reply


def openai(fake, key: str | None = OPENAI_KEY):
    return create_adapter("openai", token=key, base_url=fake.url + "/v1")


def groq(fake, key: str | None = GROQ_KEY):
    return create_adapter("groq", token=key, base_url=fake.url + "/openai/v1")


def ask(model: str = "gpt-4o-mini", **params) -> ChatRequest:
    return ChatRequest(model, (Message("system", "Be brief."), Message("user", "Hi")), GenerationParams(**params))


async def collect(adapter, request):
    return [c async for c in adapter.stream(request)]


async def test_openai_streams_with_include_usage_and_sends_max_completion_tokens(fake_openai):
    chunks = await collect(openai(fake_openai), ask(max_new_tokens=40, temperature=0.2, top_p=0.9, seed=3, stop=("END",)))
    assert "".join(c.text for c in chunks) == "Hi from gpt-4o-mini."
    assert chunks[-1].usage.prompt_tokens == 10 and chunks[-1].usage.completion_tokens == 4 and chunks[-1].finish_reason == "stop"
    sent = fake_openai.requests_to("chat")[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert sent.body["max_completion_tokens"] == 40 and "max_tokens" not in sent.body
    assert sent.body["stream_options"] == {"include_usage": True}
    assert (sent.body["temperature"], sent.body["top_p"], sent.body["seed"], sent.body["stop"]) == (0.2, 0.9, 3, ["END"])


async def test_rate_limit_headers_reach_the_caller(fake_openai):
    chunks = await collect(openai(fake_openai), ask())
    info = next(c.rate_limit for c in chunks if c.rate_limit)
    assert (info.limit_requests, info.remaining_requests, info.reset_requests_s) == (14400, 14399, 360.0)
    assert info.reset_tokens_s == pytest.approx(179.56)
    completion = await openai(fake_openai).complete(ask())
    assert completion.rate_limit.remaining_tokens == 5990


async def test_groq_sends_max_tokens_and_reads_x_groq_usage(fake_groq):
    fake_groq.enqueue("chat", chat_stream("openai/gpt-oss-20b", ["A", "B"], groq=True, include_usage=False))
    chunks = await collect(groq(fake_groq), ask("openai/gpt-oss-20b", max_new_tokens=12))
    assert "".join(c.text for c in chunks) == "AB"
    assert chunks[-1].usage.completion_tokens == 2  # from x_groq.usage on the final chunk
    sent = fake_groq.requests_to("chat")[0]
    assert sent.path == "/openai/v1/chat/completions" and sent.body["max_tokens"] == 12 and "max_completion_tokens" not in sent.body


async def test_reasoning_is_kept_apart_from_the_answer(fake_openai):
    chunks = await collect(openai(fake_openai), ask("fake/reasoner"))
    assert "".join(c.text for c in chunks) == "Hi from fake/reasoner."
    assert "".join((c.extra or {}).get("reasoning", "") for c in chunks) == "Thinking hard."
    completion = await openai(fake_openai).complete(ask("fake/reasoner"))
    assert completion.text == "Hi from fake/reasoner." and completion.extra["reasoning"] == "Thinking hard."


async def test_complete_and_lists_and_verify(fake_openai, fake_groq):
    completion = await openai(fake_openai).complete(ask())
    assert completion.text == "Hi from gpt-4o-mini." and completion.usage.prompt_tokens == 10
    assert [m.id for m in await openai(fake_openai).list_models()] == ["gpt-4o-mini", "gpt-5-mini"]
    assert await groq(fake_groq).verify() == "Key accepted \u00b7 2 models available"
    assert fake_groq.requests_to("models")[0].path == "/openai/v1/models"


async def test_cut_stream_keeps_partial(fake_openai):
    fake_openai.enqueue("chat", chat_stream("m", ["a", "b", "c", "d"], cut_after=2))
    got = []
    with pytest.raises(errors.ProviderUnavailableError):
        async for c in openai(fake_openai).stream(ask("m")):
            got.append(c.text)
    assert "".join(got) == "ab"


async def test_error_event_in_stream(fake_openai):
    fake_openai.enqueue(
        "chat", stream_reply([sse({"error": {"message": "The server had an error", "type": "server_error", "code": None}})])
    )
    with pytest.raises(errors.ProviderUnavailableError):
        await collect(openai(fake_openai), ask())


@pytest.mark.parametrize(("name", "provider", "cls", "retryable", "wait", "words"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("streaming", [True, False], ids=["stream", "complete"])
async def test_every_error_is_typed(fake_openai, fake_groq, name, provider, cls, retryable, wait, words, streaming):
    fake = fake_groq if provider == "groq" else fake_openai
    adapter = groq(fake) if provider == "groq" else openai(fake)
    fake.enqueue("chat", ERRORS[name])
    with pytest.raises(errors.ProviderError) as info:
        await (collect(adapter, ask()) if streaming else adapter.complete(ask()))
    exc = info.value
    assert type(exc) is cls and exc.retryable is retryable and exc.provider == provider and words in exc.user_message
    if wait is not None:
        assert exc.retry_after == pytest.approx(wait)
    assert OPENAI_KEY not in str(exc) and GROQ_KEY not in str(exc)


async def test_groq_413_says_to_shorten_or_change_tier(fake_groq):
    fake_groq.enqueue("chat", ERRORS["413-groq"])
    with pytest.raises(errors.ContextLengthError) as info:
        await groq(fake_groq).complete(ask())
    assert "Shorten" in info.value.user_message and "tier" in info.value.user_message and not info.value.retryable


async def test_missing_key_is_refused_before_sending(fake_openai):
    with pytest.raises(errors.AuthError):
        await openai(fake_openai, key=None).complete(ask())
    assert fake_openai.seen == []


# ---- any OpenAI-compatible server ------------------------------------------------------------


async def test_custom_endpoint_without_token_and_without_usage(fake_openai):
    """llama.cpp's server ignores stream_options: no usage chunk, so usage stays unknown (None)."""
    fake_openai.enqueue("chat", chat_stream("local-llm", ["x", "y"], include_usage=False))
    adapter = create_adapter("openai-compatible", base_url=fake_openai.url + "/v1")
    chunks = await collect(adapter, ask("local-llm", max_new_tokens=5))
    assert "".join(c.text for c in chunks) == "xy"
    assert chunks[-1].usage is None and chunks[-1].finish_reason == "stop"
    sent = fake_openai.requests_to("chat")[0]
    assert "authorization" not in sent.headers and sent.body["max_tokens"] == 5


def test_custom_endpoint_needs_a_base_url():
    with pytest.raises(errors.BadRequestError, match="No base URL"):
        create_adapter("openai-compatible")


def test_custom_endpoint_with_token_needs_https_unless_loopback():
    with pytest.raises(errors.BadRequestError, match="unencrypted"):
        create_adapter("openai-compatible", token="secret-value-123", base_url="http://10.0.0.5:8000/v1")
    create_adapter("openai-compatible", token="secret-value-123", base_url="http://127.0.0.1:8000/v1")
    create_adapter("openai-compatible", base_url="http://10.0.0.5:8000/v1")  # no token: nothing to protect


def test_base_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "https://proxy.example.com/v1/")
    assert create_adapter("openai", token=OPENAI_KEY).base_url == "https://proxy.example.com/v1"
    monkeypatch.setenv("COUNCIL_OPENAI_COMPATIBLE_URL", "http://localhost:8080/v1")
    assert create_adapter("openai-compatible").base_url == "http://localhost:8080/v1"
