"""The fault matrix: every error body of the Hugging Face router, OpenAI/Groq, Gemini, Ollama, Anthropic,
OpenRouter and an OpenAI-compatible server in the reference, each over real HTTP from its fake: the typed error
(class, ``retryable``, the plain words the user reads, the server's wait), then what the one retry
layer does with it — attempts, waits (injected sleep), and the fallback: a server hint within the
cap is waited out, a hint beyond the cap becomes a fallback at once (never a sleep), errors without
a hint back off, and only an invalid request is not passed to the next provider."""

from __future__ import annotations

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter, errors
from adapters.simulator import Scenario
from council.runs.resilience import Attribution, LoadingQueue, RetryLayer, Target
from council.runs.turns import stream_turn
from council.settings import RetrySettings
from tests.error_cases import (
    ANTHROPIC_CASES,
    ANTHROPIC_KEY,
    GEMINI_CASES,
    GEMINI_KEY,
    GROQ_KEY,
    HF_CASES,
    OLLAMA_CASES,
    OLLAMA_HINTS,
    OPENAI_CASES,
    OPENAI_KEY,
    OPENROUTER_CASES,
    OPENROUTER_KEY,
)
from tests.fakes import anthropic_server, gemini_server, hf_server, ollama_server, openai_server, openrouter_server

MAX_ATTEMPTS, CAP_S = 3, 30.0
HF_HINTS = {"429-retry-after": 7.0, "429-ratelimit": 55.0, "503-loading": 0.05}  # Retry-After, RateLimit t=, estimated_time

MATRIX = (  # provider, fake reply, error class, retryable, the server's wait hint, words the user reads
    [("huggingface", name, cls, retryable, HF_HINTS.get(name), words) for name, cls, retryable, _status, words in HF_CASES]
    + [(provider, name, cls, retryable, hint, words) for name, provider, cls, retryable, hint, words in OPENAI_CASES]
    + [("gemini", name, cls, retryable, hint, words) for name, cls, retryable, hint, words in GEMINI_CASES]
    + [("ollama", name, cls, retryable, OLLAMA_HINTS.get(name), words) for name, cls, retryable, words in OLLAMA_CASES]
    + [("anthropic", name, cls, retryable, hint, words) for name, cls, retryable, hint, words in ANTHROPIC_CASES]
    + [("openrouter", name, cls, retryable, hint, words) for name, cls, retryable, hint, words in OPENROUTER_CASES]
    + [  # your own server (vLLM, llama.cpp, LM Studio) answers in OpenAI's words
        ("openai-compatible", "401-openai", errors.AuthError, False, None, "--api-key"),
        ("openai-compatible", "404", errors.ModelNotFoundError, False, None, "does not know this model"),
        ("openai-compatible", "429-rate", errors.RateLimitError, True, 2.502, "rate-limiting you"),
        ("openai-compatible", "400-context", errors.ContextLengthError, False, None, "max new tokens"),
        ("openai-compatible", "503", errors.ProviderUnavailableError, True, None, "usually temporary"),
    ]
)


def test_the_matrix_is_big_enough():
    assert len(MATRIX) >= 25


@pytest.mark.parametrize(("provider", "name", "cls", "retryable", "hint", "words"), MATRIX, ids=[f"{m[0]}-{m[1]}" for m in MATRIX])
async def test_what_the_retry_layer_does_with_each_error(
    fake_hf,
    fake_openai,
    fake_groq,
    fake_gemini,
    fake_ollama,
    fake_server,
    fake_anthropic,
    fake_openrouter,
    provider,
    name,
    cls,
    retryable,
    hint,
    words,
):
    fakes = {  # the fake, its error bodies, a key it accepts, the base URL, the route a streamed chat takes
        "huggingface": (fake_hf, hf_server.ERRORS, "hf_MatrixToken0123456789ab", fake_hf.url, "chat"),
        "openai": (fake_openai, openai_server.ERRORS, OPENAI_KEY, fake_openai.url + "/v1", "chat"),
        "groq": (fake_groq, openai_server.ERRORS, GROQ_KEY, fake_groq.url + "/openai/v1", "chat"),
        "gemini": (fake_gemini, gemini_server.ERRORS, GEMINI_KEY, fake_gemini.url, "stream"),
        "ollama": (fake_ollama, ollama_server.ERRORS, None, fake_ollama.url, "chat"),
        "openai-compatible": (fake_server, openai_server.ERRORS, "my-server-key-0123", fake_server.url + "/v1", "chat"),
        "anthropic": (fake_anthropic, anthropic_server.ERRORS, ANTHROPIC_KEY, fake_anthropic.url, "messages"),
        "openrouter": (fake_openrouter, openrouter_server.ERRORS, OPENROUTER_KEY, fake_openrouter.url + "/api/v1", "chat"),
    }
    fake, replies, key, base, route = fakes[provider]
    primary = create_adapter(provider, token=key, base_url=base)
    fallback = create_adapter("simulator", scenario=Scenario("ok", tokens_per_s=500.0))
    model = "gemini-2.5-flash" if provider == "gemini" else "acme/model"
    request = ChatRequest(model, (Message("user", "Hello"),), GenerationParams(max_new_tokens=8))

    # the typed error itself: its class, whether it may be retried, and the plain words shown
    fake.enqueue(route, replies[name])
    with pytest.raises(errors.ProviderError) as raised:
        async for _ in primary.stream(request):
            pass
    error = raised.value
    assert type(error) is cls and error.retryable is retryable and words.lower() in f"{error.user_message} {error.detail}".lower()
    if hint is not None:  # Retry-After, RateLimit t=, RetryInfo, a wait in the message, or estimated_time
        assert (getattr(error, "retry_after", None) or getattr(error, "estimated_time", None)) == pytest.approx(hint)

    # what the one retry layer then does with it
    for _ in range(MAX_ATTEMPTS):
        fake.enqueue(route, replies[name])
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    layer = RetryLayer(RetrySettings(MAX_ATTEMPTS, CAP_S), sleep=sleep, queue=LoadingQueue(poll_s=0.001))
    attribution = Attribution()
    result = await stream_turn([Target(primary, request), Target(fallback, request)], layer, lambda text: None, attribution)
    await primary.aclose()

    tried = [a for a in attribution.attempts if a.provider == provider]
    assert all(a.outcome == cls.kind for a in tried)
    if not retryable:
        assert len(tried) == 1 and waits == []
    elif hint is not None and hint > CAP_S:  # beyond the cap: no sleeping through it, straight to the fallback
        assert len(tried) == 1 and waits == []
        assert "cap" in attribution.fallbacks[0][2]
    elif hint is not None:
        assert len(tried) == MAX_ATTEMPTS and waits == pytest.approx([hint] * (MAX_ATTEMPTS - 1))
    else:  # exponential backoff with jitter: 1-2 s, then 2-3 s
        assert len(tried) == MAX_ATTEMPTS and 1.0 <= waits[0] < 2.0 and 2.0 <= waits[1] < 3.0
    if cls is errors.BadRequestError:  # it would fail anywhere: shown as it is, not passed on
        assert result.error is not None and type(result.error) is cls and not attribution.fallbacks
    else:
        assert result.error is None and result.provider == "simulator" and result.text
        assert attribution.fallbacks[0][:2] == (provider, model)
