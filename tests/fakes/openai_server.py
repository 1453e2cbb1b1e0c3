"""A loopback fake of OpenAI's and Groq's chat-completions APIs (reference §4, §5, §7.6).

``x-ratelimit-*`` headers on every response, ``retry-after`` only on 429; SSE chunks ending with
``[DONE]``; the ``include_usage`` chunk with empty ``choices``; Groq's ``x_groq`` id on the first
and last chunks and ``x_groq.usage`` on the final content chunk; every error body of the reference.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes.server import FakeServer, Reply, instance_of, json_reply, serve_forever, split, split_words, sse, stream_reply

RATE_HEADERS = {
    "x-ratelimit-limit-requests": "14400",
    "x-ratelimit-remaining-requests": "14399",
    "x-ratelimit-reset-requests": "6m0s",
    "x-ratelimit-limit-tokens": "6000",
    "x-ratelimit-remaining-tokens": "5990",
    "x-ratelimit-reset-tokens": "2m59.56s",
    "x-request-id": "req_01fake",
}


def err(status: int, message: str, type_: str, code: str | None, param: str | None = None, headers: dict | None = None) -> Reply:
    return json_reply(
        status, {"error": {"message": message, "type": type_, "param": param, "code": code}}, {**RATE_HEADERS, **(headers or {})}
    )


ERRORS: dict[str, Reply] = {
    "401-openai": err(
        401,
        "Incorrect API key provided: sk-abc***. You can find your API key at https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    ),
    "401-groq": json_reply(401, {"error": {"message": "Invalid API Key", "type": "invalid_request_error", "code": "invalid_api_key"}}),
    "429-rate": err(
        429,
        "Rate limit reached for gpt-4o in organization org-xxx on tokens per min (TPM): Limit 10000, Used 6630, Requested 3787. Please try again in 2.502s. Visit https://platform.openai.com/account/rate-limits to learn more.",
        "tokens",
        "rate_limit_exceeded",
        headers={"retry-after-ms": "2502", "retry-after": "3"},
    ),
    "429-groq-text": err(
        429,
        "Rate limit reached for model `llama-3.1-8b-instant` in organization `org_x` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Used 5034, Requested 1443. Please try again in 4.77s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
        "tokens",
        "rate_limit_exceeded",
    ),
    "429-quota": err(
        429,
        "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        "insufficient_quota",
        "insufficient_quota",
    ),
    "404": err(404, "The model `gpt-4o` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"),
    "400-context": err(
        400,
        "This model's maximum context length is 128000 tokens. However, your messages resulted in 204308 tokens. Please reduce the length of the messages.",
        "invalid_request_error",
        "context_length_exceeded",
        "messages",
    ),
    "413-groq": json_reply(
        413,
        {
            "error": {
                "message": "Request too large for model `llama-3.3-70b-versatile` in organization `org_x` service tier `on_demand` on tokens per minute (TPM): Limit 12000, Requested 14137, please reduce your message size and try again.",
                "type": "tokens",
                "code": "rate_limit_exceeded",
            }
        },
    ),
    "500": err(500, "The server had an error while processing your request.", "server_error", None),
    "503": err(503, "The engine is currently overloaded, please try again later", "server_error", None),
}


def chunk(
    model: str, content: str | None = None, finish: str | None = None, *, reasoning: str | None = None, extra: dict | None = None
) -> dict:
    delta: dict[str, Any] = {}
    if content is not None:
        delta = {"role": "assistant", "content": content}
    if reasoning is not None:
        delta["reasoning"] = reasoning
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **(extra or {}),
    }


def framed(i: int, payload: dict) -> list[bytes]:
    """Event ``i`` of a stream, in one of the framings real servers send, in turn: ``data: `` with a
    space, ``data:`` without one (TGI's docs), CRLF line ends written in two pieces (a client must
    join them), and a ``: ping`` comment before the event."""
    data = json.dumps(payload, separators=(",", ":"))
    if i % 4 == 0:
        return [sse(data)]
    if i % 4 == 1:
        return [sse(data, space=False)]
    if i % 4 == 2:
        return split(sse(data, crlf=True))
    return [b": ping\n\n", sse(data)]


def sse_reply(
    events: list[dict],
    *,
    done: bool = True,
    cut_after: int | None = None,
    keep_alive: bool = False,
    headers: dict[str, str] | None = None,
) -> Reply:
    """An OpenAI-style chat stream of ``events`` (every server speaking this protocol shares it: OpenAI,
    Groq, the Hugging Face router, a self-hosted server): optional keep-alive comment first, each event
    framed in turn, ``[DONE]`` last unless ``done=False``, cut (no terminating chunk) after
    ``cut_after`` events."""
    pieces: list[bytes] = [b": keep-alive\n\n"] if keep_alive else []
    for i, payload in enumerate(events):
        if cut_after is not None and i >= cut_after:
            return stream_reply(pieces, cut=True, headers=headers)
        pieces += framed(i, payload)
    if done:
        pieces.append(b"data: [DONE]\n\n")
    return stream_reply(pieces, headers=headers)


def chat_stream(
    model: str,
    words: list[str],
    *,
    groq: bool = False,
    include_usage: bool = True,
    reasoning: list[str] | None = None,
    cut_after: int | None = None,
    finish: str = "stop",
    hidden_reasoning: int | None = None,
) -> Reply:
    completion = len(words) + (hidden_reasoning or 0)
    usage: dict[str, Any] = {"prompt_tokens": 10, "completion_tokens": completion, "total_tokens": 10 + completion}
    if hidden_reasoning is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": hidden_reasoning}
    events = [chunk(model, reasoning=thought) for thought in reasoning or []]
    events += [chunk(model, word, extra={"x_groq": {"id": "req_01fake"}} if groq and i == 0 else None) for i, word in enumerate(words)]
    final_extra = {"x_groq": {"id": "req_01fake", "usage": {**usage, "queue_time": 0.01, "total_time": 0.003}}} if groq else None
    events.append(chunk(model, None, finish, extra=final_extra))
    if include_usage:
        events.append({"id": "chatcmpl-x", "object": "chat.completion.chunk", "created": 1, "model": model, "choices": [], "usage": usage})
    cut = None if cut_after is None else len(reasoning or []) + cut_after
    return sse_reply(events, cut_after=cut, headers=RATE_HEADERS)


def completion(model: str, text: str, reasoning: str | None = None, *, finish: str = "stop", hidden_reasoning: int | None = None) -> Reply:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if reasoning:
        message["reasoning_content"] = reasoning
    tokens = len(text.split()) + (hidden_reasoning or 0)
    usage: dict[str, Any] = {"prompt_tokens": 10, "completion_tokens": tokens, "total_tokens": 10 + tokens}
    if hidden_reasoning is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": hidden_reasoning}
    return json_reply(
        200,
        {
            "id": "chatcmpl-x",
            "object": "chat.completion",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": usage,
            "system_fingerprint": "fp_fake",
        },
        RATE_HEADERS,
    )


REASONING_MODEL = re.compile(r"^(gpt-5|gpt-6|gpt-7|o[1-9])")  # reasoning models (model-facts §3), and one newer than the app knows
THINKING = {"minimal": 0, "low": 200, "medium": 600, "high": 2000}  # hidden tokens spent first, by reasoning_effort


TEXT_ONLY = re.compile(r"gpt-oss|gpt-3\.5|text-only")  # models that answer an image part with the real 400
CONTENT_TYPE_400 = {
    "error": {
        "message": "Invalid content type. image_url is only supported by certain models.",
        "type": "invalid_request_error",
        "param": "messages.[0].content.[1].type",
        "code": None,
    }
}


def content_problem(model: str, messages: list) -> Reply | None:
    """Content parts checked as the provider does: known part types only, images as data URLs (or https) of
    an image type, PDFs as ``file`` parts with a PDF data URL, and no image for a text-only model."""
    for i, m in enumerate(messages):
        content = m.get("content") if isinstance(m, dict) else None
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                continue
            if kind == "image_url":
                url = str((part.get("image_url") or {}).get("url") or "")
                if not (
                    url.startswith(
                        ("data:image/png;base64,", "data:image/jpeg;base64,", "data:image/webp;base64,", "data:image/gif;base64,")
                    )
                    or url.startswith("https://")
                ):
                    return json_reply(
                        400,
                        {
                            "error": {
                                "message": f"Invalid image URL: messages[{i}].content[{j}].image_url.url",
                                "type": "invalid_request_error",
                                "param": f"messages.[{i}].content.[{j}].image_url.url",
                                "code": "invalid_image_url",
                            }
                        },
                    )
                if TEXT_ONLY.search(model):
                    return json_reply(400, CONTENT_TYPE_400)
                continue
            if kind == "file" and str((part.get("file") or {}).get("file_data") or "").startswith("data:application/pdf;base64,"):
                continue
            return json_reply(
                400,
                {
                    "error": {
                        "message": f"Invalid value: '{kind}'. Supported values are: 'text', 'image_url', 'input_audio', 'refusal', 'audio' and 'file'.",
                        "type": "invalid_request_error",
                        "param": f"messages[{i}].content[{j}].type",
                        "code": "invalid_value",
                    }
                },
            )
    return None


class FakeOpenAI(FakeServer):
    """OpenAI (``flavour="openai"``, keys ``sk-…``), Groq (``"groq"``, keys ``gsk_…``), or a
    self-hosted server that asks for no key (``"server"``, like vLLM without --api-key)."""

    def __init__(self, flavour: str = "openai") -> None:
        super().__init__()
        self.flavour = flavour
        self.key_prefix = {"groq": "gsk_", "openai": "sk-"}.get(flavour)

    def route(self, path: str) -> str:
        path = path.split("?", 1)[0]
        if path.endswith("/chat/completions"):
            return "chat"
        if path.endswith("/models"):
            return "models"
        return "other"

    def default(self, route: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if self.key_prefix is not None and (not key.startswith(self.key_prefix) or "bad" in key):
            return ERRORS["401-groq" if self.flavour == "groq" else "401-openai"]
        if route == "models":
            return json_reply(200, {"object": "list", "data": LISTED.get(self.flavour, LISTED["server"])}, RATE_HEADERS)
        if route != "chat" or not isinstance(body, dict):
            return json_reply(404, {"error": {"message": "Unknown route", "type": "invalid_request_error", "code": None}})
        model = str(body.get("model", ""))
        if model == "fake/missing":
            return ERRORS["404"]
        if model == "fake/quota":
            return ERRORS["429-quota"]
        refused = content_problem(model, body.get("messages") or [])
        if refused is not None:
            return refused
        if self.flavour == "openai" and REASONING_MODEL.match(model):
            return reasoning_reply(model, body)
        words = ["Hi", " from", f" {model}", "."]
        seen = [p["type"] for m in body.get("messages") or [] if isinstance(m.get("content"), list) for p in m["content"]]
        if "image_url" in seen or "file" in seen:  # it looked at what was attached (the test reads what came)
            words = [*words[:-1], f" (saw {', '.join(t for t in seen if t != 'text')})", "."]
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":  # structured output: the answer keeps to the schema
            words = split_words(json.dumps(instance_of(fmt["json_schema"]["schema"])))
        reasoning = ["Thinking", " hard."] if model == "fake/reasoner" else None
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return chat_stream(model, words, groq=self.flavour == "groq", include_usage=include_usage, reasoning=reasoning)
        return completion(model, "".join(words), "Thinking hard." if reasoning else None)


def _row(model_id: str, **facts: Any) -> dict:
    return {"id": model_id, "object": "model", "created": 1, "owned_by": "fake", **facts}


# What each flavour's GET /models lists: OpenAI's rows may carry shutdown_date (its deprecations page);
# Groq's carry context_window and max_completion_tokens (its models API).
LISTED = {
    "openai": [_row("gpt-4o-mini"), _row("gpt-5-mini", shutdown_date="2026-12-11")],
    "groq": [
        _row("openai/gpt-oss-20b", active=True, context_window=131072, max_completion_tokens=65536),
        _row("openai/gpt-oss-120b", active=True, context_window=131072, max_completion_tokens=65536),
    ],
    "server": [_row("my-local-model")],
}


def _refuse(param: str, value: Any) -> Reply:
    if param == "max_tokens":
        return err(
            400,
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
            "invalid_request_error",
            "unsupported_parameter",
            "max_tokens",
        )
    return err(
        400,
        f"Unsupported value: '{param}' does not support {value} with this model. Only the default (1) value is supported.",
        "invalid_request_error",
        "unsupported_value",
        param,
    )


def reasoning_reply(model: str, body: dict) -> Reply:
    """A reasoning model's own rules: sampling other than 1 and ``max_tokens`` are refused; hidden
    reasoning is spent from ``max_completion_tokens`` first (``reasoning_effort`` sets how much), so a
    small budget answers 200 with empty content and ``finish_reason: "length"``."""
    for param in ("temperature", "top_p"):
        if param in body and body[param] != 1:
            return _refuse(param, body[param])
    if "max_tokens" in body:
        return _refuse("max_tokens", body["max_tokens"])
    effort = body.get("reasoning_effort", "medium")
    if effort not in THINKING:
        return err(
            400,
            f"Invalid value: '{effort}'. Supported values are: 'minimal', 'low', 'medium', and 'high'.",
            "invalid_request_error",
            "invalid_value",
            "reasoning_effort",
        )
    budget = int(body.get("max_completion_tokens") or 100_000)
    thinking = THINKING[effort] if "ponder" not in model else 10**9  # "o9-ponder" thinks through any budget
    words = ["Hi", " from", f" {model}", "."]
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        words = split_words(json.dumps(instance_of(fmt["json_schema"]["schema"])))
    if budget <= thinking + len(words):  # the budget went on thinking: nothing left to say
        words, finish, thinking = [], "length", budget
    else:
        finish = "stop"
    if body.get("stream"):
        return chat_stream(
            model,
            words,
            include_usage=bool((body.get("stream_options") or {}).get("include_usage")),
            finish=finish,
            hidden_reasoning=thinking,
        )
    return completion(model, "".join(words), finish=finish, hidden_reasoning=thinking)


if __name__ == "__main__":
    import sys

    serve_forever(FakeOpenAI(sys.argv[1] if len(sys.argv) > 1 else "openai"))
