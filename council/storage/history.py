"""History: every Playground conversation (and later Compare and Council runs) saved in the data
folder — prompts, parameters, outputs, metrics; never a token. Listed, reopened, deleted.

A separate SQLite file from the usage ledger (the ledger never holds prompt text, this does), or
its tables in the shared database (``database.py``). Each run belongs to the person who saved it:
signed-in people see their own History only.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from council.settings import SINGLE_USER, data_dir
from council.storage import database
from council.storage.database import Area, Conn

HISTORY_FILE = "history.sqlite3"

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_runs",
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            payload TEXT NOT NULL          -- JSON: what reopening the run needs
        );
        CREATE INDEX runs_updated ON runs(updated)
        """,
    ),
    (
        "0002_person",
        # whose run it is: the signed-in person's stable id, or "you" when the app is single-user
        """
        ALTER TABLE runs ADD COLUMN person TEXT NOT NULL DEFAULT 'you';
        CREATE INDEX runs_person_updated ON runs(person, updated)
        """,
    ),
)
AREA = Area("history", HISTORY_FILE, MIGRATIONS, ("runs",))


@dataclass(frozen=True)
class Run:
    id: int
    created: str
    updated: str
    kind: str
    title: str
    payload: dict[str, Any]


@contextlib.contextmanager
def _db() -> Iterator[Conn]:
    with database.store(AREA).write() as db:
        yield db


def title_for(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"


def save(kind: str, title: str, payload: dict[str, Any], run_id: int | None = None, *, person: str = SINGLE_USER) -> int:
    """Create a run, or update ``run_id`` (a conversation that goes on; only the person's own). Returns its id."""
    body = json.dumps(payload, ensure_ascii=False, default=str)
    with _db() as db:
        if (
            run_id is not None
            and db.execute(
                "UPDATE runs SET updated = ?, title = ?, payload = ? WHERE id = ? AND person = ?",
                (database.now(), title, body, run_id, person),
            ).rowcount
        ):
            return run_id
        return db.insert(
            "INSERT INTO runs (created, updated, kind, title, payload, person) VALUES (?,?,?,?,?,?)",
            (database.now(), database.now(), kind, title, body, person),
        )


def recent(limit: int = 100, *, person: str = SINGLE_USER) -> list[Run]:
    with _db() as db:
        rows = db.execute(
            "SELECT id, created, updated, kind, title, payload FROM runs WHERE person = ? ORDER BY updated DESC, id DESC LIMIT ?",
            (person, limit),
        ).fetchall()
    return [Run(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]


def payloads(kind: str, limit: int = 500, *, person: str = SINGLE_USER) -> list[dict[str, Any]]:
    """The person's newest runs of one kind, their payloads only (e.g. every council transcript for a leaderboard)."""
    with _db() as db:
        rows = db.execute(
            "SELECT payload FROM runs WHERE kind = ? AND person = ? ORDER BY updated DESC, id DESC LIMIT ?", (kind, person, limit)
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


def kinds(*, person: str = SINGLE_USER) -> set[str]:
    """Which kinds of run the person ever saved (playground, compare, council) — without reading any payload."""
    with _db() as db:
        return {row[0] for row in db.execute("SELECT DISTINCT kind FROM runs WHERE person = ?", (person,)).fetchall()}


def load(run_id: int, *, person: str = SINGLE_USER) -> Run | None:
    """One of the person's runs (None when there is none by that id, or it is somebody else's)."""
    with _db() as db:
        row = db.execute(
            "SELECT id, created, updated, kind, title, payload FROM runs WHERE id = ? AND person = ?", (run_id, person)
        ).fetchone()
    return Run(row[0], row[1], row[2], row[3], row[4], json.loads(row[5])) if row else None


def load_shared(run_id: int) -> Run | None:
    """A run by its id alone, whoever saved it: only for a shared link whose signature was checked (the
    link is the owner's act of sharing)."""
    with _db() as db:
        row = db.execute("SELECT id, created, updated, kind, title, payload FROM runs WHERE id = ?", (run_id,)).fetchone()
    return Run(row[0], row[1], row[2], row[3], row[4], json.loads(row[5])) if row else None


def delete(run_id: int, *, person: str = SINGLE_USER) -> None:
    with _db() as db:
        db.execute("DELETE FROM runs WHERE id = ? AND person = ?", (run_id, person))


def delete_person(person: str) -> int:
    """Every run the person saved (their data in a shared database); returns how many."""
    with _db() as db:
        return db.execute("DELETE FROM runs WHERE person = ?", (person,)).rowcount


def delete_all_data() -> list[str]:
    """Delete everything the app keeps in the data folder: usage ledger, history, the user's own
    models, caches. Returns what was removed (file names), for the confirmation message."""
    from council.storage import response_cache, usage

    folder = data_dir()
    removed = []
    usage.forget()
    response_cache.forget()
    database.forget()
    for entry in sorted(folder.iterdir()):
        removed.append(entry.name)
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return [name for name in removed if not name.endswith(("-wal", "-shm"))]


def data_files() -> list[Path]:
    return sorted(p for p in data_dir().iterdir() if not p.name.endswith(("-wal", "-shm")))
