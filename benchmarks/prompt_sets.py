"""A prompt set's run: does it take as long as the slowest provider's share at its limit, and does its
memory stay flat as the set grows?

Four loopback fakes (Hugging Face router, OpenAI, Groq, Gemini — each its own wire format, in a separate
process) answer every request in 0.5 s. A set of ``--prompts`` prompts runs on one model of each, through
the same engine the page and ``python -m council batch`` use (leases, the retry layer, the ledger, each
cell written to the store as it lands), with ``--concurrency`` requests at once per provider. The ideal
wall time is the slowest provider's share at its limit: ceil(prompts / concurrency) × one cell's time,
measured in the same run (four prompts on one model, one at a time, through the same engine; the fakes'
0.5 s comes to about 0.55 s with connecting and pacing). Printed:

    one_cell_s=<...> cells=<n> wall_s=<...> ideal_s=<...>
    ratio=<wall / ideal>                       goal <= 1.15
    peak_kib small=<...> large=<...> growth=<peak large / peak small> cells_growth=<...>
    held_after_kib small=<...> large=<...>

Memory is Python's own (tracemalloc) during two runs, one of a quarter of the prompts: the peak must grow
far less than the number of cells does (cells go to the store, not to a list; what growth remains is
garbage the collector has not reached yet), and what is held after a run does not grow with it.

    python benchmarks/prompt_sets.py [--prompts 200] [--concurrency 4]
    python benchmarks/prompt_sets.py --quick     # small sizes, seconds: what the test suite runs
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANSWER_S = 0.5
os.environ["BENCH_ANSWER_S"] = str(ANSWER_S)  # the fakes' pace (read by compare_fanout's fakes process)

from benchmarks.compare_fanout import SLOTS, point_at, start_fakes  # noqa: E402

MODELS = [s for s in SLOTS if s[0] in ("huggingface", "openai", "groq", "gemini")]


async def run(prompts: int, concurrency: int, models: list | None = None) -> float:
    """One run of a ``prompts``-row set on the four models (or ``models``); returns its wall time."""
    from adapters import GenerationParams
    from council.runs import batch, set_worker
    from council.runs.prompt_sets import from_lines
    from council.runs.providers import Connection
    from council.storage import prompt_sets as store

    models = models or MODELS
    conn = Connection(tokens={p: t for p, _, t in models if t}, base_urls={}, visitor_is_local=True)
    columns = [batch.Column(p, m, GenerationParams(temperature=0.7, max_new_tokens=64)) for p, m, _ in models]
    plan = batch.Plan(from_lines("\n".join(f"Question number {i}?" for i in range(prompts)), "bench"), columns, concurrency=concurrency)
    run_id = store.create_run(store.save_set("bench", [r.to_dict() for r in plan.prompt_set.rows]), plan.to_dict())
    start = time.perf_counter()
    progress = await set_worker.work(run_id, set_worker.Work(conn))
    wall = time.perf_counter() - start
    assert progress is not None and progress.done == plan.cells and progress.failed == 0, progress
    return wall


def memory_kib(prompts: int, concurrency: int) -> tuple[float, float]:
    """(peak during the run, still held after it once garbage is collected), KiB."""
    gc.collect()
    tracemalloc.start()
    asyncio.run(run(prompts, concurrency))
    peak = tracemalloc.get_traced_memory()[1]
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return peak / 1024, held / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="16 prompts (the test suite runs this)")
    args = parser.parse_args()
    prompts = 16 if args.quick else args.prompts
    with tempfile.TemporaryDirectory() as data:
        os.environ["COUNCIL_DATA_DIR"] = data
        fakes, urls = start_fakes()
        try:
            point_at(urls)
            asyncio.run(run(2, args.concurrency))  # warm up: imports, connections, the store's tables
            one_cell = asyncio.run(run(4, 1, MODELS[:1])) / 4  # the baseline: a cell alone, through the same engine
            wall = asyncio.run(run(prompts, args.concurrency))
            ideal = math.ceil(prompts / args.concurrency) * one_cell
            print(f"one_cell_s={one_cell:.3f} cells={prompts * len(MODELS)} wall_s={wall:.2f} ideal_s={ideal:.2f}")
            print(f"ratio={wall / ideal:.2f}")
            (small, small_held), (large, large_held) = (
                memory_kib(max(1, prompts // 4), args.concurrency),
                memory_kib(prompts, args.concurrency),
            )
            cells_growth = prompts / max(1, prompts // 4)
            print(f"peak_kib small={small:.0f} large={large:.0f} growth={large / small:.2f} cells_growth={cells_growth:.2f}")
            print(f"held_after_kib small={small_held:.0f} large={large_held:.0f}")
        finally:
            fakes.stdin.close()
            fakes.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
