"""A retired model as it really answers: the Gemini fake no longer knows gemini-2.0-flash (shut down
2026-06-01) and answers 404 NOT_FOUND, as the API does. Every flow — the Playground, Compare, the
Council and ``ask`` — shows a typed error that says the model was retired, on which day, and what to
try instead; the app marks it not served, and the council never seats it on its own. And a Gemini 3.x
model, which ignores sampling parameters, is sent none of them in any flow."""

from __future__ import annotations

import random

import pytest

from council.__main__ import main
from council.facts import availability, registry
from council.runs import compare, deliberation
from council.runs.compare import SlotRun, SlotSpec
from council.runs.providers import Connection
from council.runs.resilience import RetryLayer
from council.runs.routing import Member
from council.settings import RetrySettings
from tests.helpers import PROVIDER_KEYS, send, shown_text, start

RETIRED = "gemini-2.0-flash"
SAID = f"Google Gemini retired {RETIRED} on 2026-06-01; try "


@pytest.fixture
def gemini(monkeypatch, fake_gemini):
    monkeypatch.setenv("GEMINI_BASE_URL", fake_gemini.url)
    monkeypatch.setenv("GEMINI_API_KEY", PROVIDER_KEYS["gemini"])
    return fake_gemini


def conn() -> Connection:
    return Connection(tokens={}, base_urls={})


def test_the_registry_says_what_to_try_instead():
    note, instead = registry.retirement_note("gemini", RETIRED)
    assert note.startswith(SAID) and instead and registry.find("gemini", instead).status == "served"
    assert registry.retirement_note("gemini", "gemini-3.8-flash") == ("", None)


def test_the_playground_says_it_was_retired(gemini):
    at = start()
    at.selectbox(key="w_pg_provider").set_value("gemini").run()
    at.selectbox(key="w_pg_model").set_value(RETIRED).run()
    send(at, "Hello")
    text = shown_text(at)
    assert "Model not found" in text and SAID in text
    assert len(gemini.requests_to("generate") + gemini.requests_to("stream")) == 1  # not retried: a 404 will not change
    assert availability.marks()[f"gemini/{RETIRED}"].status == "not_served"


async def test_compare_keeps_the_failure_in_its_own_slot(gemini):
    messages = compare.messages_for("Hello", "")
    runs = [
        SlotRun(compare.targets_for(SlotSpec("gemini", model), conn(), messages), RetryLayer(RetrySettings(2, 5.0)), lambda t: None)
        for model in (RETIRED, "gemini-3.8-flash")
    ]
    gone, answered = await compare.fan_out(runs)
    assert gone.error is not None and gone.error.kind == "not_found" and not gone.text
    assert answered.error is None and answered.text == "Hello from gemini-3.8-flash."
    from council.runs.turns import error_to_dict

    brief = error_to_dict(gone.error)
    assert SAID in brief["message"] and brief["try_instead"]


async def test_a_council_member_that_was_retired_fails_alone(gemini):
    members = [Member("gemini", RETIRED), Member("gemini", "gemini-3.8-flash"), Member("gemini", "gemini-3.5-flash-lite")]
    transcript = await deliberation.deliberate(
        "Hi?", "general", "balanced", members, members[1], deliberation.Context(conn(), rng=random.Random(2))
    )
    t = transcript.to_dict()
    failed = [e for e in t["stage1"] if e["error"]]
    assert len(failed) == 1 and SAID in failed[0]["error"]["message"]
    assert t["final"]["text"]  # the other two carried the council


def test_ask_from_a_terminal_says_so(gemini, capsys):
    assert main(["ask", "--model", f"gemini:{RETIRED}", "Say hello."]) == 1
    assert SAID in capsys.readouterr().err


def test_a_gemini_3_model_that_ignores_sampling_is_not_sent_it_in_any_flow(gemini, capsys):
    """gemini-3.8-flash ignores temperature, top-p and top-k (changelog 2026-07-21): the Playground says
    so and sends none of them; Compare, the Council and ask send none either."""
    at = start()
    at.selectbox(key="w_pg_provider").set_value("gemini").run()
    at.selectbox(key="w_pg_model").set_value("gemini-3.8-flash").run()
    assert at.slider(key="w_pg_temperature").disabled and "gemini-3.8-flash ignores temperature; it is not sent." in shown_text(at)
    send(at, "Hello")
    assert "Hello from gemini-3.8-flash." in shown_text(at)
    assert main(["ask", "--model", "gemini:gemini-3.8-flash", "Say hello."]) == 0
    members = [Member("gemini", "gemini-3.8-flash"), Member("gemini", "gemini-3.5-flash-lite")]
    import asyncio

    asyncio.run(deliberation.deliberate("Hi?", "general", "fast", members, members[0], deliberation.Context(conn(), rng=random.Random(3))))
    sent = [s.body.get("generationConfig") or {} for s in gemini.requests_to("generate") + gemini.requests_to("stream")]
    assert len(sent) >= 7  # the Playground, ask, two answers, two reviews and the chairman
    assert not [c for c in sent if {"temperature", "topP", "topK"} & set(c)]
