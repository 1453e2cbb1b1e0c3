"""The Hugging Face adapter over real loopback HTTP against the byte-for-byte fake."""

from __future__ import annotations

import json

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter, errors
from tests.error_cases import HF_CASES as ERROR_CASES
from tests.fakes.hf_server import ERRORS, Reply, chat_stream, json_reply, tgi_stream

TOKEN = "hf_TESTtokenValue0123456789abcdef"
WORDS = ["Hello", " from", " the", " fake", " router", "."]


def adapter(fake, token: str | None = TOKEN):
    return create_adapter("huggingface", token=token, base_url=fake.url, hub_url=fake.url)


def chat(model: str = "acme/chat", **params) -> ChatRequest:
    return ChatRequest(model, (Message("system", "Be brief."), Message("user", "Hi")), GenerationParams(**params))


async def collect(a, request):
    return [c async for c in a.stream(request)]


# ---- router chat --------------------------------------------------------------------------------


async def test_stream_joins_every_framing_variant(fake_hf):
    """Space / no space after data:, keep-alive comments, CRLF framing, split writes, usage chunk, [DONE]."""
    fake_hf.enqueue("chat", chat_stream("acme/chat", WORDS))
    chunks = await collect(adapter(fake_hf), chat(max_new_tokens=50, temperature=0.3, stop=("END",), seed=7))
    assert "".join(c.text for c in chunks) == "".join(WORDS)
    assert chunks[-1].usage.prompt_tokens == 12 and chunks[-1].usage.completion_tokens == len(WORDS)
    assert chunks[-1].finish_reason == "stop"
    sent = fake_hf.requests_to("chat")[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.body == {
        "model": "acme/chat",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "max_tokens": 50,
        "temperature": 0.3,
        "stop": ["END"],
        "seed": 7,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


async def test_unset_parameters_are_not_sent(fake_hf):
    fake_hf.enqueue("chat", chat_stream("acme/chat", WORDS))
    await collect(adapter(fake_hf), chat())
    body = fake_hf.requests_to("chat")[0].body
    assert set(body) == {"model", "messages", "stream", "stream_options"}


async def test_provider_suffix_is_sent_unchanged(fake_hf):
    fake_hf.enqueue("chat", chat_stream("openai/gpt-oss-120b:groq", WORDS))
    await collect(adapter(fake_hf), chat("openai/gpt-oss-120b:groq"))
    assert fake_hf.requests_to("chat")[0].body["model"] == "openai/gpt-oss-120b:groq"


async def test_stream_without_done_but_with_finish_reason_is_complete(fake_hf):
    fake_hf.enqueue("chat", chat_stream("acme/chat", WORDS, usage=False, done=False))
    chunks = await collect(adapter(fake_hf), chat())
    assert "".join(c.text for c in chunks) == "".join(WORDS)
    assert chunks[-1].usage is None and chunks[-1].finish_reason == "stop"


async def test_stream_cut_mid_answer_is_unavailable_and_keeps_partial(fake_hf):
    fake_hf.enqueue("chat", chat_stream("acme/chat", WORDS, cut_after=3))
    got: list[str] = []
    with pytest.raises(errors.ProviderUnavailableError) as info:
        async for chunk in adapter(fake_hf).stream(chat()):
            got.append(chunk.text)
    assert "".join(got) == "".join(WORDS[:3])
    assert info.value.retryable and "cut" in info.value.user_message


async def test_stream_that_ends_cleanly_without_finish_is_a_cut_stream(fake_hf):
    pieces = [f"data: {json.dumps({'choices': [{'delta': {'content': 'Hi'}, 'finish_reason': None}]})}\n\n".encode()]
    fake_hf.enqueue("chat", Reply(200, {"Content-Type": "text/event-stream"}, pieces=pieces))
    with pytest.raises(errors.ProviderUnavailableError, match="stream was cut"):
        await collect(adapter(fake_hf), chat())


async def test_error_event_inside_a_200_stream_is_typed(fake_hf):
    pieces = [
        b'data: {"choices":[{"delta":{"content":"Hi"},"finish_reason":null}]}\n\n',
        b'data: {"error":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 500 `max_new_tokens`","error_type":"validation"}\n\n',
    ]
    fake_hf.enqueue("chat", Reply(200, {"Content-Type": "text/event-stream"}, pieces=pieces))
    with pytest.raises(errors.ContextLengthError):
        await collect(adapter(fake_hf), chat())


async def test_garbled_event_is_unavailable(fake_hf):
    fake_hf.enqueue("chat", Reply(200, {"Content-Type": "text/event-stream"}, pieces=[b"data: {not json\n\n"]))
    with pytest.raises(errors.ProviderUnavailableError, match="could not read"):
        await collect(adapter(fake_hf), chat())


async def test_stream_request_answered_with_plain_json_still_answers(fake_hf):
    fake_hf.enqueue(
        "chat",
        json_reply(
            200,
            {
                "choices": [{"message": {"content": "Whole"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1},
            },
        ),
    )
    chunks = await collect(adapter(fake_hf), chat())
    assert "".join(c.text for c in chunks) == "Whole"
    assert chunks[-1].finish_reason == "stop"


async def test_complete_reads_text_usage_and_timing(fake_hf):
    a = adapter(fake_hf)
    completion = await a.complete(chat("fake/echo"))
    assert completion.text.startswith("Hello from fake/echo")
    assert completion.provider == "huggingface" and completion.finish_reason == "stop"
    assert completion.usage.prompt_tokens == 12
    assert completion.latency_s is not None and completion.latency_s > 0
    assert fake_hf.requests_to("chat")[0].body.get("stream") is None
    await a.aclose()


async def test_reasoning_goes_to_extra_not_the_answer(fake_hf):
    body = {"choices": [{"message": {"content": "42", "reasoning_content": "Let me think."}, "finish_reason": "stop"}]}
    fake_hf.enqueue("chat", json_reply(200, body))
    completion = await adapter(fake_hf).complete(chat())
    assert completion.text == "42" and completion.extra["reasoning"] == "Let me think."


# ---- hf-inference task models ----------------------------------------------------------------


async def test_text_generation_streams_tgi_tokens_without_done(fake_hf):
    fake_hf.enqueue("task", tgi_stream(WORDS))
    request = ChatRequest(
        "gpt2",
        (Message("user", "Once upon"),),
        GenerationParams(max_new_tokens=20, top_k=5, repetition_penalty=1.2, do_sample=True),
        task="text-generation",
    )
    chunks = await collect(adapter(fake_hf), request)
    assert "".join(c.text for c in chunks) == "".join(WORDS)
    assert chunks[-1].usage.completion_tokens == len(WORDS) and chunks[-1].finish_reason == "eos_token"
    sent = fake_hf.requests_to("task")[0]
    assert sent.path == "/hf-inference/models/gpt2"
    assert sent.body == {
        "inputs": "Once upon",
        "parameters": {
            "max_new_tokens": 20,
            "top_k": 5,
            "do_sample": True,
            "repetition_penalty": 1.2,
            "return_full_text": False,
            "details": True,
        },
        "stream": True,
    }


async def test_text_generation_stream_cut_is_unavailable(fake_hf):
    fake_hf.enqueue("task", tgi_stream(WORDS, cut_after=2))
    request = ChatRequest("gpt2", (Message("user", "x"),), task="text-generation")
    with pytest.raises(errors.ProviderUnavailableError):
        await collect(adapter(fake_hf), request)


@pytest.mark.parametrize(
    ("model", "task", "text", "extra"),
    [
        ("deepset/roberta-base-squad2", "question-answering", "Paris", {"score": 0.9731, "start": 31, "end": 36}),
        ("facebook/bart-large-cnn", "summarization", "A short summary.", {}),
        ("google/flan-t5-xxl", "text2text-generation", "Yes.", {}),
        ("openai-community/gpt2", "text-generation", "Hello from openai-community/gpt2! The router answered in pieces.", {}),
    ],
)
async def test_task_models_complete(fake_hf, model, task, text, extra):
    request = ChatRequest(model, (Message("system", "The capital of France is Paris."), Message("user", "What is the capital?")), task=task)
    completion = await adapter(fake_hf).complete(request)
    assert completion.text == text
    assert completion.extra == extra
    sent = fake_hf.requests_to("task")[0]
    assert sent.path == f"/hf-inference/models/{model}"
    if task == "question-answering":
        assert sent.body == {"inputs": {"question": "What is the capital?", "context": "The capital of France is Paris."}}
    else:
        assert sent.body["inputs"] == "What is the capital?"


async def test_task_that_cannot_stream_yields_one_chunk(fake_hf):
    request = ChatRequest("facebook/bart-large-cnn", (Message("user", "Long text"),), task="summarization")
    chunks = await collect(adapter(fake_hf), request)
    assert [c.text for c in chunks] == ["A short summary."]


async def test_question_answering_without_context_is_refused_before_sending(fake_hf):
    request = ChatRequest("deepset/roberta-base-squad2", (Message("user", "Where?"),), task="question-answering")
    with pytest.raises(errors.BadRequestError, match="system prompt"):
        await adapter(fake_hf).complete(request)
    assert fake_hf.seen == []


async def test_model_id_is_percent_encoded_into_the_path(fake_hf):
    request = ChatRequest("acme/na me", (Message("user", "x"),), task="summarization")
    fake_hf.enqueue("task", json_reply(200, [{"summary_text": "ok"}]))
    await adapter(fake_hf).complete(request)
    assert fake_hf.seen[0].path == "/hf-inference/models/acme/na%20me"


# ---- Hub and lists --------------------------------------------------------------------------------


async def test_verify_names_the_account(fake_hf):
    assert await adapter(fake_hf).verify() == "Signed in as council-tester \u00b7 token \u201cAI Council\u201d (read role)"
    assert fake_hf.seen[0].path == "/api/whoami-v2"


async def test_verify_with_a_bad_token_is_auth_error(fake_hf):
    with pytest.raises(errors.AuthError) as info:
        await adapter(fake_hf, token="hf_bad_token_value_123").verify()
    assert "extra spaces or quotes" in info.value.user_message


async def test_list_models_reads_live_providers_prices_and_context(fake_hf):
    models = await adapter(fake_hf).list_models()
    gpt = next(m for m in models if m.id == "openai/gpt-oss-120b")
    assert gpt.served_by == ("groq",)  # the provider in "error" status is not counted
    assert (gpt.context_length, gpt.price_in_per_m, gpt.price_out_per_m) == (131072, 0.15, 0.6)
    # what each model reads: the router's input modalities (its image-text-to-text models read images)
    reads = {m.id: m.extra["input_modalities"] for m in models}
    assert reads["openai/gpt-oss-120b"] == ["text"] and reads["Qwen/Qwen3-VL-8B-Instruct"] == ["text", "image"]


async def test_missing_token_is_refused_before_sending(fake_hf):
    with pytest.raises(errors.AuthError, match="No Hugging Face token"):
        await collect(adapter(fake_hf, token=None), chat())
    assert fake_hf.seen == []


# ---- every Hugging Face error ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "cls", "retryable", "status", "words"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
@pytest.mark.parametrize("streaming", [True, False], ids=["stream", "complete"])
async def test_every_error_is_typed_in_plain_words(fake_hf, name, cls, retryable, status, words, streaming):
    fake_hf.enqueue("chat", ERRORS[name])
    a = adapter(fake_hf)
    with pytest.raises(errors.ProviderError) as info:
        if streaming:
            await collect(a, chat())
        else:
            await a.complete(chat())
    exc = info.value
    assert type(exc) is cls
    assert exc.retryable is retryable
    assert exc.status == status
    assert words in exc.user_message
    assert exc.provider == "huggingface"
    assert TOKEN not in str(exc) and TOKEN not in exc.user_message and TOKEN not in exc.detail


async def test_rate_limit_waits_are_read_from_headers(fake_hf):
    fake_hf.enqueue("chat", ERRORS["429-retry-after"], ERRORS["429-ratelimit"])
    a = adapter(fake_hf)
    with pytest.raises(errors.RateLimitError) as first:
        await a.complete(chat())
    with pytest.raises(errors.RateLimitError) as second:
        await a.complete(chat())
    assert first.value.retry_after == 7.0
    assert second.value.retry_after == 55.0
    assert second.value.rate_limit.remaining_requests == 0 and second.value.rate_limit.limit_requests == 500


async def test_loading_carries_estimated_time(fake_hf):
    fake_hf.enqueue("task", ERRORS["503-loading"])
    with pytest.raises(errors.ModelLoadingError) as info:
        await adapter(fake_hf).complete(ChatRequest("gpt2", (Message("user", "x"),), task="text-generation"))
    assert info.value.estimated_time == 0.05


# ---- token safety on the wire ------------------------------------------------------------------


async def test_redirects_are_never_followed(fake_hf):
    fake_hf.enqueue("chat", Reply(307, {"Location": "http://127.0.0.1:9/steal"}, b""))
    with pytest.raises(errors.ProviderUnavailableError, match="redirect"):
        await adapter(fake_hf).complete(chat())
    assert len(fake_hf.seen) == 1


def test_token_is_never_sent_over_plain_http_to_another_host():
    with pytest.raises(errors.BadRequestError, match="unencrypted"):
        create_adapter("huggingface", token=TOKEN, base_url="http://example.com")
    # loopback over http is fine (a local fake or proxy), and so is https anywhere
    create_adapter("huggingface", token=TOKEN, base_url="http://127.0.0.1:8080", hub_url="http://localhost:1")
    create_adapter("huggingface", token=TOKEN, base_url="https://proxy.example.com")


def test_hub_url_is_checked_too():
    with pytest.raises(errors.BadRequestError):
        create_adapter("huggingface", token=TOKEN, base_url="https://router.huggingface.co", hub_url="http://evil.example")


async def test_refused_connection_is_unavailable_in_plain_words():
    a = create_adapter("huggingface", token=TOKEN, base_url="http://127.0.0.1:9", hub_url="http://127.0.0.1:9")
    with pytest.raises(errors.ProviderUnavailableError, match="Could not connect"):
        await a.complete(chat())


def test_unknown_provider_is_a_typed_error():
    with pytest.raises(errors.BadRequestError, match="does not know the provider"):
        create_adapter("nonesuch")


async def test_a_stream_that_stalls_past_the_read_timeout_is_unavailable(fake_hf):
    from adapters.http import make_timeout

    reply = chat_stream("acme/chat", WORDS)
    reply.gap_s = 0.6  # silence between pieces, longer than the read timeout below
    fake_hf.enqueue("chat", reply)
    a = create_adapter("huggingface", token=TOKEN, base_url=fake_hf.url, hub_url=fake_hf.url, timeout=make_timeout(2, 0.3))
    with pytest.raises(errors.ProviderUnavailableError, match="stopped sending for longer than the read timeout"):
        await collect(a, chat())
