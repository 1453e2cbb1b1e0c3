"""The OpenAI chat-completions protocol, shared by every server that speaks it.

Built in small overridable steps (headers → URL → payload → parse → errors) so that a provider
that speaks this protocol — the Hugging Face router today — overrides only what differs.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import aclosing
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent

from adapters import errors
from adapters.base import Adapter, ChatRequest, Chunk, Completion, ModelInfo, Usage
from adapters.http import (
    ClientPool,
    ErrorBody,
    check_base_url,
    cut_stream_error,
    error_for_status,
    garbled_error,
    make_timeout,
    parse_error_body,
    parse_rate_limit,
    parse_retry_after,
    retry_hint_in_text,
    transport_error,
)
from adapters.timing import Stopwatch


def usage_from(data: Mapping[str, Any] | None) -> Usage | None:
    if not isinstance(data, Mapping):
        return None
    prompt, completion = data.get("prompt_tokens"), data.get("completion_tokens")
    if prompt is None and completion is None:
        return None
    return Usage(prompt_tokens=prompt, completion_tokens=completion)


class OpenAICompatAdapter(Adapter):
    """Any server with ``POST {base}/chat/completions`` in OpenAI's wire format."""

    provider = "openai-compatible"
    default_base_url: str | None = None
    base_url_env = "COUNCIL_OPENAI_COMPATIBLE_URL"
    token_required = False
    max_tokens_field = "max_tokens"
    chat_path = "/chat/completions"
    models_path = "/models"
    ask_for_stream_usage = True

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        self._token = (token or "").strip() or None
        url = base_url or os.environ.get(self.base_url_env or "", "") or self.default_base_url
        if not url:
            raise errors.BadRequestError(
                "No base URL is set for this provider. Enter the server's address in Settings.",
                provider=self.provider,
            )
        self.base_url = check_base_url(url, provider=self.provider, has_token=bool(self._token))
        self._pool = ClientPool(timeout or make_timeout(), client)

    # ---- request building (override in small steps) ---------------------------------------

    def headers(self) -> dict[str, str]:
        if self.token_required and not self._token:
            raise self.missing_token_error()
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def missing_token_error(self) -> errors.ProviderError:
        return errors.AuthError(
            "No token is set for this provider. Paste one in Settings, then press Verify.",
            provider=self.provider,
        )

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
        payload.update({k: v for k, v in optional.items() if v is not None})
        if stream:
            payload["stream"] = True
            if self.ask_for_stream_usage:
                payload["stream_options"] = {"include_usage": True}
        return payload

    # ---- errors ------------------------------------------------------------------------------

    def map_error(self, status: int, body: ErrorBody, headers: Mapping[str, str], model: str) -> errors.ProviderError:
        kw: dict[str, Any] = {
            "provider": self.provider,
            "model": model,
            "status": status,
            "rate_limit": parse_rate_limit(headers),
            "detail": body.message,
        }
        code = body.code or body.type
        if code == "invalid_api_key":
            return errors.AuthError(**kw)
        if code == "insufficient_quota":
            return errors.QuotaExhaustedError(**kw)
        if code == "context_length_exceeded":
            return errors.ContextLengthError(**kw)
        if code in ("model_not_found", "model_not_supported"):
            return errors.ModelNotFoundError(**kw)
        if code == "rate_limit_exceeded" and status != 413:
            wait = parse_retry_after(headers) or retry_hint_in_text(body.message)
            return errors.RateLimitError(retry_after=wait, **kw)
        return error_for_status(status, body, headers, provider=self.provider, model=model)

    def stream_error(self, payload: Mapping[str, Any], model: str) -> errors.ProviderError:
        """An error that arrived inside a 200 stream."""
        body = parse_error_body(json.dumps(payload).encode(), {})
        status = payload.get("error", {}).get("code") if isinstance(payload.get("error"), dict) else None
        return self.map_error(status if isinstance(status, int) else 500, body, {}, model)

    # ---- wire --------------------------------------------------------------------------------

    async def _post(self, url: str, payload: Mapping[str, Any] | None, model: str, *, method: str = "POST") -> httpx.Response:
        headers = self.headers()
        try:
            response = await self._pool.get().request(method, url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_error(exc, provider=self.provider, model=model) from None
        if response.status_code != 200:
            raise self.map_error(response.status_code, parse_error_body(response.content, response.headers), response.headers, model)
        return response

    def _json(self, response: httpx.Response, model: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise garbled_error(provider=self.provider, model=model, what=response.text) from None

    async def sse_events(self, url: str, payload: Mapping[str, Any], model: str) -> AsyncIterator[ServerSentEvent | Chunk]:
        """Yield the server's SSE events; a 200 JSON body (no stream) comes back as one Chunk."""
        headers = {**self.headers(), "Accept": "text/event-stream"}
        try:
            async with self._pool.get().stream("POST", url, json=payload, headers=headers) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise self.map_error(
                        response.status_code,
                        parse_error_body(response.content, response.headers),
                        response.headers,
                        model,
                    )
                rate_limit = parse_rate_limit(response.headers)
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    await response.aread()
                    yield self.whole_body_chunk(self._json(response, model), model, rate_limit)
                    return
                if rate_limit:
                    yield Chunk(rate_limit=rate_limit)
                async for event in EventSource(response).aiter_sse():
                    yield event
        except httpx.HTTPError as exc:
            raise transport_error(exc, provider=self.provider, model=model, streaming=True) from None

    def whole_body_chunk(self, data: Any, model: str, rate_limit: Any) -> Chunk:
        completion = self.parse_completion(data, model)
        return Chunk(
            text=completion.text,
            usage=completion.usage,
            finish_reason=completion.finish_reason or "stop",
            rate_limit=rate_limit,
        )

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
        return await self.post_for_completion(
            self.chat_url(request),
            self.chat_payload(request, stream=False),
            request.model,
            lambda data: self.parse_completion(data, request.model),
        )

    async def post_for_completion(self, url: str, payload: Mapping[str, Any], model: str, parse: Callable[[Any], Completion]) -> Completion:
        """One non-streaming call: POST, parse, and stamp timing and rate-limit headers."""
        watch = Stopwatch()
        response = await self._post(url, payload, model)
        completion = parse(self._json(response, model))
        completion.latency_s = watch.elapsed()
        completion.ttft_s = completion.latency_s  # the whole answer arrives at once
        completion.rate_limit = parse_rate_limit(response.headers)
        return completion

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        model = request.model
        usage: Usage | None = None
        finish: str | None = None
        done = False
        events = self.sse_events(self.chat_url(request), self.chat_payload(request, stream=True), model)
        async with aclosing(events):
            async for event in events:
                if isinstance(event, Chunk):  # rate-limit headers, or a whole JSON body
                    done = done or bool(event.finish_reason)
                    yield event
                    continue
                if event.event == "error":
                    raise self.stream_error(_loads(event.data, self, model), model)
                if event.data.startswith("[DONE]"):
                    done = True
                    break
                if not event.data.strip():
                    continue
                chunk = self.parse_chunk(_loads(event.data, self, model), model)
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
        return [ModelInfo(id=str(r["id"]), provider=self.provider, owned_by=r.get("owned_by")) for r in rows if "id" in r]

    async def verify(self) -> str:
        models = await self.list_models()
        return f"Connected: the server lists {len(models)} model(s)."

    async def aclose(self) -> None:
        await self._pool.aclose()


def _loads(data: str, adapter: Adapter, model: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise garbled_error(provider=adapter.provider, model=model, what=data) from None
