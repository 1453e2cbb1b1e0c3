"""How the Usage page's aggregates scale with the ledger: 10,000 rows, then 1,000,000.

Synthetic rows spread over the last 30 days across 6 providers and 20 models are bulk-loaded into a
fresh ledger (roll-ups rebuilt), then everything the Usage page computes for its default 30-day
view is timed (best of 3). Goal: under 1 s at a million rows and a ratio (1M over 10k) under 3.

    python benchmarks/usage_scale.py
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from council.storage.usage import Ledger, LedgerRow

PROVIDERS = ["huggingface", "openai", "groq", "gemini", "ollama", "local"]
MODELS = [(PROVIDERS[i % 6], f"model-{i}") for i in range(20)]
OUTCOMES = ["ok"] * 17 + ["rate_limit", "auth", "loading"]


def synthetic(n: int, rng: random.Random) -> list[LedgerRow]:
    now = datetime.now(UTC)
    rows = []
    for _ in range(n):
        provider, model = rng.choice(MODELS)
        outcome = rng.choice(OUTCOMES)
        rows.append(
            LedgerRow(
                provider,
                model,
                "playground",
                outcome,
                200 if outcome == "ok" else 429,
                rng.lognormvariate(0, 0.8),
                rng.uniform(0.05, 1.0),
                rng.randint(10, 2000),
                rng.randint(10, 800),
                rng.uniform(0, 0.002),
                ts=now - timedelta(seconds=rng.uniform(0, 30 * 86400)),
            )
        )
    return rows


def usage_page_view(book: Ledger) -> None:
    """Everything the Usage page computes for its default view (last 30 days)."""
    end = datetime.now(UTC).date()
    start = end - timedelta(days=29)
    book.requests_by_day(start, end)
    book.tokens_and_cost_by_day(start, end)
    book.errors_by_kind(start, end)
    book.latency_percentiles(start, end)
    book.error_spikes(start, end)
    book.recent(50)
    for provider in PROVIDERS:  # quota gauges
        book.requests_on(provider, end)
        book.cost_in_month(provider, end)


def measure(n: int, folder: Path) -> float:
    book = Ledger(folder / f"usage-{n}.sqlite3")
    rng = random.Random(n)
    for done in range(0, n, 100_000):  # bounded memory while loading
        book.bulk_load(synthetic(min(100_000, n - done), rng))
    assert book.count() == n
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        usage_page_view(book)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        small = measure(10_000, Path(folder))
        print(f"aggregate_10k_s={small:.4f}")
        large = measure(1_000_000, Path(folder))
        print(f"aggregate_1m_s={large:.4f}")
        print(f"ratio={large / small:.2f}")


if __name__ == "__main__":
    main()
