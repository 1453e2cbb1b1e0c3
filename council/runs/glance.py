"""Several answers read at a glance: the best of each measure marked — for Compare's slots and a prompt
set's models alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from council.runs.records import Comparison

# (the name a mark says, the row's field, min or max)
COMPARE_MEASURES: tuple[tuple[str, str, Callable], ...] = (
    ("fastest first token", "ttft_s", min),
    ("fastest total", "latency_s", min),
    ("cheapest", "cost_usd", min),
    ("longest", "words", max),
    ("shortest", "words", min),
    ("most tokens/s", "tokens_per_s", max),
)


def best_of(rows: Sequence[dict[str, Any]], measures: Sequence[tuple[str, str, Callable]], key: str) -> dict[str, list[str]]:
    """For each row (by ``key``), the measures it is best at — every row tied for best is marked; a measure is
    marked only where at least two rows have a value and they differ."""
    marks: dict[str, list[str]] = {}
    for name, field, pick in measures:
        values = [r[field] for r in rows if r.get(field) is not None]
        if len(values) < 2 or len(set(values)) < 2:
            continue
        winner = pick(values)
        for r in rows:
            if r.get(field) == winner:
                marks.setdefault(r[key], []).append(name)
    return marks


def compare_rows(rec: Comparison) -> list[dict[str, Any]]:
    """One row per slot, in the order shown: its figures, and what it is best at (a failed or stopped slot has
    no figures and is never best)."""
    from council.runs.compare import label_of

    rows = []
    for slot_index in rec.order or range(len(rec.slots)):
        slot = rec.slots[slot_index]
        a = slot.answer
        counted = a.error is None and not a.stopped and bool(a.text)
        m = a.metrics
        rows.append(
            {
                "label": label_of(rec, slot_index),
                "slot": slot_index,
                "model": "/".join(slot.answered_by),
                "ttft_s": m.ttft_s if counted else None,
                "latency_s": m.latency_s if counted else None,
                "tokens_per_s": round(m.tokens_per_s, 1) if counted and m.tokens_per_s else None,
                "words": len(a.text.split()) if counted else None,
                "cost_usd": a.cost_usd if counted else None,
            }
        )
    marks = best_of(rows, COMPARE_MEASURES, "label")
    for r in rows:
        r["best"] = marks.get(r["label"], [])
    return rows
