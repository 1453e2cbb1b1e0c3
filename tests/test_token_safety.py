"""Token safety, proved with canaries: one token per provider goes through every flow — Settings
and Verify, the Playground (answers, an error that echoes the token, the code snippets), Compare
(and its exports, snippets and share link), the Council (and its transcript), History, Usage,
Costs, the ``check`` and ``ask`` commands — with every logger at DEBUG. Then no canary may appear
in any file the app wrote, any captured log line, any exception text, any session value other
than the token store itself, or anything a page rendered.

On the wire: each fake saw only its own provider's token; a token never goes over plain http to a
host other than loopback (nor to ``file://``), never follows a redirect; and served beyond
loopback the host's tokens are not offered to visitors and Save to .env is off, unless the host
sets ``COUNCIL_SHARED_KEYS=1``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter, errors
from adapters.errors import ProviderError
from council.runs import exports
from tests.fakes.server import FakeServer, Reply, json_reply
from tests.helpers import answers_text, history, open_compare, run_compare, shown_text, start

CANARIES = {
    "huggingface": "hf_CanaryHF0123456789abcdefGHIJ",
    "openai": "sk-CanaryOpenAI0123456789abcdefGH",
    "groq": "gsk_CanaryGroq0123456789abcdefGHIJ",
    "gemini": "CanaryGeminiKey-0123-4567-89ab",  # not token-shaped: masked only because the app knows it
    "openai-compatible": "canary-server-secret-9f2e41",  # nor this one
}
MODELS = {
    "huggingface": "fake/echo",
    "openai": "gpt-4o-mini",
    "groq": "openai/gpt-oss-20b",
    "gemini": "gemini-2.5-flash",
    "openai-compatible": "my-local-model",
}
SESSION_KEYS = {"session_token_store": "tokens"}  # the one place a pasted token is meant to live


class Thief(FakeServer):
    """A loopback server nobody should ever call: a redirect target, an unconfigured host."""

    def route(self, path: str) -> str:
        return "any"

    def default(self, route, path, headers, body) -> Reply:
        return json_reply(200, {"stolen": True})


@pytest.fixture
def every_provider(monkeypatch, tmp_path, hf_env, fake_openai, fake_groq, fake_gemini, fake_server):
    """Every remote provider on its fake. Groq's key comes from the environment, Gemini's from a
    .env file (as a user's would); the others are pasted in Settings by the sweep."""
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    monkeypatch.setenv("GEMINI_BASE_URL", fake_gemini.url)
    monkeypatch.setenv("GROQ_API_KEY", CANARIES["groq"])
    (tmp_path / ".env").write_text(f"GEMINI_API_KEY={CANARIES['gemini']}\n")
    return {"huggingface": hf_env, "openai": fake_openai, "groq": fake_groq, "gemini": fake_gemini, "openai-compatible": fake_server}


@pytest.fixture
def exception_texts(monkeypatch) -> list[str]:
    """The text of every typed error raised during the test (what a panel, log or traceback could show)."""
    seen: list[str] = []
    original = ProviderError.__init__

    def recording(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        seen.append(" | ".join(str(v) for v in (self, repr(self), self.user_message, self.detail, self.args)))

    monkeypatch.setattr(ProviderError, "__init__", recording)
    return seen


def rendered(at) -> str:
    """Everything the page tree holds, main and sidebar: every element's full protobuf as text."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def leaks(text: str) -> list[str]:
    return [provider for provider, canary in CANARIES.items() if canary in text]


def test_no_canary_leaks_from_any_flow(every_provider, tmp_path, caplog, capsys, exception_texts, monkeypatch):
    caplog.set_level(logging.DEBUG)  # every logger, the HTTP clients' too
    for name in ("httpx", "httpcore", "council", "adapters", "streamlit"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    pages_text: list[str] = []

    def look(at, where: str) -> None:
        assert not at.exception, (where, at.exception)
        pages_text.append(f"--- {where}\n{rendered(at)}")

    # Settings: paste three tokens (one with its server's address), verify every provider
    at = start()
    at.switch_page("pages/settings.py").run()
    for provider in ("huggingface", "openai", "openai-compatible"):
        at.text_input(key=f"w_token_{provider}").input(CANARIES[provider]).run()
    at.text_input(key="w_url_openai-compatible").input(every_provider["openai-compatible"].url + "/v1").run()
    for provider in CANARIES:
        at.button(key=f"btn_verify_{provider}").click().run()
        look(at, f"settings verify {provider}")
    assert shown_text(at).count("Key accepted") + shown_text(at).count("Token accepted") >= 4

    # Playground: each provider answers; then a server that echoes the token in its error body
    at.switch_page("pages/playground.py").run()
    from tests.helpers import send

    for provider, model in MODELS.items():
        at.selectbox(key="w_pg_provider").set_value(provider).run()
        from pages.widgets import CUSTOM

        at.selectbox(key="w_pg_model").set_value(CUSTOM).run()
        at.text_input(key="w_pg_custom_model").input(model).run()
        send(at, f"Hello {provider}")
        assert history(at)[-1]["meta"]["provider"] == provider
        look(at, f"playground {provider}")
    echo = f"Incorrect API key provided: {CANARIES['openai-compatible']}. Check your server's --api-key."
    every_provider["openai-compatible"].enqueue(
        "chat", json_reply(401, {"error": {"message": echo, "type": "invalid_request_error", "code": "invalid_api_key"}})
    )
    send(at, "Echo my key back, server")
    assert "The token was not accepted" in shown_text(at)
    look(at, "playground error panel")

    # Compare: all five at once, then every export, snippet and the share link
    at = open_compare(
        list(MODELS.items()),
        tokens={p: CANARIES[p] for p in ("huggingface", "openai", "openai-compatible")},
        base_urls={"openai-compatible": every_provider["openai-compatible"].url + "/v1"},
    )
    result = run_compare(at, "Who are you?")
    assert all(s["output"] and "error" not in s for s in result["slots"]), answers_text(at)
    look(at, "compare")
    comparison = at.session_state["cmp_result"]
    exported = [exports.comparison_csv(comparison), exports.comparison_json(comparison), exports.comparison_markdown(comparison)]

    # Council: members over the providers, the transcript in both formats
    at.switch_page("pages/council.py").run()
    at.text_area(key="w_council_question").input("Explain how recursion works, step by step").run()
    at.button(key="btn_council_run").click().run()
    look(at, "council")
    transcript = at.session_state["council_transcript"]
    assert len({m["provider"] for m in transcript.members}) >= 2 and transcript.final.answer.text
    exported += [exports.transcript_json(transcript), exports.transcript_markdown(transcript)]

    # Every other page, with all that in its data
    for page in ("history", "usage", "costs", "models", "getting_started", "troubleshooting", "settings"):
        at.switch_page(f"pages/{page}.py").run()
        look(at, page)

    # The commands, with every token in the environment as a user's shell would have them
    from council.__main__ import main

    monkeypatch.setenv("HUGGINGFACE_TOKEN", CANARIES["huggingface"])
    monkeypatch.setenv("OPENAI_API_KEY", CANARIES["openai"])
    assert main(["check", "--json"]) == 0
    assert main(["ask", "Hello", "--model", "groq:openai/gpt-oss-20b", "--json"]) == 0
    assert main(["ask", "Hello", "--council", "--members", "openai:gpt-4o-mini,gemini:gemini-2.5-flash", "--json"]) == 0
    printed = capsys.readouterr()

    # ---- nothing anywhere -------------------------------------------------------------------
    files = {p: p.read_bytes().decode("utf-8", "replace") for p in tmp_path.rglob("*") if p.is_file() and p.name != ".env"}
    assert any(p.suffix == ".sqlite3" for p in files) and any("history" in str(p) for p in files)  # the ledger and History were written
    for path, text in files.items():
        assert not leaks(text), f"{path} holds {leaks(text)}"
    assert caplog.records and not leaks(caplog.text) and not leaks("\n".join(r.getMessage() for r in caplog.records))
    assert exception_texts and not leaks("\n".join(exception_texts))
    assert not leaks(printed.out + printed.err)
    for text in exported:
        assert not leaks(text)
    for page_text in pages_text:
        assert not leaks(page_text), page_text.splitlines()[0]
    session = {k: v for k, v in at.session_state._state.filtered_state.items() if k != "tokens"}
    assert not leaks(repr(session))

    # ---- on the wire: each fake saw its own provider's token and no other -------------------
    for provider, fake in every_provider.items():
        sent = "\n".join(json.dumps(s.headers) + s.path + json.dumps(s.body) for s in fake.seen)
        assert set(leaks(sent)) <= {provider}, (provider, leaks(sent))
        assert CANARIES[provider] in sent  # and every one was used
        assert not [s.path for s in fake.seen if leaks(s.path)]  # never in a URL (Gemini's key goes in a header)


# ---- the wire rules, provider by provider -------------------------------------------------------

KEYED = ["huggingface", "openai", "groq", "gemini", "openai-compatible"]


@pytest.mark.parametrize("provider", KEYED)
@pytest.mark.parametrize("url", ["http://192.0.2.10:8000/v1", "http://models.example.com/v1", "file:///etc/passwd", "ftp://127.0.0.1/"])
def test_a_token_never_goes_to_an_unsafe_address(provider, url):
    with pytest.raises(errors.BadRequestError) as info:
        create_adapter(provider, token=CANARIES[provider], base_url=url)
    assert not leaks(str(info.value) + info.value.user_message + info.value.detail)


@pytest.mark.parametrize("provider", KEYED)
async def test_a_redirect_is_never_followed_with_the_token(every_provider, provider):
    fake = every_provider[provider]
    with Thief() as thief:
        route = "stream" if provider == "gemini" else "chat"
        fake.enqueue(route, Reply(307, {"Location": f"{thief.url}/steal"}, b""))
        base = {"openai": "/v1", "groq": "/openai/v1", "openai-compatible": "/v1"}.get(provider, "")
        adapter = create_adapter(provider, token=CANARIES[provider], base_url=fake.url + base)
        request = ChatRequest(MODELS[provider], (Message("user", "hi"),), GenerationParams(max_new_tokens=4))
        with pytest.raises(errors.ProviderUnavailableError, match="redirect"):
            async for _ in adapter.stream(request):
                pass
        await adapter.aclose()
        assert thief.seen == [] and len(fake.seen) == 1


def test_served_beyond_loopback_the_hosts_tokens_stay_home(every_provider, monkeypatch):
    import pages.widgets.session as widgets
    from tests.helpers import sidebar_chip, sign_in

    monkeypatch.setenv("HUGGINGFACE_TOKEN", CANARIES["huggingface"])
    monkeypatch.setenv("OPENAI_API_KEY", CANARIES["openai"])
    monkeypatch.setattr(widgets, "visitor_is_local", lambda: False)
    at = start()
    for label in ("Hugging Face", "OpenAI", "Groq", "Google Gemini"):
        assert sidebar_chip(at, label) == ":gray-badge[Not set]", label
    at.switch_page("pages/settings.py").run()
    at.text_input(key="w_token_openai").input("sk-VisitorsOwnKey0123456789abcdef").run()  # a visitor's own key works
    assert "Saving to .env is off" in shown_text(at)
    assert not any((b.key or "").startswith("btn_env_") for b in at.button)
    at.switch_page("pages/compare.py").run()
    assert not leaks(rendered(at))
    # the host may share its keys on purpose — but not with anyone who reaches the address: without a way to
    # sign in they stay off, and Settings says how to turn them on
    monkeypatch.setenv("COUNCIL_SHARED_KEYS", "1")
    at = start()
    for label in ("Hugging Face", "OpenAI", "Groq", "Google Gemini"):
        assert sidebar_chip(at, label) == ":gray-badge[Not set]", label
    at.switch_page("pages/settings.py").run()
    assert "they stay off because nobody can sign in here" in shown_text(at) and "COUNCIL_PASSCODE" in shown_text(at)
    # with a passcode, visitors sign in first; then the host's keys serve them
    monkeypatch.setenv("COUNCIL_PASSCODE", "team-passcode-2026")
    at = start()
    assert "Sign in to AI Council Playground" in shown_text(at) and not at.get("page_link")
    assert at.text_input(key="w_signin_passcode")  # (the form itself is driven in tests/e2e/test_signin_browser.py)
    sign_in(at, "Ada")
    for label in ("Hugging Face", "OpenAI", "Groq", "Google Gemini"):
        assert sidebar_chip(at, label) != ":gray-badge[Not set]", label
    assert "Signed in as **Ada**" in shown_text(at)
    assert not leaks(rendered(at))
    at.switch_page("pages/settings.py").run()  # a teammate never writes the host's .env
    at.text_input(key="w_token_openai").input("sk-AdasOwnKey0123456789abcdef").run()
    assert "Saving to .env is off: this app is shared" in shown_text(at)
    assert not any((b.key or "").startswith("btn_env_") for b in at.button)


def test_the_scan_would_see_a_leak():
    """The sweep's eyes work: a canary in a rendered element or a file is found."""
    assert leaks(f"value: {CANARIES['gemini']!r}") == ["gemini"]
    assert leaks(Path(__file__).read_text())  # this file holds them all, of course
