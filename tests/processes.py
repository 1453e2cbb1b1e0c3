"""Starting the real servers some tests need (the app itself, llama.cpp's server) as child
processes, and waiting until they answer — failing loudly, with their log, if they die."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def child_process(
    args: list[str], ready_url: str, log_path: Path, *, what: str, timeout_s: float = 120, **popen
) -> Iterator[subprocess.Popen]:
    """Run ``args`` until the block ends; enter once ``ready_url`` answers 200."""
    with log_path.open("w") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **popen)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{what} exited with code {process.returncode}:\n{log_path.read_text()[-3000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(ready_url, timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"{what} did not answer within {timeout_s:.0f} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.2)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def streamlit_app(log_path: Path, *options: str, port: int | None = None, **env: str) -> Iterator[str]:
    """``streamlit run app.py`` on a free port (or ``port``) with no tokens from this shell; yields its URL.
    ``options`` are more command-line options (e.g. ``"--logger.level", "debug"``)."""
    port = port or free_port()
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_API_KEY"))}
    args = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        *options,
    ]
    url = f"http://127.0.0.1:{port}"
    with child_process(args, f"{url}/_stcore/health", log_path, what="streamlit", timeout_s=60, cwd=ROOT, env={**clean, **env}):
        yield url
