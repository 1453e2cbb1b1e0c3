"""Writers on the usage ledger at once, as browser sessions write it: each its own thread, each request
its own transaction. Used by the ledger tests (both stores) and benchmarks/ledger_writers.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from council.storage.usage import Ledger, LedgerRow


def write_concurrently(open_ledger: Callable[[], Ledger], writers: int = 8, rows: int = 500) -> float:
    """``writers`` threads each record ``rows`` requests (writer n as model "m<n>", person "name:w<n>"),
    each with the ledger ``open_ledger`` gives it; returns the seconds they took together."""

    def writer(n: int) -> None:
        book = open_ledger()
        for i in range(rows):
            book.record([LedgerRow("groq", f"m{n}", "playground", "ok", 200, 0.1 * (i % 7), 0.05, 10, 5, 0.0001, person=f"name:w{n}")])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start
