"""Concurrent writers on the usage ledger, on each backend: 8 writers (as 8 browser sessions, each
request its own transaction) × 500 rows into a fresh ledger — exactly 4,000 rows must be there after —
with writes per second printed for SQLite (the data folder) and PostgreSQL (the shared store).

PostgreSQL is a throwaway cluster started here (Debian's ``postgresql`` package, run as the
``postgres`` user), or the database given with ``--database-url`` (it must be empty).

    python benchmarks/ledger_writers.py [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from council.storage import database
from council.storage.usage import Ledger, ledger
from tests.concurrency import write_concurrently

WRITERS, ROWS = 8, 500


def run(book: Ledger, rows: int = ROWS) -> float:
    """8 writers × ``rows`` rows at once; returns writes per second (checks that no row was lost)."""
    elapsed = write_concurrently(lambda: book, WRITERS, rows)
    count = book.count()
    assert count == WRITERS * rows, f"{count} rows, expected {WRITERS * rows}"
    return WRITERS * rows / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: start a throwaway cluster)")
    parser.add_argument("--quick", action="store_true", help="8 writers x 25 rows on SQLite only: seconds (the test suite runs this)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["COUNCIL_DATA_DIR"] = folder
        os.environ.pop(database.URL_ENV, None)
        rows = 25 if args.quick else ROWS
        sqlite_rate = run(ledger(), rows)
        print(f"sqlite_rows={WRITERS * rows} sqlite_writes_per_s={sqlite_rate:.0f}")
        if args.quick:
            return
        cluster = None
        if args.database_url:
            url = args.database_url
        else:
            from tests import pg_cluster

            cluster = pg_cluster.start()
            url = cluster.create_database("ledger_writers")
        try:
            os.environ[database.URL_ENV] = url
            database.forget()
            pg_rate = run(ledger())
            print(f"postgresql_rows={WRITERS * ROWS} postgresql_writes_per_s={pg_rate:.0f}")
            print(f"ratio_postgresql_over_sqlite={pg_rate / sqlite_rate:.2f}")
        finally:
            database.forget()
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    main()
