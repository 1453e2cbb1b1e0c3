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
    assert "deletes 2 file(s) for good: history.sqlite3, settings.toml" in shown_text(at)  # your settings are your data too
    at.button(key="btn_delete_all_yes" if confirm else "btn_delete_all_no").click().run()
    assert (history.recent() == []) is confirm
    if confirm:
        assert "Deleted 2 file(s)" in shown_text(at)


def test_a_reopened_conversation_brings_back_every_parameter(hf_env):
    """All eight parameters and the system prompt come back (History used to restore three)."""
    at = start()
    paste_token(at, "hf_HistoryParams0123456789abc")
    pick(at, "fake/echo")
    at.slider(key="w_pg_temperature").set_value(0.3)
    at.number_input(key="w_pg_max_new_tokens").set_value(96)
    at.slider(key="w_pg_top_p").set_value(0.8)
    at.checkbox(key="w_pg_use_top_k").check().run()
    at.number_input(key="w_pg_top_k").set_value(20)
    at.slider(key="w_pg_repetition_penalty").set_value(1.2)
    at.toggle(key="w_pg_do_sample").set_value(False)
    at.text_input(key="w_pg_seed").input("7")
    at.text_area(key="w_pg_stop").input("END\nSTOP")
    at.text_area(key="w_pg_system").input("Be brief.").run()
    send(at, "Remember my settings")
    sent = hf_env.requests_to("chat")[-1].body
    (run,) = history.recent()
    at.button(key="btn_pg_clear").click().run()
    fresh = start()  # another session: nothing of the first one's widgets is left
    fresh.switch_page("pages/history.py").run()
    fresh.button(key=f"btn_history_open_{run.id}").click().run()
    fresh.switch_page("pages/playground.py").run()
    assert not fresh.exception
    widgets = {
        "temperature": fresh.slider(key="w_pg_temperature").value,
        "max_new_tokens": fresh.number_input(key="w_pg_max_new_tokens").value,
        "top_p": fresh.slider(key="w_pg_top_p").value,
        "use_top_k": fresh.checkbox(key="w_pg_use_top_k").value,
        "top_k": fresh.number_input(key="w_pg_top_k").value,
        "repetition_penalty": fresh.slider(key="w_pg_repetition_penalty").value,
        "do_sample": fresh.toggle(key="w_pg_do_sample").value,
        "seed": fresh.text_input(key="w_pg_seed").value,
        "stop": fresh.text_area(key="w_pg_stop").value,
        "system": fresh.text_area(key="w_pg_system").value,
    }
    assert widgets == {
        "temperature": 0.3,
        "max_new_tokens": 96,
        "top_p": 0.8,
        "use_top_k": True,
        "top_k": 20,
        "repetition_penalty": 1.2,
        "do_sample": False,
        "seed": "7",
        "stop": "END\nSTOP",
        "system": "Be brief.",
    }
    send(fresh, "And again")
    again = hf_env.requests_to("chat")[-1].body
    assert {k: again.get(k) for k in ("temperature", "top_p", "seed", "stop")} == {
        k: sent.get(k) for k in ("temperature", "top_p", "seed", "stop")
    }


def test_a_data_folder_that_cannot_be_written_is_said_not_raised(hf_env, monkeypatch):
    """Storage failures reach the page as one domain error (council.library.StorageError): a toast."""
    import sqlite3

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(history, "save", broken)
    from council import library

    monkeypatch.setattr(library, "save_run", library._kept("Saving to History")(broken))
    at = start()
    paste_token(at, "hf_HistoryReadOnly0123456789a")
    pick(at, "fake/echo")
    send(at, "Hello")
    assert chat(at)[-1]["content"].startswith("Hello from fake/echo")
    toasts = [t.value for t in at.toast]
    assert any(t.startswith("Not saved to History. Saving to History could not be done") for t in toasts), toasts
