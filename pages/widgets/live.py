"""A run on screen: the heartbeat (an st.* call every quarter second, so Stop takes effect), the countdown bar while a
retry waits, and the redraw throttle for streamed text."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from typing import Any, TypeVar

from council.runs.resilience import RetryLayer, WaitEvent
from pages.widgets.session import retry_settings
from pages.widgets.sidebar import quota_guard

T = TypeVar("T")


def countdown(placeholder: Any, reason: Callable[[], str]) -> Callable[[float], Coroutine[Any, Any, None]]:
    """A ``sleep`` for the retry layer that draws a countdown bar (a heartbeat, so Stop works)."""

    async def sleep(seconds: float) -> None:
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            left = seconds - elapsed
            placeholder.progress(min(1.0, elapsed / seconds) if seconds else 1.0, text=f"{reason()} \u2014 retrying in {left:.0f} s")
            await asyncio.sleep(min(0.2, left))
        placeholder.empty()

    return sleep


REDRAW_EVERY_S = 0.05  # streamed text is redrawn at most this often
HEARTBEAT_S = 0.25  # an st.* call this often while waiting, so Stop takes effect within a second


class Throttle:
    """Redraw streamed text at most every ``REDRAW_EVERY_S`` (the final text is always drawn by the caller)."""

    def __init__(self, every_s: float = REDRAW_EVERY_S) -> None:
        self.every_s = every_s
        self.last = 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.last >= self.every_s:
            self.last = now
            return True
        return False


def retry_layer(placeholder: Any, *, waits: list[dict] | None = None) -> RetryLayer:
    """The retry layer for one answer on screen: each wait draws a countdown bar in ``placeholder`` with
    its reason and attempt (and is noted in ``waits``); the quota guard refuses before sending."""
    settings = retry_settings()
    reason = {"text": "Waiting"}

    def on_wait(event: WaitEvent) -> None:
        if waits is not None:
            waits.append(asdict(event))
        reason["text"] = f"{event.reason} (attempt {event.attempt} of {settings.max_attempts})"

    return RetryLayer(settings, on_wait=on_wait, sleep=countdown(placeholder, lambda: reason["text"]), guard=quota_guard())


async def with_heartbeat(work: Awaitable[T], tick: Callable[[float], None]) -> T:
    """Await ``work`` while ``tick(elapsed seconds)`` draws something every quarter second: Streamlit
    stops a run only at its next st.* call, so this is what makes Stop work during a long wait."""
    done = asyncio.Event()
    start = time.monotonic()

    async def beat() -> None:
        while not done.is_set():
            tick(time.monotonic() - start)
            await asyncio.sleep(HEARTBEAT_S)

    pulse = asyncio.create_task(beat())
    try:
        return await work
    finally:
        done.set()
        pulse.cancel()


def run_and_stop(prefix: str, *, on_submit: Callable[[], None], icon: str, running: bool, stop_help: str) -> Any:
    """The page's Run (Ctrl+Enter from inside the prompt box) and Stop, which is enabled only while
    something runs; returns the row, for a page's own buttons after them."""
    import streamlit as st

    row = st.container(horizontal=True)
    row.button("Run", key=f"btn_{prefix}_run", type="primary", shortcut="Ctrl+Enter", on_click=on_submit, icon=icon)
    row.button("Stop", key=f"btn_{prefix}_stop", icon=":material/stop:", disabled=not running, help=stop_help)
    return row
