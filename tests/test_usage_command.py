"""``python -m council usage``: the ledger's totals from a terminal (issue 19, item 5), and the person
each request is recorded for ("you" while the app is single-user)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from council.__main__ import main
from council.storage.usage import MODEL_LIST, SINGLE_USER, TOKEN_CHECK, LedgerRow, ledger


def seed() -> None:
    now = datetime.now(UTC)
    ledger().record(
        [
            *[LedgerRow("groq", "openai/gpt-oss-20b", "playground", "ok", 200, 0.4, 0.1, 100, 50, 0.001, ts=now) for _ in range(3)],
            LedgerRow("groq", "openai/gpt-oss-20b", "compare", "rate_limit", 429, 0.2, ts=now, person="ana"),
            LedgerRow("huggingface", "acme/m", "playground", "ok", 200, 1.0, 0.2, 10, 20, 0.0005, ts=now, person="ana"),
            LedgerRow("groq", MODEL_LIST, "check", "ok", 200, 0.05, ts=now),
            LedgerRow("openai", TOKEN_CHECK, "check", "auth", 401, 0.05, ts=now),
            LedgerRow("groq", "old", "playground", "ok", 200, 1.0, ts=now - timedelta(days=40)),
        ]
    )


def test_totals_as_one_json_document(capsys):
    seed()
    assert main(["usage", "--json"]) == 0
    totals = json.loads(capsys.readouterr().out)
    assert totals["requests"] == 6 and totals["housekeeping"] == 2 and totals["failed"] == 1
    assert totals["errors"] == {"rate_limit": 1} and totals["cost_usd"] == 0.0035
    assert totals["by_provider"]["groq"]["requests"] == 5 and totals["by_provider"]["huggingface"]["cost_usd"] == 0.0005
    assert set(totals["by_person"]) == {SINGLE_USER, "ana"} and totals["by_person"]["ana"]["requests"] == 2


def test_since_and_person_narrow_it(capsys):
    seed()
    recent = (date.today() - timedelta(days=7)).isoformat()
    assert main(["usage", "--since", recent, "--person", "ana", "--json"]) == 0
    totals = json.loads(capsys.readouterr().out)
    assert totals["requests"] == 2 and totals["failed"] == 1 and list(totals["by_person"]) == ["ana"]
    assert main(["usage", "--since", recent]) == 0
    text = capsys.readouterr().out
    assert f"Usage since {recent} (est.):" in text and "5 model requests, 1 failed; 2 housekeeping calls" in text
    assert "too many requests 1" in text and "Groq" in text and "ana" in text


def test_bad_arguments_exit_2_and_an_unreadable_store_exits_1(monkeypatch, capsys, tmp_path):
    import pytest

    with pytest.raises(SystemExit) as bad:
        main(["usage", "--since", "last week"])
    assert bad.value.code == 2 and "is not a date like" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("COUNCIL_DATA_DIR", str(blocker / "data"))
    assert main(["usage"]) == 1
    err = capsys.readouterr().err
    assert "The usage ledger could not be read" in err and "Traceback" not in err
