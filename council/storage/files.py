"""Files people attached to their prompts, kept with the runs that hold them: in the History store (a
SQLite file in the data folder, or the shared PostgreSQL database), by content hash — the same file is
kept once per person, never twice — and served only to the person who attached it.

A saved run names its files by hash (``{"sha256", "name", "mime", …}``); reopening it reads them back
from here. Deleting a person's data deletes their files with it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from council.settings import SINGLE_USER
from council.storage import database
from council.storage.database import Area

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_files",
        """
        CREATE TABLE files (
            person TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            data TEXT NOT NULL,            -- base64 of the bytes as sent (an image re-encoded, without EXIF)
            size INTEGER NOT NULL,
            created TEXT NOT NULL,
            PRIMARY KEY (person, sha256)
        )
        """,
    ),
)
AREA = Area("files", "files.sqlite3", MIGRATIONS, ("files",))


@dataclass(frozen=True)
class Kept:
    sha256: str
    size: int


def keep(sha256: str, data: bytes, *, person: str = SINGLE_USER) -> Kept:
    """Keep a file once (a second save of the same bytes by the same person writes nothing)."""
    with database.store(AREA).write() as db:
        db.execute(
            "INSERT INTO files (person, sha256, data, size, created) VALUES (?,?,?,?,?) ON CONFLICT (person, sha256) DO NOTHING",
            (person, sha256, base64.b64encode(data).decode("ascii"), len(data), database.now()),
        )
    return Kept(sha256, len(data))


def read(sha256: str, *, person: str = SINGLE_USER) -> bytes | None:
    """The person's own file by its hash (None: not theirs, or gone)."""
    with database.store(AREA).read() as db:
        row = db.execute("SELECT data FROM files WHERE person = ? AND sha256 = ?", (person, sha256)).fetchone()
    return base64.b64decode(row[0]) if row else None


def count(*, person: str = SINGLE_USER) -> int:
    with database.store(AREA).read() as db:
        return int(db.execute("SELECT COUNT(*) FROM files WHERE person = ?", (person,)).fetchone()[0])


def delete_person(person: str) -> int:
    with database.store(AREA).write() as db:
        return db.execute("DELETE FROM files WHERE person = ?", (person,)).rowcount
