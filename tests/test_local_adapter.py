"""The bundled model, for real: streaming, counting, one generation at a time, Stop, and the
graceful paths when llama-cpp-python or the model file is missing."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter, errors, local_runtime

pytestmark = pytest.mark.local_model

SHORT = GenerationParams(max_new_tokens=24, temperature=0.0, seed=1)


def ask(*turns: tuple[str, str], params: GenerationParams = SHORT) -> ChatRequest:
    return ChatRequest(local_runtime.BUNDLED_MODEL_ID, tuple(Message(r, c) for r, c in turns), params)


async def test_streams_a_real_answer_token_by_token(bundled_model):
    adapter = create_adapter("local")
    chunks = [c async for c in adapter.stream(ask(("user", "Name a colour.")))]
    texts = [c.text for c in chunks if c.text]
    final = chunks[-1]
    assert final.usage.prompt_tokens > 5 and 1 <= final.usage.completion_tokens <= 24
    # as many pieces as the answer has tokens, give or take a character split across two (how many words it
    # writes depends on the processor's arithmetic, so the count is compared with the answer's own)
    assert len(texts) >= min(2, final.usage.completion_tokens - 1), "the answer should arrive in several pieces"
    assert final.finish_reason in ("stop", "length")


async def test_two_turn_conversation_uses_the_chat_template(bundled_model):
    adapter = create_adapter("local")
    one = await adapter.complete(ask(("user", "My name is Ada. Say hi.")))
    two = await adapter.complete(ask(("user", "My name is Ada. Say hi."), ("assistant", one.text), ("user", "What is my name?")))
    assert one.text.strip() and two.text.strip()
    assert two.usage.prompt_tokens > one.usage.prompt_tokens  # the whole conversation is sent
    assert two.ttft_s is not None and two.latency_s >= two.ttft_s


async def test_the_same_seed_gives_the_same_answer(bundled_model):
    adapter = create_adapter("local")
    params = GenerationParams(max_new_tokens=16, temperature=0.9, seed=42)
    first = await adapter.complete(ask(("user", "Tell me a word."), params=params))
    second = await adapter.complete(ask(("user", "Tell me a word."), params=params))
    assert first.text == second.text


async def test_concurrent_requests_run_one_after_another(bundled_model):
    """Two generations at once would crash the process: the lock makes the second wait."""
    adapter = create_adapter("local")
    spans: dict[str, list[float]] = {"a": [], "b": []}

    async def run(name: str) -> str:
        parts = []
        async for chunk in adapter.stream(ask(("user", f"Count to five ({name})."))):
            if chunk.text:
                spans[name].append(time.perf_counter())
                parts.append(chunk.text)
        return "".join(parts)

    a, b = await asyncio.gather(run("a"), run("b"))
    assert a and b
    first, second = sorted(spans.values(), key=lambda s: s[0])
    assert first[-1] <= second[0], "the two answers interleaved: generations overlapped"


async def test_stop_releases_the_model_within_a_token(bundled_model):
    adapter = create_adapter("local")
    stream = adapter.stream(ask(("user", "Write a long story about a dragon."), params=GenerationParams(max_new_tokens=400)))
    async for chunk in stream:
        if chunk.text:
            break
    await stream.aclose()  # what Stop does to the running generation
    start = time.perf_counter()
    answer = await asyncio.wait_for(adapter.complete(ask(("user", "Say yes."))), timeout=30)
    assert answer.text.strip()
    assert time.perf_counter() - start < 10, "the stopped generation kept the model busy"


async def test_conversation_longer_than_the_window_is_a_context_error(bundled_model):
    adapter = create_adapter("local", n_ctx=128)
    with pytest.raises(errors.ContextLengthError, match="Clear"):
        await adapter.complete(ask(("user", "word " * 400)))


async def test_list_models_puts_the_bundled_model_first(bundled_model):
    (first, *_) = await create_adapter("local").list_models()
    assert first.id == "SmolLM2-135M-Instruct" and first.price_in_per_m == 0.0


async def test_verify_loads_the_model(bundled_model):
    assert "answers offline" in await create_adapter("local").verify()
    assert local_runtime.status().loaded


async def test_another_model_id_is_not_found(bundled_model):
    with pytest.raises(errors.ModelNotFoundError):
        await create_adapter("local").complete(ChatRequest("gpt-5", (Message("user", "hi"),)))


async def test_missing_llama_cpp_is_explained_not_crashed(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes "import llama_cpp" fail
    monkeypatch.setattr(local_runtime, "_models", {})
    monkeypatch.setattr(local_runtime, "llama_available", lambda: False)
    assert not local_runtime.status().ready and "llama-cpp-python" in local_runtime.status().message
    with pytest.raises(errors.NotInstalledError) as info:
        await create_adapter("local").complete(ask(("user", "hi")))
    assert "pip install -r requirements.txt" in info.value.user_message and "g++" in info.value.user_message
    assert info.value.retryable is False


async def test_local_model_path_pointing_nowhere_is_explained(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCAL_MODEL_PATH", str(tmp_path / "missing.gguf"))
    monkeypatch.setattr(local_runtime, "_models", {})
    with pytest.raises(errors.NotInstalledError, match="LOCAL_MODEL_PATH"):
        await create_adapter("local").complete(ChatRequest("missing", (Message("user", "hi"),)))


async def test_local_model_path_to_another_gguf_is_used(monkeypatch, tmp_path, bundled_model):
    copy = tmp_path / "MyModel.gguf"
    copy.symlink_to(bundled_model)
    monkeypatch.setenv("LOCAL_MODEL_PATH", str(copy))
    adapter = create_adapter("local")
    (row,) = await adapter.list_models()
    assert row.id == "MyModel"
    answer = await adapter.complete(ChatRequest("MyModel", (Message("user", "Say hi."),), SHORT))
    assert answer.text.strip()


def test_amx_is_read_from_the_processor_flags():
    """A build made on a processor that advertises AMX faults in a VM that does not enable the tiles:
    the loader then keeps weights in plain buffers (the bundled-model tests run on such a machine)."""
    from adapters.local_runtime import cpu_has_amx

    assert cpu_has_amx("processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_bf16 amx_tile amx_int8\n")
    assert not cpu_has_amx("processor\t: 0\nflags\t\t: fpu avx2 avx512f\n")
    assert not cpu_has_amx("")
