"""What the app met in use about a model, per provider and model, kept in the data folder so the next
run sends it right the first time: parameters it refused, the smallest budget that left a reasoning
model room to answer. Plain facts with the date they were met; never a token or a prompt."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

from council.storage import json_files

LEARNED_FILE = "learned_models.json"
_lock = threading.Lock()


def load() -> dict[str, dict[str, Any]]:
    return json_files.read(LEARNED_FILE)


def facts(provider: str, model: str) -> dict[str, Any]:
    found = load().get(f"{provider}:{model}")
    return found if isinstance(found, dict) else {}


def remember(provider: str, model: str, *, refused: str | None = None, min_budget: int | None = None) -> None:
    """Add what was met (written to a temporary file, then renamed: a failed write loses nothing)."""
    with _lock:
        data = load()
        entry = data.setdefault(f"{provider}:{model}", {})
        if refused and refused not in entry.setdefault("refused", []):
            entry["refused"].append(refused)
        if min_budget:
            entry["min_budget"] = max(int(entry.get("min_budget") or 0), min_budget)
        entry["as_of"] = time.strftime("%Y-%m-%d")
        with contextlib.suppress(OSError):  # a read-only data folder: the repair still works for this run
            json_files.write(LEARNED_FILE, data)
