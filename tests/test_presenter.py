"""Ready for a room (issue 18): numbers that read right and never lie, through AppTest. What only a
real browser can see (text cut by CSS, faded leftovers while a run streams) is in
tests/e2e/test_presenter_browser.py."""

from __future__ import annotations

from council.runs.records import Answer, ChatTurn
from council.runs.turns import TurnMetrics
from tests.helpers import history, shown_text, start


def metric_values(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_stopped_answer_keeps_what_was_measured_of_it():
    """Stop interrupts the run; the next run keeps the partial answer with its latency and first token
    (tokens stay "—": only the provider counts them), instead of "—" everywhere."""
    at = start()
    at.session_state["pg_partial"] = Answer(
        "local", "SmolLM2-135M-Instruct", text="The sky is blue because", metrics=TurnMetrics(latency_s=2.3, ttft_s=0.336)
    )
    at.run()
    assert history(at)[-1]["meta"]["stopped"] is True
    values = metric_values(at)
    assert values["Latency"] == "2.30 s" and values["First token"] == "336 ms" and values["Tokens out"] == "\u2014"
    assert "Stopped by you; the answer so far is kept." in shown_text(at)


def test_stop_is_off_while_nothing_runs():
    at = start()
    assert at.button(key="btn_pg_stop").disabled
    for page, key in (("pages/compare.py", "btn_cmp_stop"), ("pages/council.py", "btn_council_stop")):
        at.switch_page(page).run()
        assert at.button(key=key).disabled, page


def test_the_hint_describes_the_provider_actually_chosen():
    at = start()
    assert "You are chatting with the bundled model" in shown_text(at)
    at.selectbox(key="w_pg_provider").set_value("huggingface").run()
    text = shown_text(at)
    assert "You are chatting with the bundled model" not in text
    assert "Still to do: the bundled model answers, get a Hugging Face token, paste it" in text  # what is really left


def test_a_bundled_answer_ticks_getting_started(bundled_model):
    from council.runs import setup
    from tests.helpers import send

    at = start()
    at.number_input(key="w_pg_max_new_tokens").set_value(8).run()
    send(at, "Hi")
    assert history(at)[-1]["content"]
    assert setup.status(__import__("council.runs.providers", fromlist=["Connection"]).Connection({}, {}), {})["bundled"] == "done"


def test_a_preset_stays_lit_only_while_its_values_hold():
    at = start()
    assert at.session_state["pg_preset"] == "Precise"  # the bundled model's recommended values are Precise's
    at.selectbox(key="w_pg_provider").set_value("simulator").run()
    assert at.session_state["pg_preset"] == "Balanced"  # a model that recommends nothing: the defaults
    at.slider(key="w_pg_temperature").set_value(1.3).run()
    assert at.session_state["pg_preset"] is None and at.get("button_group")[0].value in (None, [])
    at.get("button_group")[0].set_value("Precise").run()
    assert at.session_state["pg_preset"] == "Precise" and at.slider(key="w_pg_temperature").value == 0.2


def test_open_in_playground_starts_a_new_conversation(monkeypatch, hf_env):
    monkeypatch.setenv("HUGGINGFACE_TOKEN", "hf_AppTestToken0123456789abcdef")
    at = start()
    at.session_state["pg_history"] = [ChatTurn("user", "Old question")]
    at.switch_page("pages/models.py").run()
    at.button(key="btn_models_registry_playground").click().run()  # goes to the Playground
    assert at.session_state["pg_history"] == [] and "A new conversation with" in shown_text(at)
    assert "Old question" not in shown_text(at)


def test_no_token_says_so_in_its_heading(hf_env):
    from tests.helpers import send

    at = start()
    at.selectbox(key="w_pg_provider").set_value("huggingface").run()
    send(at, "Hello")
    text = shown_text(at)
    assert "No token is set" in text and "The token was not accepted" not in text


def test_compare_never_preselects_a_model_it_warns_about(monkeypatch, fake_ollama):
    """The registry's llama3.2 is missing from Ollama's live list (it lists llama3.2:latest): a new
    Ollama slot starts on a model the list serves, not on the flagged registry row."""
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    at = start()
    at.switch_page("pages/compare.py").run()
    for i in (0, 1):
        model = at.selectbox(key=f"w_cmp{i}_model")
        assert model.value == "llama3.2:latest", model.value
        assert "no longer served" not in model.format_func(model.value)


def test_the_hub_offline_says_which_host_and_what_still_works(monkeypatch):
    from tests.processes import free_port

    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")  # nothing listens: as offline as it gets
    at = start()
    at.switch_page("pages/models.py").run()
    at.button(key="btn_models_hub_search").click().run()
    text = shown_text(at)
    assert "The Hub at 127.0.0.1 could not be reached" in text and "the bundled model" in text
    assert "press Search again to retry" in text and "press Run again" not in text


def test_blind_votes_name_models_as_the_app_does_and_the_simulator_never_ranks():
    from council.runs import compare
    from council.storage import votes

    assert compare.contestant_words("simulator/sim-echo") == "QA simulator (no real model) \u00b7 sim-echo"
    assert compare.contestant_words("groq/openai/gpt-oss-20b") == "Groq \u00b7 openai/gpt-oss-20b"
    votes.cast({"A": "simulator/sim-echo", "B": "openai/gpt-4o-mini", "C": "groq/openai/gpt-oss-20b"}, "A")
    votes.cast({"A": "openai/gpt-4o-mini", "B": "groq/openai/gpt-oss-20b"}, "A")
    standings = votes.leaderboard(votes.all_votes())
    assert [s.model for s in standings] == ["openai/gpt-4o-mini", "groq/openai/gpt-oss-20b"]
    assert standings[0].battles == 1  # the simulator's win counted for nobody; only the second vote ranks


def test_the_blind_mode_hint_hides_while_blind_mode_is_on():
    at = start()
    at.switch_page("pages/compare.py").run()
    assert "Turn on Blind mode" in shown_text(at)
    at.toggle(key="w_cmp_blind").set_value(True).run()
    assert "Turn on Blind mode" not in shown_text(at) and "vote for the best answer" in shown_text(at)


def test_a_council_answer_cut_at_the_token_limit_says_so():
    from council.runs.records import Seat
    from council.runs.turns import TurnResult

    result = TurnResult(text="Half an ans", provider="local", model="m", finish_reason="length", metrics=TurnMetrics())
    seat = Seat("A", Answer.from_turn(result)).to_dict()
    assert seat["cut_off"] is True and Seat.from_dict(seat).answer.finish_reason == "length"  # and back
    result.finish_reason = "stop"
    assert "cut_off" not in Seat("A", Answer.from_turn(result)).to_dict()


def test_sources_read_as_short_labels():
    from pages.widgets import fmt_count, fmt_source

    assert fmt_source("https://huggingface.co/docs/inference-providers/hub-api (router /v1/models example)") == "huggingface.co/docs \u2026"
    assert fmt_source("https://router.huggingface.co/v1/models") == "router.huggingface.co/v1 \u2026"
    assert fmt_source("genai-prices 0.2.3 (openai: gpt-5-mini)") == "genai-prices 0.2.3 (openai: gpt-5-mini)"
    assert fmt_source("") == "\u2014" and len(fmt_source("word " * 40)) <= 50
    assert fmt_count(None) == "unknown" and fmt_count(128000) == "128,000"


def test_costs_tables_and_axis_read_as_money():
    import json

    at = start()
    at.switch_page("pages/costs.py").run()
    prices = at.dataframe[0].value
    assert prices["Source"].map(len).max() <= 50 and "None" not in prices.to_string()
    workload = at.dataframe[-1].value
    assert "None" not in workload.to_string() and "nan" not in workload.to_string()
    local = workload[workload["Model"] == "SmolLM2-135M-Instruct"].iloc[0]
    assert local["Endpoint cheaper above (requests/day)"] == "\u2014 (free per token)"
    (figure,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    axis = figure["layout"]["xaxis"]
    assert axis["type"] == "log" and axis["tickformat"] == "$~g" and axis["dtick"] == 1  # "$0.1, $1, $10", not "4 5 6 … 10"
    assert figure["layout"]["title"]["text"].startswith("Cheapest paid option: ")


def test_models_table_says_unknown_instead_of_none():
    at = start()
    at.switch_page("pages/models.py").run()
    table = at.dataframe[0].value
    assert "None" not in table[["Context (tokens)", "Try instead", "Source", "Price source", "Price as of"]].to_string()
    assert set(table["Context (tokens)"]) >= {"8,192"} and table["Source"].map(len).max() <= 50


def test_stop_before_anything_arrived_keeps_every_page_whole():
    """Stop in the first second: no answer has arrived anywhere. Each page keeps what it has (nothing),
    says so, and draws no error box."""
    from council.runs.compare import SlotSpec

    at = start()
    at.session_state["pg_partial"] = Answer("local", "SmolLM2-135M-Instruct")
    at.run()
    assert history(at)[-1]["meta"]["stopped"] and "Stopped by you" in shown_text(at)
    at.session_state["cmp_running"] = {
        "prompt": "Hello",
        "system": "",
        "blind": False,
        "order": [0, 1],
        "specs": [SlotSpec("local", "SmolLM2-135M-Instruct"), SlotSpec("local", "SmolLM2-135M-Instruct")],
        "partial": {},
        "done": {},
    }
    at.switch_page("pages/compare.py").run()
    assert not at.exception and "Stopped by you; what had arrived is kept." in shown_text(at)
    assert at.session_state["cmp_result"].stopped is True
