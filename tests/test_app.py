"""The Playground and Settings pages driven through AppTest: the bundled model for real, and the
Hugging Face router through the loopback fake (every error path reaches the user in plain words)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.error_cases import HF_CASES as ERROR_CASES
from tests.fakes.hf_server import ERRORS
from tests.helpers import APP, TOKEN, history, paste_token, pick, send, shown_text, sidebar_chip, start

# ---- the bundled model -----------------------------------------------------------------------


@pytest.mark.local_model
def test_bundled_model_answers_a_two_turn_conversation(bundled_model):
    at = start()
    at.number_input(key="w_pg_max_new_tokens").set_value(32).run()
    send(at, "My name is Ada. Say hello.")
    send(at, "What is my name?")
    turns = history(at)
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[1]["content"].strip() and turns[3]["content"].strip()
    first, second = turns[1]["meta"]["metrics"], turns[3]["meta"]["metrics"]
    assert second["prompt_tokens"] > first["prompt_tokens"]  # the whole conversation was sent
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {"Latency", "First token", "Tokens in", "Tokens out", "Speed", "Cost (est.)"}
    assert metrics["Cost (est.)"] == "$0"  # the bundled model runs on this computer
    assert metrics["Tokens in"] == f"{second['prompt_tokens']:,}" and metrics["Latency"].endswith("s")
    assert "tokens/s" in metrics["Speed"]
    assert at.text_area(key="w_pg_prompt").value == ""  # the box is cleared after Run


@pytest.mark.local_model
def test_clear_starts_a_new_conversation(bundled_model):
    at = start()
    at.number_input(key="w_pg_max_new_tokens").set_value(8).run()
    send(at, "Hi")
    at.button(key="btn_pg_clear").click().run()
    assert history(at) == []


def test_invalid_parameters_send_nothing_and_keep_the_message(hf_env):
    at = start()
    paste_token(at, TOKEN)
    pick(at, "fake/echo")
    at.text_input(key="w_pg_seed").input("not a number").run()
    send(at, "Hello")
    assert hf_env.requests_to("chat") == [] and hf_env.requests_to("task") == []  # nothing was sent to a model
    assert "Seed must be a whole number" in shown_text(at)
    assert at.text_area(key="w_pg_prompt").value == "Hello"


# ---- the Hugging Face router through the fake ----------------------------------------------


def test_token_pasted_in_settings_answers_in_the_playground(hf_env):
    at = start()
    paste_token(at, TOKEN)
    assert at.session_state["tokens"] == {"huggingface": TOKEN}
    pick(at, "fake/echo")
    send(at, "Hello router")
    answer = history(at)[-1]
    assert answer["content"] == "Hello from fake/echo! The router answered in pieces."
    assert answer["meta"]["provider"] == "huggingface" and "error" not in answer["meta"]
    sent = hf_env.requests_to("chat")[0]
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.body["messages"][-1] == {"role": "user", "content": "Hello router"}
    assert {m.label: m.value for m in at.metric}["Tokens in"] == "12"
    assert TOKEN not in shown_text(at)


def test_loading_twice_then_answer_reports_two_waits(hf_env):
    at = start()
    paste_token(at, TOKEN)
    pick(at, "fake/loading-twice")
    send(at, "Are you warm?")
    waits = at.session_state["pg_waits"]
    assert [(w["kind"], w["seconds"], w["from_server"]) for w in waits] == [("loading", 0.05, True)] * 2
    assert history(at)[-1]["content"].startswith("Hello from fake/loading-twice")
    assert len(hf_env.requests_to("chat")) == 3
    assert "waited and retried 2 time(s)" in shown_text(at)


def test_a_bad_token_shows_the_401_advice(hf_env):
    at = start()
    paste_token(at, "hf_bad_token_0123456789")
    pick(at, "fake/echo")
    send(at, "Hello")
    error = history(at)[-1]["meta"]["error"]
    assert error["kind"] == "auth"
    text = shown_text(at)
    for advice in ("extra spaces or quotes", "\u201cread\u201d role", "generate a new token"):
        assert advice in text
    assert "Traceback" not in text


def test_a_path_like_model_id_is_refused_and_nothing_is_sent(hf_env):
    at = start()
    paste_token(at, TOKEN)
    pick(at, "../x")
    send(at, "Hello")
    assert hf_env.requests_to("chat") == [] and hf_env.requests_to("task") == []  # nothing was sent to a model
    assert "path segments" in shown_text(at)
    assert history(at) == []


UI_ERRORS = [
    ("fake/credits", "quota", "Credits or quota used up"),
    ("fake/gated", "access_denied", "Access to this model is restricted"),
    ("fake/missing", "not_found", "Model not found"),
    ("fake/not-served", "not_found", "No inference provider you have enabled serves this model"),
    ("fake/gone", "gone", "That endpoint no longer exists"),
    ("fake/context", "context", "lower \u201cmax new tokens\u201d"),
    ("fake/rate-limited", "rate_limit", "Too many requests"),
    ("fake/html", "unavailable", "web page instead of a model answer"),
    ("fake/unauthorized", "auth", "The token was not accepted"),
]


@pytest.mark.parametrize(("model", "kind", "words"), UI_ERRORS, ids=[m for m, _, _ in UI_ERRORS])
def test_every_router_error_reaches_the_user_in_plain_words(hf_env, model, kind, words):
    at = start()
    at.session_state["retry_max_attempts"] = 1  # show the error itself, not the retries
    paste_token(at, TOKEN)
    pick(at, model)
    send(at, "Hello")
    meta = history(at)[-1]["meta"]
    assert meta["error"]["kind"] == kind
    text = shown_text(at)
    assert words in text
    assert "Traceback" not in text and not at.exception


def test_a_cut_stream_keeps_the_partial_answer_and_explains(hf_env):
    at = start()
    at.session_state["retry_max_attempts"] = 1
    paste_token(at, TOKEN)
    pick(at, "fake/cut")
    send(at, "Hello")
    answer = history(at)[-1]
    assert answer["content"] == "Hello from fake/cut!"
    assert answer["meta"]["error"]["kind"] == "unavailable"
    assert "partial answer is kept" in shown_text(at)


def test_task_models_work_from_the_playground(hf_env):
    at = start()
    paste_token(at, TOKEN)
    pick(at, "deepset/roberta-base-squad2", task="question-answering")
    at.text_area(key="w_pg_system").input("The capital of France is Paris.").run()
    send(at, "What is the capital of France?")
    answer = history(at)[-1]
    assert answer["content"] == "Paris" and answer["meta"]["extra"]["score"] == pytest.approx(0.9731)
    assert "Confidence score: 0.97" in shown_text(at)
    pick(at, "gpt2-like/streamer", task="text-generation")
    send(at, "Once upon a time")
    assert history(at)[-1]["content"] == "Hello from gpt2-like/streamer! The router answered in pieces."


def test_registry_model_no_longer_served_is_flagged(hf_env):
    at = start()
    at.selectbox(key="w_pg_provider").set_value("huggingface").run()
    at.selectbox(key="w_pg_model").set_value("google/flan-t5-xxl").run()
    assert "no longer served" in shown_text(at)


# ---- Settings ---------------------------------------------------------------------------------


def test_verify_shows_the_account_and_the_sidebar_chip(hf_env):
    at = start()
    paste_token(at, TOKEN)
    at.switch_page("pages/settings.py").run()
    at.button(key="btn_verify_huggingface").click().run()
    assert "Signed in as council-tester" in shown_text(at)
    assert sidebar_chip(at, "Hugging Face") == ":green-badge[Verified]"
    assert hf_env.requests_to("whoami")[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_verify_with_a_bad_token_shows_the_advice(hf_env):
    at = start()
    paste_token(at, "hf_bad_0123456789abcdef")
    at.switch_page("pages/settings.py").run()
    at.button(key="btn_verify_huggingface").click().run()
    assert "extra spaces or quotes" in shown_text(at)
    assert sidebar_chip(at, "Hugging Face") == ":red-badge[Failing]"


def test_token_survives_page_switches_and_is_never_echoed(hf_env):
    at = start()
    paste_token(at, TOKEN)
    at.switch_page("pages/settings.py").run()
    assert at.text_input(key="w_token_huggingface").value == ""  # the field is emptied once stored
    at.switch_page("pages/playground.py").run()
    at.switch_page("pages/settings.py").run()
    assert at.session_state["tokens"]["huggingface"] == TOKEN
    assert at.text_input(key="w_token_huggingface").value == ""
    assert "hf_\u2026cdef" in shown_text(at) and TOKEN not in shown_text(at)


def test_environment_token_is_used_and_masked(hf_env, monkeypatch):
    monkeypatch.setenv("HUGGINGFACE_TOKEN", TOKEN)
    at = start()
    at.switch_page("pages/settings.py").run()
    text = shown_text(at)
    assert "from the environment" in text and TOKEN not in text
    at.switch_page("pages/playground.py").run()
    pick(at, "fake/echo")
    send(at, "Hi")
    assert history(at)[-1]["content"].startswith("Hello from fake/echo")


@pytest.mark.local_model
def test_settings_shows_the_bundled_model(bundled_model):
    at = start()
    at.switch_page("pages/settings.py").run()
    assert "SmolLM2-135M-Instruct" in shown_text(at)


def test_forget_removes_the_pasted_token(hf_env):
    at = start()
    paste_token(at, TOKEN)
    at.switch_page("pages/settings.py").run()
    at.button(key="btn_forget_huggingface").click().run()
    assert "huggingface" not in at.session_state["tokens"]
    assert "No token yet" in shown_text(at)


@pytest.mark.page_may_fail
def test_a_bug_in_a_page_shows_a_plain_message_not_an_exception():
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["pg_history"] = "not a list"  # corrupt state: the page will fail
    at.run()
    assert not at.exception
    assert "Something went wrong inside the app itself" in shown_text(at)


@pytest.mark.parametrize(("name", "cls", "retryable", "status", "words"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_every_scripted_hf_error_body_is_explained_in_the_playground(hf_env, name, cls, retryable, status, words):
    """Each error body of the reference, served by the fake, reaches the page as its advice."""
    at = start()
    at.session_state["retry_max_attempts"] = 1
    paste_token(at, TOKEN)
    pick(at, "acme/scripted")
    hf_env.enqueue("chat", ERRORS[name])
    send(at, "Hello")
    error = history(at)[-1]["meta"]["error"]
    assert (error["kind"], error["status"], error["retryable"]) == (cls.kind, status, retryable)
    text = shown_text(at)
    assert words in text and "Traceback" not in text and TOKEN not in text


def test_presets_set_temperature_and_top_p(hf_env):
    at = start()
    at.segmented_control(key="w_pg_preset").set_value("Precise").run()
    assert at.slider(key="w_pg_temperature").value == 0.2 and at.session_state["pg_top_p"] == 0.9
    at.segmented_control(key="w_pg_preset").set_value("Creative").run()
    assert at.slider(key="w_pg_temperature").value == 1.1


def test_a_conversation_too_long_for_the_model_is_refused_before_sending():
    from council.storage.usage import ledger

    at = start()
    send(at, "word " * 9000)  # about 11,000 tokens (est.): more than the bundled model's 8,192
    error = history(at)[-1]["meta"]["error"]
    assert error["kind"] == "context" and "Nothing was sent" in error["message"]
    assert ledger().count() == 0
