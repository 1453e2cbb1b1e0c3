"""Model facts in layers, most trusted first: met in use → the providers' live lists (as last fetched,
each dated) → the data package (genai-prices' bundled snapshot: prices with dated steps, context
windows) → our own rows. Default quotas live in the plans data file. ``python -m council refresh``
fetches every configured provider's live list, stores it dated and reports what differs.

Live lists come from loopback fakes over real HTTP that list what the real ones list (OpenAI's
``shutdown_date``, Groq's ``context_window`` and ``max_completion_tokens``, Gemini's ``thinking`` and
``outputTokenLimit``, Ollama's ``/api/show`` capabilities and thinking levels)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from adapters import GenerationParams, Message, Usage, specs
from council.facts import availability, capabilities, data_package, plans, pricing, quotas, registry
from council.runs import service
from council.runs.providers import Connection
from council.runs.resilience import RetryLayer
from council.settings import RetrySettings
from council.storage import learned
from tests.fakes.server import json_reply
from tests.helpers import PROVIDER_KEYS

ROOT = Path(__file__).resolve().parents[1]


def conn() -> Connection:
    return Connection(tokens={}, base_urls={})


def fetch(provider: str):
    return asyncio.run(availability.live_list(provider, conn(), force=True))


# ---- the data package --------------------------------------------------------------------------


def test_the_data_package_prices_dated_steps():
    """gemini-3.8-flash costs 0.75 / 3.75 until 2026-12-31 and 1.50 / 7.50 from 2027-01-01: the package
    models the step, the registry carries it, and a request is priced at its own day's price."""
    found = data_package.facts("gemini", "gemini-3.8-flash", date(2026, 12, 5))
    assert found.known and found.source.startswith("genai-prices ")
    assert (found.input_per_m, found.output_per_m) == (0.75, 3.75)
    assert found.steps == (data_package.PriceStep(date(2027, 1, 1), 1.5, 7.5),)
    entry = registry.find("gemini", "gemini-3.8-flash")
    assert entry.price_source.startswith("genai-prices") and entry.price_as_of
    assert pricing.prices("gemini", "gemini-3.8-flash", date(2026, 12, 31)) == (0.75, 3.75)
    assert pricing.prices("gemini", "gemini-3.8-flash", date(2027, 1, 1)) == (1.5, 7.5)
    usage = Usage(prompt_tokens=1_000_000, completion_tokens=1_000_000)
    assert pricing.cost_usd("gemini", "gemini-3.8-flash", usage, date(2027, 1, 2)) == pytest.approx(9.0)


def test_a_workload_across_a_price_step_pays_each_days_price():
    entry = registry.find("gemini", "gemini-3.8-flash")
    work = pricing.Workload(requests_per_day=1000, input_tokens=1000, output_tokens=1000, days=4)
    # two days at 0.75 + 3.75 per 1M, two at 1.50 + 7.50: 1M tokens in and out a day
    assert pricing.workload_cost_for(entry, work, start=date(2026, 12, 30)) == pytest.approx(2 * 4.5 + 2 * 9.0)
    assert pricing.step_note(entry, on=date(2026, 12, 5)) == "from 2027-01-01: $1.5 / $7.5 per 1M"
    assert pricing.step_note(entry, on=date(2027, 1, 1)) == ""


def test_the_package_wins_over_our_rows_and_our_rows_fill_its_gaps():
    gpt = registry.find("openai", "gpt-5-mini")
    assert gpt.price_source == f"genai-prices {data_package.version()} (openai: gpt-5-mini)"
    assert (gpt.price_in_per_m, gpt.price_out_per_m) == (0.25, 2.0) and gpt.context_window == 400_000
    # the router's id without a pinned provider is not in the package: our own dated row prices it
    deepseek = registry.find("huggingface", "deepseek-ai/DeepSeek-V4-Pro")
    assert deepseek.price_source.startswith("https://huggingface.co/") and deepseek.price_in_per_m == 1.69
    # a router id pinned to a provider is the package's row for that provider
    assert data_package.facts("huggingface", "deepseek-ai/DeepSeek-V4-Pro:novita").input_per_m == 1.6
    assert not data_package.facts("openrouter", "openai/gpt-oss-20b:free").known  # free variant: not the paid row


def test_without_the_package_the_app_runs_on_its_own_rows(monkeypatch):
    monkeypatch.setattr(data_package, "_snapshot", lambda: None)
    data_package._facts.cache_clear()
    try:
        assert not data_package.facts("openai", "gpt-5-mini").known
    finally:
        data_package._facts.cache_clear()


def test_default_quotas_live_in_the_plans_file_with_their_sources():
    assert "default_quota" not in {f.name for f in dataclasses.fields(specs()[0])}  # not in the provider specs
    found = plans.default_quotas()
    assert found["groq"].requests_per_day == 1000 and found["gemini"].requests_per_day == 20
    assert all(q.source and q.as_of for q in found.values())
    assert list(quotas.DEFAULTS) == sorted(quotas.DEFAULTS, key=lambda p: [s.id for s in specs()].index(p))


def test_no_code_file_holds_a_price_figure():
    """Prices per million tokens live in the data package and the data files, never in code ($0 for a
    model that runs on your own computer is a fact of its provider, not a price)."""
    nonzero = r"(?:0\.\d*[1-9]|[1-9])"
    pattern = re.compile(rf"(?:price_(?:in|out)_per_m|input_per_m|output_per_m)\s*=\s*{nonzero}|\${nonzero}[\d.]*\s*/\s*\$\d")
    for path in [*ROOT.glob("adapters/*.py"), *ROOT.glob("council/**/*.py"), *ROOT.glob("pages/**/*.py"), ROOT / "app.py"]:
        assert not pattern.search(path.read_text(encoding="utf-8")), path.name


# ---- the live lists' layer ---------------------------------------------------------------------


def test_groqs_list_gives_window_and_output_limit(monkeypatch, fake_groq):
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    monkeypatch.setenv("GROQ_API_KEY", PROVIDER_KEYS["groq"])
    assert not fetch("groq").error
    rules = capabilities.accepts("groq", "openai/gpt-oss-20b")
    assert rules.context_window == 131072 and rules.output_limit == 65536
    assert any(s.startswith("Groq's live list (") for s in rules.sources)
    fitted, notes = capabilities.fit(GenerationParams(max_new_tokens=100_000), rules, "openai/gpt-oss-20b")
    assert fitted.max_new_tokens == 65536 and "writes at most 65,536 tokens" in notes[0]


def test_geminis_list_says_which_models_think(monkeypatch, fake_gemini):
    monkeypatch.setenv("GEMINI_BASE_URL", fake_gemini.url)
    monkeypatch.setenv("GEMINI_API_KEY", PROVIDER_KEYS["gemini"])
    assert not fetch("gemini").error
    rules = capabilities.accepts("gemini", "gemini-3.8-flash")
    assert rules.reasoning and rules.efforts and rules.output_limit == 65536
    assert "temperature" in rules.ignored  # 3.5 and later ignore sampling (the spec's family rule)
    assert any("Google Gemini's live list" in s for s in rules.sources)


@pytest.fixture
def ollama(monkeypatch, fake_ollama):
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    return fake_ollama


def test_ollamas_show_gives_thinking_and_its_levels(ollama):
    from tests.fakes import ollama_server

    monkeypatch_pulled = [*ollama_server.PULLED]
    ollama_server.PULLED[:] = [*monkeypatch_pulled, "qwen3:latest", "gpt-oss:20b"]
    try:
        assert not fetch("ollama").error
    finally:
        ollama_server.PULLED[:] = monkeypatch_pulled
    assert [s.body["model"] for s in ollama.requests_to("show")] == ["llama3.2:latest", "hf.co/o/r:Q4_K_M", "qwen3:latest", "gpt-oss:20b"]
    qwen = capabilities.accepts("ollama", "qwen3:latest")
    assert qwen.reasoning and qwen.efforts == ("off", "on") and qwen.context_window == 40960
    assert capabilities.accepts("ollama", "gpt-oss:20b").efforts == ("low", "medium", "high")
    llama = capabilities.accepts("ollama", "llama3.2:latest")
    assert not llama.reasoning and not llama.efforts and llama.context_window == 131072


async def _ask(provider: str, model: str, params: GenerationParams):
    targets = service.plan(provider, model, [Message("user", "Say hello.")], params, conn())
    return await service.run(targets, RetryLayer(RetrySettings(2, 5.0)), lambda text: None, kind="ask")


def test_ollama_sends_think_only_to_a_model_that_thinks(ollama):
    from tests.fakes import ollama_server

    saved = [*ollama_server.PULLED]
    ollama_server.PULLED[:] = [*saved, "qwen3:latest"]
    try:
        assert not fetch("ollama").error
        result = asyncio.run(_ask("ollama", "qwen3:latest", GenerationParams(max_new_tokens=64, reasoning_effort="off")))
        assert result.error is None and ollama.requests_to("chat")[-1].body["think"] is False
        result = asyncio.run(_ask("ollama", "llama3.2:latest", GenerationParams(max_new_tokens=64, reasoning_effort="on")))
        assert result.error is None and "think" not in ollama.requests_to("chat")[-1].body
        assert any("takes no reasoning effort" in n for n in result.extra["notes"])
    finally:
        ollama_server.PULLED[:] = saved


def test_a_think_refusal_is_mended_and_remembered(ollama):
    """The live list said the model thinks, but the server refuses ``think`` now (a model replaced under
    the same name): Ollama's 400 names it, the turn is mended at once (said in the answer) and the next
    run sends it right the first time."""
    from tests.fakes import ollama_server

    claimed = {"capabilities": ["completion", "thinking"], "thinking": {"values": [False, True]}}
    real = ollama_server.SHOWN["llama3.2:latest"]
    ollama_server.SHOWN["llama3.2:latest"] = claimed
    try:
        assert not fetch("ollama").error
    finally:
        ollama_server.SHOWN["llama3.2:latest"] = real
    params = GenerationParams(max_new_tokens=64, reasoning_effort="on")
    first = asyncio.run(_ask("ollama", "llama3.2:latest", params))
    assert first.error is None and first.text
    bodies = [s.body for s in ollama.requests_to("chat")]
    assert bodies[0]["think"] is True and "think" not in bodies[1]
    assert any("reasoning effort on was refused by llama3.2:latest" in n for n in first.extra["notes"])
    assert learned.facts("ollama", "llama3.2:latest")["refused"] == ["reasoning_effort"]
    asyncio.run(_ask("ollama", "llama3.2:latest", params))
    assert len(ollama.requests_to("chat")) == 3 and "think" not in ollama.requests_to("chat")[-1].body


# ---- refresh -----------------------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_API_KEY"))}
    return subprocess.run(
        [sys.executable, "-m", "council", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_refresh_stores_dated_lists_and_reports_what_differs(fake_openai, fake_groq, tmp_path):
    listed = [
        {"id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "system", "shutdown_date": "2026-12-20"},
        {"id": "gpt-5-mini", "object": "model", "created": 1, "owned_by": "system", "shutdown_date": "2026-12-11"},
    ]
    fake_openai.enqueue("models", json_reply(200, {"object": "list", "data": listed}))
    env = {
        "COUNCIL_DATA_DIR": str(tmp_path),
        "OPENAI_BASE_URL": fake_openai.url + "/v1",
        "OPENAI_API_KEY": PROVIDER_KEYS["openai"],
        "GROQ_BASE_URL": fake_groq.url + "/openai/v1",
        "GROQ_API_KEY": PROVIDER_KEYS["groq"],
    }
    result = _cli("refresh", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    today = date.today().isoformat()
    assert "OpenAI: 2 models listed" in result.stdout and "Groq: 2 models listed" in result.stdout
    assert f"OpenAI gpt-4o-mini: retires 2027-01-14 \u2192 2026-12-20 (live list, {today})" in result.stdout
    assert "gpt-5-mini: retires" not in result.stdout  # the list agrees with the registry
    assert f"Data package: genai-prices {data_package.version()}" in result.stdout
    stored = json.loads((tmp_path / "live_models.json").read_text())
    assert {key.split("@")[0] for key in stored} == {"openai", "groq"}
    for token in PROVIDER_KEYS.values():
        assert token not in result.stdout + result.stderr + (tmp_path / "live_models.json").read_text()
    as_json = json.loads(_cli("refresh-prices", "--json", "--provider", "groq", env=env).stdout)
    assert as_json["providers"][0]["provider"] == "groq" and as_json["providers"][0]["models"] == 2
    assert {"providers", "changes", "package", "package_priced"} <= set(as_json)


def test_refresh_without_a_provider_says_what_to_set(tmp_path):
    result = _cli("refresh", env={"COUNCIL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1 and "OPENAI_API_KEY" in result.stdout and "HUGGINGFACE_TOKEN" in result.stdout


def test_refresh_with_an_unreachable_provider_says_so(tmp_path):
    from tests.processes import free_port

    env = {
        "COUNCIL_DATA_DIR": str(tmp_path),
        "OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "OPENAI_API_KEY": PROVIDER_KEYS["openai"],
    }
    result = _cli("refresh", env=env)
    assert result.returncode == 1 and "OpenAI: its model list could not be read" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_live_shutdown_date_wins_over_the_registry(monkeypatch, fake_openai):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", PROVIDER_KEYS["openai"])
    listed = [{"id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "system", "shutdown_date": "2026-12-20"}]
    fake_openai.enqueue("models", json_reply(200, {"object": "list", "data": listed}))
    lives = {"openai": fetch("openai")}
    (item,) = [a for a in availability.overlay(registry.models_for("openai"), lives) if a.entry.model_id == "gpt-4o-mini"]
    assert item.entry.retires == date(2026, 12, 20)


# ---- facts older than 30 days ------------------------------------------------------------------


def test_facts_older_than_thirty_days_are_named():
    entry = registry.ModelEntry("openai", "m", as_of="2026-10-01", price_in_per_m=1.0, price_out_per_m=2.0, price_as_of="2026-11-29")
    item = availability.Availability(entry, "unknown", "the registry's own facts", "2026-10-01")
    assert availability.stale_facts(item, on=date(2026, 12, 5)) == ["model facts (2026-10-01)"]
    assert availability.stale_facts(item, on=date(2027, 1, 5)) == ["model facts (2026-10-01)", "price (2026-11-29)"]
    fresh = dataclasses.replace(item, status="served", checked="2026-12-05 10:00 UTC")
    assert availability.stale_facts(fresh, on=date(2026, 12, 5)) == []  # a live list checked today vouches for the row


def test_qa_can_see_the_app_as_on_another_day(monkeypatch):
    """COUNCIL_TODAY moves the day dated facts are read against (the suite pins it); not a date: ignored."""
    from council.facts import clock

    monkeypatch.setenv("COUNCIL_TODAY", "2026-12-12")
    assert registry.find("openai", "gpt-5-mini").status == "not_served"  # retired on 2026-12-11
    assert pricing.prices("gemini", "gemini-3.8-flash") == (0.75, 3.75)
    monkeypatch.setenv("COUNCIL_TODAY", "2027-01-01")
    assert pricing.prices("gemini", "gemini-3.8-flash") == (1.5, 7.5)
    monkeypatch.setenv("COUNCIL_TODAY", "soon")
    assert clock.today() == date.today()
