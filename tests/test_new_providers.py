"""Anthropic and OpenRouter in every flow — Settings (Verify, sidebar chip), the Playground, a
Compare run, a council, ``check`` and ``ask``, the usage ledger and the Costs page — each reached
over real HTTP through its loopback fake. Both were added without editing a page: these tests are
the proof that a provider's spec and adapter are all the app needs."""

from __future__ import annotations

import json
import random

import pytest

from council.__main__ import main
from council.runs import compare
from council.runs.compare import SlotRun, SlotSpec
from council.runs.deliberation import Context, deliberate
from council.runs.providers import Connection
from council.runs.resilience import RetryLayer
from council.runs.routing import Member
from council.settings import RetrySettings
from council.storage.usage import ledger
from tests.helpers import history, send, shown_text, sidebar_chip, start

KEYS = {"anthropic": "sk-ant-api03-FlowKey0123456789abcdef", "openrouter": "sk-or-v1-FlowKey0123456789abcdefghij"}
MODELS = {"anthropic": "claude-haiku-4-5", "openrouter": "openai/gpt-oss-20b:free"}
LABELS = {"anthropic": "Anthropic", "openrouter": "OpenRouter"}


@pytest.fixture
def new_providers(monkeypatch, fake_anthropic, fake_openrouter):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("OPENROUTER_BASE_URL", fake_openrouter.url + "/api/v1")
    return {"anthropic": fake_anthropic, "openrouter": fake_openrouter}


@pytest.fixture
def with_keys(new_providers, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEYS["anthropic"])
    monkeypatch.setenv("OPENROUTER_API_KEY", KEYS["openrouter"])
    return new_providers


@pytest.mark.parametrize("provider", ["anthropic", "openrouter"])
def test_settings_has_a_tab_and_verify_works(new_providers, provider):
    at = start()
    at.switch_page("pages/settings.py").run()
    assert any(t.label == LABELS[provider] for t in at.tabs)
    assert sidebar_chip(at, LABELS[provider]) == ":gray-badge[Not set]"
    at.text_input(key=f"w_token_{provider}").input(KEYS[provider]).run()
    at.button(key=f"btn_verify_{provider}").click().run()
    assert "Key accepted" in shown_text(at) and not at.exception
    assert sidebar_chip(at, LABELS[provider]) == ":green-badge[Verified]"
    assert KEYS[provider] not in shown_text(at)


@pytest.mark.parametrize("provider", ["anthropic", "openrouter"])
def test_the_playground_answers(with_keys, provider):
    at = start()
    at.selectbox(key="w_pg_provider").set_value(provider).run()
    assert f"models from {LABELS[provider]}'s live list" in shown_text(at)
    at.selectbox(key="w_pg_model").set_value(MODELS[provider]).run()
    send(at, "Hello there")
    answer = history(at)[-1]
    assert answer["content"] == f"Hi from {MODELS[provider]}." and answer["meta"]["provider"] == provider and not at.exception
    assert answer["meta"]["cost_usd"] is not None  # priced from the registry's price rows
    rows = [r for r in ledger().recent() if r["kind"] == "playground"]
    assert rows and rows[0]["provider"] == provider and rows[0]["outcome"] == "ok"


async def test_a_comparison_of_the_two(with_keys):
    conn = Connection(tokens={}, base_urls={})
    messages = compare.messages_for("Compare yourselves", "")
    runs = [
        SlotRun(compare.targets_for(SlotSpec(p, MODELS[p]), conn, messages), RetryLayer(RetrySettings(2, 5.0)), lambda text: None)
        for p in ("anthropic", "openrouter")
    ]
    results = await compare.fan_out(runs)
    assert [(r.provider, r.text) for r in results] == [(p, f"Hi from {MODELS[p]}.") for p in ("anthropic", "openrouter")]
    assert all(r.error is None for r in results)


async def test_a_council_seats_them(with_keys):
    conn = Connection(tokens={}, base_urls={})
    members = [Member("anthropic", MODELS["anthropic"]), Member("openrouter", MODELS["openrouter"]), Member("anthropic", "claude-opus-4-6")]
    ctx = Context(conn, settings=RetrySettings(2, 5.0), rng=random.Random(3))
    transcript = await deliberate("Why is the sky blue?", "general", "balanced", members, members[0], ctx)
    t = transcript.to_dict()
    assert [a["provider"] for a in t["stage1"]] == ["anthropic", "openrouter", "anthropic"]
    assert all(a["text"] and a["error"] is None for a in t["stage1"])
    assert len(t["stage2"]) == 3 and t["final"]["text"] and t["final"]["provider"] == "anthropic"
    sent = with_keys["anthropic"].requests_to("messages")[0].body
    assert "system" not in [m["role"] for m in sent["messages"]]  # the system prompt travels as a top-level field


def test_check_and_ask_from_a_terminal(with_keys, capsys):
    code = main(["check", "--json", "--provider", "anthropic", "--provider", "openrouter"])
    rows = {r["provider"]: r for r in json.loads(capsys.readouterr().out)["providers"]}
    assert code == 0 and set(rows) == {"anthropic", "openrouter"}
    assert all(r["verified"] and r["generation_ok"] for r in rows.values()), rows
    assert main(["ask", "--model", "anthropic:claude-haiku-4-5", "Say hello."]) == 0
    assert "Hi from claude-haiku-4-5." in capsys.readouterr().out


def test_usage_and_costs_pages_show_them(with_keys):
    at = start()
    at.selectbox(key="w_pg_provider").set_value("anthropic").run()
    at.selectbox(key="w_pg_model").set_value(MODELS["anthropic"]).run()
    send(at, "Hello")
    at.switch_page("pages/usage.py").run()
    assert not at.exception and "Anthropic" in shown_text(at)
    at.switch_page("pages/costs.py").run()
    assert not at.exception
    prices = at.dataframe[0].value
    assert "claude-haiku-4-5" in set(prices.iloc[:, 1]) or "claude-haiku-4-5" in prices.to_string()


def test_pages_name_no_provider():
    """Labels, how-tos and colours come from the specs: no page or app.py names a provider."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    names = ("groq", "gemini", "ollama", "openrouter", "anthropic", "hugging face", "huggingface", "openai", "sim-echo", "smollm")
    for path in [root / "app.py", *sorted((root / "pages").rglob("*.py"))]:
        text = path.read_text(encoding="utf-8").lower()
        assert not [n for n in names if n in text], path.name
