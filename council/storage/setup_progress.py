"""Getting started's progress in the data folder: which steps are done or skipped, and when (never a
token), and whether the Playground's hint was dismissed."""

from __future__ import annotations

import contextlib
import json
import time

from council.settings import data_dir

PROGRESS_FILE = "getting_started.json"


def load() -> dict:
    try:
        data = json.loads((data_dir() / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    return {
        "done": dict(data.get("done") or {}),
        "skipped": dict(data.get("skipped") or {}),
        "hint_dismissed": bool(data.get("hint_dismissed")),
    }


def _save(progress: dict) -> None:
    path = data_dir() / PROGRESS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(progress, indent=1), encoding="utf-8")
    tmp.replace(path)


def mark(step: str, how: str = "done") -> None:
    """Remember a step as ``done`` or ``skipped`` (or ``open`` again)."""
    progress = load()
    for bucket in ("done", "skipped"):
        progress[bucket].pop(step, None)
    if how in ("done", "skipped"):
        progress[how][step] = time.strftime("%Y-%m-%d")
    _save(progress)


def mark_once(step: str) -> None:
    """Remember a step as done unless it already is (a read-only data folder: it stays open)."""
    if step not in load()["done"]:
        with contextlib.suppress(OSError):
            mark(step)


def dismiss_hint() -> None:
    progress = load()
    progress["hint_dismissed"] = True
    _save(progress)
