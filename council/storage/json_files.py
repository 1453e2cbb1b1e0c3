"""Small JSON documents in the data folder (live model lists, availability marks, what was learned of
models): read whole, written whole to a temporary file and renamed, so a failed write loses nothing.
Plain dicts in and out; a missing or unreadable file reads as empty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from council.settings import data_dir

LIVE_FILE = "live_models.json"  # each provider's live list, keyed "provider@address"


def read(name: str) -> dict[str, Any]:
    try:
        data = json.loads((data_dir() / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write(name: str, data: dict[str, Any]) -> None:
    """Raises OSError when the data folder cannot be written (callers decide whether that matters)."""
    path: Path = data_dir() / name
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True, default=str), encoding="utf-8")  # dates as ISO text
    tmp.replace(path)


_parsed: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}


def _read_unchanged(name: str) -> dict[str, Any]:
    """``read(name)`` for readers only, parsed again only when the file changed (its size or time): the
    stored live lists are read on every parameter panel draw and every priced answer."""
    path = data_dir() / name
    try:
        stat = path.stat()
    except OSError:
        return {}
    stamp = (stat.st_mtime_ns, stat.st_size)
    held = _parsed.get(path)
    if held is None or held[0] != stamp:
        held = (stamp, read(name))
        _parsed[path] = held
    return held[1]


def live_rows(provider: str) -> tuple[list[dict[str, Any]], float]:
    """The newest stored live list of ``provider`` (whichever address it came from) and when it was
    fetched (epoch seconds; 0 when none is stored). No network, no time-to-live: facts, not availability."""
    best: dict[str, Any] = {}
    for key, item in _read_unchanged(LIVE_FILE).items():
        newer = isinstance(item, dict) and float(item.get("fetched_at") or 0) > float(best.get("fetched_at") or 0)
        if key.split("@", 1)[0] == provider and newer:
            best = item
    rows = best.get("rows")
    return ([r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []), float(best.get("fetched_at") or 0)
