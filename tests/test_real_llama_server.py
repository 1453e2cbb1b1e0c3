"""One OpenAI-compatible server that nobody here wrote: llama-cpp-python's own server, running the
bundled GGUF, answering through the ``openai-compatible`` adapter whole and streamed."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter
from tests.conftest import missing
from tests.processes import child_process, free_port

pytestmark = pytest.mark.local_model


@pytest.fixture(scope="module")
def llama_server(bundled_model, tmp_path_factory) -> Iterator[str]:
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError:
        missing("llama-cpp-python's server extra is not installed (pip install -r requirements-dev.txt)")
    port = free_port()
    # the server, started as `python -m llama_cpp.server` would be, after the app's own guard for
    # processors that advertise AMX (adapters/local_runtime.make_llama_cpp_safe)
    launcher = (
        "import runpy, sys; from adapters.local_runtime import make_llama_cpp_safe; make_llama_cpp_safe(); "
        "runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)"
    )
    args = [
        sys.executable,
        "-c",
        launcher,
        "--model",
        bundled_model,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
    ]
    url = f"http://127.0.0.1:{port}/v1"
    with child_process(args, f"{url}/models", tmp_path_factory.mktemp("llama-server") / "server.log", what="llama_cpp.server"):
        yield url


def ask(model: str) -> ChatRequest:
    return ChatRequest(
        model,
        (Message("system", "You are brief."), Message("user", "Name one colour.")),
        GenerationParams(max_new_tokens=16, temperature=0.0),
    )


async def test_lists_and_verifies(llama_server):
    adapter = create_adapter("openai-compatible", base_url=llama_server)
    models = await adapter.list_models()
    assert len(models) == 1
    assert (await adapter.verify()).startswith("Connected \u00b7 1 model available")


async def test_answers_whole(llama_server):
    adapter = create_adapter("openai-compatible", base_url=llama_server)
    (model,) = await adapter.list_models()
    completion = await adapter.complete(ask(model.id))
    assert completion.text.strip()
    assert completion.usage.completion_tokens and completion.usage.completion_tokens <= 16
    assert completion.finish_reason in ("stop", "length")


async def test_answers_streamed(llama_server):
    adapter = create_adapter("openai-compatible", base_url=llama_server)
    (model,) = await adapter.list_models()
    chunks = [c async for c in adapter.stream(ask(model.id))]
    pieces = [c.text for c in chunks if c.text]
    assert len(pieces) >= 2 and "".join(pieces).strip()
    assert chunks[-1].finish_reason in ("stop", "length")
    # llama.cpp's server ignores stream_options.include_usage: no counts is an honest None
    assert chunks[-1].usage is None or chunks[-1].usage.completion_tokens
