"""How the Usage page's aggregates scale with the ledger: 10,000 rows, then 1,000,000 — on SQLite
(the data folder) and, with ``--postgresql``, on PostgreSQL (the shared store).

Synthetic rows spread over the last 30 days across 6 providers and 20 models are bulk-loaded into a
fresh ledger (roll-ups rebuilt), then everything the Usage page computes for its default 30-day
view is timed (best of 3). Goal: under 1 s at a million rows and a ratio (1M over 10k) under 3, on
each backend. PostgreSQL is a throwaway cluster started here (Debian's ``postgresql`` package, run as
the ``postgres`` user), or the empty database given with ``--database-url``.

    python benchmarks/usage_scale.py [--postgresql [--database-url postgresql://…]]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from council.storage import database
from council.storage.usage import Ledger, LedgerRow, ledger

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
    book.people()  # the Usage page's person filter
    for provider in PROVIDERS:  # quota gauges
        book.requests_on(provider, end)
        book.cost_in_month(provider, end)


def measure(n: int, folder: Path, url: str | None = None) -> float:
    if url:  # a fresh database per size, the app's own store on it
        os.environ[database.URL_ENV] = url
        database.forget()
        book = ledger()
    else:
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgresql", action="store_true", help="also measure on PostgreSQL")
    parser.add_argument("--database-url", help="an empty PostgreSQL server's maintenance URL (default: a throwaway cluster)")
    parser.add_argument("--quick", action="store_true", help="1,000 and 20,000 rows on SQLite: seconds (the test suite runs this)")
    args = parser.parse_args()
    (small_n, small_name), (large_n, large_name) = ((1_000, "1k"), (20_000, "20k")) if args.quick else ((10_000, "10k"), (1_000_000, "1m"))
    with tempfile.TemporaryDirectory() as folder:
        os.environ["COUNCIL_DATA_DIR"] = folder
        small = measure(small_n, Path(folder))
        print(f"aggregate_{small_name}_s={small:.4f}")
        large = measure(large_n, Path(folder))
        print(f"aggregate_{large_name}_s={large:.4f}")
        print(f"ratio={large / small:.2f}")
        if args.postgresql:
            postgresql(Path(folder), args.database_url)


def postgresql(folder: Path, given: str | None) -> None:
    from tests import pg_cluster

    cluster = None if given else pg_cluster.start()
    try:
        if cluster is None:
            import psycopg

            def create(name: str) -> str:
                with psycopg.connect(given, autocommit=True) as db:
                    db.execute(f'CREATE DATABASE "{name}"')
                return given.rsplit("/", 1)[0] + "/" + name
        else:
            create = cluster.create_database
        small = measure(10_000, folder, create("usage_10k"))
        print(f"postgresql_aggregate_10k_s={small:.4f}")
        large = measure(1_000_000, folder, create("usage_1m"))
        print(f"postgresql_aggregate_1m_s={large:.4f}")
        print(f"postgresql_ratio={large / small:.2f}")
    finally:
        database.forget()
        os.environ.pop(database.URL_ENV, None)
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
