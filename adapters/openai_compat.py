"""The OpenAI chat-completions protocol, shared by every server that speaks it.

Built in small overridable steps (headers → URL → payload → parse → errors) so that a provider
that speaks this protocol — the Hugging Face router today — overrides only what differs.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

from adapters import errors
from adapters.base import ChatRequest, Chunk, Completion, ModelInfo, Usage, present
from adapters.http import ErrorBody, cut_stream_error, error_fields, garbled_error, parse_retry_after, retry_hint_in_text
from adapters.remote import Prepared, RemoteAdapter, loads_event


def usage_from(data: Mapping[str, Any] | None) -> Usage | None:
    if not isinstance(data, Mapping):
        return None
    prompt, completion = data.get("prompt_tokens"), data.get("completion_tokens")
    if prompt is None and completion is None:
        return None
    return Usage(prompt_tokens=prompt, completion_tokens=completion)


class OpenAICompatAdapter(RemoteAdapter):
    """Any server with ``POST {base}/chat/completions`` in OpenAI's wire format."""

    provider = "openai-compatible"
    default_base_url: str | None = None
    base_url_env = "COUNCIL_OPENAI_COMPATIBLE_URL"
    token_required = False
    max_tokens_field = "max_tokens"
    chat_path = "/chat/completions"
    models_path = "/models"
    ask_for_stream_usage = True
    auth_message = (  # what a 401 says: where this provider's keys come from
        "Your server did not accept the key. Paste the key it was started with (for example vLLM's "
        "--api-key) in Settings, with no spaces or quotes; a server started without a key needs none."
    )

    def prepare(self, request: ChatRequest, *, stream: bool) -> Prepared:
        return self.prepared(self.chat_url(request), self.chat_payload(request, stream=stream), stream)

    def chat_url(self, request: ChatRequest) -> str:
        return self.base_url + self.chat_path

    def chat_payload(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        p = request.params
        payload: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }
        optional = {
            self.max_tokens_field: p.max_new_tokens,
            "temperature": p.temperature,
            "top_p": p.top_p,
            "stop": list(p.stop) if p.stop else None,
            "seed": p.seed,
        }
        payload.update(present(optional))
        if stream:
            payload["stream"] = True
            if self.ask_for_stream_usage:
                payload["stream_options"] = {"include_usage": True}
        return payload

    # ---- errors ------------------------------------------------------------------------------

    def map_error(self, status: int, body: ErrorBody, headers: Mapping[str, str], model: str) -> errors.ProviderError:
        kw = error_fields(self.provider, model, status, body, headers)
        code = body.code or body.type
        if code == "invalid_api_key" or status == 401:
            return errors.AuthError(self.auth_message, **kw)
        if code == "insufficient_quota":
            return errors.QuotaExhaustedError(**kw)
        if code == "context_length_exceeded":
            return errors.ContextLengthError(**kw)
        if code in ("model_not_found", "model_not_supported"):
            return errors.ModelNotFoundError(**kw)
        if status == 413:  # Groq: one request larger than the tokens-per-minute limit
            return errors.ContextLengthError(
                "This request is larger than your plan allows in one go (tokens per minute). Shorten the "
                "conversation or lower \u201cmax new tokens\u201d, or move to a higher tier with the provider.",
                **kw,
            )
        if code == "rate_limit_exceeded":
            wait = parse_retry_after(headers) or retry_hint_in_text(body.message)
            return errors.RateLimitError(retry_after=wait, **kw)
        return super().map_error(status, body, headers, model)

    def whole_body_chunk(self, data: Any, model: str, rate_limit: Any) -> Chunk:
        completion = self.parse_completion(data, model)
        return Chunk(text=completion.text, usage=completion.usage, finish_reason=completion.finish_reason or "stop", rate_limit=rate_limit)

    # ---- parsing -----------------------------------------------------------------------------

    def parse_completion(self, data: Any, model: str) -> Completion:
        if not isinstance(data, dict):
            raise garbled_error(provider=self.provider, model=model, what=str(data))
        if "error" in data:
            raise self.stream_error(data, model)
        try:
            choice = data["choices"][0]
            message = choice.get("message") or {}
            text = message.get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise garbled_error(provider=self.provider, model=model, what=json.dumps(data)[:200]) from None
        extra = {}
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        if reasoning:
            extra["reasoning"] = reasoning
        return Completion(
            text=text,
            model=data.get("model") or model,
            provider=self.provider,
            usage=usage_from(data.get("usage")) or Usage(),
            finish_reason=choice.get("finish_reason"),
            extra=extra,
        )

    def parse_chunk(self, data: Any, model: str) -> Chunk:
        if not isinstance(data, dict):
            raise garbled_error(provider=self.provider, model=model, what=str(data))
        if "error" in data:
            raise self.stream_error(data, model)
        text, finish, reasoning = "", None, ""
        choices = data.get("choices") or []
        if choices and isinstance(choices[0], dict):
            delta = choices[0].get("delta") or {}
            text = delta.get("content") or ""
            reasoning = delta.get("reasoning_content") or delta.get("reasoning") or ""
            finish = choices[0].get("finish_reason")
        usage = usage_from(data.get("usage")) or usage_from((data.get("x_groq") or {}).get("usage"))
        return Chunk(text=text, usage=usage, finish_reason=finish, extra={"reasoning": reasoning} if reasoning else None)

    # ---- the seam ----------------------------------------------------------------------------

    async def complete(self, request: ChatRequest) -> Completion:
        call = self.prepare(request, stream=False)
        return await self.post_for_completion(call.url, call.json, request.model, lambda data: self.parse_completion(data, request.model))

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        model = request.model
        usage: Usage | None = None
        finish: str | None = None
        done = False
        call = self.prepare(request, stream=True)
        events = self.sse_events(call.url, call.json, model)
        async with aclosing(events):
            async for event in events:
                if isinstance(event, Chunk):  # rate-limit headers, or a whole JSON body
                    done = done or bool(event.finish_reason)
                    yield event
                    continue
                if event.event == "error":
                    raise self.stream_error(loads_event(event.data, self, model), model)
                if event.data.startswith("[DONE]"):
                    done = True
                    break
                if not event.data.strip():
                    continue
                chunk = self.parse_chunk(loads_event(event.data, self, model), model)
                usage = chunk.usage or usage
                finish = chunk.finish_reason or finish
                if chunk.text or chunk.extra:
                    yield Chunk(text=chunk.text, extra=chunk.extra)
        if not done and finish is None:
            raise cut_stream_error(provider=self.provider, model=model)
        if usage is not None or finish is not None:
            yield Chunk(usage=usage, finish_reason=finish)

    async def list_models(self) -> list[ModelInfo]:
        response = await self._post(self.base_url + self.models_path, None, "", method="GET")
        data = self._json(response, "")
        rows = data.get("data") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise garbled_error(provider=self.provider, model="", what=str(data)[:200])
        return [self.model_info(r) for r in rows if isinstance(r, dict) and "id" in r]

    def model_info(self, row: dict) -> ModelInfo:
        """One row of ``GET {base}/models``."""
        return ModelInfo(id=str(row["id"]), provider=self.provider, owned_by=row.get("owned_by"))

    async def verify(self) -> str:
        models = await self.list_models()
        return f"{'Key accepted' if self._token else 'Connected'} \u00b7 {len(models)} models available"


class OpenAIAdapter(OpenAICompatAdapter):
    """OpenAI's own API: ``max_completion_tokens`` (``max_tokens`` is deprecated there)."""

    provider = "openai"
    default_base_url = "https://api.openai.com/v1"
    base_url_env = "OPENAI_BASE_URL"
    token_required = True
    max_tokens_field = "max_completion_tokens"
    auth_message = (
        "OpenAI did not accept your API key. Check that it is copied whole (it starts with sk-), with no "
        "spaces or quotes around it, or create a new key at platform.openai.com/api-keys and paste it in Settings."
    )


class GroqAdapter(OpenAICompatAdapter):
    """Groq: OpenAI's wire format; usage also arrives in ``x_groq.usage`` on the final chunk."""

    provider = "groq"
    default_base_url = "https://api.groq.com/openai/v1"
    base_url_env = "GROQ_BASE_URL"
    token_required = True
    max_tokens_field = "max_tokens"
    auth_message = (
        "Groq did not accept your API key. Check that it is copied whole (it starts with gsk_), with no "
        "spaces or quotes around it, or create a new key at console.groq.com/keys and paste it in Settings."
    )
