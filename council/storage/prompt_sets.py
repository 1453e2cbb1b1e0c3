"""Prompt sets and their runs, kept beside History (the same store: a SQLite file in the data folder, or
the shared PostgreSQL database) and, like History, per person: nobody reads or changes another's.

- ``prompt_sets``: a set by name (its rows as JSON).
- ``set_runs``: one run of a set — what it asked (the rows as sent, the columns, the judge) frozen at
  the start, so editing the set later changes no run; its status; and a lease (``lease_owner``,
  ``lease_until``, seconds since the epoch) so that with a shared database one server at a time
  works a run, and a dead server's run is taken over once its lease runs out.
- ``set_cells``: one answer (or failure) per row and column, written the moment it lands; a run
  that resumes asks only the cells not written yet.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

from council.settings import SINGLE_USER
from council.storage import database
from council.storage.database import Area, Conn

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_prompt_sets",
        """
        CREATE TABLE prompt_sets (
            id INTEGER PRIMARY KEY,
            person TEXT NOT NULL,
            name TEXT NOT NULL,
            body TEXT NOT NULL,            -- JSON: the rows as written (placeholders unfilled)
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE UNIQUE INDEX prompt_sets_person_name ON prompt_sets(person, name);
        CREATE TABLE set_runs (
            id INTEGER PRIMARY KEY,
            set_id INTEGER NOT NULL,
            person TEXT NOT NULL,
            plan TEXT NOT NULL,            -- JSON: the set's name and rows, the columns, the judge, as started
            status TEXT NOT NULL,          -- running, stopped, done
            lease_owner TEXT,
            lease_until REAL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE INDEX set_runs_set ON set_runs(set_id, id);
        CREATE INDEX set_runs_status ON set_runs(status);
        CREATE TABLE set_cells (
            run_id INTEGER NOT NULL,
            row_index INTEGER NOT NULL,
            col_index INTEGER NOT NULL,
            status TEXT NOT NULL,          -- answered, failed
            body TEXT NOT NULL,            -- JSON: the cell (answer, metrics, error, judge, human score)
            updated TEXT NOT NULL,
            PRIMARY KEY (run_id, row_index, col_index)
        )
        """,
    ),
)
AREA = Area("prompt_sets", "prompt_sets.sqlite3", MIGRATIONS, ("prompt_sets", "set_runs", "set_cells"))

RUNNING, STOPPED, DONE = "running", "stopped", "done"


@dataclass(frozen=True)
class SavedSet:
    id: int
    name: str
    rows: list[dict[str, Any]]
    updated: str


@dataclass(frozen=True)
class SetRun:
    id: int
    set_id: int
    plan: dict[str, Any]
    status: str
    created: str
    updated: str


def _db() -> contextlib.AbstractContextManager[Conn]:
    return database.store(AREA).write()


# ---- sets ------------------------------------------------------------------------------------------


def save_set(name: str, rows: list[dict[str, Any]], *, person: str = SINGLE_USER) -> int:
    """Create the person's set by this name, or replace its rows. Returns its id."""
    body = json.dumps(rows, ensure_ascii=False)
    with _db() as db:
        row = db.execute("SELECT id FROM prompt_sets WHERE person = ? AND name = ?", (person, name)).fetchone()
        if row:
            db.execute("UPDATE prompt_sets SET body = ?, updated = ? WHERE id = ?", (body, database.now(), row[0]))
            return int(row[0])
        return db.insert(
            "INSERT INTO prompt_sets (person, name, body, created, updated) VALUES (?,?,?,?,?)",
            (person, name, body, database.now(), database.now()),
        )


def sets(*, person: str = SINGLE_USER) -> list[SavedSet]:
    with _db() as db:
        rows = db.execute(
            "SELECT id, name, body, updated FROM prompt_sets WHERE person = ? ORDER BY updated DESC, id DESC", (person,)
        ).fetchall()
    return [SavedSet(r[0], r[1], json.loads(r[2]), r[3]) for r in rows]


def load_set(set_id: int | None = None, *, name: str | None = None, person: str = SINGLE_USER) -> SavedSet | None:
    """One of the person's sets, by id or by name (None: no such set of theirs)."""
    with _db() as db:
        if set_id is not None:
            row = db.execute("SELECT id, name, body, updated FROM prompt_sets WHERE id = ? AND person = ?", (set_id, person)).fetchone()
        else:
            row = db.execute("SELECT id, name, body, updated FROM prompt_sets WHERE name = ? AND person = ?", (name, person)).fetchone()
    return SavedSet(row[0], row[1], json.loads(row[2]), row[3]) if row else None


def delete_set(set_id: int, *, person: str = SINGLE_USER) -> None:
    """The set and every run of it (the person's own only)."""
    with _db() as db:
        if db.execute("DELETE FROM prompt_sets WHERE id = ? AND person = ?", (set_id, person)).rowcount:
            runs = [r[0] for r in db.execute("SELECT id FROM set_runs WHERE set_id = ? AND person = ?", (set_id, person)).fetchall()]
            for run_id in runs:
                db.execute("DELETE FROM set_cells WHERE run_id = ?", (run_id,))
            db.execute("DELETE FROM set_runs WHERE set_id = ? AND person = ?", (set_id, person))


# ---- runs ------------------------------------------------------------------------------------------


def create_run(set_id: int, plan: dict[str, Any], *, person: str = SINGLE_USER) -> int:
    with _db() as db:
        return db.insert(
            "INSERT INTO set_runs (set_id, person, plan, status, created, updated) VALUES (?,?,?,?,?,?)",
            (set_id, person, json.dumps(plan, ensure_ascii=False), RUNNING, database.now(), database.now()),
        )


def _run(row: Any) -> SetRun:
    return SetRun(row[0], row[1], json.loads(row[2]), row[3], row[4], row[5])


def load_run(run_id: int, *, person: str | None = SINGLE_USER) -> SetRun | None:
    """One run (the person's own; ``person=None`` only for the worker, which runs whoever's run it leased)."""
    sql = "SELECT id, set_id, plan, status, created, updated FROM set_runs WHERE id = ?"
    with _db() as db:
        row = db.execute(sql, (run_id,)).fetchone() if person is None else db.execute(sql + " AND person = ?", (run_id, person)).fetchone()
    return _run(row) if row else None


def run_owner(run_id: int) -> str | None:
    with _db() as db:
        row = db.execute("SELECT person FROM set_runs WHERE id = ?", (run_id,)).fetchone()
    return row[0] if row else None


def runs_of(set_id: int, *, person: str = SINGLE_USER) -> list[SetRun]:
    """The set's runs, newest first."""
    with _db() as db:
        rows = db.execute(
            "SELECT id, set_id, plan, status, created, updated FROM set_runs WHERE set_id = ? AND person = ? ORDER BY id DESC",
            (set_id, person),
        ).fetchall()
    return [_run(r) for r in rows]


def set_status(run_id: int, status: str) -> None:
    with _db() as db:
        db.execute(
            "UPDATE set_runs SET status = ?, updated = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
            (status, database.now(), run_id),
        )


def reopen(run_id: int) -> None:
    """A stopped or finished run is worked again (its written cells stay)."""
    with _db() as db:
        db.execute("UPDATE set_runs SET status = ?, updated = ? WHERE id = ? AND status <> ?", (RUNNING, database.now(), run_id, RUNNING))


def lease_free(run_id: int, *, now: float | None = None) -> bool:
    """Nobody holds the run, or its holder's lease ran out."""
    at = time.time() if now is None else now
    with _db() as db:
        row = db.execute("SELECT lease_owner, lease_until FROM set_runs WHERE id = ?", (run_id,)).fetchone()
    return row is not None and (row[0] is None or (row[1] or 0) < at)


def unfinished(limit: int = 50) -> list[int]:
    """Runs that were running when their server stopped (or still are, elsewhere): the worker leases each
    before it works on one."""
    with _db() as db:
        rows = db.execute("SELECT id FROM set_runs WHERE status = ? ORDER BY id LIMIT ?", (RUNNING, limit)).fetchall()
    return [r[0] for r in rows]


def lease(run_id: int, owner: str, seconds: float, *, now: float | None = None) -> bool:
    """Take (or keep) the run for ``seconds``: only when nobody holds it, this owner does, or the holder's
    lease ran out. One statement, so two servers never both get it."""
    at = time.time() if now is None else now
    with _db() as db:
        return bool(
            db.execute(
                "UPDATE set_runs SET lease_owner = ?, lease_until = ? WHERE id = ? AND status = ? "
                "AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
                (owner, at + seconds, run_id, RUNNING, owner, at),
            ).rowcount
        )


def release(run_id: int, owner: str) -> None:
    with _db() as db:
        db.execute("UPDATE set_runs SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?", (run_id, owner))


# ---- cells -----------------------------------------------------------------------------------------


def put_cell(run_id: int, row_index: int, col_index: int, status: str, body: dict[str, Any]) -> None:
    """Write one cell as it lands (a cell asked again replaces its earlier self)."""
    with _db() as db:
        db.execute(
            "INSERT INTO set_cells (run_id, row_index, col_index, status, body, updated) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT (run_id, row_index, col_index) DO UPDATE SET status = excluded.status, body = excluded.body, "
            "updated = excluded.updated",
            (run_id, row_index, col_index, status, json.dumps(body, ensure_ascii=False), database.now()),
        )


def cells(run_id: int) -> dict[tuple[int, int], dict[str, Any]]:
    """Every written cell of the run: (row, column) → the cell."""
    with _db() as db:
        rows = db.execute("SELECT row_index, col_index, body FROM set_cells WHERE run_id = ?", (run_id,)).fetchall()
    return {(r[0], r[1]): json.loads(r[2]) for r in rows}


def written(run_id: int) -> dict[tuple[int, int], str]:
    """Which cells are written, with their status — no body read (a resumed run of thousands of cells)."""
    with _db() as db:
        rows = db.execute("SELECT row_index, col_index, status FROM set_cells WHERE run_id = ?", (run_id,)).fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


def cell(run_id: int, row_index: int, col_index: int) -> dict[str, Any] | None:
    with _db() as db:
        row = db.execute(
            "SELECT body FROM set_cells WHERE run_id = ? AND row_index = ? AND col_index = ?", (run_id, row_index, col_index)
        ).fetchone()
    return json.loads(row[0]) if row else None


def cell_counts(run_id: int) -> dict[str, int]:
    """How many cells are written, by status (cheap: no body is read)."""
    with _db() as db:
        rows = db.execute("SELECT status, COUNT(*) FROM set_cells WHERE run_id = ? GROUP BY status", (run_id,)).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def delete_person(person: str) -> int:
    """Every set and run the person kept (their data in a shared database); returns how many sets."""
    with _db() as db:
        for (run_id,) in db.execute("SELECT id FROM set_runs WHERE person = ?", (person,)).fetchall():
            db.execute("DELETE FROM set_cells WHERE run_id = ?", (run_id,))
        db.execute("DELETE FROM set_runs WHERE person = ?", (person,))
        return db.execute("DELETE FROM prompt_sets WHERE person = ?", (person,)).rowcount
