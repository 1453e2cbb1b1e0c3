"""Gemini over real HTTP against the fake (reference §3)."""

from __future__ import annotations

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter, errors
from tests.error_cases import GEMINI_CASES as CASES
from tests.error_cases import GEMINI_KEY as KEY
from tests.fakes.gemini_server import ERRORS, gemini_stream


def gemini(fake, key: str | None = KEY):
    return create_adapter("gemini", token=key, base_url=fake.url)


def ask(model: str = "gemini-2.5-flash", **params) -> ChatRequest:
    return ChatRequest(
        model,
        (Message("system", "Be brief."), Message("user", "Hi"), Message("assistant", "Hello!"), Message("user", "Again")),
        GenerationParams(**params),
    )


async def collect(adapter, request):
    return [c async for c in adapter.stream(request)]


async def test_stream_maps_roles_config_and_usage(fake_gemini):
    chunks = await collect(gemini(fake_gemini), ask(max_new_tokens=64, temperature=0.4, top_p=0.8, top_k=20, stop=("END",), seed=9))
    assert "".join(c.text for c in chunks) == "Hello from gemini-2.5-flash."
    final = chunks[-1]
    assert final.finish_reason == "stop"
    assert (final.usage.prompt_tokens, final.usage.completion_tokens) == (8, 4 + 3)  # thoughts count as output
    sent = fake_gemini.requests_to("stream")[0]
    assert sent.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert sent.headers["x-goog-api-key"] == KEY and "key=" not in sent.path
    assert sent.body == {
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}]},
            {"role": "model", "parts": [{"text": "Hello!"}]},
            {"role": "user", "parts": [{"text": "Again"}]},
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {"maxOutputTokens": 64, "temperature": 0.4, "topP": 0.8, "topK": 20, "stopSequences": ["END"], "seed": 9},
    }


async def test_thoughts_go_to_reasoning(fake_gemini):
    chunks = await collect(gemini(fake_gemini), ask("fake-thinker"))
    assert "".join(c.text for c in chunks) == "Hello from fake-thinker."
    assert "".join((c.extra or {}).get("reasoning", "") for c in chunks) == "Let me think."


async def test_complete(fake_gemini):
    completion = await gemini(fake_gemini).complete(ask())
    assert completion.text == "Hello from gemini-2.5-flash." and completion.usage.completion_tokens == 6
    assert fake_gemini.seen[0].path == "/v1beta/models/gemini-2.5-flash:generateContent"


async def test_models_prefix_is_accepted(fake_gemini):
    await gemini(fake_gemini).complete(ask("models/gemini-2.5-flash"))
    assert fake_gemini.seen[0].path == "/v1beta/models/gemini-2.5-flash:generateContent"


async def test_list_models_follows_pages_and_keeps_generators(fake_gemini):
    models = await gemini(fake_gemini).list_models()
    assert [(m.id, m.context_length) for m in models] == [
        ("gemini-2.5-flash", 1048576),
        ("gemini-3.8-flash", 1000000),
        ("gemini-2.5-pro", 1048576),
    ]
    first = models[0].extra  # what the list says the model can do: it thinks, its output limit, its top temperature
    assert first["thinking"] is True and first["output_limit"] == 65536 and first["max_temperature"] == 2.0
    assert [s.path for s in fake_gemini.requests_to("models")] == [
        "/v1beta/models?pageSize=1000",
        "/v1beta/models?pageSize=1000&pageToken=page2",
    ]
    assert await gemini(fake_gemini).verify() == "Key accepted \u00b7 3 models available"


async def test_stream_cut_before_finish_is_unavailable(fake_gemini):
    fake_gemini.enqueue("stream", gemini_stream(["a", "b", "c"], cut_after=2))
    with pytest.raises(errors.ProviderUnavailableError):
        await collect(gemini(fake_gemini), ask())


async def test_stream_that_ends_without_finish_reason_is_cut(fake_gemini):
    from tests.fakes.gemini_server import response
    from tests.fakes.server import sse, stream_reply

    fake_gemini.enqueue("stream", stream_reply([sse(response(["partial"], finish=None))]))
    with pytest.raises(errors.ProviderUnavailableError, match="cut"):
        await collect(gemini(fake_gemini), ask())


@pytest.mark.parametrize(("name", "cls", "retryable", "wait", "words"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("route", ["stream", "generate"])
async def test_every_error_is_typed(fake_gemini, name, cls, retryable, wait, words, route):
    fake_gemini.enqueue(route, ERRORS[name])
    adapter = gemini(fake_gemini)
    with pytest.raises(errors.ProviderError) as info:
        await (collect(adapter, ask()) if route == "stream" else adapter.complete(ask()))
    exc = info.value
    assert type(exc) is cls and exc.retryable is retryable and exc.provider == "gemini" and words in exc.user_message
    if wait is not None:
        assert exc.retry_after == wait
    assert KEY not in str(exc) and KEY not in exc.detail


async def test_invalid_key_from_the_fake_default(fake_gemini):
    with pytest.raises(errors.AuthError, match="Google did not accept"):
        await gemini(fake_gemini, key="AIzabad_key_value_0123456789").verify()


async def test_blocked_prompt_is_explained(fake_gemini):
    from tests.fakes.server import json_reply

    fake_gemini.enqueue(
        "generate", json_reply(200, {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}})
    )
    with pytest.raises(errors.BadRequestError, match="blocked: safety"):
        await gemini(fake_gemini).complete(ask())


async def test_reasoning_effort_becomes_a_thinking_budget(fake_gemini):
    chunks = await collect(gemini(fake_gemini), ask("fake-thinker", reasoning_effort="low", max_new_tokens=2048))
    sent = fake_gemini.requests_to("stream")[0].body
    assert sent["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 1024}
    assert chunks[-1].usage.reasoning_tokens is not None  # thoughtsTokenCount, within the output count


async def test_a_refused_generation_setting_is_typed_and_named(fake_gemini):
    """A 400 that names a setting the model does not take becomes UnsupportedParameterError, which the
    turn service mends (the setting left out) and remembers, like OpenAI's unsupported_value."""
    from adapters import GenerationParams, Message
    from council.facts.capabilities import WIRE_TO_FIELD
    from tests.fakes.gemini_server import google_error

    fake_gemini.enqueue("generate", google_error(400, "Thinking level is not supported for this model.", "INVALID_ARGUMENT"))
    request = ChatRequest("gemini-3.8-flash", (Message("user", "Hi"),), GenerationParams(reasoning_effort="high"))
    with pytest.raises(errors.UnsupportedParameterError) as raised:
        await gemini(fake_gemini).complete(request)
    assert raised.value.param == "thinkingConfig" and WIRE_TO_FIELD[raised.value.param] == "reasoning_effort"
    assert "Thinking level is not supported for this model." in raised.value.user_message
    fake_gemini.enqueue("generate", google_error(400, "topK is not supported for this model.", "INVALID_ARGUMENT"))
    with pytest.raises(errors.UnsupportedParameterError) as raised:
        await gemini(fake_gemini).complete(request)
    assert raised.value.param == "top_k"
