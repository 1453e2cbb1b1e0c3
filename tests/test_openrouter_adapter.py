"""OpenRouter over real HTTP against its fake (reference §10): OpenAI's wire format with its own errors and list."""

from __future__ import annotations

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter, errors
from tests.error_cases import OPENROUTER_CASES as CASES
from tests.error_cases import OPENROUTER_KEY as KEY
from tests.fakes.openrouter_server import ERRORS


def openrouter(fake, key: str | None = KEY):
    return create_adapter("openrouter", token=key, base_url=fake.url + "/api/v1")


def ask(model: str = "openai/gpt-oss-20b:free", **params) -> ChatRequest:
    return ChatRequest(model, (Message("system", "Be brief."), Message("user", "Hi")), GenerationParams(**params))


async def collect(adapter, request):
    return [c async for c in adapter.stream(request)]


async def test_stream_through_keep_alive_comments_with_usage(fake_openrouter):
    chunks = await collect(openrouter(fake_openrouter), ask(max_new_tokens=32, temperature=0.5))
    assert "".join(c.text for c in chunks) == "Hi from openai/gpt-oss-20b:free."
    assert chunks[-1].finish_reason == "stop" and chunks[-1].usage.completion_tokens == 4
    sent = fake_openrouter.requests_to("chat")[0]
    assert sent.path == "/api/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}" and sent.headers["x-openrouter-title"] == "AI Council Playground"
    assert sent.body["max_tokens"] == 32 and "stream_options" not in sent.body  # include_usage is a no-op there


async def test_complete(fake_openrouter):
    completion = await openrouter(fake_openrouter).complete(ask())
    assert completion.text == "Hi from openai/gpt-oss-20b:free." and completion.usage.prompt_tokens == 10


async def test_live_list_has_prices_per_million_and_context(fake_openrouter):
    models = await openrouter(fake_openrouter).list_models()
    free, haiku = models
    assert (free.id, free.price_in_per_m, free.price_out_per_m, free.context_length) == ("openai/gpt-oss-20b:free", 0.0, 0.0, 131072)
    assert (haiku.price_in_per_m, haiku.price_out_per_m, haiku.owned_by) == (1.0, 5.0, "anthropic")
    assert await openrouter(fake_openrouter).verify() == "Key accepted \u00b7 2 models available"


async def test_mid_stream_error_chunk_is_typed(fake_openrouter):
    with pytest.raises(errors.ProviderError, match=r"refused this request|invalid"):
        await collect(openrouter(fake_openrouter), ask("fake/midstream"))


@pytest.mark.parametrize(("name", "cls", "retryable", "wait", "words"), CASES, ids=[c[0] for c in CASES])
async def test_every_error_is_typed(fake_openrouter, name, cls, retryable, wait, words):
    fake_openrouter.enqueue("chat", ERRORS[name])
    with pytest.raises(errors.ProviderError) as info:
        await collect(openrouter(fake_openrouter), ask())
    exc = info.value
    assert type(exc) is cls and exc.retryable is retryable and exc.provider == "openrouter" and words in exc.user_message
    if wait is not None:
        assert exc.retry_after == wait
    assert KEY not in str(exc)
