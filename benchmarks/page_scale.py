"""How long the pages that read the store take to draw as the records grow — measured in Chromium, as a
person waits for them.

Two data folders are filled through the app's own storage API: a small store (10,000 ledger rows, 20
council runs, 20 comparisons) and a year of a team's use (1,000,000 ledger rows, 2,000 council runs,
2,000 comparisons). The app is started on each, and each page is opened from the sidebar three times;
its draw time is from the click until the page's last element is on screen and the script has finished
(best of three). Printed: each page's time on both stores and the ratio, against the goal (under 2 s on
the large store, ratio under 3). Prompt sets opens on a run of the set: 50 prompts × 6 models on the
small store, 500 × 6 on the large one (its grid, summary and one cell in full).

    python benchmarks/page_scale.py            # the full sizes (filling takes a few minutes)
    python benchmarks/page_scale.py --quick    # one small size, seconds: what the test suite runs (the script end to end)

Needs Debian's ``chromium`` and the Python ``playwright`` package (requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.usage_scale import synthetic
from council.storage import database, history
from council.storage.usage import ledger
from tests.processes import streamlit_app

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
GOAL_S, GOAL_RATIO = 2.0, 3.0
PAGES = ("Usage & quota", "History", "Council", "Compare", "Prompt sets")  # the pages that read the store as they draw
MEMBERS = [("openai", "gpt-5-mini"), ("groq", "openai/gpt-oss-120b"), ("gemini", "gemini-3.8-flash")]
WORDS = [
    "the",
    "council",
    "weighs",
    "each",
    "answer",
    "against",
    "the",
    "question",
    "and",
    "keeps",
    "what",
    "the",
    "reviews",
    "agree",
    "on",
]


@dataclass(frozen=True)
class Size:
    name: str
    ledger_rows: int
    council_runs: int
    comparisons: int
    set_rows: int  # a prompt set's run: this many prompts × six models


def prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def council_run(rng: random.Random, i: int) -> dict:
    """A transcript shaped as the council keeps it: three members, their reviews, the aggregate and the answer."""
    labels = ["A", "B", "C"]
    seats = [{"label": lab, "provider": p, "model": m, "persona": ""} for lab, (p, m) in zip(labels, MEMBERS, strict=True)]
    ranks = rng.sample([1.0, 1.5, 2.0], 3)
    return {
        "schema_version": 1,
        "question": f"Question {i}: {prose(rng, 12)}",
        "task": rng.choice(["reasoning", "creative", "general", "code"]),
        "mode": "balanced",
        "members": seats,
        "chairman": {"provider": MEMBERS[0][0], "model": MEMBERS[0][1]},
        "stage1": [{**s, "text": prose(rng, 250), "error": None, "metrics": {"latency_s": 2.0}} for s in seats],
        "stage2": [
            {
                "reviewer_label": s["label"],
                "order": [x for x in labels if x != s["label"]],
                "ranking": [x for x in labels if x != s["label"]],
                "parsed": True,
                "method": "schema",
                "reasons": {x: prose(rng, 12) for x in labels if x != s["label"]},
                "text": "",
            }
            for s in seats
        ],
        "aggregate": [
            {"label": s["label"], "provider": s["provider"], "model": s["model"], "avg_rank": r, "votes": 1}
            for s, r in zip(seats, ranks, strict=True)
        ],
        "consensus": {"value": rng.uniform(-1, 1)},
        "final": {"provider": MEMBERS[0][0], "model": MEMBERS[0][1], "text": prose(rng, 300), "error": None},
        "requests": 7,
        "cost_usd": 0.004,
    }


def comparison(rng: random.Random, i: int) -> dict:
    slots = [
        {"slot": n + 1, "provider": p, "model": m, "task": "chat", "params": {}, "output": prose(rng, 200), "metrics": {"latency_s": 1.2}}
        for n, (p, m) in enumerate(MEMBERS)
    ]
    created = (datetime.now(UTC) - timedelta(minutes=i)).isoformat(timespec="seconds")
    return {"prompt": f"Prompt {i}: {prose(rng, 10)}", "system": "", "slots": slots, "blind": False, "created": created}


def fill(folder: Path, size: Size) -> None:
    """A data folder holding ``size`` of records, written through the app's own storage API."""
    os.environ["COUNCIL_DATA_DIR"] = str(folder)
    database.forget()
    rng = random.Random(7)
    book = ledger()
    book.bulk_load(synthetic(size.ledger_rows, rng))
    for i in range(size.council_runs):
        t = council_run(rng, i)
        history.save("council", history.title_for(t["question"]), t)
    for i in range(size.comparisons):
        rec = comparison(rng, i)
        history.save("compare", history.title_for(rec["prompt"]), rec)
    prompt_set_run(rng, size.set_rows)
    database.forget()


SET_MODELS = [*MEMBERS, ("huggingface", "openai/gpt-oss-20b"), ("anthropic", "claude-haiku-4-5"), ("local", "SmolLM2-135M-Instruct")]


def prompt_set_run(rng: random.Random, rows: int) -> int:
    """A finished run of a ``rows``-prompt set on six models, every cell written as the worker writes it."""
    from council.runs import batch
    from council.runs.prompt_sets import from_lines
    from council.runs.records import Answer
    from council.runs.turns import TurnMetrics
    from council.storage import prompt_sets

    plan = batch.Plan(
        from_lines("\n".join(f"Prompt {i}: {prose(rng, 12)}" for i in range(rows)), "QA set"), [batch.Column(p, m) for p, m in SET_MODELS]
    )
    run_id = prompt_sets.create_run(prompt_sets.save_set("QA set", [r.to_dict() for r in plan.prompt_set.rows]), plan.to_dict())
    for r in range(rows):
        for c, (provider, model) in enumerate(SET_MODELS):
            metrics = TurnMetrics(latency_s=rng.uniform(0.3, 4.0), ttft_s=0.2, prompt_tokens=40, completion_tokens=200)
            answer = Answer(provider, model, text=prose(rng, 150), metrics=metrics, cost_usd=0.0004)
            prompt_sets.put_cell(run_id, r, c, batch.ANSWERED, batch.cell_body(answer))
    prompt_sets.set_status(run_id, prompt_sets.DONE)
    return run_id


def draw_times(folder: Path, chromium: str, log: Path, tries: int = 3) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {page: [] for page in PAGES}
    with streamlit_app(log, COUNCIL_DATA_DIR=str(folder)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(f"{url}/prompt_sets?run=1")  # the set's run, kept by this browser session from now on
        page.get_by_role("heading", name="Run 1: QA set").wait_for()
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Playground", exact=True).click()  # (same session)
        page.get_by_role("heading", name="Playground").wait_for()
        for _ in range(tries):
            for link in PAGES:
                page.get_by_test_id("stSidebarNav").get_by_role("link", name="Playground", exact=True).click()
                page.get_by_role("heading", name="Playground").wait_for()
                _settled(page)
                began = time.perf_counter()
                page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
                page.get_by_role("heading", name=link, exact=True).first.wait_for()
                if link == "Prompt sets":
                    page.get_by_role("heading", name="Run 1: QA set").wait_for()  # the run's grid, not an empty page
                _settled(page)
                times[link].append(time.perf_counter() - began)
        browser.close()
    return {link: min(found) for link, found in times.items()}


def _settled(page) -> None:
    """The script run has finished: Streamlit's status widget no longer says it is running."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')?.innerText?.toLowerCase().includes('running')"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds (the test suite runs this)")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("Chromium is needed: apt-get install -y chromium", file=sys.stderr)
        return 2
    if args.quick:  # one app, one size: the script's whole path in seconds (the ratio is the full run's to show)
        small = large = Size("small", 1_000, 5, 5, 10)
    else:
        small, large = Size("small", 10_000, 20, 20, 50), Size("a year of a team", 1_000_000, 2_000, 2_000, 500)
    with tempfile.TemporaryDirectory(prefix="page-scale-") as tmp:
        results = {}
        for size in dict.fromkeys((small, large)):
            folder = Path(tmp) / size.name.replace(" ", "-")
            began = time.perf_counter()
            fill(folder, size)
            print(
                f"filled {size.name}: {size.ledger_rows:,} ledger rows, {size.council_runs:,} council runs, "
                f"{size.comparisons:,} comparisons, a prompt-set run of {size.set_rows * 6:,} cells in {time.perf_counter() - began:.1f} s",
                file=sys.stderr,
            )
            results[size.name] = draw_times(folder, chromium, Path(tmp) / f"{size.name}.log")
    print(f"{'page':<16}{small.name:>12}{large.name:>20}{'ratio':>8}   goal: < {GOAL_S:g} s, ratio < {GOAL_RATIO:g}")
    held = True
    for link in PAGES:
        a, b = results[small.name][link], results[large.name][link]
        ok = b < GOAL_S and b / a < GOAL_RATIO
        held &= ok
        print(f"{link:<16}{a:>10.2f} s{b:>18.2f} s{b / a:>8.2f}   {'ok' if ok else 'OVER'}")
    return 0 if held or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
