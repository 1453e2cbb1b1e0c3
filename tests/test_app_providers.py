"""Settings and Playground with every provider, through AppTest against the loopback fakes."""

from __future__ import annotations

import pytest

from tests.fakes.hf_server import ERRORS as HF_ERRORS
from tests.helpers import PROVIDER_KEYS as KEYS
from tests.helpers import history, paste_token, send, settings_token, shown_text, sidebar_chip, start


@pytest.fixture
def remote_urls(monkeypatch, fake_openai, fake_groq, fake_gemini, hf_env):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    monkeypatch.setenv("GEMINI_BASE_URL", fake_gemini.url)
    return {"openai": fake_openai, "groq": fake_groq, "gemini": fake_gemini}


@pytest.mark.parametrize(
    ("provider", "words"),
    [
        ("openai", "Key accepted \u00b7 2 models available"),
        ("groq", "Key accepted \u00b7 2 models available"),
        ("gemini", "Key accepted \u00b7 3 models available"),
    ],
)
def test_verify_each_keyed_provider(remote_urls, provider, words):
    at = settings_token(start(), provider, KEYS[provider])
    at.button(key=f"btn_verify_{provider}").click().run()
    assert words in shown_text(at) and not at.exception
    assert KEYS[provider] not in shown_text(at)
    assert sidebar_chip(at, {"openai": "OpenAI", "groq": "Groq", "gemini": "Google Gemini"}[provider]) == ":green-badge[Verified]"


@pytest.mark.parametrize("provider", ["openai", "groq", "gemini"])
def test_verify_with_a_bad_key_explains(remote_urls, provider):
    at = settings_token(start(), provider, KEYS[provider][:4] + "bad_key_0123456789")
    at.button(key=f"btn_verify_{provider}").click().run()
    text = shown_text(at)
    assert "The token was not accepted" in text and not at.exception


def test_ollama_address_turns_it_on_and_verifies(fake_ollama):
    at = start()
    at.switch_page("pages/settings.py").run()
    assert sidebar_chip(at, "Ollama") == ":gray-badge[Not set]"
    at.text_input(key="w_url_ollama").input(fake_ollama.url).run()
    at.button(key="btn_verify_ollama").click().run()
    assert "Ollama is running \u00b7 2 models pulled" in shown_text(at)
    assert sidebar_chip(at, "Ollama") == ":green-badge[Verified]"


def test_ollama_not_running_is_explained():
    at = start()
    at.switch_page("pages/settings.py").run()
    at.text_input(key="w_url_ollama").input("http://127.0.0.1:9").run()
    at.button(key="btn_verify_ollama").click().run()
    assert "check that it is running" in shown_text(at)


def test_custom_server_with_token_needs_https_unless_loopback(fake_server):
    at = start()
    at.switch_page("pages/settings.py").run()
    at.text_input(key="w_token_openai-compatible").input("my-server-secret-123").run()
    at.text_input(key="w_url_openai-compatible").input("http://192.0.2.10:8000/v1").run()
    assert "travel unencrypted" in shown_text(at)
    assert "openai-compatible" not in at.session_state["base_urls"]
    at.text_input(key="w_url_openai-compatible").input(fake_server.url + "/v1").run()
    at.button(key="btn_verify_openai-compatible").click().run()
    assert "Key accepted \u00b7 1 model available" in shown_text(at)  # not "1 models"
    assert fake_server.requests_to("models")[0].headers["authorization"] == "Bearer my-server-secret-123"


def test_a_url_that_is_not_a_url_is_refused(fake_server):
    at = start()
    at.switch_page("pages/settings.py").run()
    at.text_input(key="w_url_openai-compatible").input("localhost:8000").run()
    assert "must start with http:// or https://" in shown_text(at)


def test_openai_answers_in_the_playground_from_its_live_list(remote_urls):
    at = settings_token(start(), "openai", KEYS["openai"])
    at.switch_page("pages/playground.py").run()
    at.selectbox(key="w_pg_provider").set_value("openai").run()
    assert "2 models from OpenAI's live list" in shown_text(at)
    from council.facts import registry

    options = at.selectbox(key="w_pg_model").options[:2]
    assert options[0].startswith("gpt-4o-mini (chat \u00b7 128,000 tokens \u00b7 general, summarization, creative)")
    assert options[1].startswith("gpt-5-mini (chat \u00b7 400,000 tokens \u00b7 reasoning, code, general)")
    assert options[1].endswith(registry.find("openai", "gpt-5-mini").retire_note)  # "retires in N days, try gpt-6.1-terra" near the day
    at.selectbox(key="w_pg_model").set_value("gpt-5-mini").run()
    send(at, "Hello OpenAI")
    answer = history(at)[-1]
    assert answer["content"] == "Hi from gpt-5-mini." and answer["meta"]["provider"] == "openai"
    sent = remote_urls["openai"].requests_to("chat")[0]
    # a reasoning model: no temperature (it refuses any but 1), and room to answer after thinking
    assert sent.body["max_completion_tokens"] == 2048 and "temperature" not in sent.body and "max_tokens" not in sent.body
    assert len(remote_urls["openai"].requests_to("chat")) == 1  # right the first time: nothing refused
    assert "256 became 2048 so it has room to answer" in shown_text(at) and "0.7 was not sent" in shown_text(at)


def test_reasoning_is_shown_collapsed_not_in_the_answer(remote_urls):
    at = settings_token(start(), "groq", KEYS["groq"])
    at.switch_page("pages/playground.py").run()
    at.selectbox(key="w_pg_provider").set_value("groq").run()
    from pages.widgets import CUSTOM

    at.selectbox(key="w_pg_model").set_value(CUSTOM).run()
    at.text_input(key="w_pg_custom_model").input("fake/reasoner").run()
    send(at, "Think")
    answer = history(at)[-1]
    assert answer["content"] == "Hi from fake/reasoner." and answer["meta"]["extra"]["reasoning"] == "Thinking hard."
    assert any(e.label == "The model's reasoning" for e in at.expander)


@pytest.mark.local_model
def test_fallback_order_answers_with_the_bundled_model_and_says_why(hf_env, bundled_model):
    at = start()
    paste_token(at, "hf_AppFallbackToken0123456789")
    at.selectbox(key="w_pg_provider").set_value("huggingface").run()
    at.toggle(key="w_pg_fallback").set_value(True).run()
    at.number_input(key="w_pg_max_new_tokens").set_value(16).run()
    hf_env.enqueue("chat", HF_ERRORS["402"])
    send(at, "Hello")
    answer = history(at)[-1]
    assert answer["meta"]["provider"] == "local" and answer["content"].strip()
    assert answer["meta"]["fallbacks"][0][0] == "huggingface"
    assert "because Hugging Face" in shown_text(at) and "credits or quota used up" in shown_text(at)


def test_save_to_env_only_on_request_with_a_warning(hf_env, tmp_path):
    at = settings_token(start(), "huggingface", "hf_SaveMeToken0123456789abcd")
    assert not (tmp_path / ".env").exists()
    at.button(key="btn_env_huggingface").click().run()
    assert "The file .env will hold your token in plain text" in shown_text(at)
    assert not (tmp_path / ".env").exists()
    at.button(key="btn_env_yes_huggingface").click().run()
    assert (tmp_path / ".env").read_text().strip() == "HUGGINGFACE_TOKEN=hf_SaveMeToken0123456789abcd"
    assert "Saved as HUGGINGFACE_TOKEN" in shown_text(at)


def test_remote_visitors_get_no_host_tokens_and_no_save(hf_env, monkeypatch):
    import pages.widgets.session as widgets

    monkeypatch.setenv("HUGGINGFACE_TOKEN", "hf_HostOwnedToken0123456789")
    monkeypatch.setattr(widgets, "visitor_is_local", lambda: False)
    at = start()
    assert sidebar_chip(at, "Hugging Face") == ":gray-badge[Not set]"
    at = settings_token(at, "huggingface", "hf_VisitorToken0123456789ab")
    assert "Saving to .env is off" in shown_text(at)
    assert not any(b.key == "btn_env_huggingface" for b in at.button)


def test_the_fallback_order_is_a_setting(hf_env):
    at = start()
    at.switch_page("pages/settings.py").run()
    assert at.multiselect(key="w_fallback_order").value == ["local"]
    at.multiselect(key="w_fallback_order").set_value(["groq", "local"]).run()
    at.switch_page("pages/playground.py").run()
    assert at.session_state["fallback_order"] == ["groq", "local"]


def test_hugging_face_addresses_are_checked_like_every_address(fake_hf):
    from tests.helpers import pick

    at = start()
    at.switch_page("pages/settings.py").run()
    at.text_input(key="w_url_huggingface").input("http://router.example.com").run()
    assert "travel unencrypted" in shown_text(at) and "huggingface" not in at.session_state["base_urls"]
    at.text_input(key="w_url_huggingface").input(fake_hf.url).run()
    at.text_input(key="w_url_huggingface-hub").input(fake_hf.url).run()
    assert at.session_state["base_urls"] == {"huggingface": fake_hf.url, "huggingface-hub": fake_hf.url}
    paste_token(at, "hf_AddressToken0123456789abcd")
    pick(at, "fake/echo")
    send(at, "Hi")
    assert history(at)[-1]["content"].startswith("Hello from fake/echo")
