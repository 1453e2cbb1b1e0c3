"""Hostile input, refused before anything is sent: model ids with ``../``, spaces, web addresses,
invisible characters or 10,000 characters (Playground, Compare, the ``ask`` command, Models);
parameters out of range (a reopened run, a shared link); base URLs that are ``file://``, not
http(s), carry a password, or are plain http to a host other than this computer (Settings and the
environment); and a conversation longer than the model's context window (Playground, Council).
Each is refused with a clear message, and the fake receives no request for a model."""

from __future__ import annotations

import pytest

from council.runs.records import ChatTurn
from pages.widgets import CUSTOM
from tests.helpers import TOKEN, history, open_compare, paste_token, pick, send, shown_text, start

HOSTILE_IDS = [
    ("../../etc/passwd", "path segments"),
    ("owner/../name", "path segments"),
    ("owner/my model", "no spaces"),
    ("owner/model\nHost: evil.example", "line breaks"),
    ("owner/mo\u200bdel", "invisible characters"),
    ("https://evil.example/owner/model", "not a web address"),
    ("//evil.example/model", "not a web address"),
    ("owner/model?token=1", "cannot contain ?"),
    ("owner/model#x", "cannot contain ?"),
    ("x" * 10_000, "at most"),
]
IDS = [words.split()[-1] + f"-{i}" for i, (_, words) in enumerate(HOSTILE_IDS)]


def model_requests(fake) -> list:
    """What the fake received for a model (model lists and the Hub are not a model call)."""
    return fake.requests_to("chat") + fake.requests_to("task")


# ---- model ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("model_id", "words"), HOSTILE_IDS, ids=IDS)
def test_the_playground_refuses_a_hostile_model_id(hf_env, model_id, words):
    at = start()
    paste_token(at, TOKEN)
    pick(at, model_id)
    send(at, "Hello")
    assert words in shown_text(at)
    assert model_requests(hf_env) == [] and history(at) == []


@pytest.mark.parametrize(("model_id", "words"), HOSTILE_IDS[::3], ids=IDS[::3])
def test_compare_refuses_a_hostile_model_id_in_its_slot(hf_env, model_id, words):
    at = open_compare([("huggingface", "fake/echo"), ("huggingface", model_id)], tokens={"huggingface": TOKEN})
    at.text_area(key="w_cmp_prompt").input("Hello").run()
    at.button(key="btn_cmp_run").click().run()
    assert not at.exception
    text = shown_text(at)
    assert "Slot 2" in text and words in text
    assert model_requests(hf_env) == []


@pytest.mark.parametrize(("model_id", "words"), HOSTILE_IDS, ids=IDS)
def test_the_ask_command_refuses_a_hostile_model_id(hf_env, monkeypatch, capsys, model_id, words):
    from council.__main__ import main

    monkeypatch.setenv("HUGGINGFACE_TOKEN", TOKEN)
    assert main(["ask", "Hello", "--model", f"huggingface:{model_id}"]) == 2
    assert words in capsys.readouterr().err
    assert model_requests(hf_env) == []


@pytest.mark.parametrize(("model_id", "words"), HOSTILE_IDS[::2], ids=IDS[::2])
def test_my_models_refuses_a_hostile_model_id(model_id, words):
    from council.facts import registry

    at = start()
    at.switch_page("pages/models.py").run()
    at.text_input(key="w_models_new_id").input(model_id).run()
    at.button(key="btn_models_add").click().run()
    assert not at.exception and words in shown_text(at)
    assert all(e.model_id != model_id for e in registry.load_registry())


# ---- parameters out of range -------------------------------------------------------------------


def test_out_of_range_parameters_from_outside_the_widgets_are_reset_and_said(hf_env):
    at = start()
    for name, value in {
        "pg_temperature": 9.0,
        "pg_top_p": float("nan"),
        "pg_use_top_k": True,
        "pg_top_k": -5,
        "pg_max_new_tokens": 0,
        "pg_repetition_penalty": "x",
    }.items():
        at.session_state[name] = value  # as a reopened run or an edited file could leave them
    paste_token(at, TOKEN)
    warnings = "\n".join(w.value for w in at.warning)
    for words in ("Temperature was 9.0", "Top-p was nan", "Top-k was -5", "Max new tokens was 0", "Repetition penalty was 'x'"):
        assert words in warnings
    pick(at, "fake/echo")
    send(at, "Hello")
    sent = hf_env.requests_to("chat")[0].body
    assert sent["temperature"] == 0.7 and sent["max_tokens"] == 256 and sent.get("top_k") in (None, 50)  # the defaults


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"temperature": 9}, "Temperature must be between 0 and 2"),
        ({"top_p": 0}, "Top-p must be more than 0"),
        ({"top_k": -1}, "Top-k must be a whole number"),
        ({"max_new_tokens": 0}, "Max new tokens must be a whole number of at least 1"),
        ({"max_new_tokens": 10**12}, "at most 128,000, this model's context window"),
        ({"repetition_penalty": 50}, "Repetition penalty"),
        ({"seed": "x"}, "Seed must be a whole number"),
        ({"temperature": "hot"}, "Temperature must be between 0 and 2"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "at most 4 stop strings"),
        ({"stop": "END"}, "Stop strings must be a list"),
    ],
)
def test_a_shared_link_with_parameters_out_of_range_opens_nothing(params, words):
    import base64
    import json
    import zlib

    from council.runs import compare

    payload = {"v": 1, "prompt": "Hi", "slots": [{"provider": "openai", "model": "gpt-4o-mini", "params": params}] * 2}
    value = base64.urlsafe_b64encode(zlib.compress(json.dumps(payload).encode())).decode()
    with pytest.raises(compare.ShareError) as info:
        compare.read_share(value)
    assert str(info.value).startswith("Slot 1 of this link has parameters") and words in str(info.value)


# ---- base URLs ---------------------------------------------------------------------------------

BAD_URLS = [
    ("file:///etc/passwd", "must start with http:// or https://"),
    ("javascript:alert(1)", "must start with http:// or https://"),
    ("ftp://127.0.0.1/v1", "must start with http:// or https://"),
    ("http://user:secret@127.0.0.1:8000/v1", "must not hold a user name or password"),
    ("http://192.0.2.10:8000/v1", "travel unencrypted"),
    ("http://models.example.com/v1", "travel unencrypted"),
]


@pytest.mark.parametrize(("url", "words"), BAD_URLS, ids=[u.split(":")[0] + f"-{i}" for i, (u, _) in enumerate(BAD_URLS)])
@pytest.mark.parametrize("field", ["huggingface", "huggingface-hub", "openai-compatible"])
def test_settings_refuses_an_unsafe_base_url(field, url, words):
    at = start()
    at.switch_page("pages/settings.py").run()
    if field == "openai-compatible":
        at.text_input(key="w_token_openai-compatible").input("server-secret-0123").run()
    at.text_input(key=f"w_url_{field}").input(url).run()
    assert not at.exception and words in shown_text(at)
    assert field not in at.session_state["base_urls"]


def test_ollama_needs_no_token_but_still_an_http_address():
    at = start()
    at.switch_page("pages/settings.py").run()
    at.text_input(key="w_url_ollama").input("file:///etc/passwd").run()
    assert "must start with http:// or https://" in shown_text(at) and "ollama" not in at.session_state["base_urls"]
    at.text_input(key="w_url_ollama").input("http://192.0.2.10:11434").run()  # no token travels: allowed
    assert at.session_state["base_urls"]["ollama"] == "http://192.0.2.10:11434"


@pytest.mark.parametrize(
    ("variable", "provider"), [("OPENAI_BASE_URL", "openai"), ("GROQ_BASE_URL", "groq"), ("GEMINI_BASE_URL", "gemini")]
)
@pytest.mark.parametrize(("url", "words"), [BAD_URLS[0], BAD_URLS[4]], ids=["file", "plain-http"])
def test_an_unsafe_base_url_from_the_environment_is_refused_before_sending(monkeypatch, variable, provider, url, words):
    monkeypatch.setenv(variable, url)
    monkeypatch.setenv(
        {"openai": "OPENAI_API_KEY", "groq": "GROQ_API_KEY", "gemini": "GEMINI_API_KEY"}[provider], "sk-EnvKey0123456789abcdef"
    )
    at = start()
    at.selectbox(key="w_pg_provider").set_value(provider).run()
    at.selectbox(key="w_pg_model").set_value(CUSTOM).run()
    at.text_input(key="w_pg_custom_model").input("some-model").run()
    send(at, "Hello")
    assert words in shown_text(at)
    assert history(at)[-1]["meta"]["error"]["kind"] == "bad_request"


# ---- a conversation longer than the context window ---------------------------------------------


def test_the_playground_refuses_a_conversation_longer_than_the_window(hf_env):
    at = start()
    paste_token(at, TOKEN)
    at.selectbox(key="w_pg_provider").set_value("huggingface").run()
    at.selectbox(key="w_pg_model").set_value("mistralai/Mistral-7B-Instruct-v0.2").run()  # 32,768 tokens
    long_turn = "word " * 10_000  # ~12,500 tokens (est.) a turn
    at.session_state["pg_history"] = [ChatTurn("user", long_turn), ChatTurn.from_dict({"role": "assistant", "content": long_turn})]
    send(at, long_turn)
    text = shown_text(at)
    assert "Nothing was sent" in text and "32,768 tokens" in text
    assert model_requests(hf_env) == []


def test_the_council_refuses_a_question_longer_than_its_members_windows(hf_env, monkeypatch, capsys):
    from council.__main__ import main

    monkeypatch.setenv("HUGGINGFACE_TOKEN", TOKEN)
    question = "Why? " * 120_000  # ~150,000 tokens (est.): more than either member's window
    members = "huggingface:mistralai/Mistral-7B-Instruct-v0.2,huggingface:openai/gpt-oss-20b"
    code = main(["ask", question, "--council", "--members", members, "--json"])
    out = capsys.readouterr().out
    assert code == 1 and "Nothing was sent" in out
    assert model_requests(hf_env) == []


# ---- tokens that were mis-copied ---------------------------------------------------------------

BAD_TOKENS = [
    ("hf_abc\u2026WXYZ0123456789", "as a masked token shows"),
    ("hf_abc def0123456789abcdef", "a space or line break"),
    ("hf_abc\ndef0123456789abcdef", "a space or line break"),
    ("hf_\u201cabcdef0123456789\u201d", "characters a token never holds"),
    ("hf_abc\u200bdef0123456789", "characters a token never holds"),
]


@pytest.mark.parametrize(("token", "words"), BAD_TOKENS, ids=["ellipsis", "space", "newline", "curly-quotes", "zero-width"])
def test_settings_refuses_a_mis_copied_token_and_says_why(hf_env, token, words):
    at = start()
    at.switch_page("pages/settings.py").run()
    at.text_input(key="w_token_huggingface").input(token).run()
    assert not at.exception
    text = shown_text(at)
    assert "Not saved." in text and words in text and token not in text
    assert "huggingface" not in at.session_state["tokens"]


@pytest.mark.parametrize(("token", "words"), BAD_TOKENS[:2], ids=["ellipsis", "space"])
def test_a_mis_copied_token_from_the_environment_fails_typed_and_is_never_sent(hf_env, monkeypatch, token, words):
    monkeypatch.setenv("HUGGINGFACE_TOKEN", token)
    at = start()
    pick(at, "fake/echo")
    send(at, "Hello")
    assert words in shown_text(at) and history(at)[-1]["meta"]["error"]["kind"] == "auth"
    assert model_requests(hf_env) == []
