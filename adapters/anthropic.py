"""Anthropic's Messages API (reference/provider-protocols.md §9).

Its own protocol: ``x-api-key`` and ``anthropic-version`` headers, ``system`` as a top-level field,
``max_tokens`` required, SSE with named events (``message_start`` → ``content_block_*`` →
``message_delta`` → ``message_stop``, ``ping`` in between, ``error`` mid-stream, no ``[DONE]``),
thinking blocks, and errors as ``{"type":"error","error":{"type","message","details"?}}``.

We send ``anthropic-version: 2023-06-01``: the 2026-10-21 version refuses every sampling parameter.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from datetime import datetime
from typing import Any

from adapters import errors
from adapters.base import ChatRequest, Chunk, Completion, Message, ModelInfo, Usage, counted, present
from adapters.http import ErrorBody, cut_stream_error, error_fields, garbled_error, parse_retry_after, path_segment
from adapters.remote import Prepared, RemoteAdapter, loads_event
from adapters.spec import ProviderSpec

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024  # Anthropic requires max_tokens; this is what we send when none is set
_SPEND_CAP = re.compile(r"specified API usage limits|spend limit", re.I)
_TOO_LONG = re.compile(r"prompt is too long", re.I)

# finish reasons in the words the rest of the app uses
_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "model_context_window_exceeded": "length"}


def _usage(data: Any, prompt: int | None = None) -> Usage | None:
    if not isinstance(data, Mapping):
        return None
    inputs = data.get("input_tokens")
    if isinstance(inputs, int):  # cache reads and writes are input too
        inputs += sum(v for k in ("cache_creation_input_tokens", "cache_read_input_tokens") if isinstance(v := data.get(k), int))
    out = data.get("output_tokens")
    if inputs is None and out is None:
        return None
    return Usage(prompt_tokens=inputs if inputs is not None else prompt, completion_tokens=out)


def _rate_limit_headers(headers: Mapping[str, str]) -> errors.RateLimitInfo | None:
    """``anthropic-ratelimit-requests-*`` and ``-tokens-*`` (reset is an RFC 3339 time)."""

    def num(name: str) -> int | None:
        try:
            return int(headers[name]) if name in headers else None
        except ValueError:
            return None

    def reset(name: str) -> float | None:
        raw = headers.get(name)
        if not raw:
            return None
        try:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
        return max(0.0, when.timestamp() - datetime.now(when.tzinfo).timestamp())

    info = errors.RateLimitInfo(
        limit_requests=num("anthropic-ratelimit-requests-limit"),
        remaining_requests=num("anthropic-ratelimit-requests-remaining"),
        reset_requests_s=reset("anthropic-ratelimit-requests-reset"),
        limit_tokens=num("anthropic-ratelimit-tokens-limit"),
        remaining_tokens=num("anthropic-ratelimit-tokens-remaining"),
        reset_tokens_s=reset("anthropic-ratelimit-tokens-reset"),
    )
    return info if any(v is not None for v in vars(info).values()) else None


def blocks(message: Message) -> str | list[dict[str, Any]]:
    """A message's ``content``: its text, or — with attachments — blocks: each image and PDF first (images
    before the text read best), then each text document and the text."""
    if not message.attachments:
        return message.content
    out: list[dict[str, Any]] = []
    for a in message.attachments:
        if a.kind in ("image", "pdf"):
            kind = "image" if a.kind == "image" else "document"
            out.append({"type": kind, "source": {"type": "base64", "media_type": a.mime, "data": a.base64}})
    out += [{"type": "text", "text": a.as_text} for a in message.attachments if a.kind == "text"]
    return [*out, {"type": "text", "text": message.content}]


class AnthropicAdapter(RemoteAdapter):
    spec = ProviderSpec(
        vision_models=r".",  # every current Claude model reads images and PDFs
        pdf_models=r".",
        id="anthropic",
        attachments_max_mb=32,  # Anthropic: 32 MB a request
        image_tokens="pixels",  # its published rule for what an image costs
        price_data="anthropic",
        label="Anthropic",
        token_env=("ANTHROPIC_API_KEY",),
        base_url_env="ANTHROPIC_BASE_URL",
        default_base_url="https://api.anthropic.com",
        token_required=True,
        keys_from="Create a key in the Claude Console (https://platform.claude.com/settings/keys; it starts with sk-ant-). "
        "Anthropic has no free API tier.",
        id_pattern=r"^[a-z0-9][a-z0-9._-]*$",
        id_hint="an Anthropic model id looks like claude-haiku-4-5",
        colour="#000000",
        order=3,
    )
    auth_header_name = "x-api-key"
    auth_header_prefix = ""

    def protocol_headers(self) -> dict[str, str]:
        return {"anthropic-version": API_VERSION}

    def missing_token_error(self) -> errors.ProviderError:
        return errors.TokenMissingError(
            "No Anthropic API key is set. Create one in the Claude Console (Settings \u2192 API keys), paste it in Settings "
            "and press Verify.",
            provider=self.provider,
        )

    # ---- request -------------------------------------------------------------------------------

    def prepare(self, request: ChatRequest, *, stream: bool) -> Prepared:
        return self.prepared(f"{self.base_url}/v1/messages", self.payload(request, stream=stream), stream)

    def payload(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        turns: list[dict[str, Any]] = []
        for m in request.messages:
            if m.role == "system":
                continue
            content = blocks(m)
            if turns and turns[-1]["role"] == m.role:  # consecutive same-role turns are one turn
                before = turns[-1]["content"]
                if isinstance(before, str) and isinstance(content, str):
                    turns[-1]["content"] = before + "\n\n" + content
                else:
                    as_blocks = [{"type": "text", "text": before}] if isinstance(before, str) else before
                    turns[-1]["content"] = as_blocks + ([{"type": "text", "text": content}] if isinstance(content, str) else content)
            else:
                turns.append({"role": m.role, "content": content})
        p = request.params
        body: dict[str, Any] = {
            "model": request.model,
            "max_tokens": p.max_new_tokens or DEFAULT_MAX_TOKENS,
            "messages": turns,
        }
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        temperature = 0.0 if p.do_sample is False else p.temperature
        body.update(
            present(
                {
                    "system": system or None,
                    # Anthropic takes 0–1; the app's scale is 0–2 like OpenAI's
                    "temperature": min(temperature, 1.0) if temperature is not None else None,
                    "top_p": p.top_p,
                    "top_k": p.top_k,
                    "stop_sequences": list(p.stop) if p.stop else None,
                }
            )
        )
        if stream:
            body["stream"] = True
        return body

    # ---- errors --------------------------------------------------------------------------------

    def map_error(self, status: int, body: ErrorBody, headers: Mapping[str, str], model: str) -> errors.ProviderError:
        kw = error_fields(self.provider, model, status, body, headers) | {"rate_limit": _rate_limit_headers(headers)}
        err = body.data.get("error") if isinstance(body.data, dict) else None
        kind = body.type
        details = err.get("details") if isinstance(err, dict) else None
        code = str(details.get("error_code") or "") if isinstance(details, dict) else ""
        if body.is_html:
            return super().map_error(status, body, headers, model)
        if status == 401 or kind == "authentication_error":
            return errors.AuthError(
                "Anthropic did not accept your API key. Check that it is copied whole (it starts with sk-ant-), with no spaces "
                "or quotes around it, or create a new key in the Claude Console and paste it in Settings.",
                **kw,
            )
        if code == "enforced_spend_limit_reached" or _SPEND_CAP.search(body.message) or status == 402 or kind == "billing_error":
            return errors.QuotaExhaustedError(
                "Your Anthropic organisation has reached its spend limit (or has no credit left). Raise the limit or add "
                "credit in the Claude Console, or use another provider until it resets.",
                **kw,
            )
        if _TOO_LONG.search(body.message) or status == 413 or kind == "request_too_large":
            return errors.ContextLengthError(**kw)
        if status == 404 or kind == "not_found_error":
            return errors.ModelNotFoundError(
                "Anthropic does not know this model (or it was retired). Check the id, e.g. claude-haiku-4-5, or pick one "
                "from the live list.",
                **kw,
            )
        if status == 403 or kind == "permission_error":
            return errors.AccessDeniedError("Your Anthropic key may not use this model or feature. Check its workspace permissions.", **kw)
        if status == 429 or kind == "rate_limit_error":
            return errors.RateLimitError(retry_after=parse_retry_after(headers), **kw)
        if status == 529 or kind == "overloaded_error":
            return errors.ProviderUnavailableError(
                "Anthropic's servers are overloaded right now (HTTP 529). The app retries; if it keeps failing, try again in a "
                "few minutes or use another provider.",
                **kw,
            )
        if status >= 500 or kind in ("api_error", "timeout_error"):
            return errors.ProviderUnavailableError(**kw)
        return super().map_error(status, body, headers, model)

    def stream_error(self, payload: Mapping[str, Any], model: str) -> errors.ProviderError:
        """An ``event: error`` after the 200: its ``error.type`` says which."""
        err = payload.get("error") if isinstance(payload.get("error"), dict) else {}
        kind = str(err.get("type") or "")
        status = {"overloaded_error": 529, "rate_limit_error": 429, "api_error": 500, "invalid_request_error": 400}.get(kind, 500)
        body = ErrorBody(message=str(err.get("message") or ""), type=kind, data=dict(payload))
        return self.map_error(status, body, {}, model)

    # ---- parsing -------------------------------------------------------------------------------

    def parse_message(self, data: Any, model: str) -> Completion:
        if not isinstance(data, dict) or not isinstance(data.get("content"), list):
            if isinstance(data, dict) and data.get("type") == "error":
                raise self.stream_error(data, model)
            raise garbled_error(provider=self.provider, model=model, what=str(data)[:200])
        blocks = [b for b in data["content"] if isinstance(b, dict)]
        text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
        thinking = "".join(str(b.get("thinking", "")) for b in blocks if b.get("type") == "thinking")
        reason = data.get("stop_reason")
        return Completion(
            text=text,
            model=str(data.get("model") or model),
            provider=self.provider,
            usage=_usage(data.get("usage")) or Usage(),
            finish_reason=_STOP_REASONS.get(str(reason), str(reason) if reason else None),
            extra={"reasoning": thinking} if thinking else {},
        )

    # ---- the seam ------------------------------------------------------------------------------

    async def complete(self, request: ChatRequest) -> Completion:
        call = self.prepare(request, stream=False)
        return await self.post_for_completion(call.url, call.json, request.model, lambda d: self.parse_message(d, request.model))

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        model = request.model
        call = self.prepare(request, stream=True)
        prompt: int | None = None
        usage: Usage | None = None
        finish: str | None = None
        stopped = False
        events = self.sse_events(call.url, call.json, model)
        async with aclosing(events):
            async for event in events:
                if isinstance(event, Chunk):  # rate-limit headers, or a whole JSON body
                    finish = event.finish_reason or finish
                    stopped = stopped or bool(event.finish_reason)
                    yield event
                    continue
                if not event.data.strip():
                    continue
                data = loads_event(event.data, self, model)
                kind = event.event or (data.get("type") if isinstance(data, dict) else "")
                if kind == "error" or (isinstance(data, dict) and data.get("type") == "error"):
                    raise self.stream_error(data, model)
                if not isinstance(data, dict) or kind == "ping":
                    continue
                if kind == "message_start":
                    start = _usage((data.get("message") or {}).get("usage"))
                    prompt = start.prompt_tokens if start else None
                    usage = start
                elif kind == "content_block_delta":
                    delta = data.get("delta") or {}
                    if delta.get("type") == "text_delta" and delta.get("text"):
                        yield Chunk(text=str(delta["text"]))
                    elif delta.get("type") == "thinking_delta" and delta.get("thinking"):
                        yield Chunk(extra={"reasoning": str(delta["thinking"])})
                elif kind == "message_delta":
                    reason = (data.get("delta") or {}).get("stop_reason")
                    if reason:
                        finish = _STOP_REASONS.get(str(reason), str(reason))
                    usage = _usage(data.get("usage"), prompt) or usage  # output_tokens is cumulative
                elif kind == "message_stop":
                    stopped = True
                    break
        if not stopped:  # no [DONE] here: a stream without message_stop was cut
            raise cut_stream_error(provider=self.provider, model=model)
        yield Chunk(usage=usage, finish_reason=finish or "stop")

    async def list_models(self) -> list[ModelInfo]:
        """``GET /v1/models``, following ``after_id`` while ``has_more``."""
        models: list[ModelInfo] = []
        after: str | None = None
        for _ in range(20):  # a bound on pages, whatever the server says
            url = f"{self.base_url}/v1/models?limit=1000" + (f"&after_id={path_segment(after)}" if after else "")
            data = self._json(await self._post(url, None, "", method="GET"), "")
            rows = data.get("data") if isinstance(data, dict) else None
            if not isinstance(rows, list):
                raise garbled_error(provider=self.provider, model="", what=str(data)[:200])
            models += [self.model_info(row) for row in rows if isinstance(row, dict) and row.get("id")]
            after = data.get("last_id")
            if not data.get("has_more") or not after:
                break
        return models

    def model_info(self, row: dict) -> ModelInfo:
        """One row of ``/v1/models``. Newer API versions add ``lifecycle``, ``retires_at`` (the shutdown
        date, read as the model's retirement), ``max_input_tokens`` and ``max_tokens`` (its output limit)."""
        context, output = row.get("max_input_tokens"), row.get("max_tokens")
        retires = row.get("retires_at")
        return ModelInfo(
            id=str(row["id"]),
            provider=self.provider,
            context_length=context if isinstance(context, int) else None,
            owned_by="anthropic",
            extra=present(
                {
                    **{k: row[k] for k in ("display_name", "created_at", "lifecycle") if row.get(k)},
                    "shutdown_date": retires[:10] if isinstance(retires, str) and len(retires) >= 10 else None,
                    "output_limit": output if isinstance(output, int) else None,
                }
            ),
        )

    async def verify(self) -> str:
        models = await self.list_models()
        return f"Key accepted \u00b7 {counted(len(models), 'model')} available"
