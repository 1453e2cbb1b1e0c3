"""A loopback fake of OpenRouter (reference §10): OpenAI's chat wire format, plus what is its own.

``: OPENROUTER PROCESSING`` keep-alive comments before the first token; chunks that repeat
``delta.role``; a finish chunk with ``native_finish_reason``; a usage chunk with ``cost`` (whose
``choices`` still hold one entry) before ``[DONE]``; errors as ``{"error":{"code":<number>,
"message","metadata"?}}``; a mid-stream error chunk; ``/models`` with prices as strings per token.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import Reply, json_reply, serve_forever, sse, stream_reply


def error(status: int, message: str, metadata: dict | None = None, headers: dict | None = None) -> Reply:
    err: dict[str, Any] = {"code": status, "message": message}
    if metadata is not None:
        err["metadata"] = metadata
    return json_reply(status, {"error": err, "user_id": "user_2fake"}, headers)


ERRORS: dict[str, Reply] = {
    "400-model": error(400, "minimax-m2.5:free is not a valid model ID"),
    "401": error(401, "User not found."),
    "402": error(
        402,
        "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
        {"limit_source": "openrouter_credits", "remedy_hint": "add_credits"},
    ),
    "403": error(403, "Input was flagged by moderation", {"reasons": ["harassment"], "flagged_input": "..."}),
    "404": error(404, "No endpoints found for google/gemini-2.5-flash:free."),
    "408": error(408, "Request timed out"),
    "429-free-day": error(
        429,
        "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day",
        {"headers": {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1764547200000"}},
        {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1764547200000"},
    ),
    "429-upstream": error(
        429,
        "Provider returned error",
        {"error_type": "rate_limit_exceeded", "provider_code": 429, "provider_name": "Groq"},
        {"Retry-After": "4"},
    ),
    "400-context": error(400, "Provider returned error", {"error_type": "context_length_exceeded", "provider_name": "OpenAI"}),
    "502": error(502, "Provider returned error", {"error_type": "provider_overloaded", "provider_name": "Together"}),
    "503": error(503, "No available provider fits your routing preferences", None, {"Retry-After": "2"}),
}

MODELS = [
    {
        "id": "openai/gpt-oss-20b:free",
        "name": "OpenAI: gpt-oss-20b (free)",
        "context_length": 131072,
        "pricing": {"prompt": "0", "completion": "0", "request": "0"},
        "supported_parameters": ["max_tokens", "temperature", "top_p", "stop", "seed", "response_format"],
    },
    {
        "id": "anthropic/claude-haiku-4.5",
        "name": "Anthropic: Claude Haiku 4.5",
        "context_length": 200000,
        "pricing": {"prompt": "0.000001", "completion": "0.000005", "request": "0"},
        "top_provider": {"context_length": 200000, "max_completion_tokens": 64000, "is_moderated": True},
        "supported_parameters": ["max_tokens", "temperature", "top_p", "stop"],
    },
]


def chunk(model: str, content: str | None, finish: str | None = None, **more: Any) -> dict:
    choice: dict[str, Any] = {
        "index": 0,
        "delta": {"role": "assistant", "content": content or ""},
        "finish_reason": finish,
        "native_finish_reason": "completed" if finish else None,
    }
    return {
        "id": "gen-1764460000-AbCdEfGhIjKlMnOpQrSt",
        "provider": "OpenAI",
        "model": model,
        "object": "chat.completion.chunk",
        "created": 1,
        "choices": [choice],
        **more,
    }


def chat_stream(model: str, words: list[str], *, error_after: int | None = None) -> Reply:
    pieces: list[bytes] = [b": OPENROUTER PROCESSING\n\n"] * 3
    for i, word in enumerate(words):
        if error_after is not None and i >= error_after:
            pieces.append(sse({**chunk(model, None), "error": {"code": 400, "message": "Token limit reached"}}))
            pieces.append(b"data: [DONE]\n\n")
            return stream_reply(pieces)
        pieces.append(sse(chunk(model, word), space=i % 2 == 0))
    pieces.append(sse(chunk(model, "", "stop")))
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": len(words),
        "total_tokens": 10 + len(words),
        "cost": 0.0000235,
        "is_byok": False,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }
    pieces.append(sse({**chunk(model, ""), "usage": usage}))
    pieces.append(b"data: [DONE]\n\n")
    return stream_reply(pieces)


class FakeOpenRouter(FakeOpenAI):
    """Keys ``sk-or-…``. Model ``fake/missing`` → 404 no endpoints, ``fake/quota`` → 402, ``fake/midstream`` → an error chunk."""

    def __init__(self) -> None:
        super().__init__("openrouter")

    def default(self, route: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not key.startswith("sk-or-") or "bad" in key:
            return ERRORS["401"]
        if route == "models":
            return json_reply(200, {"data": MODELS})
        if route != "chat" or not isinstance(body, dict):
            return error(404, "Not found")
        model = str(body.get("model", ""))
        if model == "fake/missing":
            return ERRORS["404"]
        if model == "fake/quota":
            return ERRORS["402"]
        words = ["Hi", " from", f" {model}", "."]
        if body.get("stream"):
            return chat_stream(model, words, error_after=2 if model == "fake/midstream" else None)
        return json_reply(
            200,
            {
                "id": "gen-1764460000-AbCdEfGhIjKlMnOpQrSt",
                "provider": "OpenAI",
                "model": model,
                "object": "chat.completion",
                "created": 1,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "".join(words), "refusal": None, "reasoning": None},
                        "finish_reason": "stop",
                        "native_finish_reason": "completed",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": len(words), "total_tokens": 10 + len(words), "cost": 0.0000235},
            },
        )


if __name__ == "__main__":
    serve_forever(FakeOpenRouter())
