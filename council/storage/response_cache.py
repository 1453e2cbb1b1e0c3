"""The response cache (the guide's "cache frequently used" advice): an identical request —
provider, address, model, task, messages and parameters — with deterministic settings (temperature
0, sampling off, or a fixed seed) is answered from disk instead of spending quota. SQLite in the
data folder (or the shared database: one cache for every app server), a size limit with
least-recently-used eviction, and a Clear. No tokens are stored:
the key is a hash, the value the answer text and its token counts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from adapters import ChatRequest, GenerationParams, Usage
from council.setting_specs import SETTINGS
from council.storage import database
from council.storage.database import Area, Store

CACHE_FILE = "response_cache.sqlite3"
DEFAULT_LIMIT_MB: float = SETTINGS["cache_limit_mb"].default  # the settings table's

MIGRATIONS = (
    (
        "0001_answers",
        """
        CREATE TABLE answers (
            key TEXT PRIMARY KEY,
            created TEXT NOT NULL,
            last_used TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            text TEXT NOT NULL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            finish_reason TEXT,
            size INTEGER NOT NULL
        );
        CREATE INDEX answers_last_used ON answers(last_used)
        """,
    ),
)
AREA = Area("response_cache", CACHE_FILE, MIGRATIONS, ("answers",))


def deterministic(params: GenerationParams) -> bool:
    """Settings that give the same answer to the same request (as far as the provider allows)."""
    return params.temperature == 0 or params.do_sample is False or params.seed is not None


def key_for(provider: str, base_url: str, request: ChatRequest) -> str:
    payload = {
        "provider": provider,
        "base_url": base_url,
        "model": request.model,
        "task": request.task,
        "messages": [[m.role, m.content] for m in request.messages],
        "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(request.params).items()},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Cached:
    text: str
    usage: Usage
    finish_reason: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class ResponseCache:
    def __init__(self, where: Path | Store, limit_mb: float = DEFAULT_LIMIT_MB) -> None:
        self.store: Store = database.SQLiteStore(where, AREA) if isinstance(where, Path) else where
        self.limit_bytes = int(max(0.1, limit_mb) * 1024 * 1024)

    def get(self, key: str) -> Cached | None:
        with self.store.write() as db:
            row = db.execute("SELECT text, prompt_tokens, completion_tokens, finish_reason FROM answers WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE answers SET last_used = ? WHERE key = ?", (_now(), key))
        return Cached(row[0], Usage(row[1], row[2]), row[3])

    def put(self, key: str, provider: str, model: str, text: str, usage: Usage, finish_reason: str | None) -> None:
        size = len(text.encode()) + 200
        with self.store.write() as db:
            db.execute(
                "INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO UPDATE SET last_used = excluded.last_used, "
                "provider = excluded.provider, model = excluded.model, text = excluded.text, prompt_tokens = excluded.prompt_tokens, "
                "completion_tokens = excluded.completion_tokens, finish_reason = excluded.finish_reason, size = excluded.size",
                (key, _now(), _now(), provider, model, text, usage.prompt_tokens, usage.completion_tokens, finish_reason, size),
            )
            total = db.execute("SELECT COALESCE(SUM(size), 0) FROM answers").fetchone()[0]
            while total > self.limit_bytes:  # least recently used first
                oldest = db.execute("SELECT key, size FROM answers ORDER BY last_used LIMIT 1").fetchone()
                if oldest is None or oldest[0] == key:
                    break
                db.execute("DELETE FROM answers WHERE key = ?", (oldest[0],))
                total -= oldest[1]

    def stats(self) -> tuple[int, int]:
        """(answers kept, bytes)."""
        with self.store.read() as db:
            count, size = db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM answers").fetchone()
        return int(count), int(size)

    def clear(self) -> None:
        with self.store.write() as db:
            db.execute("DELETE FROM answers")


def response_cache(limit_mb: float = DEFAULT_LIMIT_MB) -> ResponseCache:
    """The cache in the configured store (migrated once per process per store)."""
    return ResponseCache(database.store(AREA), limit_mb)


def forget() -> None:
    """Drop the open caches (the data folder is being emptied)."""
    database.forget()
