"""What the app met in use about a model, per provider and model, kept so the next run sends it right
the first time: parameters it refused, the smallest budget that left a reasoning model room to answer.
Plain facts with the date they were met; never a token or a prompt.

Kept in the data folder (``learned_models.json``, readable), or — with a shared database — in its
``learned`` table, so every app server of a deployment learns a fact once. A store that cannot be read
means "nothing learned yet", never an error: the facts are an optimisation, the request still goes.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

from council.storage import database, json_files
from council.storage.database import Area

LEARNED_FILE = "learned_models.json"
SHARED_READ_EVERY_S = 10.0  # how long one server reuses what it read from the shared database

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_learned",
        """
        CREATE TABLE learned (
            model TEXT PRIMARY KEY,        -- "provider:model"
            facts TEXT NOT NULL            -- JSON: {"refused": [...], "min_budget": n, "as_of": "YYYY-MM-DD"}
        )
        """,
    ),
)
AREA = Area("learned", "learned.sqlite3", MIGRATIONS, ("learned",))

_lock = threading.Lock()
_shared: dict[str, Any] = {"read_at": 0.0, "url": None, "facts": {}}


def load() -> dict[str, dict[str, Any]]:
    """Every fact met so far, by ``provider:model``."""
    if database.database_url():
        return _shared_facts()
    return json_files.read(LEARNED_FILE)


def facts(provider: str, model: str) -> dict[str, Any]:
    found = load().get(f"{provider}:{model}")
    return found if isinstance(found, dict) else {}


def remember(provider: str, model: str, *, refused: str | None = None, min_budget: int | None = None, text_only: bool = False) -> None:
    """Add what was met — a refused parameter, a budget too small, a model that answered an image with
    "text only" (a failed write loses nothing: the repair still works for this run)."""
    key = f"{provider}:{model}"
    with _lock:
        if database.database_url():
            with contextlib.suppress(database.StoreUnavailable, *database.errors()):
                _remember_shared(key, refused, min_budget, text_only)
            return
        data = json_files.read(LEARNED_FILE)
        data[key] = _merged(data.get(key), refused, min_budget, text_only)
        with contextlib.suppress(OSError):  # a read-only data folder
            json_files.write(LEARNED_FILE, data)


def _merged(entry: Any, refused: str | None, min_budget: int | None, text_only: bool = False) -> dict[str, Any]:
    entry = dict(entry) if isinstance(entry, dict) else {}
    if text_only:
        entry["text_only"] = True
    if refused and refused not in entry.setdefault("refused", []):
        entry["refused"] = [*entry["refused"], refused]
    if min_budget:
        entry["min_budget"] = max(int(entry.get("min_budget") or 0), min_budget)
    entry["as_of"] = time.strftime("%Y-%m-%d")
    return entry


def _shared_facts() -> dict[str, dict[str, Any]]:
    url = database.database_url()
    now = time.monotonic()
    with _lock:
        if _shared["url"] == url and now - _shared["read_at"] < SHARED_READ_EVERY_S:
            return _shared["facts"]
    try:
        with database.store(AREA).read() as db:
            rows = db.execute("SELECT model, facts FROM learned").fetchall()
        found = {row[0]: json.loads(row[1]) for row in rows}
    except (database.StoreUnavailable, ValueError, *database.errors()):
        return {}  # unknown for now; asked again on the next read
    with _lock:
        _shared.update(read_at=now, url=url, facts=found)
    return found


def _remember_shared(key: str, refused: str | None, min_budget: int | None, text_only: bool = False) -> None:
    with database.store(AREA).write() as db:
        row = db.execute("SELECT facts FROM learned WHERE model = ?", (key,)).fetchone()
        entry = _merged(json.loads(row[0]) if row else None, refused, min_budget, text_only)
        db.execute("INSERT INTO learned VALUES (?, ?) ON CONFLICT (model) DO UPDATE SET facts = excluded.facts", (key, json.dumps(entry)))
    _shared["read_at"] = 0.0  # read afresh next time (this server sees its own lesson at once)


def forget() -> None:
    """Drop what this server read from the shared database (a test changed the configuration)."""
    with _lock:
        _shared.update(read_at=0.0, url=None, facts={})
