"""Today's reasoning models as they really behave, against a fake that keeps their rules (OpenAI's
gpt-5 family: sampling other than 1 and max_tokens refused, hidden reasoning spent from
max_completion_tokens first, so a small budget answers empty with finish_reason "length").

gpt-5-mini answers with the app's defaults in the Playground, Compare, the Council and ``ask``;
an OpenAI reasoning id the app has never seen is learned in its first run (a refusal or two, each
mended at once and said) and is right the first time in the second."""

from __future__ import annotations

import json
import random

import pytest

from adapters import GenerationParams, Message, errors
from council.__main__ import main
from council.facts import capabilities
from council.runs import compare, deliberation, service
from council.runs.compare import SlotRun, SlotSpec
from council.runs.providers import Connection
from council.runs.resilience import RetryLayer
from council.runs.routing import Member
from council.settings import RetrySettings
from council.storage import learned
from council.storage.usage import ledger
from tests.helpers import PROVIDER_KEYS, answers_text, history, open_compare, run_compare, send, shown_text, start

DEFAULTS = GenerationParams(temperature=0.7, max_new_tokens=256)  # what the parameter panel sends by default


@pytest.fixture
def openai(monkeypatch, fake_openai):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", PROVIDER_KEYS["openai"])
    return fake_openai


def conn() -> Connection:
    return Connection(tokens={}, base_urls={})


def chat_bodies(fake) -> list[dict]:
    return [s.body for s in fake.requests_to("chat")]


async def answer(model: str, params: GenerationParams = DEFAULTS):
    targets = service.plan("openai", model, [Message("user", "Say hello.")], params, conn())
    return await service.run(targets, RetryLayer(RetrySettings(2, 5.0)), lambda text: None, kind="ask")


def test_the_fake_keeps_the_models_rules(openai):
    import httpx

    url = openai.url + "/v1/chat/completions"
    headers = {"Authorization": f"Bearer {PROVIDER_KEYS['openai']}"}
    base = {"model": "gpt-5-mini", "messages": [{"role": "user", "content": "Hi"}]}
    refused = httpx.post(url, headers=headers, json={**base, "temperature": 0.7}).json()["error"]
    assert refused["code"] == "unsupported_value" and refused["param"] == "temperature"
    assert httpx.post(url, headers=headers, json={**base, "max_tokens": 50}).json()["error"]["code"] == "unsupported_parameter"
    empty = httpx.post(url, headers=headers, json={**base, "max_completion_tokens": 256}).json()
    assert empty["choices"][0]["message"]["content"] == "" and empty["choices"][0]["finish_reason"] == "length"
    assert empty["usage"]["completion_tokens_details"]["reasoning_tokens"] == 256
    low = httpx.post(url, headers=headers, json={**base, "max_completion_tokens": 256, "reasoning_effort": "low"}).json()
    assert low["choices"][0]["message"]["content"] == "Hi from gpt-5-mini."


async def test_a_refused_parameter_is_typed_and_names_the_parameter(openai):
    from adapters import ChatRequest, create_adapter

    adapter = create_adapter("openai", token=PROVIDER_KEYS["openai"], base_url=openai.url + "/v1")
    with pytest.raises(errors.UnsupportedParameterError) as raised:
        await adapter.complete(ChatRequest("gpt-5-mini", (Message("user", "Hi"),), GenerationParams(temperature=0.7)))
    assert raised.value.param == "temperature" and raised.value.only == 1.0 and isinstance(raised.value, errors.BadRequestError)
    assert "refused temperature" in raised.value.user_message and "Only the default (1) value is supported" in raised.value.user_message


async def test_gpt_5_mini_answers_with_the_defaults_first_time(openai):
    result = await answer("gpt-5-mini")
    assert result.error is None and result.text == "Hi from gpt-5-mini."
    (sent,) = chat_bodies(openai)
    assert "temperature" not in sent and sent["max_completion_tokens"] == 2048
    assert result.metrics.reasoning_tokens == 600 and any("became 2048" in n for n in result.extra["notes"])


async def test_a_reasoning_model_never_seen_is_learned_in_its_first_run(openai):
    """gpt-7-nova is no model the app knows: the first run meets a refused temperature and an answer
    that thinking left empty, mends each at once (and says so), and remembers; the second run sends it right."""
    assert capabilities.accepts("openai", "gpt-7-nova").refused == ()
    first = await answer("gpt-7-nova")
    assert first.error is None and first.text == "Hi from gpt-7-nova."
    bodies = chat_bodies(openai)
    assert len(bodies) == 3  # refused temperature → without it: empty after thinking → a larger budget
    assert "temperature" in bodies[0] and "temperature" not in bodies[1] and bodies[2]["max_completion_tokens"] == 2048
    notes = " ".join(first.extra["notes"])
    assert "temperature 0.7 was refused by gpt-7-nova; sent without it" in notes and "spent all 256 tokens thinking" in notes
    assert learned.facts("openai", "gpt-7-nova")["refused"] == ["temperature"]
    rows = [r for r in ledger().recent() if r["model"] == "gpt-7-nova"]
    assert len(rows) == 3  # every attempt is in the ledger
    second = await answer("gpt-7-nova")
    assert second.error is None and len(chat_bodies(openai)) == 4  # one request: right the first time
    assert "temperature" not in chat_bodies(openai)[-1] and chat_bodies(openai)[-1]["max_completion_tokens"] == 2048


def test_the_playground_answers_and_says_what_it_changed(openai):
    at = start()
    at.selectbox(key="w_pg_provider").set_value("openai").run()
    at.selectbox(key="w_pg_model").set_value("gpt-5-mini").run()
    send(at, "Hello")
    turn = history(at)[-1]
    assert turn["content"] == "Hi from gpt-5-mini." and turn["meta"]["metrics"]["reasoning_tokens"] == 600
    text = shown_text(at)
    assert "gpt-5-mini does not take temperature (it uses its own); 0.7 was not sent." in text
    assert any("(600 thinking)" in str(m.value) for m in at.metric)
    at.switch_page("pages/usage.py").run()  # the ledger keeps the thinking tokens; Usage shows them per request
    (recent,) = [d.value for d in at.dataframe if "Tokens in / out" in d.value.columns]
    assert recent[recent["Model"] == "OpenAI \u00b7 gpt-5-mini"]["Tokens in / out"].str.endswith("(600 thinking)").tolist() == [True]


async def test_compare_and_the_council_seat_gpt_5_mini(openai):
    messages = compare.messages_for("Hello", "")
    runs = [
        SlotRun(
            compare.targets_for(SlotSpec("openai", model, params=DEFAULTS), conn(), messages),
            RetryLayer(RetrySettings(2, 5.0)),
            lambda t: None,
        )
        for model in ("gpt-5-mini", "gpt-4o-mini")
    ]
    results = await compare.fan_out(runs)
    assert [r.text for r in results] == ["Hi from gpt-5-mini.", "Hi from gpt-4o-mini."]
    members = [Member("openai", "gpt-5-mini"), Member("openai", "gpt-4o-mini")]
    transcript = await deliberation.deliberate(
        "Hi?", "general", "fast", members, members[0], deliberation.Context(conn(), rng=random.Random(1))
    )
    t = transcript.to_dict()
    assert all(e["error"] is None and e["text"] for e in t["stage1"]) and t["final"]["text"]
    assert all(r["parsed"] for r in t["stage2"])
    assert not [b for b in chat_bodies(openai) if b["model"] == "gpt-5-mini" and "temperature" in b]


def test_ask_from_a_terminal(openai, capsys):
    assert main(["ask", "--model", "openai:gpt-5-mini", "Say hello."]) == 0
    assert "Hi from gpt-5-mini." in capsys.readouterr().out
    assert json.dumps(chat_bodies(openai)).count('"temperature"') == 0


def test_the_parameter_panel_follows_the_model(openai):
    at = start()
    at.selectbox(key="w_pg_provider").set_value("openai").run()
    at.selectbox(key="w_pg_model").set_value("gpt-4o-mini").run()
    assert not at.slider(key="w_pg_temperature").disabled and not [s for s in at.selectbox if s.key == "w_pg_reasoning_effort"]
    at.selectbox(key="w_pg_model").set_value("gpt-5-mini").run()
    temperature = at.slider(key="w_pg_temperature")
    assert temperature.disabled and "gpt-5-mini always uses temperature 1; it is not sent." in shown_text(at)
    assert "What gpt-5-mini takes comes from: OpenAI's live list (" in shown_text(at)  # each layer, dated
    assert at.slider(key="w_pg_top_p").disabled
    effort = at.selectbox(key="w_pg_reasoning_effort")
    assert effort.options == ["model's default", "minimal", "low", "medium", "high"]
    effort.set_value("low").run()
    send(at, "Hello")
    sent = openai.requests_to("chat")[-1].body
    assert sent["reasoning_effort"] == "low" and "temperature" not in sent and "top_p" not in sent


def test_a_model_that_ignores_sampling_says_so_and_is_not_sent_it():
    rules = capabilities.accepts("gemini", "gemini-3.5-flash-lite")
    assert rules.ignored == ("temperature", "top_p", "top_k") and capabilities.accepts("gemini", "gemini-2.5-flash").ignored == ()
    params, notes = capabilities.fit(GenerationParams(temperature=0.7, top_p=0.9, max_new_tokens=64), rules, "gemini-3.5-flash-lite")
    assert (params.temperature, params.top_p, params.max_new_tokens) == (None, None, 64)
    assert notes == ["gemini-3.5-flash-lite ignores temperature, top p; not sent."]
    assert capabilities.why_not("top_k", rules, "gemini-3.5-flash-lite") == "gemini-3.5-flash-lite ignores top k; it is not sent."


def test_an_effort_the_model_does_not_take_is_not_sent():
    rules = capabilities.accepts("openai", "gpt-4o-mini")
    params, notes = capabilities.fit(GenerationParams(reasoning_effort="high"), rules, "gpt-4o-mini")
    assert params.reasoning_effort is None and notes == ["gpt-4o-mini takes no reasoning effort setting; it was not sent."]


async def test_groqs_gpt_oss_takes_a_reasoning_effort(monkeypatch, fake_groq):
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    monkeypatch.setenv("GROQ_API_KEY", PROVIDER_KEYS["groq"])
    rules = capabilities.accepts("groq", "openai/gpt-oss-20b")
    assert rules.reasoning and rules.efforts == ("low", "medium", "high") and rules.refused == ()
    params = GenerationParams(temperature=0.5, max_new_tokens=128, reasoning_effort="high")
    targets = service.plan("groq", "openai/gpt-oss-20b", [Message("user", "Hi")], params, conn())
    result = await service.run(targets, RetryLayer(RetrySettings(2, 5.0)), lambda t: None, kind="ask")
    sent = fake_groq.requests_to("chat")[-1].body
    assert result.error is None and sent["reasoning_effort"] == "high" and sent["temperature"] == 0.5 and sent["max_tokens"] == 128


def test_an_answer_thinking_left_empty_is_mended_once_then_said_with_a_retry(openai):
    """o9-ponder thinks through any budget: the turn is asked again once with more room, then the
    Playground says exactly what happened and offers a retry with twice the tokens."""
    at = start()
    at.selectbox(key="w_pg_provider").set_value("openai").run()
    from pages.widgets.restore import CUSTOM

    at.selectbox(key="w_pg_model").set_value(CUSTOM).run()
    at.text_input(key="w_pg_custom_model").set_value("o9-ponder").run()
    send(at, "Think hard.")
    budgets = [b["max_completion_tokens"] for b in chat_bodies(openai)]
    assert budgets == [2048, 8192]  # the spec's room to think, then one larger budget: not more
    text = shown_text(at)
    assert "o9-ponder spent all 8,192 tokens thinking and wrote no answer" in text
    at.button(key="btn_pg_more_tokens_1").click().run()
    assert at.session_state["pg_max_new_tokens"] == 16384
    assert [b["max_completion_tokens"] for b in chat_bodies(openai)][2:] == [16384, 32000]  # and once more within that run
    assert [t["role"] for t in history(at)] == ["user", "assistant"]  # the retry replaced the empty answer
    assert "spent all 32,000 tokens thinking" in shown_text(at)
    assert not [b for b in at.button if b.key and b.key.startswith("btn_pg_more_tokens")]  # the most the app asks for


def test_council_seats_say_a_model_retires_soon(openai, monkeypatch):
    from datetime import date

    from council.facts import registry

    monkeypatch.setattr(registry, "today", lambda: date(2026, 12, 5))
    at = start()
    at.switch_page("pages/council.py").run()
    seats = at.multiselect(key="w_council_members")
    assert seats.format_func("openai:gpt-5-mini") == "OpenAI \u00b7 gpt-5-mini \u2014 retires in 6 days, try gpt-6.1-terra"
    assert seats.format_func("openai:gpt-4o-mini") == "OpenAI \u00b7 gpt-4o-mini"  # 2027-01-14: more than 30 days away


def test_compare_shows_what_it_changed_to_fit_the_model(openai):
    """A note (a refused setting not sent) reaches the slot's column, as in the Playground."""
    at = open_compare([("openai", "gpt-5-mini"), ("openai", "gpt-4o-mini")])
    run_compare(at, "Hello")
    assert "gpt-5-mini does not take temperature (it uses its own); 0.7 was not sent." in answers_text(at)
    assert "was not sent" not in at.get_by_key("cmp_answer_1").markdown[0].value  # the other slot changed nothing


def test_the_council_shows_what_it_changed_to_fit_a_member(openai):
    at = start()
    at.switch_page("pages/council.py").run()
    at.text_area(key="w_council_question").input("Why is the sky blue?").run()
    at.session_state["council_members_edited"] = True
    at.session_state["council_members"] = ["openai:gpt-5-mini", "openai:gpt-4o-mini"]
    at.session_state["council_chair"] = "openai:gpt-5-mini"
    at.button(key="btn_council_run").click().run()
    assert not at.exception, at.exception
    t = at.session_state["council_transcript"].to_dict()
    seat = next(e for e in t["stage1"] if e["model"] == "gpt-5-mini")
    assert seat.get("notes"), seat  # what the council changed for this member ...
    shown = [c.value for c in at.get_by_key(f"council_answer_{seat['label']}").caption]
    assert set(seat["notes"]) <= set(shown)  # ... is on screen under its answer
