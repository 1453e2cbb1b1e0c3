"""A loopback fake of Anthropic's Messages API (reference §9).

``x-api-key`` + ``anthropic-version`` required; SSE with named events (``message_start`` →
``content_block_start`` → ``ping`` → ``content_block_delta``… → ``content_block_stop`` →
``message_delta`` (cumulative ``output_tokens``) → ``message_stop``), no ``[DONE]``; thinking
blocks with a ``signature_delta``; mid-stream ``event: error``; ``anthropic-ratelimit-*`` and
``request-id`` headers; paginated ``/v1/models``; every error body of the reference. Version
2026-10-21 refuses sampling parameters, as the real API does.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import FakeServer, Reply, json_reply, serve_forever, split, stream_reply

HEADERS = {
    "request-id": "req_011CFake",
    "anthropic-organization-id": "00000000-0000-0000-0000-000000000000",
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "49",
    "anthropic-ratelimit-requests-reset": "2026-11-30T00:00:01Z",
    "anthropic-ratelimit-tokens-limit": "40000",
    "anthropic-ratelimit-tokens-remaining": "39000",
    "anthropic-ratelimit-tokens-reset": "2026-11-30T00:00:01Z",
}
MODELS = ["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7"]


def error(status: int, type_: str, message: str, *, details: dict | None = None, headers: dict | None = None) -> Reply:
    err: dict[str, Any] = {"type": type_, "message": message}
    if details is not None:
        err["details"] = details
    return json_reply(status, {"type": "error", "error": err, "request_id": "req_011CFake"}, {**HEADERS, **(headers or {})})


ERRORS: dict[str, Reply] = {
    "400-too-long": error(400, "invalid_request_error", "prompt is too long: 205351 tokens > 200000 maximum"),
    "400-spend-cap": error(
        400,
        "invalid_request_error",
        "You have reached your specified API usage limits. You will regain access on 2025-07-01 at 00:00 UTC.",
    ),
    "400-sampling": error(400, "invalid_request_error", "temperature: Extra inputs are not permitted"),
    "401": error(401, "authentication_error", "invalid x-api-key"),
    "402": error(402, "billing_error", "Your credit balance is too low to access the Anthropic API."),
    "403": error(403, "permission_error", "Permission denied"),
    "404": error(404, "not_found_error", "model: claude-3-5-sonnet-20241022"),
    "413": json_reply(413, {"error": {"type": "request_too_large", "message": "Request exceeds the maximum size"}}),
    "429": error(
        429,
        "rate_limit_error",
        "This request would exceed the rate limit for your organization (00000000-0000) of 1,000,000 input tokens per minute. "
        "For details, refer to: https://docs.anthropic.com/en/api/rate-limits.",
        headers={"retry-after": "7"},
    ),
    "429-spend": error(
        429, "rate_limit_error", "Rate limited", details={"error_code": "enforced_spend_limit_reached"}, headers={"retry-after": "60"}
    ),
    "500": error(500, "api_error", "Internal server error"),
    "504": error(504, "timeout_error", "Request timed out"),
    "529": error(529, "overloaded_error", "Overloaded"),
}


def event(name: str, payload: dict[str, Any], *, crlf: bool = False) -> bytes:
    end = "\r\n\r\n" if crlf else "\n\n"
    return f"event: {name}\ndata: {json.dumps(payload, separators=(',', ':'))}{end}".encode()


def message_stream(
    model: str,
    words: list[str],
    *,
    thinking: list[str] | None = None,
    stop_reason: str = "end_turn",
    cut_after: int | None = None,
    error_after: int | None = None,
) -> Reply:
    """The events a real stream sends, in order (thinking block first when asked for)."""
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_01Fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 1},
        },
    }
    pieces = [event("message_start", start)]
    index = 0
    if thinking:
        pieces.append(
            event(
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
            )
        )
        for thought in thinking:
            pieces.append(
                event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": thought}},
                )
            )
        pieces.append(
            event(
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM"}},
            )
        )
        pieces.append(event("content_block_stop", {"type": "content_block_stop", "index": 0}))
        index = 1
    pieces.append(
        event("content_block_start", {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}})
    )
    pieces.append(event("ping", {"type": "ping"}))
    for i, word in enumerate(words):
        if cut_after is not None and i >= cut_after:
            return stream_reply(pieces, cut=True, headers=HEADERS)
        if error_after is not None and i >= error_after:
            pieces.append(event("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}))
            return stream_reply(pieces, headers=HEADERS)
        piece = event(
            "content_block_delta",
            {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": word}},
            crlf=i % 3 == 2,
        )
        pieces += split(piece) if i == 1 else [piece]
    pieces.append(event("content_block_stop", {"type": "content_block_stop", "index": index}))
    pieces.append(
        event(
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None}, "usage": {"output_tokens": len(words)}},
        )
    )
    pieces.append(event("message_stop", {"type": "message_stop"}))
    return stream_reply(pieces, headers=HEADERS)


def message(model: str, text: str, *, thinking: str | None = None, stop_reason: str = "end_turn") -> Reply:
    content: list[dict[str, Any]] = []
    if thinking:
        content.append({"type": "thinking", "thinking": thinking, "signature": "EqQBCgIYAhIM"})
    content.append({"type": "text", "text": text})
    return json_reply(
        200,
        {
            "id": "msg_01Fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": 12,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": len(text.split()),
                "service_tier": "standard",
            },
        },
        HEADERS,
    )


MEDIA = {"image": ("image/jpeg", "image/png", "image/gif", "image/webp"), "document": ("application/pdf",)}


def block_problem(messages: list) -> str | None:
    """Content blocks checked as the Messages API does (its own words when one is wrong)."""
    for i, m in enumerate(messages):
        content = m.get("content") if isinstance(m, dict) else None
        if not isinstance(content, list):
            continue
        for j, block in enumerate(content):
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "text" and isinstance(block.get("text"), str):
                continue
            if kind in MEDIA:
                source = block.get("source") or {}
                if source.get("type") != "base64" or not isinstance(source.get("data"), str) or source.get("data", "").startswith("data:"):
                    return f"messages.{i}.content.{j}.{kind}.source.base64.data: the base64 data is not valid"
                if source.get("media_type") not in MEDIA[kind]:
                    return f"messages.{i}.content.{j}.{kind}.source.base64.media_type: Input should be {' or '.join(repr(t) for t in MEDIA[kind])}"
                continue
            return f"messages.{i}.content.{j}: Input tag '{kind}' found using 'type' does not match any of the expected tags"
    return None


class FakeAnthropic(FakeServer):
    """Keys ``sk-ant-…`` (any other is a 401). Model ``fake/missing`` → 404, ``fake/overloaded`` → 529,
    ``claude-thinker`` streams a thinking block first."""

    page_size = 2  # small pages, so clients must follow after_id

    def route(self, path: str) -> str:
        path = urlsplit(path).path
        if path == "/v1/messages":
            return "messages"
        if path.startswith("/v1/models"):
            return "models"
        return "other"

    def default(self, route: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        key = headers.get("x-api-key", "")
        if not key.startswith("sk-ant-") or "bad" in key:
            return ERRORS["401"]
        version = headers.get("anthropic-version")
        if version not in ("2023-06-01", "2026-10-21"):
            return error(400, "invalid_request_error", "anthropic-version: header is required")
        if route == "models":
            query = parse_qs(urlsplit(path).query)
            after = (query.get("after_id") or [None])[0]
            start = MODELS.index(after) + 1 if after in MODELS else 0
            rows = MODELS[start : start + self.page_size]
            data = [
                {
                    "type": "model",
                    "id": m,
                    "display_name": m.replace("-", " ").title(),
                    "created_at": "2026-01-01T00:00:00Z",
                    # what newer API versions add (SDK 2.x ModelInfo): lifecycle, limits, a shutdown time
                    "lifecycle": "active",
                    "retires_at": None,
                    "max_input_tokens": 200000,
                    "max_tokens": 64000,
                }
                for m in rows
            ]
            more = start + self.page_size < len(MODELS)
            return json_reply(
                200, {"data": data, "has_more": more, "first_id": rows[0] if rows else None, "last_id": rows[-1] if rows else None}, HEADERS
            )
        if route != "messages" or not isinstance(body, dict):
            return error(404, "not_found_error", "Not found")
        if "max_tokens" not in body:
            return error(400, "invalid_request_error", "max_tokens: Field required")
        if any(m.get("role") == "system" for m in body.get("messages") or []):
            return error(
                400,
                "invalid_request_error",
                'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.',
            )
        if version == "2026-10-21" and any(k in body for k in ("temperature", "top_p", "top_k")):
            return ERRORS["400-sampling"]
        bad = block_problem(body.get("messages") or [])
        if bad is not None:
            return error(400, "invalid_request_error", bad)
        model = str(body.get("model", ""))
        if model == "fake/missing":
            return ERRORS["404"]
        if model == "fake/overloaded":
            return ERRORS["529"]
        words = ["Hi", " from", f" {model}", "."]
        seen = [
            b["type"] for m in body.get("messages") or [] if isinstance(m.get("content"), list) for b in m["content"] if b["type"] != "text"
        ]
        if seen:  # it looked at what was attached (the test reads what came)
            words = [*words[:-1], f" (saw {', '.join(seen)})", "."]
        thinking = ["Let me think", " about it."] if model == "claude-thinker" else None
        if body.get("stream"):
            return message_stream(model, words, thinking=thinking)
        return message(model, "".join(words), thinking="".join(thinking) if thinking else None)


if __name__ == "__main__":
    serve_forever(FakeAnthropic())
