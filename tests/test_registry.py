"""The registry data files, the user's own models, and model-id validation."""

from __future__ import annotations

import re

import pytest

from council.facts.registry import InvalidModelIdError, ModelEntry, add_custom_model, find, load_registry, models_for, validate_model_id

GUIDE_MODELS = {
    "mistralai/Mistral-7B-Instruct-v0.2": (32768, "served"),
    "meta-llama/Llama-2-7b-chat-hf": (4096, "not_served"),
    "google/flan-t5-xxl": (512, "not_served"),
    "openai-community/gpt2": (1024, "unknown"),
    "tiiuae/falcon-7b-instruct": (2048, "not_served"),
    "bigcode/starcoder": (8192, "not_served"),
    "Salesforce/codegen-16B-multi": (2048, "not_served"),
    "facebook/bart-large-cnn": (1024, "unknown"),
    "google/pegasus-xsum": (512, "unknown"),
    "deepset/roberta-base-squad2": (512, "unknown"),
}


def test_every_row_has_source_date_task_and_valid_fields():
    rows = load_registry()
    assert rows, "the registry is empty"
    for row in rows:
        assert row.source and re.fullmatch(r"\d{4}-\d{2}-\d{2}", row.as_of), row
        assert row.status in ("served", "not_served", "unknown")
        assert set(row.strengths) <= {"reasoning", "creative", "fact-checking", "code", "summarization", "research", "general"}
        validate_model_id(row.provider, row.model_id)


def test_the_guides_models_are_kept_with_their_true_status():
    rows = {r.model_id: r for r in load_registry() if r.provider == "huggingface"}
    for model_id, (context, status) in GUIDE_MODELS.items():
        assert rows[model_id].context_window == context
        assert rows[model_id].status == status


def test_router_chat_models_served_today_are_listed():
    served_chat = [r for r in models_for("huggingface") if r.task == "chat" and r.status == "served"]
    assert len(served_chat) >= 3
    assert models_for("huggingface")[0].status == "served"  # served ones first


def test_bundled_model_is_the_local_entry_and_free():
    (local,) = models_for("local")
    assert local.model_id == "SmolLM2-135M-Instruct" and local.price_in_per_m == 0.0 and local.context_window == 8192


def test_unknown_prices_are_none_not_zero():
    row = find("huggingface", "google/flan-t5-xxl")
    assert row.price_in_per_m is None and row.price_out_per_m is None


def test_find_ignores_the_provider_suffix():
    assert find("huggingface", "mistralai/Mistral-7B-Instruct-v0.2:featherless-ai").context_window == 32768


@pytest.mark.parametrize(
    ("provider", "model_id"),
    [
        ("huggingface", "gpt2"),
        ("huggingface", "owner/name"),
        ("huggingface", "openai/gpt-oss-120b:groq"),
        ("huggingface", "meta-llama/Llama-3.1-8B-Instruct:fastest"),
        ("huggingface", "Qwen/Qwen2.5-7B-Instruct:cheapest"),
        ("ollama", "llama3.2:3b"),
        ("ollama", "hf.co/o/r:Q4_K_M"),
        ("openai", "ft:gpt-4o-mini:org:custom:abc123"),
        ("groq", "openai/gpt-oss-20b"),
        ("gemini", "gemini-2.5-flash"),
        ("local", "SmolLM2-135M-Instruct"),
    ],
)
def test_valid_ids(provider, model_id):
    assert validate_model_id(provider, f"  {model_id} ") == model_id


@pytest.mark.parametrize(
    ("provider", "model_id", "words"),
    [
        ("huggingface", "../x", "path segments"),
        ("huggingface", "owner/../name", "path segments"),
        ("huggingface", "https://evil.example/model", "not a web address"),
        ("huggingface", "//evil.example/x", "not a web address"),
        ("huggingface", "owner/na me", "no spaces"),
        ("huggingface", "owner/name\x00", "invisible"),
        ("huggingface", "owner/name\u200b", "invisible"),
        ("huggingface", "a/b/c", "does not look like a model id"),
        ("huggingface", "owner/name?x=1", "cannot contain"),
        ("huggingface", "owner/%2e%2e", "cannot contain"),
        ("huggingface", "x" * 201, "at most 200"),
        ("huggingface", "", "Enter a model id"),
        ("openai", "gpt 4", "no spaces"),
        ("gemini", "Gemini Pro", "no spaces"),
    ],
)
def test_invalid_ids_are_refused_with_a_reason(provider, model_id, words):
    with pytest.raises(InvalidModelIdError, match=re.escape(words)):
        validate_model_id(provider, model_id)


def test_custom_models_are_stored_in_the_data_folder_and_validated(tmp_path):
    add_custom_model(ModelEntry("huggingface", "acme/my-model", task="summarization", context_window=2048, strengths=("summarization",)))
    rows = [r for r in load_registry() if r.custom]
    assert [(r.model_id, r.task, r.context_window, r.source) for r in rows] == [("acme/my-model", "summarization", 2048, "added by you")]
    assert (tmp_path / "data" / "custom_models.json").is_file()
    with pytest.raises(InvalidModelIdError):
        add_custom_model(ModelEntry("huggingface", "../etc/passwd"))


def test_a_damaged_custom_file_is_ignored(tmp_path):
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "custom_models.json").write_text("{not json")
    assert all(not r.custom for r in load_registry())


def test_the_registry_knows_retirements_before_the_day(monkeypatch):
    """With a fixed clock: a day before, a badge naming the successor; on the day and after, not served."""
    from datetime import date

    from council.facts import registry

    dates = {
        ("gemini", "gemini-2.5-flash"): "2026-12-01",
        ("gemini", "gemini-2.5-pro"): "2026-12-01",
        ("openai", "gpt-5-mini"): "2026-12-11",
    }
    dates |= {("openai", "gpt-4o-mini"): "2027-01-14", ("openai", "gpt-4.1-mini"): "2027-01-14"}
    for (provider, model), day in dates.items():
        assert registry.find(provider, model).retires == date.fromisoformat(day), model  # as model-facts §1 gives them

    monkeypatch.setattr(registry, "today", lambda: date(2026, 11, 30))
    flash = registry.find("gemini", "gemini-2.5-flash")
    assert flash.status == "served" and flash.retiring_in() == 1
    assert flash.label.endswith(" \u2014 retires in 1 day, try gemini-3.5-flash-lite")
    assert registry.find("openai", "gpt-5-mini").retire_note == " \u2014 retires in 11 days, try gpt-6.1-terra"
    assert registry.find("openai", "gpt-4o-mini").retire_note == ""  # 45 days away: no badge yet

    monkeypatch.setattr(registry, "today", lambda: date(2026, 12, 2))
    gone = registry.find("gemini", "gemini-2.5-flash")
    assert gone.status == "not_served" and gone.notes == "Retired by the provider on 2026-12-01; try gemini-3.5-flash-lite."
    from council.runs import providers

    assert providers.default_model("gemini") not in ("gemini-2.5-flash", "gemini-2.5-pro")


def test_every_remote_provider_has_a_lasting_served_chat_model():
    """At least one served chat model per remote provider that is not retiring within 60 days."""
    from datetime import date, timedelta

    from council.facts import registry

    horizon = date(2026, 11, 29) + timedelta(days=60)
    for provider in ("openai", "groq", "gemini", "huggingface"):
        lasting = [
            e
            for e in registry.models_for(provider)
            if e.status == "served" and e.task == "chat" and (e.retires is None or e.retires > horizon)
        ]
        assert lasting, provider


def test_the_council_never_seats_a_retired_model(monkeypatch):
    from datetime import date

    from council.facts import registry
    from council.runs import routing
    from council.runs.providers import Connection

    monkeypatch.setenv("GEMINI_API_KEY", "AIzaRetiredCheck0123456789abcdefghijk")
    monkeypatch.setattr(registry, "today", lambda: date(2026, 12, 2))
    seated = {e.model_id for e in routing.reachable(Connection(tokens={}, base_urls={}))}
    assert "gemini-2.5-flash" not in seated and "gemini-2.5-pro" not in seated and "gemini-3.8-flash" in seated


def test_openais_live_list_shutdown_date_is_a_retirement(monkeypatch):
    """OpenAI's /v1/models may carry shutdown_date: it wins over the registry and dates the live row."""
    from datetime import date

    from adapters import ModelInfo
    from council.facts import registry

    monkeypatch.setattr(registry, "today", lambda: date(2026, 12, 5))
    rows = registry.entries_from_live(
        "openai",
        [ModelInfo("gpt-5-mini", "openai", extra={"shutdown_date": "2026-12-01"}), ModelInfo("gpt-6-luna", "openai")],
        as_of="2026-12-05",
    )
    mini, luna = rows
    assert mini.retires == date(2026, 12, 1) and mini.status == "not_served" and "try gpt-6.1-terra" in mini.notes
    assert luna.status == "served" and luna.retires is None


def test_the_openai_adapter_reads_shutdown_dates():
    from adapters.openai_compat import OpenAIAdapter, _as_date

    assert _as_date("2026-12-11") == "2026-12-11" and _as_date(1796947200) == "2026-12-11" and _as_date(None) is None
    info = OpenAIAdapter(token="sk-x0123456789abcdefghijkl").model_info({"id": "gpt-5-mini", "shutdown_date": "2026-12-11"})
    assert info.extra == {"shutdown_date": "2026-12-11"}


def test_every_shipped_chat_row_has_a_context_window_or_says_why_not():
    from council.facts.registry import _shipped

    missing = [e.model_id for e in _shipped() if e.task == "chat" and not e.context_window and not e.extra.get("context_window_unknown")]
    assert missing == []


def test_the_registry_is_read_again_only_when_the_users_models_change(monkeypatch):
    from council.facts import registry

    reads = []
    real = registry.load_custom_models
    monkeypatch.setattr(registry, "load_custom_models", lambda: reads.append(1) or real())
    registry._loaded.clear()
    first = registry.load_registry()
    registry.load_registry()
    registry.load_registry()
    assert len(reads) == 1  # a picker's format_func calls it on every draw: read once
    registry.add_custom_model(registry.ModelEntry("ollama", "my-model:latest"))
    assert [e for e in registry.load_registry() if e.model_id == "my-model:latest"] and len(reads) >= 2
    assert len(first) + 1 == len(registry.load_registry())


def test_status_is_an_enum_the_stored_words_still_equal():
    from council.facts.registry import Status, load_registry

    assert Status.SERVED == "served" and {e.status for e in load_registry()} <= set(Status)
