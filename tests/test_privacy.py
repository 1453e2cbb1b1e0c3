"""Records stay private in a shared deployment: what one person keeps (History, votes, the council
leaderboard, settings, usage) is reachable only by them, whatever id another person tries through the
pages; a person who is not an admin sees only their own usage unless the host allows everyone's."""

from __future__ import annotations

import pytest

from council import library
from council.storage import history, usage, votes
from council.storage.usage import LedgerRow
from tests.helpers import shown_text, sign_in, start

ADA, BO = "name:ada", "name:bo"


@pytest.fixture
def team(monkeypatch):
    """A deployment served to a team that signs in with the passcode, reached from other computers."""
    import pages.widgets.session as widgets

    monkeypatch.setenv("COUNCIL_SHARED_KEYS", "1")
    monkeypatch.setenv("COUNCIL_PASSCODE", "team-passcode-2026")
    monkeypatch.setattr(widgets, "visitor_is_local", lambda: False)


def adas_records() -> dict[str, int]:
    turns = [{"role": "user", "content": "Ada's secret plan"}, {"role": "assistant", "content": "Noted."}]
    ids = {
        "playground": history.save("playground", "Ada's secret plan", {"turns": turns}, person=ADA),
        "compare": history.save("compare", "Ada's comparison", {"prompt": "Ada's comparison", "slots": []}, person=ADA),
        "council": history.save("council", "Ada's council", {"question": "Ada's council"}, person=ADA),
    }
    votes.cast({"A": "groq/m1", "B": "openai/m2"}, "A", person=ADA)
    usage.ledger().record([LedgerRow("groq", "m1", "playground", "ok", 200, 0.3, person=ADA, shared=True)] * 3)
    usage.ledger().note_person(ADA, "Ada", "passcode")
    return ids


def test_another_persons_runs_cannot_be_listed_opened_changed_or_deleted(team):
    ids = adas_records()
    bo = sign_in(start(), "Bo")
    bo.switch_page("pages/history.py").run()
    assert "Ada's" not in shown_text(bo) and not bo.exception
    for run_id in ids.values():
        assert library.load_run(run_id, person=BO) is None  # the id alone opens nothing
        library.delete_run(run_id, person=BO)  # nor deletes anything
        assert library.load_run(run_id, person=ADA) is not None
    # a conversation that goes on under Ada's id is saved as Bo's own, never over Ada's
    bo.session_state["pg_run_id"] = ids["playground"]
    new_id = library.save_run("playground", "Bo's turn", {"turns": []}, ids["playground"], person=BO)
    assert new_id != ids["playground"] and library.load_run(ids["playground"], person=ADA).title == "Ada's secret plan"
    # Compare's vote leaderboard and the council's are Bo's own: Ada's vote is not in them
    assert library.all_votes(person=BO) == [] and library.leaderboard(library.all_votes(person=ADA))
    bo.switch_page("pages/compare.py").run()
    assert "groq/m1" not in shown_text(bo) and not bo.exception


def test_a_person_sees_only_their_own_usage_unless_the_host_allows_everyones(team, monkeypatch):
    adas_records()
    usage.ledger().record([LedgerRow("groq", "m1", "playground", "ok", 200, 0.3, person=BO, shared=True)])
    bo = sign_in(start(), "Bo")
    bo.switch_page("pages/usage.py").run()
    assert not [s for s in bo.selectbox if s.key == "w_usage_person"]  # no "Everyone" to pick
    assert "Your own usage" in shown_text(bo)
    assert {m.label: m.value for m in bo.metric}["Model requests"] == "1"  # Bo's request, not Ada's three
    assert "Ada" not in "".join(str(d.value) for d in bo.dataframe)

    import pages.widgets.session as widgets

    with monkeypatch.context() as at_the_server:  # the host, at the server's own computer, lets everyone see everyone's usage
        at_the_server.setattr(widgets, "visitor_is_local", lambda: True)
        host = start()
        host.switch_page("pages/settings.py").run()
        switch = host.toggle(key="w_usage_everyone_visible")
        assert switch.value is False and not switch.disabled
        switch.set_value(True).run()
    assert library.load_caps()[0]["usage_everyone_visible"] is True

    bo = sign_in(start(), "Bo")
    bo.switch_page("pages/usage.py").run()
    picker = bo.selectbox(key="w_usage_person")
    assert picker.options[0] == "Everyone"
    picker.set_value("Everyone").run()
    assert {m.label: m.value for m in bo.metric}["Model requests"] == "4"
    bo.switch_page("pages/settings.py").run()
    assert bo.toggle(key="w_usage_everyone_visible").disabled  # only the host (or an admin) changes it


def test_an_admin_sees_everyones_usage(team, monkeypatch):
    adas_records()
    monkeypatch.setenv("COUNCIL_ADMINS", "bo")
    bo = sign_in(start(), "Bo")
    bo.switch_page("pages/usage.py").run()
    assert bo.selectbox(key="w_usage_person").options[0] == "Everyone"


def test_another_persons_prompt_sets_and_runs_cannot_be_opened_by_id_or_link(team):
    from council.storage import prompt_sets

    set_id = prompt_sets.save_set("Ada's test set", [{"id": "1", "prompt": "Ada's secret prompt"}], person=ADA)
    run_id = prompt_sets.create_run(
        set_id, {"set": {"name": "Ada's test set", "rows": [{"id": "1", "prompt": "Ada's secret prompt"}]}, "columns": []}, person=ADA
    )
    bo = sign_in(start(), "Bo")
    bo.switch_page("pages/prompt_sets.py").run()
    bo.segmented_control(key="w_ps_source").set_value("saved").run()
    assert "Ada's" not in shown_text(bo) and not bo.exception  # not listed
    bo.query_params["run"] = str(run_id)  # the run's link, tried by someone else
    bo.run()
    assert "Ada's" not in shown_text(bo) and "That run is not one of yours" in shown_text(bo) and not bo.exception
    assert "ps_run_id" not in bo.session_state
    assert library.load_set(set_id, person=BO) is None and library.set_runs(set_id, person=BO) == []
    library.delete_set(set_id, person=BO)
    assert library.load_set(set_id, person=ADA) is not None  # nor deleted by him
