"""History: conversations saved (no tokens), listed, reopened, deleted; "Delete all my data"."""

from __future__ import annotations

import json

import pytest

from council.storage import history
from council.storage.usage import LedgerRow, ledger
from tests.helpers import history as chat
from tests.helpers import paste_token, pick, send, shown_text, start


def test_save_update_list_load_delete():
    run_id = history.save("playground", "First", {"turns": [1]})
    assert history.save("playground", "First, longer", {"turns": [1, 2]}, run_id) == run_id
    other = history.save("playground", "Second", {"turns": []})
    assert [r.id for r in history.recent()] == [other, run_id]
    assert history.load(run_id).payload == {"turns": [1, 2]} and history.load(run_id).title == "First, longer"
    history.delete(run_id)
    assert history.load(run_id) is None and [r.id for r in history.recent()] == [other]


def test_titles_are_one_short_line():
    assert history.title_for("  a\nb  ") == "a b"
    assert len(history.title_for("x" * 200)) == 80


def test_delete_all_my_data(tmp_path):
    history.save("playground", "t", {})
    ledger().record([LedgerRow("local", "m", "playground", "ok")])
    removed = history.delete_all_data()
    assert set(removed) == {"history.sqlite3", "usage.sqlite3"}
    assert history.data_files() == [] and history.recent() == []
    assert ledger().count() == 0  # a fresh ledger, not a stale handle on a deleted file


def test_conversations_are_saved_without_tokens_and_reopen(hf_env):
    token = "hf_HistoryToken0123456789abcd"
    at = start()
    paste_token(at, token)
    pick(at, "fake/echo")
    send(at, "First question")
    send(at, "Second question")
    (run,) = history.recent()
    assert run.title == "First question" and run.payload["model_id"] == "fake/echo" and run.payload["custom"] is True
    assert len(run.payload["turns"]) == 4
    assert token not in json.dumps(run.payload)
    at.button(key="btn_pg_clear").click().run()
    assert chat(at) == []
    at.switch_page("pages/history.py").run()
    assert "First question" in shown_text(at) and "2 answer(s)" in shown_text(at)
    at.button(key=f"btn_history_open_{run.id}").click().run()
    assert [t.value for t in at.title] == ["Playground"]  # Open switched pages
    at.switch_page("pages/playground.py").run()  # (AppTest keeps rerunning its own page; a browser follows the switch)
    assert len(chat(at)) == 4 and at.session_state["pg_custom_model"] == "fake/echo"
    send(at, "Third question")  # continues the same saved conversation
    (again,) = history.recent()
    assert again.id == run.id and len(again.payload["turns"]) == 6


def test_history_delete_and_empty_state():
    run_id = history.save("playground", "To delete", {"provider": "local", "model_id": "SmolLM2-135M-Instruct", "turns": []})
    at = start()
    at.switch_page("pages/history.py").run()
    at.button(key=f"btn_history_delete_{run_id}").click().run()
    assert history.recent() == []
    assert "Nothing saved yet" in shown_text(at)


@pytest.mark.parametrize("confirm", [False, True])
def test_settings_delete_all_asks_first(confirm):
    history.save("playground", "t", {})
    at = start()
    at.switch_page("pages/settings.py").run()
    at.button(key="btn_delete_all").click().run()
    assert "deletes 1 file(s) for good: history.sqlite3" in shown_text(at)
    at.button(key="btn_delete_all_yes" if confirm else "btn_delete_all_no").click().run()
    assert (history.recent() == []) is confirm
    if confirm:
        assert "Deleted 1 file(s)" in shown_text(at)
