"""Getting started, Troubleshooting and the response cache: the checklist from a fresh user to a
verified token and a first router answer (skips allowed, progress kept across restarts, no token
in it), every error panel's link to its Troubleshooting entry, and the cache saving quota."""

from __future__ import annotations

import pytest

from council.facts.troubleshooting import BY_ID, ENTRIES, entry_for
from council.runs import setup
from council.settings import data_dir
from council.storage.usage import ledger
from tests.fakes.hf_server import ERRORS
from tests.helpers import TOKEN, history, paste_token, pick, send, shown_text, start


def checklist(at):
    at.switch_page("pages/getting_started.py").run()
    assert not at.exception, at.exception
    return at


def badges(at) -> dict[str, str]:
    out = {}
    for step in setup.STEPS:
        block = at.get_by_key(f"setup_step_{step.id}")
        head = next(m.value for m in block.markdown if m.value.startswith(f"**{step.title}**"))
        out[step.id] = "done" if "Done" in head else "skipped" if "Skipped" in head else "open"
    return out


@pytest.mark.local_model
def test_a_fresh_user_walks_the_checklist(hf_env, bundled_model):
    at = checklist(start())
    assert set(badges(at).values()) == {"open"}
    at.button(key="btn_setup_do_bundled").click().run()
    assert badges(at)["bundled"] == "done" and "It answered" in shown_text(at)
    paste_token(at, TOKEN)
    checklist(at)
    assert badges(at)["token"] == "done" and badges(at)["verified"] == "open"
    at.button(key="btn_setup_do_verified").click().run()
    assert badges(at)["verified"] == "done"
    at.button(key="btn_setup_do_router").click().run()
    assert badges(at)["router"] == "done"
    at.button(key="btn_setup_skip_saved").click().run()
    at.button(key="btn_setup_skip_others").click().run()
    states = badges(at)
    assert states["saved"] == states["others"] == "skipped" and states["compare"] == states["council"] == "open"
    assert any("6 of 8 steps done or skipped" in p.proto.text for p in at.get("progress"))

    again = checklist(start())  # a restart: no token in this new session, progress from the data folder
    states = badges(again)
    assert states["bundled"] == "done" and states["router"] == "done" and states["saved"] == "skipped"
    assert states["token"] == "open"  # a live check: this session has no token
    assert TOKEN not in (data_dir() / setup.PROGRESS_FILE).read_text()


def test_skipping_can_be_undone():
    at = checklist(start())
    at.button(key="btn_setup_skip_compare").click().run()
    assert badges(at)["compare"] == "skipped"
    at.button(key="btn_setup_reopen_compare").click().run()
    assert badges(at)["compare"] == "open"


def test_the_playground_hint_points_to_getting_started_and_stays_dismissed():
    at = start()
    hint = at.get_by_key("pg_setup_hint")
    assert "Getting started" in [link.proto.label for link in hint.get("page_link")]
    at.button(key="btn_pg_hint_close").click().run()
    assert setup.load()["hint_dismissed"]
    fresh = start()
    with pytest.raises(KeyError):
        fresh.get_by_key("pg_setup_hint")


# ---- troubleshooting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "entry"),
    [
        ({"kind": "auth", "status": 401}, "auth"),
        ({"kind": "quota", "status": 402}, "credits"),
        ({"kind": "quota", "status": None}, "quota_reached"),
        ({"kind": "access_denied", "status": 403}, "gated"),
        ({"kind": "not_found", "status": 404}, "not_found"),
        ({"kind": "gone", "status": 410}, "gone"),
        ({"kind": "context", "status": 422}, "context"),
        ({"kind": "rate_limit", "status": 429}, "rate_limit"),
        ({"kind": "loading", "status": 503}, "loading"),
        ({"kind": "unavailable", "status": None, "detail": "ConnectError"}, "connection"),
        ({"kind": "unavailable", "status": None, "detail": "stream ended early"}, "cut_stream"),
        ({"kind": "unavailable", "status": 502, "detail": "502 Bad Gateway"}, "unavailable"),
    ],
)
def test_every_error_kind_has_an_entry(error, entry):
    assert entry_for(error) == entry and BY_ID[entry].steps


def test_an_error_panel_links_to_its_troubleshooting_entry(hf_env):
    at = start()
    paste_token(at, TOKEN)
    pick(at, "acme/anything")
    hf_env.enqueue("chat", ERRORS["401"])
    send(at, "Hello")
    links = [link.proto for link in at.get("page_link") if link.proto.label == "What this means and what to do"]
    assert links and links[0].query_string == "entry=auth"
    at.switch_page("pages/troubleshooting.py")
    at.query_params["entry"] = "auth"
    at.run()
    assert not at.exception
    assert "The token was not accepted" in shown_text(at) and "You came here from an error" in shown_text(at)
    expanded = [e for e in at.expander if e.proto.expanded]
    assert [e.label for e in expanded] == [f"{BY_ID['auth'].title} \u2014 {BY_ID['auth'].code}"]
    assert len(at.expander) == len(ENTRIES)


# ---- the response cache ------------------------------------------------------------------------


def _ask_twice(at, hf_env, temperature: float) -> int:
    at.slider(key="w_pg_temperature").set_value(temperature).run()
    send(at, "Tell me one fact.")
    at.button(key="btn_pg_clear").click().run()
    send(at, "Tell me one fact.")
    return len(hf_env.requests_to("chat"))


def test_identical_deterministic_requests_are_answered_from_the_cache(hf_env):
    at = start()
    paste_token(at, TOKEN)
    pick(at, "fake/echo")
    assert _ask_twice(at, hf_env, 0.0) == 1  # the second came from the cache
    last = history(at)[-1]
    assert last["meta"]["extra"].get("cached") and last["content"].startswith("Hello from fake/echo")
    assert "Answered from the cache" in shown_text(at)
    (hits,) = ledger().cache_savings(__import__("datetime").date.today(), __import__("datetime").date.today())
    assert hits[0] == "huggingface" and hits[1] == 1
    assert [r["outcome"] for r in ledger().recent() if r["kind"] == "playground"] == ["ok"]  # one request sent

    restarted = start()  # the cache is on disk: a new session still gets it
    paste_token(restarted, TOKEN)
    pick(restarted, "fake/echo")
    restarted.slider(key="w_pg_temperature").set_value(0.0).run()
    send(restarted, "Tell me one fact.")
    assert len(hf_env.requests_to("chat")) == 1


def test_sampled_requests_are_always_sent(hf_env):
    at = start()
    paste_token(at, TOKEN)
    pick(at, "fake/echo")
    assert _ask_twice(at, hf_env, 0.7) == 2


def test_the_cache_can_be_turned_off_and_cleared(hf_env):
    at = start()
    paste_token(at, TOKEN)
    pick(at, "fake/echo")
    at.slider(key="w_pg_temperature").set_value(0.0).run()
    send(at, "Tell me one fact.")
    at.switch_page("pages/settings.py").run()
    assert "1 answer(s) kept" in shown_text(at)
    at.button(key="btn_cache_clear").click().run()
    assert "0 answer(s) kept" in shown_text(at)
    at.toggle(key="w_cache_enabled").set_value(False).run()
    at.switch_page("pages/playground.py").run()
    at.button(key="btn_pg_clear").click().run()
    send(at, "Tell me one fact.")
    send(at, "Tell me one fact.")
    assert len(hf_env.requests_to("chat")) == 3
