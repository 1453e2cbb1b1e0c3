"""Models: the Hub search over real HTTP (filters, Link pages, no token sent), the router's live
list with a provider in error, live lists cached with a time-to-live, models met as no longer
served, refresh-prices, the registry's data files, and the page itself through AppTest."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from adapters import create_adapter
from adapters.base import ModelInfo
from adapters.hub import HubQuery, parse_models
from council.facts import availability, capabilities, hub, price_refresh
from council.facts.registry import DATA, ModelEntry, add_custom_model, load_registry
from council.runs.providers import Connection
from council.runs.resilience import Attempt
from tests.helpers import shown_text, start

TOKEN = "hf_ModelsPageToken0123456789ab"
ROOT = Path(__file__).resolve().parents[1]


def _conn() -> Connection:
    return Connection(tokens={"huggingface": TOKEN}, base_urls={}, visitor_is_local=True)


# ---- the Hub search, over real HTTP -----------------------------------------------------------


async def test_hub_search_filters_by_task_library_and_license(hf_env):
    adapter = create_adapter("huggingface", token=TOKEN, base_url=hf_env.url, hub_url=hf_env.url)
    page = await adapter.search_hub(HubQuery(pipeline_tag="text-generation", library="transformers", license="llama3.1"))
    assert [m.id for m in page.models] == ["meta-llama/Llama-3.1-8B-Instruct"] and page.next_url is None
    (seen,) = hf_env.requests_to("hub_models")
    assert "pipeline_tag=text-generation" in seen.path and "filter=transformers" in seen.path and "filter=license%3Allama3.1" in seen.path
    assert "inference_provider=all" in seen.path and "expand%5B%5D=inferenceProviderMapping" in seen.path
    assert "authorization" not in seen.headers  # the listing is public: the token stays home
    summary = (await adapter.search_hub(HubQuery(pipeline_tag="summarization"))).models
    assert [(m.id, m.license, m.live_providers) for m in summary] == [("facebook/bart-large-cnn", "mit", ["hf-inference"])]
    await adapter.aclose()


async def test_hub_search_follows_link_next_pages_to_the_end(hf_env):
    adapter = create_adapter("huggingface", token=None, hub_url=hf_env.url)
    page = await adapter.search_hub(HubQuery(limit=4, sort="likes"))
    seen = list(page.models)
    while page.next_url:
        page = await adapter.search_hub(next_url=page.next_url)
        seen += page.models
    served = [m for m in parse_models(__import__("tests.fakes.hf_server", fromlist=["HUB_MODELS"]).HUB_MODELS) if m.providers]
    assert len(seen) == len(served) == len({m.id for m in seen})
    assert [m.likes for m in seen] == sorted((m.likes for m in seen), reverse=True)
    assert len(hf_env.requests_to("hub_models")) == -(-len(served) // 4)
    await adapter.aclose()


async def test_a_next_page_on_another_host_is_not_followed(hf_env):
    from adapters import errors

    adapter = create_adapter("huggingface", token=TOKEN, hub_url=hf_env.url)
    with pytest.raises(errors.BadRequestError, match="another host"):
        await adapter.search_hub(next_url="http://127.0.0.2:9/api/models?cursor=2")
    await adapter.aclose()


def test_provider_mapping_in_both_shapes():
    listed = parse_models([{"id": "a/b", "inferenceProviderMapping": [{"provider": "groq", "status": "live", "task": "conversational"}]}])
    keyed = parse_models([{"id": "a/b", "inferenceProviderMapping": {"groq": {"status": "live", "task": "conversational"}}}])
    assert listed[0].providers == keyed[0].providers and listed[0].chat and hub.task_for(listed[0]) == "chat"


async def test_router_list_prices_live_providers_only_and_names_the_one_in_error(hf_env):
    infos = await create_adapter("huggingface", token=TOKEN, base_url=hf_env.url).list_models()
    big = next(i for i in infos if i.id == "openai/gpt-oss-120b")
    assert (big.price_in_per_m, big.price_out_per_m, big.served_by) == (0.15, 0.6, ("groq",))
    statuses = {p["provider"]: p["status"] for p in big.extra["providers"]}
    assert statuses == {"groq": "live", "novita": "error"}
    router = availability.LiveList("huggingface", [ModelEntry("huggingface", big.id, extra=big.extra)], 0.0)
    hit = parse_models([{"id": big.id, "inferenceProviderMapping": []}])[0]
    assert hub.describe_offers(hub.offers(hit, router)) == "groq $0.15/$0.6 \u00b7 novita (error)"


# ---- live lists and what was met in use --------------------------------------------------------


async def test_live_lists_are_cached_on_disk_until_they_expire(hf_env, monkeypatch):
    conn = _conn()
    first = await availability.live_list("huggingface", conn)
    again = await availability.live_list("huggingface", conn)
    assert first.ids == again.ids == {"openai/gpt-oss-120b", "Qwen/Qwen3-VL-8B-Instruct", "fake/echo"}
    assert len(hf_env.requests_to("models")) == 1  # the second came from the cache
    await availability.live_list("huggingface", conn, force=True)
    assert len(hf_env.requests_to("models")) == 2
    later = availability._now() + availability.TTL_S + 1
    monkeypatch.setattr(availability, "_now", lambda: later)
    await availability.live_list("huggingface", conn)
    assert len(hf_env.requests_to("models")) == 3


async def test_a_failed_list_is_reported_and_not_cached(hf_env):
    from tests.fakes.hf_server import ERRORS

    hf_env.enqueue("models", ERRORS["503-plain"])
    failed = await availability.live_list("huggingface", _conn())
    assert failed.error and not failed.rows
    assert (await availability.live_list("huggingface", _conn())).rows  # asked again, not served from a cache


def test_a_model_met_as_not_found_is_marked_with_an_alternative_and_cleared_when_it_answers():
    model = "mistralai/Mistral-7B-Instruct-v0.2"
    availability.note_attempts([Attempt("huggingface", model, "not_found", 404)])
    (item,) = [a for a in availability.registry_today() if a.entry.model_id == model]
    assert item.status == "not_served" and "does not serve this model" in item.reason
    assert item.alternative in {"openai/gpt-oss-120b", "openai/gpt-oss-20b", "deepseek-ai/DeepSeek-V4-Pro"}
    availability.note_attempts([Attempt("huggingface", model, "ok", 200)])
    (item,) = [a for a in availability.registry_today() if a.entry.model_id == model]
    assert item.status == "served"


def test_a_410_in_the_playground_marks_the_model(hf_env):
    from tests.fakes.hf_server import ERRORS
    from tests.helpers import paste_token, send

    at = start()
    paste_token(at, TOKEN)
    at.selectbox(key="w_pg_provider").set_value("huggingface").run()
    at.selectbox(key="w_pg_model").set_value("mistralai/Mistral-7B-Instruct-v0.2").run()
    hf_env.enqueue("chat", ERRORS["410"])
    send(at, "Hello")
    assert availability.marks()["huggingface/mistralai/Mistral-7B-Instruct-v0.2"].reason == "Hugging Face answered 410 Gone"
    at.run()
    assert "no longer served" in shown_text(at) and "try openai/gpt-oss-120b instead" in shown_text(at)
    at.button(key="btn_pg_use_alternative").click().run()
    assert at.selectbox(key="w_pg_model").value == "openai/gpt-oss-120b"


# ---- data files and refresh-prices -------------------------------------------------------------


def test_every_registry_and_price_row_has_a_source_and_a_date():
    for name, table in (("models.toml", "model"), ("prices.toml", "price")):
        rows = tomllib.loads((DATA / name).read_text())[table]
        assert rows and all(r.get("source") and r.get("as_of") for r in rows), name


def test_the_guides_models_stay_with_their_true_status():
    status = {e.model_id: e.status for e in load_registry() if e.provider == "huggingface"}
    assert status["mistralai/Mistral-7B-Instruct-v0.2"] == "served"
    for gone in ("meta-llama/Llama-2-7b-chat-hf", "google/flan-t5-xxl", "tiiuae/falcon-7b-instruct", "bigcode/starcoder"):
        assert status[gone] == "not_served"
    for model in ("gpt2", "facebook/bart-large-cnn", "google/pegasus-xsum", "deepset/roberta-base-squad2", "Salesforce/codegen-16B-multi"):
        assert model in status


def test_cheapest_live_provider_wins():
    info = ModelInfo(
        "m",
        "huggingface",
        extra={
            "providers": [
                {"provider": "a", "status": "live", "input_per_m": 0.5, "output_per_m": 1.0},
                {"provider": "b", "status": "error", "input_per_m": 0.01, "output_per_m": 0.01},
                {"provider": "c", "status": "live", "input_per_m": 0.2, "output_per_m": 0.9},
            ]
        },
    )
    assert price_refresh.cheapest(info) == price_refresh.Cheapest("m", "c", 0.2, 0.9)


def _run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    import os

    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_API_KEY"))}
    return subprocess.run(
        [sys.executable, "-m", "council", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_refresh_prices_stamps_router_prices_and_keeps_the_rest(hf_env, tmp_path):
    target = tmp_path / "prices.toml"
    original = (DATA / "prices.toml").read_text()
    target.write_text(original)
    result = _run_cli(
        "refresh-prices",
        "--file",
        str(target),
        env={"HF_ROUTER_URL": hf_env.url, "HUGGINGFACE_TOKEN": TOKEN, "COUNCIL_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "openai/gpt-oss-120b: no price \u2192 $0.15 / $0.6 (groq)" in result.stdout
    rows = tomllib.loads(target.read_text())["price"]
    (row,) = [r for r in rows if (r["provider"], r["model_id"]) == ("huggingface", "openai/gpt-oss-120b")]
    assert row["input_per_m"] == 0.15 and row["as_of"] == __import__("datetime").date.today().isoformat()
    assert "cheapest live provider: groq" in row["source"]
    assert target.read_text().startswith(original.split("[[price]]")[0])  # comments and other rows untouched
    assert TOKEN not in result.stdout + result.stderr


def test_refresh_prices_without_a_token_says_what_to_do(tmp_path):
    result = _run_cli("refresh-prices", "--dry-run", env={"COUNCIL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1 and "HUGGINGFACE_TOKEN" in result.stdout


# ---- the page ----------------------------------------------------------------------------------


def models_page(monkeypatch, hf_env):
    monkeypatch.setenv("HUGGINGFACE_TOKEN", TOKEN)
    at = start()
    at.switch_page("pages/models.py").run()
    assert not at.exception, at.exception
    return at


def test_registry_table_shows_sources_dates_and_status(monkeypatch, hf_env):
    at = models_page(monkeypatch, hf_env)
    table = at.dataframe[0].value
    assert {
        "Provider",
        "Model",
        "Task",
        "Context (tokens)",
        "Strengths",
        "Input ($/1M)",
        "Output ($/1M)",
        "Status",
        "Source",
        "Checked",
        "Price change",
        "Older than 30 days",
    } <= set(table.columns)
    assert table[table["Model"] == "gemini-3.8-flash"].iloc[0]["Price change"].startswith("from 2027-01-01")
    # the router's live list, fetched just now, vouches for the chat models it lists; task models it does
    # not list keep the registry's date, which is older than 30 days
    assert table[table["Model"] == "openai/gpt-oss-120b"].iloc[0]["Older than 30 days"] == "\u2014"
    assert table[table["Model"] == "facebook/bart-large-cnn"].iloc[0]["Older than 30 days"] == "model facts (2026-08-22)"
    assert "have facts older than 30 days" in shown_text(at) and "python -m council refresh" in shown_text(at)


def test_facts_older_than_thirty_days_are_flagged(monkeypatch, hf_env):
    from datetime import date

    from council.facts import registry

    monkeypatch.setattr(registry, "today", lambda: date(2027, 2, 1))  # two months on, no Gemini list fetched since
    at = models_page(monkeypatch, hf_env)
    table = at.dataframe[0].value
    flash = table[table["Model"] == "gemini-3.8-flash"].iloc[0]
    assert flash["Older than 30 days"] == "model facts (2026-11-29), price (2026-11-29)"
    assert flash["Price change"] == "\u2014"  # the 2027-01-01 step has begun: it is today's price now
    assert (flash["Input ($/1M)"], flash["Output ($/1M)"]) == (1.5, 7.5)
    row = table[table["Model"] == "meta-llama/Llama-2-7b-chat-hf"].iloc[0]
    assert row["Status"] == "no longer served" and row["Try instead"] and row["Checked"]
    served = table[table["Model"] == "openai/gpt-oss-120b"]
    assert set(served["Status"]) == {"served"}
    at.multiselect(key="w_models_providers").set_value(["gemini"]).run()
    assert set(at.dataframe[0].value["Provider"]) == {"Google Gemini"}


def test_hub_search_then_try_a_model_in_one_click(monkeypatch, hf_env):
    at = models_page(monkeypatch, hf_env)
    at.selectbox(key="w_models_hub_license").set_value("apache-2.0").run()
    at.button(key="btn_models_hub_search").click().run()
    results = at.dataframe[1].value
    assert list(results["Model"][:2]) == ["openai/gpt-oss-120b", "mistralai/Mistral-7B-Instruct-v0.2"]
    assert results["Served by ($ in/out per 1M)"][0] == "groq $0.15/$0.6 \u00b7 novita (error)"
    assert len(results) == 20 and "More results" in [b.label for b in at.button]
    at.button(key="btn_models_hub_more").click().run()
    assert len(at.dataframe[1].value) > 20  # the Link next page was followed
    at.selectbox(key="w_models_hub_pick").set_value("mistralai/Mistral-7B-Instruct-v0.2").run()
    at.button(key="btn_models_hub_playground").click().run()
    at.switch_page("pages/playground.py").run()
    assert at.selectbox(key="w_pg_provider").value == "huggingface"
    assert at.selectbox(key="w_pg_model").value == "mistralai/Mistral-7B-Instruct-v0.2"


def test_add_to_compare_and_to_my_models(monkeypatch, hf_env):
    at = models_page(monkeypatch, hf_env)
    at.button(key="btn_models_hub_search").click().run()
    at.selectbox(key="w_models_hub_pick").set_value("Qwen/Qwen2.5-7B-Instruct").run()
    at.button(key="btn_models_hub_keep").click().run()
    assert any(e.model_id == "Qwen/Qwen2.5-7B-Instruct" and e.custom for e in load_registry())
    at.button(key="btn_models_hub_compare").click().run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert at.session_state["cmp_count"] == 3 and at.selectbox(key="w_cmp2_model").value == "Qwen/Qwen2.5-7B-Instruct"
    assert "cmp_added_note" not in at.session_state  # shown once on arrival (AppTest sees only the last run)


def test_the_hubs_image_models_are_found_marked_and_kept_as_reading_images(monkeypatch, hf_env):
    at = models_page(monkeypatch, hf_env)
    at.selectbox(key="w_models_hub_task").set_value("image-text-to-text").run()
    at.button(key="btn_models_hub_search").click().run()
    results = at.dataframe[1].value
    assert list(results["Model"]) == ["Qwen/Qwen3-VL-8B-Instruct"] and results["Task"][0] == "\U0001f441 image-text-to-text"
    assert "It reads images" in shown_text(at) and "a chat model through the router" in shown_text(at)
    at.button(key="btn_models_hub_keep").click().run()
    kept = next(e for e in load_registry() if e.model_id == "Qwen/Qwen3-VL-8B-Instruct")
    assert kept.custom and kept.task == "chat" and kept.extra == {"vision": True}  # kept across restarts, in the models file
    assert capabilities.reads("huggingface", "Qwen/Qwen3-VL-8B-Instruct").images is True  # the router's list says so too


def test_a_custom_model_is_validated_and_removable(monkeypatch, hf_env):
    at = models_page(monkeypatch, hf_env)
    at.text_input(key="w_models_new_id").input("../../etc/passwd").run()
    at.button(key="btn_models_add").click().run()
    assert "cannot contain" in shown_text(at) and not [e for e in load_registry() if e.custom]
    at.text_input(key="w_models_new_id").input("acme/my-finetune").run()
    at.multiselect(key="w_models_new_strengths").set_value(["code"]).run()
    at.button(key="btn_models_add").click().run()
    (mine,) = [e for e in load_registry() if e.custom]
    assert (mine.model_id, mine.strengths, mine.source) == ("acme/my-finetune", ("code",), "added by you")
    at.button(key="btn_models_remove_huggingface_acme/my-finetune").click().run()
    assert not [e for e in load_registry() if e.custom]


def test_user_models_survive_in_the_data_folder():
    add_custom_model(ModelEntry("ollama", "qwen2.5:7b", strengths=("general",)))
    assert [e.model_id for e in load_registry() if e.custom] == ["qwen2.5:7b"]
