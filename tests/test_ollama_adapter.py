"""Ollama's native API over real HTTP against the fake (reference §2)."""

from __future__ import annotations

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter, errors
from tests.error_cases import OLLAMA_CASES as CASES
from tests.error_cases import OLLAMA_HINTS as HINTS
from tests.fakes.ollama_server import ERRORS, chat_lines


def ollama(fake):
    return create_adapter("ollama", base_url=fake.url)


def ask(model: str = "llama3.2", **params) -> ChatRequest:
    return ChatRequest(model, (Message("system", "Be brief."), Message("user", "Hi")), GenerationParams(**params))


async def collect(adapter, request):
    return [c async for c in adapter.stream(request)]


async def test_stream_ndjson_with_final_stats_and_options(fake_ollama):
    chunks = await collect(ollama(fake_ollama), ask(max_new_tokens=30, temperature=0.1, top_p=0.9, top_k=40, stop=("END",), seed=5))
    assert "".join(c.text for c in chunks) == "Hello from Ollama."  # the done line held the last piece
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens, chunks[-1].finish_reason) == (26, 4, "stop")
    sent = fake_ollama.requests_to("chat")[0]
    assert sent.body == {
        "model": "llama3.2",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "stream": True,
        "options": {"num_predict": 30, "temperature": 0.1, "top_p": 0.9, "top_k": 40, "stop": ["END"], "seed": 5},
    }


async def test_missing_prompt_count_stays_unknown(fake_ollama):
    fake_ollama.enqueue("chat", chat_lines("llama3.2", ["a", "b"], counts=False))
    chunks = await collect(ollama(fake_ollama), ask())
    assert chunks[-1].usage.prompt_tokens is None and chunks[-1].usage.completion_tokens == 2


async def test_complete(fake_ollama):
    completion = await ollama(fake_ollama).complete(ask())
    assert completion.text == "Hello from Ollama." and completion.usage.prompt_tokens == 26
    assert fake_ollama.requests_to("chat")[0].body["stream"] is False


async def test_error_line_inside_a_200_stream(fake_ollama):
    fake_ollama.enqueue("chat", chat_lines("llama3.2", ["a", "b", "c"], error_after=2))
    got = []
    with pytest.raises(errors.ProviderUnavailableError):
        async for c in ollama(fake_ollama).stream(ask()):
            got.append(c.text)
    assert "".join(got) == "ab"


async def test_cut_stream(fake_ollama):
    fake_ollama.enqueue("chat", chat_lines("llama3.2", ["a", "b", "c"], cut_after=1))
    with pytest.raises(errors.ProviderUnavailableError):
        await collect(ollama(fake_ollama), ask())


@pytest.mark.parametrize("name", ["404", "404-pull"])
async def test_missing_model_says_ollama_pull(fake_ollama, name):
    fake_ollama.enqueue("chat", ERRORS[name])
    with pytest.raises(errors.ModelNotFoundError) as info:
        await ollama(fake_ollama).complete(ask("llama3"))
    assert "ollama pull llama3" in info.value.user_message


async def test_unknown_model_from_the_fake_default(fake_ollama):
    with pytest.raises(errors.ModelNotFoundError, match="ollama pull mistral"):
        await collect(ollama(fake_ollama), ask("mistral"))


@pytest.mark.parametrize(("name", "cls", "retryable", "words"), CASES, ids=[c[0] for c in CASES])
async def test_every_error_is_typed(fake_ollama, name, cls, retryable, words):
    fake_ollama.enqueue("chat", ERRORS[name])
    with pytest.raises(errors.ProviderError) as info:
        await collect(ollama(fake_ollama), ask("llama3"))
    exc = info.value
    assert type(exc) is cls and exc.retryable is retryable and exc.provider == "ollama"
    assert words.lower() in f"{exc.user_message} {exc.detail}".lower()
    if name in HINTS:
        assert exc.retry_after == HINTS[name]


async def test_tags_health_and_verify(fake_ollama):
    adapter = ollama(fake_ollama)
    models = await adapter.list_models()
    assert [m.id for m in models] == ["llama3.2:latest", "hf.co/o/r:Q4_K_M"] and models[0].price_in_per_m == 0.0
    assert await adapter.health() == "Ollama is running"
    assert (await adapter.verify()).startswith("Ollama is running \u00b7 2 models pulled")


async def test_not_running_is_explained():
    adapter = create_adapter("ollama", base_url="http://127.0.0.1:9")
    with pytest.raises(errors.ProviderUnavailableError, match="check that it is running"):
        await adapter.verify()


def test_ollama_host_without_scheme(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:11434")
    assert create_adapter("ollama").base_url == "http://127.0.0.1:11434"
