"""An offline council of four (``--mode best``, the bundled model's personas) on ten questions: wall
time per run and the share of reviews whose ranking could be read, with grammar-constrained reviews
against the same councils with free-text reviews (the baseline, measured in the same run); and what
asking each review in both orders costs and buys — wall time against councils that ask each review once,
and how often the answer shown first won before and after keeping only what both orders agree on.

    python benchmarks/offline_council.py [--questions N] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from council.facts import capabilities  # noqa: E402
from council.runs import deliberation, routing  # noqa: E402
from council.runs.council_estimate import OFFLINE_BUDGET  # noqa: E402
from council.runs.providers import Connection  # noqa: E402

QUESTIONS = [
    "Why is the sky blue?",
    "How do vaccines work?",
    "Write a haiku about the sea.",
    "What causes the seasons on Earth?",
    "Is a tomato a fruit or a vegetable?",
    "Explain recursion to a child.",
    "What is 17 * 23?",
    "Summarize the water cycle in two sentences.",
    "Why do leaves change colour in autumn?",
    "What are the pros and cons of remote work?",
]


async def council(question: str, seed: int, mode: str = "best", both_orders: bool = True) -> tuple[float, int, int, bool, dict]:
    plan = routing.choose(routing.detect(question).task, mode, [])
    ctx = deliberation.Context(Connection(tokens={}, base_urls={}), rng=random.Random(seed), both_orders=both_orders)
    start = time.perf_counter()
    t = await deliberation.deliberate(question, "general", mode, plan.members, plan.chairman, ctx, budget=OFFLINE_BUDGET)
    parsed = sum(1 for r in t.stage2 if r.parsed)
    synthesised = t.final is not None and t.final.method == "synthesis"
    return time.perf_counter() - start, parsed, len(t.stage2), synthesised, (t.bias or {}).get("position") or {}


def run(label: str, questions: list[str], mode: str = "best", both_orders: bool = True) -> tuple[float, int, int, int, list[dict]]:
    total_s, parsed, reviews, synthesised, positions = 0.0, 0, 0, 0, []
    for i, q in enumerate(questions):
        s, p, n, synth, position = asyncio.run(council(q, i, mode, both_orders))
        total_s, parsed, reviews, synthesised = total_s + s, parsed + p, reviews + n, synthesised + synth
        positions.append(position)
        print(f"{label:9} {s:6.1f} s  reviews parsed {p}/{n}  chairman {'synthesised' if synth else 'fell back'}  {q}", flush=True)
    return total_s, parsed, reviews, synthesised, positions


def first_shown(positions: list[dict], key: str | None = None) -> str:
    """How often the answer shown first won, over the runs' reviews (``key``: the figure after the swap)."""
    figures = [p.get(key) if key else p for p in positions]
    won = sum(f["first_shown_won"] for f in figures if f)
    asked = sum(f["reviews"] for f in figures if f)
    return f"{won}/{asked} ({won / asked:.0%})" if asked else "not measurable"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    parser.add_argument("--quick", action="store_true", help="one question to a council of two (the test suite runs this)")
    args = parser.parse_args()
    questions = QUESTIONS[: 1 if args.quick else args.questions]
    mode = "fast" if args.quick else "best"
    grammar = run("grammar", questions, mode)
    real = capabilities.structured_output
    # the baseline: free-text reviews, whatever the function is asked (it has gained arguments before)
    capabilities.structured_output = lambda *_, **__: capabilities.TEXT
    try:
        text = run("text", questions, mode)
    finally:
        capabilities.structured_output = real
    n = len(questions)
    for label, (s, p, r, synth, _) in (("grammar", grammar), ("text", text)):
        print(f"{label}: mean wall time {s / n:.1f} s per council; reviews parsed {p}/{r} ({p / r:.0%}); chairman synthesised {synth}/{n}")
    print(f"ratio wall time grammar/text = {grammar[0] / text[0]:.2f}")
    if args.quick:  # a council of two shows each reviewer one answer: there is no order to swap
        return
    once = run("one order", questions, mode, both_orders=False)
    print(f"one order: mean wall time {once[0] / n:.1f} s per council; the answer shown first won {first_shown(once[4])} of the reviews")
    print(
        f"both orders: the answer shown first won {first_shown(grammar[4])} of the single-order reviews, "
        f"{first_shown(grammar[4], 'after_swap')} once only what both orders agree on counts"
    )
    print(f"ratio wall time both orders/one order = {grammar[0] / once[0]:.2f}")


if __name__ == "__main__":
    main()
