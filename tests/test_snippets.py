"""Snippets reproduce the request the app sends, byte for byte in its body, with the token as a
placeholder — and the Python one, run for real, gets the same answer from the fake."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

from adapters import ChatRequest, GenerationParams, Message, create_adapter
from council.runs import providers
from council.runs.snippets import for_request

TOKEN = "hf_SnippetToken0123456789abcdef"
REQUEST = ChatRequest(
    "acme/chat",
    (Message("system", "Be brief, it's true."), Message("user", 'Say "hi"')),
    GenerationParams(max_new_tokens=20, temperature=0.3),
)


def conn(fake) -> providers.Connection:
    return providers.Connection(tokens={"huggingface": TOKEN}, base_urls={"huggingface": fake.url, "huggingface-hub": fake.url})


async def test_curl_and_python_match_what_the_adapter_sends(fake_hf):
    snippets = for_request("huggingface", REQUEST, conn(fake_hf))
    adapter = create_adapter("huggingface", token=TOKEN, base_url=fake_hf.url, hub_url=fake_hf.url)
    _ = [c async for c in adapter.stream(REQUEST)]
    sent = fake_hf.requests_to("chat")[0].body
    words = shlex.split(snippets.curl.replace("\\\n", " "))
    assert words[1] == f"{fake_hf.url}/v1/chat/completions" and "-N" in words
    assert json.loads(words[words.index("-d") + 1]) == sent
    assert "Authorization: Bearer $HUGGINGFACE_TOKEN" in snippets.curl
    for text in (snippets.curl, snippets.python):
        assert TOKEN not in text
    assert 'os.environ["HUGGINGFACE_TOKEN"]' in snippets.python and "it's true." in snippets.python


def test_the_python_snippet_runs_and_reproduces_the_request(fake_hf, tmp_path):
    snippets = for_request("huggingface", REQUEST, conn(fake_hf))
    script = tmp_path / "snippet.py"
    script.write_text(snippets.python)
    done = subprocess.run(
        [sys.executable, str(script)], env={**os.environ, "HUGGINGFACE_TOKEN": TOKEN}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert '"content":"Hello"' in done.stdout and done.stdout.rstrip().endswith("data: [DONE]")  # the SSE lines, printed
    (seen,) = fake_hf.requests_to("chat")
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.body["messages"][1] == {"role": "user", "content": 'Say "hi"'} and seen.body["max_tokens"] == 20


def test_gemini_key_goes_in_its_header_not_the_url(fake_gemini, monkeypatch):
    monkeypatch.setenv("GEMINI_BASE_URL", fake_gemini.url)
    connection = providers.Connection(tokens={"gemini": "AIzaSnippetKey0123456789abcdefghijklm"}, base_urls={})
    snippets = for_request("gemini", REQUEST, connection)
    assert '-H "x-goog-api-key: $GEMINI_API_KEY"' in snippets.curl and "key=" not in snippets.curl
    assert ":streamGenerateContent?alt=sse" in snippets.curl


def test_a_server_without_token_gets_no_auth_header(fake_server):
    connection = providers.Connection(tokens={}, base_urls={"openai-compatible": fake_server.url + "/v1"})
    snippets = for_request("openai-compatible", ChatRequest("m", (Message("user", "x"),)), connection, stream=False)
    assert "Authorization" not in snippets.curl and snippets.token_env is None
    assert "httpx.post(" in snippets.python


def test_the_bundled_model_gets_python_only():
    snippets = for_request(
        "local",
        ChatRequest("SmolLM2-135M-Instruct", (Message("user", "x"),), GenerationParams(temperature=0.2)),
        providers.Connection({}, {}),
    )
    assert snippets.curl is None and "create_chat_completion" in snippets.python and "temperature=0.2" in snippets.python
    compile(snippets.python, "snippet", "exec")


def test_the_playground_shows_the_code_for_its_last_request(hf_env):
    from tests.helpers import paste_token, pick, send, start

    at = start()
    paste_token(at, TOKEN)
    pick(at, "fake/echo")
    send(at, "Hello code")
    (curl, python) = [c.value for c in at.code]
    assert curl.startswith(f"curl {hf_env.url}/v1/chat/completions") and '"content": "Hello code"' in curl
    assert "httpx.stream(" in python and TOKEN not in curl + python
    assert "Set HUGGINGFACE_TOKEN in your shell first" in " ".join(c.value for c in at.caption)
