"""The usage ledger: one SQLite row per request actually sent (never a token, never prompt text).

- SQLite from the standard library, in WAL mode, in the user data folder (``COUNCIL_DATA_DIR``
  overrides), or the shared PostgreSQL database (``COUNCIL_DATABASE_URL``; ``database.py``). Each
  write is its own short transaction, so writers from several browser sessions (threads), processes
  and app servers queue up and lose no row.
- Versioned, append-only migrations (names recorded in ``migrations``): never edit a shipped one.
- Roll-up tables are kept on write, in the same transaction, so the Usage page's aggregates read
  a few rows per day instead of scanning a ledger that grows forever. SQLite has no percentile
  function, so latency is also counted in fixed buckets.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters import Usage
from council.settings import SINGLE_USER
from council.storage import database
from council.storage.database import Area, Conn, Store

log = logging.getLogger(__name__)

LEDGER_FILE = "usage.sqlite3"
TOKEN_CHECK, MODEL_LIST, HUB_SEARCH = "(token check)", "(model list)", "(hub search)"  # rows for requests that generate nothing
NOT_GENERATION = (TOKEN_CHECK, MODEL_LIST, HUB_SEARCH)

# Upper bounds (seconds) of the latency buckets; the last bucket holds everything slower.
LATENCY_BOUNDS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0)

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_attempts",
        """
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,                -- UTC, ISO 8601
            day TEXT NOT NULL,               -- UTC date of ts
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            kind TEXT NOT NULL,              -- playground, compare, council, check
            outcome TEXT NOT NULL,           -- ok, or the error kind (auth, rate_limit, ...)
            status INTEGER,
            latency_s REAL,
            ttft_s REAL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cost_usd REAL,
            fallback_from TEXT,
            retry_of INTEGER REFERENCES attempts(id)
        );
        CREATE INDEX attempts_day ON attempts(day);
        """,
    ),
    (
        "0002_rollups",
        """
        CREATE TABLE daily_usage (
            day TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
            requests INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
            prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (day, provider, model)
        ) WITHOUT ROWID;
        CREATE TABLE daily_errors (
            day TEXT NOT NULL, provider TEXT NOT NULL, outcome TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, provider, outcome)
        ) WITHOUT ROWID;
        CREATE TABLE daily_latency (
            day TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, bucket INTEGER NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, provider, model, bucket)
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0003_cache_hits",
        """
        CREATE TABLE cache_hits (          -- answers given from the response cache: nothing was sent
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            day TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            kind TEXT NOT NULL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            saved_usd REAL                  -- what the request would have cost (NULL: price unknown)
        );
        CREATE INDEX cache_hits_day ON cache_hits(day);
        """,
    ),
    (
        "0004_reasoning_tokens",
        # hidden thinking, within completion_tokens (no comment inside: SQLite keeps the text in the schema)
        "ALTER TABLE attempts ADD COLUMN reasoning_tokens INTEGER",
    ),
    (
        "0005_errors_by_model",
        # errors per model too, so housekeeping calls (token checks, model lists) can be counted apart
        """
        DROP TABLE daily_errors;
        CREATE TABLE daily_errors (
            day TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, outcome TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, provider, model, outcome)
        ) WITHOUT ROWID;
        INSERT INTO daily_errors SELECT day, provider, model, outcome, COUNT(*) FROM attempts WHERE outcome != 'ok'
            GROUP BY day, provider, model, outcome
        """,
    ),
    (
        "0006_person",
        # who sent the request: the signed-in person's stable id, or "you" when the app is single-user
        "ALTER TABLE attempts ADD COLUMN person TEXT NOT NULL DEFAULT 'you'",
    ),
    (
        "0007_a_stop_is_no_failure",
        # an answer the user stopped is not a failed request: out of the error counts and the error roll-up
        """
        UPDATE daily_usage SET errors = (
            SELECT COUNT(*) FROM attempts a WHERE a.day = daily_usage.day AND a.provider = daily_usage.provider
            AND a.model = daily_usage.model AND a.outcome NOT IN ('ok', 'stopped')
        );
        DELETE FROM daily_errors WHERE outcome = 'stopped'
        """,
    ),
    (
        "0008_shared_keys",
        # 1 when the request was sent with the host's own token (the keys a shared deployment spends),
        # so the per-person and host-wide caps count exactly those; indexed by person and day for the caps
        """
        ALTER TABLE attempts ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX attempts_person_day ON attempts(person, day)
        """,
    ),
)
MIGRATIONS += (
    (
        "0009_people",
        # who signed in, under which name: the Usage page's filter shows names, the ledger keeps stable ids
        """
        CREATE TABLE people (
            person TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            method TEXT NOT NULL,          -- oidc, passcode, or local ("you")
            last_seen TEXT NOT NULL
        );
        INSERT INTO people SELECT DISTINCT person, person, 'local', '' FROM attempts
        """,
    ),
)
AREA = Area("usage", LEDGER_FILE, MIGRATIONS, ("attempts", "daily_usage", "daily_errors", "daily_latency", "cache_hits"))
NOT_FAILED = ("ok", "stopped")  # outcomes that are no failure: answered, or stopped by the user


@dataclass(frozen=True)
class LedgerRow:
    provider: str
    model: str
    kind: str
    outcome: str
    status: int | None = None
    latency_s: float | None = None
    ttft_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    fallback_from: str | None = None
    ts: datetime | None = None  # now, when not given
    reasoning_tokens: int | None = None  # hidden thinking, within completion_tokens
    person: str = SINGLE_USER  # who sent it
    shared: bool = False  # sent with the host's own token (what the caps on shared keys count)


def month_bounds(day: date) -> tuple[str, str]:
    """The first day of ``day``'s month and of the next one (ISO dates: ``first <= day < next``)."""
    first = day.replace(day=1)
    return first.isoformat(), (first.replace(day=28) + timedelta(days=4)).replace(day=1).isoformat()


def latency_bucket(seconds: float) -> int:
    return bisect.bisect_left(LATENCY_BOUNDS, seconds)


def bucket_upper(bucket: int) -> float | None:
    """The upper bound of a bucket in seconds (None for the open-ended last one)."""
    return LATENCY_BOUNDS[bucket] if bucket < len(LATENCY_BOUNDS) else None


FAILED = "CASE WHEN outcome NOT IN ('ok', 'stopped') THEN 1 ELSE 0 END"  # one failed request, in SQL either database reads
INSERT_ATTEMPT = (
    "INSERT INTO attempts (ts, day, provider, model, kind, outcome, status, latency_s, ttft_s, prompt_tokens, completion_tokens, "
    "cost_usd, fallback_from, retry_of, reasoning_tokens, person, shared) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


def _values(row: LedgerRow, retry_of: int | None = None) -> tuple:
    ts = row.ts or datetime.now(UTC)
    return (
        ts.isoformat(),
        ts.date().isoformat(),
        row.provider,
        row.model,
        row.kind,
        row.outcome,
        row.status,
        row.latency_s,
        row.ttft_s,
        row.prompt_tokens,
        row.completion_tokens,
        row.cost_usd,
        row.fallback_from,
        retry_of,
        row.reasoning_tokens,
        row.person,
        int(row.shared),
    )


class Ledger:
    """The ledger in a store: a SQLite file (a path) or the configured database's share of it."""

    def __init__(self, where: Path | Store) -> None:
        self.store: Store = database.SQLiteStore(where, AREA) if isinstance(where, Path) else where

    # ---- writing -----------------------------------------------------------------------------

    def record(self, rows: Sequence[LedgerRow]) -> list[int]:
        """Store one call's attempts in order; a later attempt at the same provider and model is
        stored as a retry of the one before it. Returns the new row ids."""
        ids: list[int] = []
        previous: dict[tuple[str, str], int] = {}
        with self.store.write() as db:
            self._note_people(db, {row.person for row in rows})
            for row in rows:
                key = (row.provider, row.model)
                values = _values(row, previous.get(key))
                previous[key] = db.insert(INSERT_ATTEMPT, values)
                ids.append(previous[key])
                self._roll_up(db, values[1], row)
        return ids

    def record_cache_hit(self, provider: str, model: str, kind: str, usage: Usage | None, saved_usd: float | None) -> None:
        ts = datetime.now(UTC)
        with self.store.write() as db:
            db.execute(
                "INSERT INTO cache_hits (ts, day, provider, model, kind, prompt_tokens, completion_tokens, saved_usd) VALUES (?,?,?,?,?,?,?,?)",
                (
                    ts.isoformat(),
                    ts.date().isoformat(),
                    provider,
                    model,
                    kind,
                    usage.prompt_tokens if usage else None,
                    usage.completion_tokens if usage else None,
                    saved_usd,
                ),
            )

    def cache_savings(self, start: date, end: date) -> list[tuple[str, int, float]]:
        """(provider, answers from the cache, USD not spent) between two days."""
        return self._query(
            "SELECT provider, COUNT(*), COALESCE(SUM(saved_usd), 0) FROM cache_hits WHERE day BETWEEN ? AND ? GROUP BY provider ORDER BY 2 DESC",
            (start.isoformat(), end.isoformat()),
        )

    def bulk_load(self, rows: Sequence[LedgerRow]) -> None:
        """Append many rows at once (imports, benchmarks), then rebuild the roll-ups from the ledger."""
        with self.store.write() as db:
            self._note_people(db, {row.person for row in rows})
            db.executemany(INSERT_ATTEMPT, (_values(r) for r in rows))
            self._rebuild_rollups(db)

    @staticmethod
    def _note_people(db: Conn, people: set[str]) -> None:
        """Everyone who sends a request is in ``people`` (the Usage page's filter reads that, not the ledger)."""
        for person in people:
            db.execute(
                "INSERT INTO people VALUES (?, ?, ?, '') ON CONFLICT (person) DO NOTHING",
                (person, person.split(":", 1)[-1], "local" if person == SINGLE_USER else person.split(":", 1)[0]),
            )

    def _rebuild_rollups(self, db: Conn) -> None:
        """Recompute every roll-up from the attempts table (the single source of truth)."""
        db.execute("DELETE FROM daily_usage")
        db.execute("DELETE FROM daily_errors")
        db.execute("DELETE FROM daily_latency")
        db.execute(
            f"INSERT INTO daily_usage SELECT day, provider, model, COUNT(*), SUM({FAILED}), COALESCE(SUM(prompt_tokens), 0), "
            "COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(cost_usd), 0) FROM attempts GROUP BY day, provider, model"
        )
        db.execute(
            "INSERT INTO daily_errors SELECT day, provider, model, outcome, COUNT(*) FROM attempts WHERE outcome NOT IN ('ok', 'stopped') "
            "GROUP BY day, provider, model, outcome"
        )
        bounds = " ".join(f"WHEN latency_s <= {bound!r} THEN {i}" for i, bound in enumerate(LATENCY_BOUNDS))
        db.execute(
            f"INSERT INTO daily_latency SELECT day, provider, model, CASE {bounds} ELSE {len(LATENCY_BOUNDS)} END AS bucket, COUNT(*) "
            "FROM attempts WHERE latency_s IS NOT NULL GROUP BY day, provider, model, bucket"
        )

    def _roll_up(self, db: Conn, day: str, row: LedgerRow) -> None:
        failed = int(row.outcome not in NOT_FAILED)
        db.execute(
            "INSERT INTO daily_usage VALUES (?,?,?,1,?,?,?,?) ON CONFLICT (day, provider, model) DO UPDATE SET "
            "requests = daily_usage.requests + 1, errors = daily_usage.errors + excluded.errors, "
            "prompt_tokens = daily_usage.prompt_tokens + excluded.prompt_tokens, "
            "completion_tokens = daily_usage.completion_tokens + excluded.completion_tokens, cost_usd = daily_usage.cost_usd + excluded.cost_usd",
            (day, row.provider, row.model, failed, row.prompt_tokens or 0, row.completion_tokens or 0, row.cost_usd or 0.0),
        )
        if failed:
            db.execute(
                "INSERT INTO daily_errors VALUES (?,?,?,?,1) ON CONFLICT (day, provider, model, outcome) DO UPDATE SET count = daily_errors.count + 1",
                (day, row.provider, row.model, row.outcome),
            )
        if row.latency_s is not None:
            db.execute(
                "INSERT INTO daily_latency VALUES (?,?,?,?,1) ON CONFLICT (day, provider, model, bucket) DO UPDATE SET count = daily_latency.count + 1",
                (day, row.provider, row.model, latency_bucket(row.latency_s)),
            )

    # ---- reading (roll-ups) ----------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self.store.read() as db:
            return [tuple(row) for row in db.execute(sql, params).fetchall()]

    def _rolled(self, table: str, person: str | None) -> tuple[str, tuple]:
        """A roll-up table as the queries read it: the table itself for everyone, or the same shape computed
        from one person's attempts (the roll-ups are not kept per person)."""
        if person is None:
            return table, ()
        bucket = (
            f"CASE {' '.join(f'WHEN latency_s <= {b!r} THEN {i}' for i, b in enumerate(LATENCY_BOUNDS))} ELSE {len(LATENCY_BOUNDS)} END"
        )
        shapes = {
            "daily_usage": f"SELECT day, provider, model, COUNT(*) AS requests, SUM({FAILED}) AS errors, COALESCE(SUM(prompt_tokens), 0) "
            "AS prompt_tokens, COALESCE(SUM(completion_tokens), 0) AS completion_tokens, COALESCE(SUM(cost_usd), 0) AS cost_usd "
            "FROM attempts WHERE person = ? GROUP BY day, provider, model",
            "daily_errors": "SELECT day, provider, model, outcome, COUNT(*) AS count FROM attempts WHERE person = ? "
            "AND outcome NOT IN ('ok', 'stopped') GROUP BY day, provider, model, outcome",
            "daily_latency": f"SELECT day, provider, model, {bucket} AS bucket, COUNT(*) AS count FROM attempts WHERE person = ? "
            f"AND latency_s IS NOT NULL GROUP BY day, provider, model, {bucket}",
        }
        return f"({shapes[table]}) AS {table}", (person,)

    def note_person(self, person: str, label: str, method: str) -> None:
        """Remember the name a signed-in person goes by (the ledger itself keeps only the stable id)."""
        with self.store.write() as db:
            db.execute(
                "INSERT INTO people VALUES (?, ?, ?, ?) ON CONFLICT (person) DO UPDATE SET label = excluded.label, "
                "method = excluded.method, last_seen = excluded.last_seen",
                (person, label, method, datetime.now(UTC).isoformat(timespec="seconds")),
            )

    def _which(self, housekeeping: bool) -> tuple[str, tuple]:
        """A condition on ``model`` for the roll-ups: model answers only, or housekeeping calls too."""
        if housekeeping:
            return "", ()
        return f" AND model NOT IN ({','.join('?' * len(NOT_GENERATION))})", NOT_GENERATION

    def requests_by_day(
        self, start: date, end: date, *, housekeeping: bool = False, person: str | None = None
    ) -> list[tuple[str, str, int, int]]:
        """(day, provider, requests, errors) for each day in [start, end]: model requests, or every
        request with ``housekeeping`` (token checks, model lists, Hub searches too); everyone's, or one person's."""
        where, extra = self._which(housekeeping)
        table, who = self._rolled("daily_usage", person)
        return self._query(
            f"SELECT day, provider, SUM(requests), SUM(errors) FROM {table} WHERE day BETWEEN ? AND ?{where} "
            "GROUP BY day, provider ORDER BY day, provider",
            (*who, start.isoformat(), end.isoformat(), *extra),
        )

    def housekeeping_calls(self, start: date, end: date, *, person: str | None = None) -> int:
        """Token checks, model lists and Hub searches in [start, end] (they generate nothing)."""
        marks = ",".join("?" * len(NOT_GENERATION))
        table, who = self._rolled("daily_usage", person)
        (count,) = self._query(
            f"SELECT COALESCE(SUM(requests), 0) FROM {table} WHERE day BETWEEN ? AND ? AND model IN ({marks})",
            (*who, start.isoformat(), end.isoformat(), *NOT_GENERATION),
        )[0]
        return int(count)

    def errors_by_kind(
        self, start: date, end: date, *, housekeeping: bool = False, person: str | None = None
    ) -> list[tuple[str, str, int]]:
        """(provider, error kind, count), most frequent first."""
        where, extra = self._which(housekeeping)
        table, who = self._rolled("daily_errors", person)
        return self._query(
            f"SELECT provider, outcome, SUM(count) FROM {table} WHERE day BETWEEN ? AND ?{where} "
            "GROUP BY provider, outcome ORDER BY 3 DESC, 1, 2",
            (*who, start.isoformat(), end.isoformat(), *extra),
        )

    def tokens_and_cost_by_day(self, start: date, end: date, *, person: str | None = None) -> list[tuple[str, str, int, int, float]]:
        """(day, provider, prompt tokens, completion tokens, USD)."""
        table, who = self._rolled("daily_usage", person)
        return self._query(
            f"SELECT day, provider, SUM(prompt_tokens), SUM(completion_tokens), SUM(cost_usd) FROM {table} "
            "WHERE day BETWEEN ? AND ? GROUP BY day, provider ORDER BY day, provider",
            (*who, start.isoformat(), end.isoformat()),
        )

    def latency_percentiles(
        self,
        start: date,
        end: date,
        percentiles: Sequence[float] = (0.5, 0.95),
        *,
        housekeeping: bool = False,
        person: str | None = None,
    ) -> list[tuple]:
        """(provider, model, requests timed, p50 bound, p95 bound…): each percentile as the upper bound
        of the bucket it falls in (seconds; None past the last bound)."""
        where, extra = self._which(housekeeping)
        table, who = self._rolled("daily_latency", person)
        rows = self._query(
            f"SELECT provider, model, bucket, SUM(count) FROM {table} WHERE day BETWEEN ? AND ?{where} "
            "GROUP BY provider, model, bucket ORDER BY provider, model, bucket",
            (*who, start.isoformat(), end.isoformat(), *extra),
        )
        grouped: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for provider, model, bucket, count in rows:
            grouped.setdefault((provider, model), []).append((bucket, count))
        out = []
        for (provider, model), buckets in grouped.items():
            total = sum(c for _, c in buckets)
            values = []
            for p in percentiles:
                seen = 0
                for bucket, count in buckets:
                    seen += count
                    if seen >= p * total:
                        values.append(bucket_upper(bucket))
                        break
            out.append((provider, model, total, *values))
        return out

    def error_spikes(
        self, start: date, end: date, *, min_errors: int = 5, min_share: float = 0.25, person: str | None = None
    ) -> list[tuple[str, str, int, int]]:
        """(day, provider, errors, requests) where at least ``min_errors`` requests failed and they
        were at least ``min_share`` of that day's requests to the provider."""
        table, who = self._rolled("daily_usage", person)
        return self._query(
            f"SELECT day, provider, SUM(errors), SUM(requests) FROM {table} WHERE day BETWEEN ? AND ? "
            "GROUP BY day, provider HAVING SUM(errors) >= ? AND SUM(errors) >= ? * SUM(requests) ORDER BY day DESC, provider",
            (*who, start.isoformat(), end.isoformat(), min_errors, min_share),
        )

    def requests_on(self, provider: str, day: date) -> int:
        """Generation requests sent to a provider that day (token checks and model lists do not
        count against a request quota)."""
        marks = ",".join("?" * len(NOT_GENERATION))
        (count,) = self._query(
            f"SELECT COALESCE(SUM(requests), 0) FROM daily_usage WHERE day = ? AND provider = ? AND model NOT IN ({marks})",
            (day.isoformat(), provider, *NOT_GENERATION),
        )[0]
        return int(count)

    def cost_in_month(self, provider: str, month: date) -> float:
        (cost,) = self._query(
            "SELECT COALESCE(SUM(cost_usd), 0) FROM daily_usage WHERE provider = ? AND day >= ? AND day < ?",
            (provider, *month_bounds(month)),
        )[0]
        return float(cost)

    def shared_use(self, day: date, person: str | None = None) -> tuple[int, float]:
        """What was sent on the host's own keys: model requests that day and their cost that month — one
        person's, or everyone's (``person`` None). What the caps on shared keys are checked against."""
        marks = ",".join("?" * len(NOT_GENERATION))
        who, params = ("person = ? AND ", [person]) if person is not None else ("", [])
        first, next_first = month_bounds(day)
        (requests, cost) = self._query(
            f"SELECT COALESCE(SUM(CASE WHEN day = ? THEN 1 ELSE 0 END), 0), COALESCE(SUM(cost_usd), 0) FROM attempts "
            f"WHERE {who}day >= ? AND day < ? AND shared = 1 AND model NOT IN ({marks})",
            (day.isoformat(), *params, first, next_first, *NOT_GENERATION),
        )[0]
        return int(requests), float(cost)

    def people(self) -> dict[str, str]:
        """Everyone who sent a request → the name they go by (for the Usage page's filter)."""
        names = dict(self._query("SELECT person, label FROM people"))
        return dict(sorted(names.items(), key=lambda item: item[1].casefold()))

    def totals(self, since: date | None = None, person: str | None = None) -> dict[str, Any]:
        """The ledger's totals from ``since`` (all time when None), for one person or everyone: model
        requests, housekeeping calls apart, errors by kind, tokens, estimated cost, by provider and by
        person (from the attempts themselves, not the roll-ups: the person is not rolled up)."""
        marks = ",".join("?" * len(NOT_GENERATION))
        where, params = "WHERE 1=1", []
        if since is not None:
            where, params = where + " AND day >= ?", [*params, since.isoformat()]
        if person is not None:
            where, params = where + " AND person = ?", [*params, person]
        model = f"{where} AND model NOT IN ({marks})"
        figures = (
            f"COUNT(*), SUM({FAILED}), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(cost_usd), 0)"
        )

        def group(column: str) -> dict[str, dict[str, Any]]:
            rows = self._query(
                f"SELECT {column}, {figures} FROM attempts {model} GROUP BY {column} ORDER BY {column}", (*params, *NOT_GENERATION)
            )
            return {
                r[0]: {"requests": r[1], "errors": r[2], "prompt_tokens": r[3], "completion_tokens": r[4], "cost_usd": round(r[5], 6)}
                for r in rows
            }

        (requests, errors, prompt, completion, cost) = self._query(f"SELECT {figures} FROM attempts {model}", (*params, *NOT_GENERATION))[0]
        (housekeeping,) = self._query(f"SELECT COUNT(*) FROM attempts {where} AND model IN ({marks})", (*params, *NOT_GENERATION))[0]
        kinds = self._query(
            f"SELECT outcome, COUNT(*) FROM attempts {model} AND outcome NOT IN ('ok', 'stopped') GROUP BY outcome ORDER BY 2 DESC, 1",
            (*params, *NOT_GENERATION),
        )
        return {
            "since": since.isoformat() if since else None,
            "person": person,
            "requests": int(requests),
            "housekeeping": int(housekeeping),
            "failed": int(errors or 0),
            "errors": {kind: count for kind, count in kinds},
            "prompt_tokens": int(prompt),
            "completion_tokens": int(completion),
            "cost_usd": round(float(cost), 6),
            "by_provider": group("provider"),
            "by_person": group("person"),
        }

    def recent(self, limit: int = 50, person: str | None = None) -> list[dict]:
        """The newest rows, everyone's or one person's."""
        with self.store.read() as db:
            if person is None:
                return db.dicts("SELECT * FROM attempts ORDER BY id DESC LIMIT ?", (limit,))
            return db.dicts("SELECT * FROM attempts WHERE person = ? ORDER BY id DESC LIMIT ?", (person, limit))

    def count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM attempts")[0][0])


def ledger() -> Ledger:
    """The ledger in the configured store (opened and migrated once per process per store)."""
    return Ledger(database.store(AREA))


def record_safely(rows: Sequence[LedgerRow]) -> None:
    """Store rows; a ledger that cannot be written (disk full, locked too long, the database away) never
    breaks an answer."""
    if not rows:
        return
    try:
        ledger().record(rows)
    except database.errors() as exc:
        log.warning("usage ledger not written: %s", type(exc).__name__)


def error_names() -> dict[str, str]:
    """Error kind → the plain name the charts and tables show."""
    from adapters.errors import ALL_ERRORS

    names: dict[str, str] = {}
    for cls in ALL_ERRORS:  # a subclass sharing its parent's kind (no token set: auth) keeps the parent's name
        names.setdefault(cls.kind, cls.title)
    return names | {"stopped": "Stopped by the user", "not_configured": "Not configured"}


def forget() -> None:
    """Drop the open ledgers (before their files are deleted)."""
    database.forget()
