"""The usage ledger: no row lost under concurrent writers, roll-ups equal a full scan, costs add up,
retries and fallbacks linked, and every request the app makes is written."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from adapters import Usage
from council.facts.pricing import cost_usd, prices
from council.runs.resilience import Attempt, Attribution
from council.runs.service import rows_for
from council.storage.usage import MIGRATIONS, Ledger, LedgerRow, bucket_upper, latency_bucket, ledger

TODAY = datetime.now(UTC).date()


def test_eight_threads_of_500_writes_leave_exactly_4000_rows(tmp_path):
    from tests.concurrency import write_concurrently

    book = Ledger(tmp_path / "usage.sqlite3")
    write_concurrently(lambda: Ledger(tmp_path / "usage.sqlite3"))  # each browser session opens its own
    assert book.count() == 4000
    assert sum(r[2] for r in book.requests_by_day(TODAY, TODAY)) == 4000


def test_the_file_is_in_wal_mode_with_named_migrations(tmp_path):
    Ledger(tmp_path / "u.sqlite3")
    db = sqlite3.connect(tmp_path / "u.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY name")] == [name for name, _ in MIGRATIONS]
    Ledger(tmp_path / "u.sqlite3")  # opening again applies nothing twice
    assert db.execute("SELECT COUNT(*) FROM migrations").fetchone()[0] == len(MIGRATIONS)


def test_rows_hold_no_token_or_prompt_columns(tmp_path):
    Ledger(tmp_path / "u.sqlite3")
    db = sqlite3.connect(tmp_path / "u.sqlite3")
    columns = {r[1] for r in db.execute("PRAGMA table_info(attempts)")}
    assert columns == {
        "id", "ts", "day", "provider", "model", "kind", "outcome", "status", "latency_s", "ttft_s",
        "prompt_tokens", "completion_tokens", "cost_usd", "fallback_from", "retry_of", "reasoning_tokens",
        "person",  # who sent it: a stable id or "you", never a name, token or prompt
        "shared",  # sent with the host's own token (what the caps on shared keys count)
    }  # fmt: skip


def random_rows(rng: random.Random, n: int) -> list[LedgerRow]:
    providers = ["huggingface", "openai", "groq", "gemini", "ollama", "local"]
    outcomes = ["ok"] * 6 + ["rate_limit", "auth", "loading", "unavailable"]
    rows = []
    for _ in range(n):
        ts = datetime.now(UTC) - timedelta(days=rng.randint(0, 40), seconds=rng.randint(0, 86_000))
        outcome = rng.choice(outcomes)
        rows.append(
            LedgerRow(
                rng.choice(providers),
                f"model-{rng.randint(0, 3)}",
                rng.choice(["playground", "compare", "check"]),
                outcome,
                200 if outcome == "ok" else 429,
                rng.choice([None, rng.uniform(0.01, 200)]),
                None,
                rng.randint(0, 900),
                rng.randint(0, 900),
                rng.uniform(0, 0.01),
                ts=ts,
            )
        )
    return rows


def test_roll_ups_equal_a_full_scan_on_random_data(tmp_path):
    book = Ledger(tmp_path / "u.sqlite3")
    rng = random.Random(7)
    for _ in range(20):
        book.record(random_rows(rng, 50))
    start, end = TODAY - timedelta(days=30), TODAY
    db = sqlite3.connect(tmp_path / "u.sqlite3")
    scan = db.execute(
        "SELECT day, provider, COUNT(*), SUM(outcome != 'ok') FROM attempts WHERE day BETWEEN ? AND ? GROUP BY day, provider ORDER BY day, provider",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    assert book.requests_by_day(start, end) == scan
    scan = db.execute(
        "SELECT provider, outcome, COUNT(*) FROM attempts WHERE outcome != 'ok' AND day BETWEEN ? AND ? GROUP BY provider, outcome",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    assert sorted(book.errors_by_kind(start, end)) == sorted(scan)
    scan = db.execute(
        "SELECT day, provider, SUM(prompt_tokens), SUM(completion_tokens), SUM(cost_usd) FROM attempts WHERE day BETWEEN ? AND ? GROUP BY day, provider ORDER BY day, provider",
        (start.isoformat(), end.isoformat()),
    ).fetchall()
    for rolled, scanned in zip(book.tokens_and_cost_by_day(start, end), scan, strict=True):
        assert rolled[:4] == scanned[:4] and rolled[4] == pytest.approx(scanned[4])
    # percentiles from buckets match percentiles of the raw latencies, to the bucket
    latencies = sorted(
        r[0]
        for r in db.execute(
            "SELECT latency_s FROM attempts WHERE latency_s IS NOT NULL AND provider = 'groq' AND model = 'model-1' AND day BETWEEN ? AND ?",
            (start.isoformat(), end.isoformat()),
        )
    )
    (row,) = [r for r in book.latency_percentiles(start, end) if r[:2] == ("groq", "model-1")]
    assert row[2] == len(latencies)
    p50_raw = latencies[max(0, -(-len(latencies) // 2) - 1)]
    assert row[3] == bucket_upper(latency_bucket(p50_raw))


def test_latency_buckets():
    assert latency_bucket(0.01) == 0 and bucket_upper(0) == 0.05
    assert latency_bucket(0.05) == 0 and latency_bucket(0.051) == 1
    assert bucket_upper(latency_bucket(500)) is None


def test_cost_arithmetic_against_hand_computed_values():
    # gpt-4o-mini: $0.15 in / $0.60 out per 1M tokens (reference §6)
    assert prices("openai", "gpt-4o-mini") == (0.15, 0.60)
    assert cost_usd("openai", "gpt-4o-mini", Usage(1_000, 500)) == pytest.approx(0.00015 + 0.0003)
    # Groq gpt-oss-20b: $0.075 / $0.30
    assert cost_usd("groq", "openai/gpt-oss-20b", Usage(2_000_000, 1_000_000)) == pytest.approx(0.15 + 0.30)
    assert cost_usd("local", "SmolLM2-135M-Instruct", Usage(10, 10)) == 0.0
    assert cost_usd("ollama", "anything", None) == 0.0
    assert cost_usd("huggingface", "google/flan-t5-xxl", Usage(10, 10)) is None  # unknown price: not $0
    assert cost_usd("openai", "gpt-4o-mini", Usage(None, 10)) is None  # unknown tokens


def test_retries_and_fallbacks_are_linked(tmp_path):
    attribution = Attribution(
        provider="local",
        model="SmolLM2-135M-Instruct",
        fallbacks=[("huggingface", "acme/m", "credits or quota used up")],
        attempts=[
            Attempt("huggingface", "acme/m", "loading", 503, 0.2),
            Attempt("huggingface", "acme/m", "quota", 402, 0.1),
            Attempt("local", "SmolLM2-135M-Instruct", "ok", 200, 1.5, 0.3, "huggingface"),
        ],
    )
    rows = rows_for("playground", attribution, Usage(30, 12))
    assert [r.prompt_tokens for r in rows] == [None, None, 30] and rows[2].cost_usd == 0.0
    book = Ledger(tmp_path / "u.sqlite3")
    ids = book.record(rows)
    stored = {r["id"]: r for r in book.recent()}
    assert stored[ids[0]]["retry_of"] is None and stored[ids[1]]["retry_of"] == ids[0]
    assert stored[ids[2]]["retry_of"] is None and stored[ids[2]]["fallback_from"] == "huggingface"


def test_quota_counters(tmp_path):
    book = Ledger(tmp_path / "u.sqlite3")
    now = datetime.now(UTC)
    book.record([LedgerRow("gemini", "g", "playground", "ok", cost_usd=0.25, ts=now) for _ in range(3)])
    book.record([LedgerRow("gemini", "g", "playground", "ok", cost_usd=1.0, ts=now - timedelta(days=45))])
    assert book.requests_on("gemini", now.date()) == 3
    assert book.cost_in_month("gemini", now.date()) == pytest.approx(0.75)
    assert book.requests_on("groq", now.date()) == 0
    book.record([LedgerRow("gemini", "(token check)", "check", "ok", ts=now), LedgerRow("gemini", "(model list)", "check", "ok", ts=now)])
    assert book.requests_on("gemini", now.date()) == 3  # checks and lists do not count against a request quota


@pytest.mark.local_model
def test_the_check_command_writes_its_row(capsys, bundled_model):
    from council.__main__ import main

    assert main(["check", "--provider", "local", "--json"]) == 0
    (row,) = ledger().recent()
    assert (row["provider"], row["kind"], row["outcome"], row["status"]) == ("local", "check", "ok", 200)
    assert row["completion_tokens"] and row["cost_usd"] == 0.0 and row["ttft_s"] <= row["latency_s"]


@pytest.mark.local_model
def test_a_playground_answer_is_in_the_ledger(bundled_model):
    from tests.helpers import send, start

    at = start()
    at.number_input(key="w_pg_max_new_tokens").set_value(8).run()
    send(at, "Hi")
    (row,) = ledger().recent()
    assert (row["provider"], row["model"], row["kind"], row["outcome"]) == ("local", "SmolLM2-135M-Instruct", "playground", "ok")
    assert row["prompt_tokens"] > 0 and row["cost_usd"] == 0.0


def test_router_retries_in_the_playground_are_each_a_row(hf_env):
    from tests.helpers import paste_token, pick, send, start

    at = start()
    paste_token(at, "hf_LedgerToken0123456789abcd")
    pick(at, "fake/loading-again")
    send(at, "Hi")
    rows = [r for r in reversed(ledger().recent()) if r["kind"] == "playground"]  # (the model list is a "check" row)
    assert [(r["outcome"], r["status"]) for r in rows] == [("loading", 503), ("loading", 503), ("ok", 200)]
    assert rows[1]["retry_of"] == rows[0]["id"] and rows[2]["retry_of"] == rows[1]["id"]
    assert all("hf_LedgerToken" not in str(r) for r in rows)


def test_old_day_boundaries(tmp_path):
    book = Ledger(tmp_path / "u.sqlite3")
    book.record(
        [
            LedgerRow("openai", "m", "compare", "ok", ts=datetime(2026, 1, 31, 23, 59, tzinfo=UTC)),
            LedgerRow("openai", "m", "compare", "ok", ts=datetime(2026, 2, 1, 0, 1, tzinfo=UTC)),
        ]
    )
    assert book.requests_by_day(date(2026, 1, 31), date(2026, 1, 31)) == [("2026-01-31", "openai", 1, 0)]


def test_bulk_load_rebuilds_the_same_roll_ups_as_row_by_row_writes(tmp_path):
    rng = random.Random(3)
    rows = random_rows(rng, 400)
    one_by_one, bulk = Ledger(tmp_path / "a.sqlite3"), Ledger(tmp_path / "b.sqlite3")
    for row in rows:
        one_by_one.record([row])
    bulk.bulk_load(rows)
    start, end = TODAY - timedelta(days=45), TODAY
    assert bulk.requests_by_day(start, end) == one_by_one.requests_by_day(start, end)
    assert sorted(bulk.errors_by_kind(start, end)) == sorted(one_by_one.errors_by_kind(start, end))
    assert bulk.latency_percentiles(start, end) == one_by_one.latency_percentiles(start, end)


def test_token_checks_and_model_lists_are_in_the_ledger(hf_env):
    from tests.helpers import paste_token, start

    at = start()
    paste_token(at, "hf_LedgerVerify0123456789abcd")
    at.selectbox(key="w_pg_provider").set_value("huggingface").run()  # fetches the live list
    at.switch_page("pages/settings.py").run()
    at.button(key="btn_verify_huggingface").click().run()
    rows = [(r["provider"], r["model"], r["kind"], r["outcome"]) for r in reversed(ledger().recent())]
    assert rows == [("huggingface", "(model list)", "check", "ok"), ("huggingface", "(token check)", "check", "ok")]


def test_reasoning_tokens_reach_the_ledger(tmp_path):
    from council.runs.resilience import Attempt

    attribution = Attribution(provider="openai", model="gpt-5-mini", attempts=[Attempt("openai", "gpt-5-mini", "ok", 200, 1.2, 0.9)])
    (row,) = rows_for("playground", attribution, Usage(10, 604, 600))
    assert row.reasoning_tokens == 600
    book = Ledger(tmp_path / "u.sqlite3")
    book.record([row])
    assert book.recent()[0]["reasoning_tokens"] == 600


def test_a_ledger_from_before_errors_were_kept_per_model_is_migrated(tmp_path):
    """Migration 0005 rebuilds the error roll-up per model from the attempts themselves: an older
    ledger keeps every error, and housekeeping errors can then be counted apart."""
    import sqlite3
    from dataclasses import replace
    from datetime import date

    from council.storage.database import SQLiteStore
    from council.storage.usage import AREA, MIGRATIONS, TOKEN_CHECK, Ledger

    path = tmp_path / "usage.sqlite3"
    SQLiteStore(path, replace(AREA, migrations=MIGRATIONS[:4]))  # a ledger written before 0005
    with sqlite3.connect(path) as db:
        for model, outcome in (("m", "rate_limit"), ("m", "rate_limit"), (TOKEN_CHECK, "auth"), ("m", "ok")):
            db.execute(
                "INSERT INTO attempts (ts, day, provider, model, kind, outcome) VALUES ('2026-12-05T10:00:00', '2026-12-05', 'groq', ?, 'x', ?)",
                (model, outcome),
            )
    book = Ledger(path)
    day = date(2026, 12, 5)
    assert book.errors_by_kind(day, day) == [("groq", "rate_limit", 2)]
    assert sorted(book.errors_by_kind(day, day, housekeeping=True)) == [("groq", "auth", 1), ("groq", "rate_limit", 2)]


def test_a_stopped_answer_is_no_failure(tmp_path):
    """Stop is the user's choice, not a provider's failure: it is a request (it was sent, maybe paid
    for), but no error — in the roll-ups, the error chart and the command line's totals; migration 0007
    mends a ledger that counted it."""
    from dataclasses import replace

    from council.storage.database import Conn, SQLiteStore
    from council.storage.usage import AREA, MIGRATIONS, Ledger

    path = tmp_path / "usage.sqlite3"
    SQLiteStore(path, replace(AREA, migrations=MIGRATIONS[:6]))  # a ledger from before 0007, which counted stops as errors
    old = Ledger.__new__(Ledger)
    day = date(2026, 12, 5)
    with sqlite3.connect(path) as db:
        for outcome in ("stopped", "stopped", "rate_limit", "ok"):
            db.execute(
                "INSERT INTO attempts (ts, day, provider, model, kind, outcome) VALUES ('2026-12-05T10:00:00', '2026-12-05', 'groq', 'm', 'x', ?)",
                (outcome,),
            )
        old._rebuild_rollups(Conn(db, "sqlite"))
        db.execute("UPDATE daily_usage SET errors = 3")  # as the old roll-up had it
        db.execute("INSERT OR REPLACE INTO daily_errors VALUES ('2026-12-05', 'groq', 'm', 'stopped', 2)")
    book = Ledger(path)  # 0007 runs
    assert book.requests_by_day(day, day) == [("2026-12-05", "groq", 4, 1)]
    assert book.errors_by_kind(day, day) == [("groq", "rate_limit", 1)]
    book.record([LedgerRow("groq", "m", "playground", "stopped", ts=datetime(2026, 12, 5, 11, tzinfo=UTC))])
    assert book.requests_by_day(day, day) == [("2026-12-05", "groq", 5, 1)]
    totals = book.totals()
    assert totals["requests"] == 5 and totals["failed"] == 1 and totals["errors"] == {"rate_limit": 1}
