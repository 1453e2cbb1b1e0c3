"""Anthropic's Messages API over real HTTP against the fake (reference §9)."""

from __future__ import annotations

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter, errors
from adapters.anthropic import API_VERSION, DEFAULT_MAX_TOKENS
from tests.error_cases import ANTHROPIC_CASES as CASES
from tests.error_cases import ANTHROPIC_KEY as KEY
from tests.fakes.anthropic_server import ERRORS, message_stream


def anthropic(fake, key: str | None = KEY):
    return create_adapter("anthropic", token=key, base_url=fake.url)


def ask(model: str = "claude-haiku-4-5", **params) -> ChatRequest:
    return ChatRequest(
        model,
        (Message("system", "Be brief."), Message("user", "Hi"), Message("assistant", "Hello!"), Message("user", "Again")),
        GenerationParams(**params),
    )


async def collect(adapter, request):
    return [c async for c in adapter.stream(request)]


async def test_stream_sends_its_own_protocol_and_reads_named_events(fake_anthropic):
    chunks = await collect(anthropic(fake_anthropic), ask(max_new_tokens=64, temperature=0.4, top_p=0.8, top_k=20, stop=("END",)))
    assert "".join(c.text for c in chunks) == "Hi from claude-haiku-4-5."
    final = chunks[-1]
    assert final.finish_reason == "stop"
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (12, 4)  # output_tokens is cumulative: the last one wins
    sent = fake_anthropic.requests_to("messages")[0]
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == KEY and "authorization" not in sent.headers
    assert sent.headers["anthropic-version"] == API_VERSION == "2023-06-01"
    assert sent.body == {
        "model": "claude-haiku-4-5",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Again"}],
        "system": "Be brief.",  # top level: there is no system role
        "temperature": 0.4,
        "top_p": 0.8,
        "top_k": 20,
        "stop_sequences": ["END"],
        "stream": True,
    }


async def test_max_tokens_is_always_sent_and_temperature_kept_within_its_range(fake_anthropic):
    await anthropic(fake_anthropic).complete(ask(temperature=1.6))
    body = fake_anthropic.seen[0].body
    assert body["max_tokens"] == DEFAULT_MAX_TOKENS and body["temperature"] == 1.0 and "stream" not in body


async def test_consecutive_turns_of_one_role_are_merged(fake_anthropic):
    request = ChatRequest("claude-haiku-4-5", (Message("user", "One"), Message("user", "Two")))
    await anthropic(fake_anthropic).complete(request)
    assert fake_anthropic.seen[0].body["messages"] == [{"role": "user", "content": "One\n\nTwo"}]


async def test_thinking_blocks_go_to_reasoning(fake_anthropic):
    chunks = await collect(anthropic(fake_anthropic), ask("claude-thinker"))
    assert "".join(c.text for c in chunks) == "Hi from claude-thinker."
    assert "".join((c.extra or {}).get("reasoning", "") for c in chunks) == "Let me think about it."
    completion = await anthropic(fake_anthropic).complete(ask("claude-thinker"))
    assert completion.text == "Hi from claude-thinker." and completion.extra["reasoning"] == "Let me think about it."


async def test_complete_reads_content_blocks_and_usage(fake_anthropic):
    completion = await anthropic(fake_anthropic).complete(ask())
    assert completion.text == "Hi from claude-haiku-4-5." and completion.finish_reason == "stop"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (12, 3)


async def test_max_tokens_stop_reason_is_length(fake_anthropic):
    fake_anthropic.enqueue("messages", message_stream("claude-haiku-4-5", ["Cut", " short"], stop_reason="max_tokens"))
    chunks = await collect(anthropic(fake_anthropic), ask())
    assert chunks[-1].finish_reason == "length"


async def test_list_models_follows_pages(fake_anthropic):
    models = await anthropic(fake_anthropic).list_models()
    assert [m.id for m in models] == ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7"]
    paths = [s.path for s in fake_anthropic.requests_to("models")]
    assert paths == ["/v1/models?limit=1000", "/v1/models?limit=1000&after_id=claude-sonnet-4-6"]
    assert await anthropic(fake_anthropic).verify() == "Key accepted \u00b7 3 models available"
    assert models[0].context_length == 200000 and models[0].extra["output_limit"] == 64000 and "shutdown_date" not in models[0].extra


def test_a_listed_retirement_time_is_the_models_shutdown_date(fake_anthropic):
    row = {"id": "claude-sonnet-4-5", "lifecycle": "deprecated", "retires_at": "2026-11-30T00:00:00Z", "max_tokens": 64000}
    info = anthropic(fake_anthropic).model_info(row)
    assert info.extra["shutdown_date"] == "2026-11-30" and info.extra["lifecycle"] == "deprecated"


async def test_a_stream_without_message_stop_was_cut(fake_anthropic):
    fake_anthropic.enqueue("messages", message_stream("claude-haiku-4-5", ["a", "b", "c"], cut_after=2))
    with pytest.raises(errors.ProviderUnavailableError, match="cut"):
        await collect(anthropic(fake_anthropic), ask())


async def test_a_mid_stream_error_event_is_typed(fake_anthropic):
    fake_anthropic.enqueue("messages", message_stream("claude-haiku-4-5", ["a", "b", "c"], error_after=2))
    with pytest.raises(errors.ProviderUnavailableError, match="overloaded"):
        await collect(anthropic(fake_anthropic), ask())


async def test_no_key_is_refused_before_sending(fake_anthropic):
    with pytest.raises(errors.AuthError, match="No Anthropic API key"):
        await collect(anthropic(fake_anthropic, key=None), ask())
    assert fake_anthropic.seen == []


@pytest.mark.parametrize(("name", "cls", "retryable", "wait", "words"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("stream", [True, False])
async def test_every_error_is_typed(fake_anthropic, name, cls, retryable, wait, words, stream):
    fake_anthropic.enqueue("messages", ERRORS[name])
    adapter = anthropic(fake_anthropic)
    with pytest.raises(errors.ProviderError) as info:
        await (collect(adapter, ask()) if stream else adapter.complete(ask()))
    exc = info.value
    assert type(exc) is cls and exc.retryable is retryable and exc.provider == "anthropic" and words in exc.user_message
    if wait is not None:
        assert exc.retry_after == wait
    assert KEY not in str(exc) and KEY not in exc.detail


async def test_the_2026_version_would_refuse_sampling(fake_anthropic):
    """Why we send 2023-06-01: the fake keeps the newer version's rule (any temperature is a 400)."""
    import httpx

    async with httpx.AsyncClient() as client:
        reply = await client.post(
            fake_anthropic.url + "/v1/messages",
            headers={"x-api-key": KEY, "anthropic-version": "2026-10-21"},
            json={"model": "claude-haiku-4-5", "max_tokens": 8, "temperature": 1, "messages": [{"role": "user", "content": "Hi"}]},
        )
    assert reply.status_code == 400 and "Extra inputs are not permitted" in reply.text
    await anthropic(fake_anthropic).complete(ask(temperature=0.2))  # ours is accepted
