"""``python -m council check``: the guide's "test all providers", against the fakes and for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from council.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def every_provider(monkeypatch, fake_hf, fake_openai, fake_groq, fake_gemini, fake_ollama, fake_server):
    env = {
        "HF_TOKEN": "hf_checkToken0123456789abcdef",
        "HF_ROUTER_URL": fake_hf.url,
        "HF_ENDPOINT": fake_hf.url,
        "OPENAI_API_KEY": "sk-checkKey0123456789abcdefghij",
        "OPENAI_BASE_URL": fake_openai.url + "/v1",
        "GROQ_API_KEY": "gsk_checkKey0123456789abcdefghij",
        "GROQ_BASE_URL": fake_groq.url + "/openai/v1",
        "GEMINI_API_KEY": "AIzaCheckKey0123456789abcdefghijklmno",
        "GEMINI_BASE_URL": fake_gemini.url,
        "OLLAMA_HOST": fake_ollama.url,
        "COUNCIL_OPENAI_COMPATIBLE_URL": fake_server.url + "/v1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def run_json(capsys, *args: str) -> tuple[int, dict]:
    code = main(["check", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.local_model
def test_every_configured_provider_is_checked(every_provider, capsys, bundled_model):
    code, doc = run_json(capsys)
    rows = {r["provider"]: r for r in doc["providers"]}
    assert set(rows) == {"local", "huggingface", "openai", "groq", "gemini", "ollama", "openai-compatible"}
    for row in rows.values():
        assert set(row) >= {"provider", "configured", "verified", "models", "generation_ok", "latency_s", "ttft_s", "error"}
        assert row["configured"] and row["verified"] and row["generation_ok"], row
        assert row["error"] is None and row["models"] >= 1 and 0 < row["ttft_s"] <= row["latency_s"]
    assert rows["ollama"]["model"] == "llama3.2:latest"  # from its live list
    assert code == 0
    text = json.dumps(doc)
    assert not any(secret in text for name, secret in every_provider.items() if "KEY" in name or "TOKEN" in name)


def test_a_failing_provider_exits_1_with_its_fix(every_provider, monkeypatch, capsys):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_bad_key_0123456789abcdefgh")
    code, doc = run_json(capsys, "--provider", "groq", "--provider", "gemini")
    groq, gemini = doc["providers"]
    assert code == 1
    assert groq["verified"] is False and groq["error"]["kind"] == "auth" and "console.groq.com/keys" in groq["error"]["message"]
    assert gemini["generation_ok"] is True


def test_a_named_provider_that_is_not_configured_fails(capsys):
    code, doc = run_json(capsys, "--provider", "openai")
    assert code == 1
    assert doc["providers"][0]["configured"] is False and doc["providers"][0]["error"]["kind"] == "not_configured"


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check", "--provider", "nonesuch"])
    assert info.value.code == 2


def test_table_output(every_provider, capsys):
    assert main(["check", "--provider", "openai", "--provider", "ollama"]) == 0
    out = capsys.readouterr().out
    assert "OpenAI" in out and "Ollama" in out and "2 of 2 provider(s) passed." in out


@pytest.mark.local_model
def test_fresh_machine_checks_the_bundled_model_only_and_passes(tmp_path, bundled_model):
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_API_KEY", "_URL", "_HOST", "_ENDPOINT"))}
    env |= {"COUNCIL_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "council", "check", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [r["provider"] for r in doc["providers"]] == ["local"]
    assert doc["providers"][0]["generation_ok"] is True
