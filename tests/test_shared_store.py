"""The store on both backends — the data folder's SQLite files and a real PostgreSQL server the suite
starts itself: the same migrations, the ledger (no row lost under 8 concurrent writers, roll-ups equal
to a scan, per-person figures), History, votes, settings and the response cache per person; two
processes on one database see each other's usage at once; a writer killed mid-write loses no
committed row; and a wrong address, a refused connection or a missing table is one plain message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from adapters import Usage
from council import library
from council.storage import database, history, preferences, response_cache, usage, votes
from council.storage.usage import LedgerRow
from tests.processes import ROOT

TODAY = datetime.now(UTC).date()


def row(provider: str = "groq", outcome: str = "ok", *, person: str = "you", shared: bool = False, cost: float = 0.001) -> LedgerRow:
    return LedgerRow(provider, "llama-3.1-8b-instant", "playground", outcome, 200, 0.4, 0.1, 10, 5, cost, person=person, shared=shared)


def test_the_same_migrations_run_on_both(backend):
    book = usage.ledger()
    with book.store.read() as db:
        if backend == "sqlite":
            names = [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY name").fetchall()]
        else:
            names = [r[0] for r in db.execute("SELECT name FROM migrations WHERE area = ? ORDER BY name", ("usage",)).fetchall()]
    assert names == [name for name, _ in usage.MIGRATIONS]
    database.forget()
    usage.ledger()  # opening again (a second server starting) applies nothing twice
    with usage.ledger().store.read() as db:
        assert db.execute("SELECT COUNT(*) FROM migrations").fetchone()[0] >= len(usage.MIGRATIONS)
    assert book.store.dialect == backend


def test_eight_concurrent_writers_leave_exactly_4000_rows(backend):
    from tests.concurrency import write_concurrently

    book = usage.ledger()
    write_concurrently(usage.ledger)
    assert book.count() == 4000
    assert sum(r[2] for r in book.requests_by_day(TODAY, TODAY)) == 4000
    assert book.totals()["requests"] == 4000


def test_roll_ups_and_per_person_figures_agree_with_the_attempts(backend):
    book = usage.ledger()
    book.record([row(person="oidc:ada"), row(outcome="rate_limit", person="oidc:ada"), row("openai", person="name:bo", cost=0.5)])
    book.record([row(person="oidc:ada", shared=True, cost=0.25), row(usage.TOKEN_CHECK and "groq", person="name:bo")])
    everyone = book.requests_by_day(TODAY, TODAY)
    assert sum(r[2] for r in everyone) == 5 and sum(r[3] for r in everyone) == 1
    ada = book.requests_by_day(TODAY, TODAY, person="oidc:ada")
    assert [(r[1], r[2], r[3]) for r in ada] == [("groq", 3, 1)]
    assert book.errors_by_kind(TODAY, TODAY, person="oidc:ada") == [("groq", "rate_limit", 1)]
    assert book.errors_by_kind(TODAY, TODAY, person="name:bo") == []
    ((_, _, prompt, completion, _),) = book.tokens_and_cost_by_day(TODAY, TODAY, person="name:bo")[:1] or [(0, 0, 0, 0, 0)]
    assert (prompt, completion) == (10, 5)
    assert book.latency_percentiles(TODAY, TODAY, person="oidc:ada")[0][2] == 3
    assert book.shared_use(TODAY, "oidc:ada") == (1, pytest.approx(0.25))
    assert book.shared_use(TODAY) == (1, pytest.approx(0.25))
    totals = book.totals(person="oidc:ada")
    assert totals["requests"] == 3 and totals["failed"] == 1 and totals["errors"] == {"rate_limit": 1}
    book.note_person("oidc:ada", "Ada Lovelace", "oidc")
    assert book.people() == {"oidc:ada": "Ada Lovelace", "name:bo": "bo"}
    assert {r["person"] for r in book.recent(10, person="name:bo")} == {"name:bo"}
    assert isinstance(book.requests_by_day(TODAY, TODAY)[0][2], int)  # sums are whole numbers on both


def test_history_votes_and_settings_belong_to_their_person(backend):
    mine = history.save("playground", "Ada's question", {"messages": []}, person="oidc:ada")
    history.save("compare", "Bo's comparison", {"slots": []}, person="name:bo")
    assert [r.title for r in history.recent(person="oidc:ada")] == ["Ada's question"]
    assert history.load(mine, person="name:bo") is None  # not somebody else's
    assert history.save("playground", "Bo tries to overwrite", {}, mine, person="name:bo") != mine
    assert history.load(mine, person="oidc:ada").title == "Ada's question"
    assert history.kinds(person="name:bo") == {"compare", "playground"}
    votes.cast({"A": "groq/a", "B": "openai/b"}, "A", person="oidc:ada")
    assert len(votes.all_votes(person="oidc:ada")) == 1 and votes.all_votes(person="name:bo") == []
    preferences.save({"retry_max_attempts": 6}, "oidc:ada")
    preferences.save({"retry_max_attempts": 2}, "name:bo")
    assert preferences.load("oidc:ada") == ({"retry_max_attempts": 6}, [])
    assert preferences.load("name:bo")[0] == {"retry_max_attempts": 2}
    assert preferences.load("you") == ({}, [])
    assert library.delete_my_data("oidc:ada") == [
        "1 saved run(s)",
        "1 vote(s)",
        "0 prompt set(s) with their runs",
        "0 attached file(s)",
        "your settings",
    ]
    assert history.recent(person="oidc:ada") == [] and preferences.load("oidc:ada") == ({}, [])
    assert {r.title for r in history.recent(person="name:bo")} == {"Bo's comparison", "Bo tries to overwrite"}


def test_the_response_cache_on_both(backend):
    cache = response_cache.response_cache(0.1)  # 100 KB: the least recently used answer goes
    cache.put("k1", "groq", "m", "x" * 40_000, Usage(1, 2), "stop")
    cache.put("k1", "groq", "m", "y" * 40_000, Usage(1, 2), "stop")  # the same key again replaces it
    assert cache.get("k1").text == "y" * 40_000
    cache.put("k2", "groq", "m", "z" * 40_000, Usage(1, 2), "stop")
    cache.put("k3", "groq", "m", "w" * 40_000, Usage(1, 2), "stop")
    assert cache.get("k1") is None and cache.get("k3") is not None
    cache.clear()
    assert cache.stats() == (0, 0)


WRITER = """
import sys
from council.storage.usage import LedgerRow, ledger
book = ledger()
for i in range(int(sys.argv[1])):
    (new,) = book.record([LedgerRow("groq", "m", "playground", "ok", 200, 0.2, 0.1, 3, 4, 0.01, person="name:" + sys.argv[2], shared=True)])
    print(new, flush=True)
"""


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_two_processes_on_one_database_see_each_others_usage_at_once(pg_url):
    from council.facts import quotas
    from council.runs import caps

    done = subprocess.run(
        [sys.executable, "-c", WRITER, "7", "bo"], cwd=ROOT, env=_child_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    book = usage.ledger()  # this process: another app server on the same database
    assert book.requests_on("groq", TODAY) == 7
    state = quotas.state("groq", quotas.Quota(requests_per_day=7), book)
    assert state.level == "exhausted"  # the other server's requests count against the quota here at once
    assert caps.state(caps.Caps(requests_per_day=7), book, "name:bo").reached()
    book.record([row(person="oidc:ada", shared=True)])
    shown = subprocess.run(
        [sys.executable, "-m", "council", "usage", "--json"], cwd=ROOT, env=_child_env(), capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    totals = json.loads(shown.stdout)
    assert totals["requests"] == 8 and set(totals["by_person"]) == {"name:bo", "oidc:ada"}


def test_a_writer_killed_mid_write_loses_no_committed_row(backend):
    """kill -9 while a writer commits row after row: the store opens again and every row the writer saw
    committed is there (the one in flight may or may not be: never half of it)."""
    usage.ledger()  # migrated before the writer starts
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, "100000", "kill"], cwd=ROOT, env=_child_env(), stdout=subprocess.PIPE, text=True
    )
    committed: list[int] = []
    assert child.stdout is not None
    deadline = time.monotonic() + 60
    while len(committed) < 200 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        committed.append(int(line))
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    committed += [int(line) for line in child.stdout.read().split()]
    assert len(committed) >= 200
    database.forget()
    book = usage.ledger()
    with book.store.read() as db:
        present = {r[0] for r in db.execute("SELECT id FROM attempts").fetchall()}
        if backend == "sqlite":
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert set(committed) <= present
    assert len(present) - len(committed) <= 1
    assert book.totals()["requests"] == len(present)  # the roll-ups were written with each row


# ---- a store that cannot be used --------------------------------------------------------------


def test_a_wrong_address_is_one_plain_message(monkeypatch):
    monkeypatch.setenv("COUNCIL_DATABASE_URL", "mysql://app:hunter2secret@db.example.com/council")
    problem = library.store_problem()
    assert "must be a PostgreSQL address" in problem and "hunter2secret" not in problem
    database.forget()
    monkeypatch.setenv("COUNCIL_DATABASE_URL", "postgresql://app:hunter2secret@127.0.0.1:notaport/council")
    problem = library.store_problem()
    assert "is not a database URL" in problem and "hunter2secret" not in problem


def test_a_refused_connection_fails_fast_and_says_so(monkeypatch):
    from tests.processes import free_port

    monkeypatch.setenv("COUNCIL_DATABASE_URL", f"postgresql://app:hunter2secret@127.0.0.1:{free_port()}/council")
    problem = library.store_problem()
    assert "refused the connection" in problem and "answers still work" in problem and "hunter2secret" not in problem
    started = time.monotonic()
    with pytest.raises(library.StorageError) as caught:
        library.save_run("playground", "t", {})
    assert time.monotonic() - started < 1  # it fails fast for a while instead of waiting on every call
    assert "the shared database cannot be used right now" in str(caught.value)
    assert preferences.load("you")[1][0].startswith("Your saved settings could not be read")
    usage.record_safely([row()])  # an answer is never broken by the ledger


def test_a_missing_database_and_a_missing_table(pg_cluster, pg_url, monkeypatch):
    monkeypatch.setenv("COUNCIL_DATABASE_URL", pg_cluster.url("no_such_database"))
    assert "does not exist" in library.store_problem()
    database.forget()
    monkeypatch.setenv("COUNCIL_DATABASE_URL", pg_url)
    assert library.store_problem() is None
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("DROP TABLE runs")
    assert "\u201cruns\u201d is missing" in library.store_problem()


def test_a_missing_table_in_the_data_folder():
    history.save("playground", "t", {})
    import sqlite3

    from council.settings import data_dir

    with sqlite3.connect(data_dir() / history.HISTORY_FILE) as db:
        db.execute("DROP TABLE runs")
    assert "\u201cruns\u201d is missing from the data folder" in library.store_problem()


@pytest.mark.local_model
def test_check_and_usage_report_a_store_that_cannot_be_used(monkeypatch, capsys, bundled_model):
    """``python -m council check`` says where the store is and what is wrong with it (exit 1), ``usage``
    exits 1 with the reason — never a traceback, never the password."""
    from council.__main__ import main
    from tests.processes import free_port

    assert main(["check", "--json"]) == 0
    healthy = json.loads(capsys.readouterr().out)["store"]
    assert healthy["ok"] is True and healthy["where"].startswith("the data folder")
    database.forget()
    monkeypatch.setenv("COUNCIL_DATABASE_URL", f"postgresql://app:hunter2secret@127.0.0.1:{free_port()}/council")
    assert main(["check", "--json"]) == 1
    out = capsys.readouterr().out
    store = json.loads(out)["store"]
    assert store["ok"] is False and "refused the connection" in store["problem"] and "hunter2secret" not in out
    assert json.loads(out)["providers"][0]["generation_ok"] is True  # the bundled model still answers
    assert main(["check"]) == 1
    assert "Storage: the shared database (postgresql://app@127.0.0.1" in capsys.readouterr().out
    assert main(["usage"]) == 1
    err = capsys.readouterr().err
    assert "refused the connection" in err and "Traceback" not in err and "hunter2secret" not in err


def test_a_database_that_goes_away_mid_session_is_said_at_once_and_comes_back(pg_cluster, pg_url):
    """The server stops while the app runs: the next use says so, later uses fail fast (no wait per query),
    and once it is back — after the short fail-fast window — everything works again without a restart."""
    import psycopg

    book = usage.ledger()
    book.record([row()])
    with psycopg.connect(pg_cluster.admin_url, autocommit=True) as admin:  # cut every connection of the app's pool
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname LIKE 'council_%' AND pid <> pg_backend_pid()")
    with pytest.raises(database.errors()):
        book.count()
    started = time.monotonic()
    with pytest.raises(database.StoreUnavailable):
        book.count()
    assert time.monotonic() - started < 1
    database._pools[pg_url]._down_until = 0.0  # (the window passes)
    assert book.count() == 1


LEARNER = """
from council.storage import learned
learned.remember("openai", "o9-mini", refused="temperature")
learned.remember("openai", "o9-mini", min_budget=2048)
"""


def test_a_model_fact_learned_on_one_server_is_known_on_every_other(pg_url):
    """A refused parameter met by one app server is not met again by the others (the shared database holds it)."""
    from council.facts import capabilities
    from council.storage import learned

    assert learned.facts("openai", "o9-mini") == {}
    done = subprocess.run([sys.executable, "-c", LEARNER], cwd=ROOT, env=_child_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    learned.forget()  # this server read the table a moment ago; its short reuse window is over
    met = learned.facts("openai", "o9-mini")
    assert met["refused"] == ["temperature"] and met["min_budget"] == 2048 and met["as_of"]
    known = capabilities.accepts("openai", "o9-mini")
    assert "temperature" in known.refused and known.min_budget == 2048 and known.sources[0].startswith("met in use")
    learned.remember("openai", "o9-mini", refused="top_p")  # this server sees its own lesson at once
    assert learned.facts("openai", "o9-mini")["refused"] == ["temperature", "top_p"]
    assert not any(path.name.startswith("learned") for path in library.data_files())  # nothing kept per server


def test_learned_facts_stay_in_the_data_folder_without_a_database():
    from council.storage import learned

    learned.remember("groq", "m", refused="seed")
    assert learned.facts("groq", "m")["refused"] == ["seed"]
    from council.settings import data_dir

    assert json.loads((data_dir() / learned.LEARNED_FILE).read_text())["groq:m"]["refused"] == ["seed"]
