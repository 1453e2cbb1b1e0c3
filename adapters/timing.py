"""Latency and time-to-first-token, measured the same way by every adapter."""

from __future__ import annotations

import time


class Stopwatch:
    """Starts when made; ``first_token()`` stamps the first visible output once."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.ttft: float | None = None

    def first_token(self) -> None:
        if self.ttft is None:
            self.ttft = time.perf_counter() - self.start

    def elapsed(self) -> float:
        return time.perf_counter() - self.start
