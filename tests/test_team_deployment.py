"""A team on one deployment, through the app itself: who sent each request, caps on the host's shared
keys (a person's daily requests, a person's monthly spend, everyone's monthly spend) refusing before
anything is sent and falling back where allowed, the host editing the caps in Settings, Usage filtered
by person, and a store that cannot be used said on every page while the bundled model still answers."""

from __future__ import annotations

import pytest

from council.runs import caps
from council.storage import usage
from council.storage.usage import LedgerRow
from tests.helpers import PROVIDER_KEYS as KEYS
from tests.helpers import history, send, shown_text, sign_in, start


@pytest.fixture
def shared_groq(fake_groq, monkeypatch):
    """The host's Groq key in its environment, shared with people who sign in with the passcode, and a
    visitor from another computer."""
    import pages.widgets.session as widgets

    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    monkeypatch.setenv("GROQ_API_KEY", KEYS["groq"])
    monkeypatch.setenv("COUNCIL_SHARED_KEYS", "1")
    monkeypatch.setenv("COUNCIL_PASSCODE", "team-passcode-2026")
    monkeypatch.setattr(widgets, "visitor_is_local", lambda: False)
    return fake_groq


def _on_groq(at) -> None:
    at.selectbox(key="w_pg_provider").set_value("groq").run()
    at.number_input(key="w_pg_max_new_tokens").set_value(8).run()


@pytest.mark.local_model
def test_a_persons_daily_cap_on_the_shared_keys(shared_groq, monkeypatch, bundled_model):
    monkeypatch.setenv("COUNCIL_CAP_REQUESTS_PER_DAY", "2")
    at = start()
    assert "Sign in to AI Council Playground" in shown_text(at)
    sign_in(at, "Bo")
    _on_groq(at)
    send(at, "one")
    send(at, "two")
    assert [m["meta"]["provider"] for m in history(at) if m["role"] == "assistant"] == ["groq", "groq"]
    sent = len(shared_groq.requests_to("chat"))
    send(at, "three")
    refused = history(at)[-1]["meta"]["error"]
    assert refused["kind"] == "quota" and "2 of the 2 requests a day each person may send" in refused["message"]
    assert "Paste your own token" in refused["message"] and len(shared_groq.requests_to("chat")) == sent  # nothing was sent
    at.toggle(key="w_pg_fallback").set_value(True).run()
    send(at, "four")
    assert history(at)[-1]["meta"]["provider"] == "local" and history(at)[-1]["content"].strip()  # the bundled model stood in
    rows = usage.ledger().recent(10)
    assert {(r["person"], r["provider"], r["shared"]) for r in rows} == {("name:bo", "groq", 1), ("name:bo", "local", 0)}
    # a token the person pastes is their own: never capped
    at.switch_page("pages/settings.py").run()
    at.text_input(key="w_token_groq").input("gsk_BosOwnKey0123456789abcdefghijkl").run()
    at.switch_page("pages/playground.py").run()
    at.toggle(key="w_pg_fallback").set_value(False).run()
    send(at, "five")
    assert history(at)[-1]["meta"]["provider"] == "groq" and not history(at)[-1]["meta"].get("error")
    assert usage.ledger().recent(1)[0]["shared"] == 0


def test_spend_caps_per_person_and_for_everyone():
    book = usage.ledger()
    book.record([LedgerRow("openai", "gpt-5-mini", "playground", "ok", cost_usd=0.6, person="name:ada", shared=True)])
    book.record([LedgerRow("openai", "gpt-5-mini", "playground", "ok", cost_usd=0.5, person="name:bo", shared=True)])
    book.record([LedgerRow("openai", "gpt-5-mini", "playground", "ok", cost_usd=9.0, person="name:bo", shared=False)])  # Bo's own key
    target = type("T", (), {"provider": "openai", "shared": True})()
    caps.guard(caps.Caps(usd_per_month=0.55), usage.ledger, "name:bo")(target)  # $0.50 of $0.55: goes
    with pytest.raises(caps.err.CapReachedError, match=r"\$0.60 of the \$0.55 a month each person"):
        caps.guard(caps.Caps(usd_per_month=0.55), usage.ledger, "name:ada")(target)
    with pytest.raises(caps.err.CapReachedError, match=r"spent \$1.10 of its \$1.00 monthly budget on the shared keys"):
        caps.guard(caps.Caps(host_usd_per_month=1.0), usage.ledger, "name:bo")(target)
    own_key = type("T", (), {"provider": "openai", "shared": False})()
    caps.guard(caps.Caps(requests_per_day=1, host_usd_per_month=1.0), usage.ledger, "name:ada")(own_key)  # never capped
    state = caps.state(caps.Caps(requests_per_day=20, usd_per_month=1.0, host_usd_per_month=25.0), book, "name:ada")
    assert state.describe() == "1 of 20 requests today \u00b7 $0.60 of $1.00 this month \u00b7 everyone: $1.10 of $25.00 this month"


def test_caps_fail_closed_when_the_ledger_cannot_be_read(monkeypatch):
    from tests.processes import free_port

    monkeypatch.setenv("COUNCIL_DATABASE_URL", f"postgresql://app@127.0.0.1:{free_port()}/council")
    target = type("T", (), {"provider": "groq", "shared": True})()
    with pytest.raises(caps.err.CapReachedError, match="cannot be checked"):
        caps.guard(caps.Caps(requests_per_day=5), usage.ledger, "name:bo")(target)
    caps.guard(caps.Caps(), usage.ledger, "name:bo")(target)  # no caps set: nothing to check, the request goes


def test_the_host_sets_the_caps_in_settings_and_others_only_see_them(monkeypatch):
    import pages.widgets.session as widgets

    at = start()
    at.switch_page("pages/settings.py").run()
    assert "Nobody signs in" in shown_text(at)
    at.number_input(key="w_cap_requests_per_day").set_value(30).run()
    assert caps.effective(__import__("council.library", fromlist=["x"]).load_caps()[0]).requests_per_day == 30
    assert "No caps are set" not in shown_text(at) and "0 of 30 requests today" in shown_text(at)
    monkeypatch.setenv("COUNCIL_SHARED_KEYS", "1")
    monkeypatch.setenv("COUNCIL_PASSCODE", "team-passcode-2026")
    monkeypatch.setattr(widgets, "visitor_is_local", lambda: False)
    visitor = sign_in(start(), "Bo")
    visitor.switch_page("pages/settings.py").run()
    field = visitor.number_input(key="w_cap_requests_per_day")
    assert field.value == 30 and field.disabled
    assert "Signed in as **Bo**" in shown_text(visitor) and "COUNCIL_ADMINS" in shown_text(visitor)
    monkeypatch.setenv("COUNCIL_ADMINS", "bo")  # the host names Bo as an admin
    admin = sign_in(start(), "Bo")
    admin.switch_page("pages/settings.py").run()
    assert not admin.number_input(key="w_cap_requests_per_day").disabled


def test_usage_filters_by_person():
    book = usage.ledger()
    book.record([LedgerRow("groq", "m", "playground", "ok", 200, 0.3, person="name:ada")] * 3)
    book.record([LedgerRow("groq", "m", "playground", "rate_limit", 429, 0.2, person="name:bo")])
    book.note_person("name:ada", "Ada", "passcode")
    at = start()
    at.switch_page("pages/usage.py").run()
    picker = at.selectbox(key="w_usage_person")
    assert picker.options == ["Everyone", "Ada", "bo"]
    assert any(m.label == "Model requests" and m.value == "4" for m in at.metric)
    picker.set_value("name:ada").run()
    assert any(m.label == "Model requests" and m.value == "3" for m in at.metric)
    assert not at.exception


@pytest.mark.local_model
def test_a_store_that_cannot_be_used_is_said_on_every_page_and_answers_still_come(monkeypatch, bundled_model):
    from tests.processes import free_port

    monkeypatch.setenv("COUNCIL_DATABASE_URL", f"postgresql://app:hunter2secret@127.0.0.1:{free_port()}/council")
    at = start()
    for page in (
        "pages/playground.py",
        "pages/compare.py",
        "pages/council.py",
        "pages/models.py",
        "pages/history.py",
        "pages/usage.py",
        "pages/costs.py",
        "pages/settings.py",
        "pages/getting_started.py",
        "pages/troubleshooting.py",
    ):
        at.switch_page(page).run()
        text = shown_text(at)
        assert text.count("refused the connection") == 1, page  # one message, not one per widget
        assert "hunter2secret" not in text and not at.exception, page
    at.switch_page("pages/playground.py").run()
    send(at, "Say hello")
    answer = history(at)[-1]
    assert answer["meta"]["provider"] == "local" and answer["content"].strip() and not answer["meta"].get("error")


def test_settings_are_kept_per_person_in_the_shared_database(pg_url, monkeypatch):
    import pages.widgets.session as widgets

    monkeypatch.setenv("COUNCIL_SHARED_KEYS", "1")
    monkeypatch.setenv("COUNCIL_PASSCODE", "team-passcode-2026")
    monkeypatch.setattr(widgets, "visitor_is_local", lambda: False)
    ada = sign_in(start(), "Ada")
    ada.switch_page("pages/settings.py").run()
    ada.number_input(key="w_retry_max_attempts").set_value(6).run()
    assert "in the shared database" in shown_text(ada)
    again = sign_in(start(), "Ada")  # a new session (a reload, or another app server): her settings are back
    assert again.session_state["retry_max_attempts"] == 6
    bo = sign_in(start(), "Bo")
    assert "retry_max_attempts" not in bo.session_state or bo.session_state["retry_max_attempts"] == 4  # Bo's are his own
    from council.storage import preferences

    assert preferences.load("name:ada")[0]["retry_max_attempts"] == 6 and "retry_max_attempts" not in preferences.load("name:bo")[0]


@pytest.mark.local_model
def test_the_council_seats_no_model_a_cap_stops_and_draws_without_a_store(shared_groq, monkeypatch, bundled_model):
    from council.runs import routing
    from pages.widgets import sidebar

    monkeypatch.setenv("COUNCIL_CAP_REQUESTS_PER_DAY", "1")
    usage.ledger().record([LedgerRow("groq", "m", "playground", "ok", person="name:bo", shared=True)])
    at = sign_in(start(), "Bo")
    at.switch_page("pages/council.py").run()
    assert not at.exception
    from council.runs.providers import Connection

    bo = Connection(tokens={}, base_urls={}, visitor_is_local=False, person="name:bo", signed_in=True)
    assert any(e.provider == "groq" for e in routing.reachable(bo))
    assert not any(e.provider == "groq" for e in routing.reachable(bo, capped={"groq"}))
    monkeypatch.setattr(sidebar, "person_id", lambda: "name:bo")
    monkeypatch.setattr(sidebar, "connection", lambda: bo)
    assert sidebar.capped_providers() == {"groq"}
    # with the store away the council page still draws and seats the models it can reach
    from tests.processes import free_port

    monkeypatch.setenv("COUNCIL_DATABASE_URL", f"postgresql://app@127.0.0.1:{free_port()}/council")
    assert any(e.provider == "groq" for e in routing.reachable(bo))  # the quota cannot be read: not counted as used up
    assert sidebar.capped_providers() == {"groq"}  # the caps cannot be checked: the host's key is not offered
    offline = sign_in(start(), "Bo")
    offline.switch_page("pages/council.py").run()
    assert not offline.exception and "refused the connection" in shown_text(offline)


@pytest.mark.local_model
def test_with_the_store_away_caps_refuse_and_quotas_let_requests_go(shared_groq, monkeypatch, bundled_model):
    """The guards the pages build meet a store that cannot be used as a decision, never as a failure of the
    run: the host's key is refused (its caps cannot be checked) and the fallback answers; a token the person
    pasted goes (its quota is the person's own estimate, and the provider still enforces its real limits)."""
    from tests.processes import free_port

    monkeypatch.setenv("COUNCIL_CAP_REQUESTS_PER_DAY", "5")
    monkeypatch.setenv("COUNCIL_DATABASE_URL", f"postgresql://app@127.0.0.1:{free_port()}/council")
    at = sign_in(start(), "Bo")
    _on_groq(at)
    sent = len(shared_groq.requests_to("chat"))
    send(at, "one")
    refused = history(at)[-1]["meta"]["error"]
    assert refused["kind"] == "quota" and "cannot be checked" in refused["message"]
    assert len(shared_groq.requests_to("chat")) == sent  # nothing was sent on the host's key
    at.toggle(key="w_pg_fallback").set_value(True).run()
    send(at, "two")
    assert history(at)[-1]["meta"]["provider"] == "local" and history(at)[-1]["content"].strip()
    at.switch_page("pages/settings.py").run()
    at.text_input(key="w_token_groq").input("gsk_BosOwnKey0123456789abcdefghijkl").run()
    at.switch_page("pages/playground.py").run()
    send(at, "three")
    assert history(at)[-1]["meta"]["provider"] == "groq" and not history(at)[-1]["meta"].get("error")
