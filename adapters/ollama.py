"""Ollama's native API: ``/api/chat`` streaming NDJSON, ``/api/tags``, ``GET /`` as health check.

Wire facts: ``reference/provider-protocols.md`` §2. No token (a proxy in front may want one).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

import httpx

from adapters import errors
from adapters.base import ChatRequest, Chunk, Completion, Message, ModelInfo, Usage, counted, present
from adapters.http import ErrorBody, cut_stream_error, error_fields, garbled_error, parse_retry_after, transport_error
from adapters.remote import Prepared, RemoteAdapter
from adapters.spec import AddressField, ProviderSpec

# the reasoning-effort values a model that thinks takes as a plain switch (its /api/show gives no levels)
THINK_SWITCH = ("off", "on")
THINK = {"off": False, "on": True}
SHOW_AT_MOST = 60  # /api/show is asked for this many listed models at most

_NOT_FOUND = re.compile(r"""model ['"]?([^'"]+?)['"]? not found""", re.I)
_NO_THINKING = re.compile(r"does not support thinking", re.I)


def _usage(line: Mapping[str, Any]) -> Usage | None:
    prompt, completion = line.get("prompt_eval_count"), line.get("eval_count")  # either may be missing
    if prompt is None and completion is None:
        return None
    return Usage(prompt_tokens=prompt, completion_tokens=completion)


def chat_message(message: Message) -> dict[str, Any]:
    """A message on /api/chat: text documents in the text, images as bare base64 in ``images`` (PDFs never
    reach Ollama as files: they arrive as their text)."""
    out: dict[str, Any] = {"role": message.role, "content": message.text_with_documents}
    images = [a.base64 for a in message.attachments if a.kind == "image"]
    if images:
        out["images"] = images
    return out


class OllamaAdapter(RemoteAdapter):
    spec = ProviderSpec(
        vision_models=r"llava|vision|gemma3|qwen2\.5vl|qwen3-vl|minicpm-v|moondream|llama4|mistral-small3\.[12]",  # /api/show says more
        id="ollama",
        label="Ollama",
        base_url_env="OLLAMA_HOST",
        default_base_url="http://localhost:11434",
        id_pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*){0,3}(?::[A-Za-z0-9._-]+)?$",
        id_hint="an Ollama model is a name with an optional :tag (for example llama3.2:3b or hf.co/owner/repo:Q4_K_M)",
        address=AddressField(
            "ollama",
            "Ollama address",
            "http://localhost:11434",
            "Where Ollama listens. Setting it here (or OLLAMA_HOST) turns Ollama on in the app.",
        ),
        verify_help="Check that Ollama runs there and list the models you pulled.",
        free_per_token=True,
        structured_output="schema",
        structured_output_unless=r"-cloud$|:cloud$",
        colour="#CC79A7",
        order=7,
    )

    def __init__(self, token: str | None = None, base_url: str | None = None, **kwargs: Any) -> None:
        import os

        host = base_url or os.environ.get(self.base_url_env, "")
        if host and "://" not in host:  # OLLAMA_HOST is often just host:port
            host = "http://" + host
        super().__init__(token, host or None, **kwargs)

    def prepare(self, request: ChatRequest, *, stream: bool) -> Prepared:
        return self.prepared(f"{self.base_url}/api/chat", self.payload(request, stream=stream), stream)

    def payload(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        p = request.params
        options = {
            "num_predict": p.max_new_tokens,
            "temperature": 0.0 if p.do_sample is False else p.temperature,
            "top_p": p.top_p,
            "top_k": p.top_k,
            "repeat_penalty": p.repetition_penalty,
            "stop": list(p.stop) if p.stop else None,
            "seed": p.seed,
        }
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [chat_message(m) for m in request.messages],
            "stream": stream,
        }
        options = present(options)
        if options:
            body["options"] = options
        if p.reasoning_effort is not None:  # a thinking model: on/off, or a level it lists (gpt-oss: low/medium/high)
            body["think"] = THINK.get(p.reasoning_effort, p.reasoning_effort)
        if request.output is not None:
            body["format"] = request.output.schema  # a JSON Schema (not on cloud models)
        return body

    def map_error(self, status: int, body: ErrorBody, headers: Mapping[str, str], model: str) -> errors.ProviderError:
        kw = error_fields(self.provider, model, status, body, headers)
        missing = _NOT_FOUND.search(body.message)
        if status == 404 or missing:
            name = missing.group(1) if missing else model
            return errors.ModelNotFoundError(
                f"Ollama does not have the model \u201c{name}\u201d yet. Download it with \u201collama pull {name}\u201d "
                "in a terminal, then try again (or pick a model Ollama lists).",
                **kw,
            )
        if status == 400 and _NO_THINKING.search(body.message):
            return errors.UnsupportedParameterError(
                f"This model does not think before answering, so it refused a reasoning setting. It said: “{body.message}” "
                "The app leaves it out from now on for this model.",
                param="think",
                **kw,
            )
        if status == 503:
            return errors.ProviderUnavailableError("Ollama is busy (its request queue is full). Wait a moment and try again.", **kw)
        if status == 401:  # local models need no sign-in; Ollama's cloud models do
            return errors.AuthError(
                "Ollama asked you to sign in: this is one of its cloud models. Run \u201collama signin\u201d in a "
                "terminal and try again, or pick a model you have pulled (\u201collama list\u201d shows them).",
                **kw,
            )
        if status == 403:
            return errors.AccessDeniedError(
                "Ollama refused this model: cloud models are turned off on this Ollama or not available to your "
                "account. Pick a model you have pulled (\u201collama list\u201d shows them).",
                **kw,
            )
        if status == 429:
            return errors.RateLimitError(
                "Ollama says too many requests (its cloud models have hourly and daily limits). Wait a moment and "
                "try again, or pick a model you have pulled, which has no limit.",
                retry_after=parse_retry_after(headers),
                **kw,
            )
        if status == 502 and not body.is_html:  # a web page is a proxy in front of Ollama talking, not Ollama
            return errors.ProviderUnavailableError(
                "Ollama could not reach the cloud model it passes this request to. Try again in a moment, or pick a model you have pulled.",
                **kw,
            )
        return super().map_error(status, body, headers, model)

    def _line_chunk(self, line: Any, model: str) -> Chunk:
        if not isinstance(line, dict):
            raise garbled_error(provider=self.provider, model=model, what=str(line)[:200])
        if "error" in line:  # an error line inside a 200 stream
            message = str(line["error"])
            missing = _NOT_FOUND.search(message)
            raise self.map_error(404 if missing else 500, ErrorBody(message=message), {}, model)
        text = str((line.get("message") or {}).get("content") or line.get("response") or "")
        thinking = str((line.get("message") or {}).get("thinking") or "")
        if line.get("done"):
            return Chunk(
                text=text,
                usage=_usage(line),
                finish_reason=line.get("done_reason") or "stop",
                extra={"reasoning": thinking} if thinking else None,
            )
        return Chunk(text=text, extra={"reasoning": thinking} if thinking else None)

    async def complete(self, request: ChatRequest) -> Completion:
        def parse(data: Any) -> Completion:
            chunk = self._line_chunk(data, request.model)
            return Completion(
                chunk.text, request.model, self.provider, chunk.usage or Usage(), chunk.finish_reason, extra=dict(chunk.extra or {})
            )

        call = self.prepare(request, stream=False)
        return await self.post_for_completion(call.url, call.json, request.model, parse)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        model = request.model
        finished = False
        call = self.prepare(request, stream=True)
        lines = self.ndjson_lines(call.url, call.json, model)
        async with aclosing(lines):
            async for line in lines:
                chunk = self._line_chunk(line, model)
                if chunk.finish_reason:  # the final line: stats, and maybe the last piece of text
                    finished = True
                    if chunk.text or chunk.extra:
                        yield Chunk(text=chunk.text, extra=chunk.extra)
                    yield Chunk(usage=chunk.usage, finish_reason=chunk.finish_reason)
                    break
                if chunk.text or chunk.extra:
                    yield chunk
        if not finished:
            raise cut_stream_error(provider=self.provider, model=model)

    async def list_models(self) -> list[ModelInfo]:
        """``GET /api/tags``, then ``POST /api/show`` for each model: what it can do (``capabilities``:
        thinking, and its thinking levels) and its context length, where the server says."""
        data = self._json(await self._post(f"{self.base_url}/api/tags", None, "", method="GET"), "")
        rows = data.get("models") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise garbled_error(provider=self.provider, model="", what=str(data)[:200])
        models = []
        for row in rows:
            if isinstance(row, dict) and (row.get("name") or row.get("model")):
                name = str(row.get("name") or row.get("model"))
                details = row.get("details") or {}
                shown = await self.show(name) if len(models) < SHOW_AT_MOST else {}
                models.append(
                    ModelInfo(
                        id=name,
                        provider=self.provider,
                        context_length=shown.pop("context_length", None),
                        price_in_per_m=0.0,
                        price_out_per_m=0.0,
                        owned_by="local",
                        extra=present({"size": details.get("parameter_size"), "quantization": details.get("quantization_level"), **shown}),
                    )
                )
        return models

    async def show(self, model: str) -> dict[str, Any]:
        """What ``/api/show`` says of one model: ``capabilities`` (e.g. completion, thinking, tools),
        ``think_values`` (the levels ``think`` takes, when it names them) and ``context_length``. An
        older server, or one that fails here, says nothing: {}."""
        try:
            data = self._json(await self._post(f"{self.base_url}/api/show", {"model": model}, model), model)
        except errors.ProviderError:
            return {}
        if not isinstance(data, dict):
            return {}
        facts: dict[str, Any] = {}
        capabilities = data.get("capabilities")
        if isinstance(capabilities, list):
            facts["capabilities"] = [str(c) for c in capabilities]
        thinking = data.get("thinking")
        values = thinking.get("values") if isinstance(thinking, dict) else None
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            facts["think_values"] = list(values)  # named levels (gpt-oss: low, medium, high)
        elif isinstance(values, list) and values and all(isinstance(v, bool) for v in values):
            facts["think_values"] = list(THINK_SWITCH)  # a plain switch: off / on
        info = data.get("model_info")
        if isinstance(info, dict):
            lengths = [v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)]
            if lengths:
                facts["context_length"] = lengths[0]
        return facts

    async def health(self) -> str:
        """``GET /`` answers "Ollama is running" when the server is up."""
        try:
            response = await self._pool.get().get(f"{self.base_url}/", headers=self.headers())
        except httpx.HTTPError as exc:
            raise transport_error(exc, provider=self.provider, model="") from None
        if response.status_code != 200:
            raise self.map_error(response.status_code, ErrorBody(message=response.text[:200]), response.headers, "")
        return response.text.strip()

    async def verify(self) -> str:
        running = await self.health()
        models = await self.list_models()
        names = ", ".join(m.id for m in models[:3]) + ("\u2026" if len(models) > 3 else "")
        return f"{running or 'Ollama is running'} \u00b7 {counted(len(models), 'model')} pulled" + (
            f" ({names})" if models else " \u2014 run \u201collama pull llama3.2\u201d to get one"
        )
