"""A loopback fake of the Gemini Developer API (reference §3, §7.5).

Key in ``x-goog-api-key`` (a key in ``?key=`` is recorded so tests can prove it never travels
there); ``alt=sse`` events with no ``[DONE]`` and ``usageMetadata`` complete on the last event;
the array form without ``alt=sse``; paginated ``/v1beta/models``; every error body of the reference.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import FakeServer, Reply, instance_of, json_reply, serve_forever, split_words, sse, stream_reply


def google_error(status: int, message: str, code: str, details: list | None = None) -> Reply:
    return json_reply(status, {"error": {"code": status, "message": message, "status": code, **({"details": details} if details else {})}})


RETIRED = {"gemini-2.0-flash"}  # shut down 2026-06-01 (model-facts §1)

ERRORS: dict[str, Reply] = {
    "400-key": google_error(
        400,
        "API key not valid. Please pass a valid API key.",
        "INVALID_ARGUMENT",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": "API key not valid. Please pass a valid API key.",
            },
        ],
    ),
    "429-minute": google_error(
        429,
        "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. Please retry in 38.86s.",
        "RESOURCE_EXHAUSTED",
        [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                        "quotaDimensions": {"model": "gemini-2.5-flash", "location": "global"},
                    }
                ],
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [{"description": "Learn more", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}],
            },
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "38s"},
        ],
    ),
    "429-day": google_error(
        429,
        "You exceeded your current quota, please check your plan and billing details.",
        "RESOURCE_EXHAUSTED",
        [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                        "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                    }
                ],
            },
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "59s"},
        ],
    ),
    "429-bare": google_error(429, "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED"),
    "404": google_error(
        404,
        "models/gemini-9-ultra is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
        "NOT_FOUND",
    ),
    "400-context": google_error(
        400, "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).", "INVALID_ARGUMENT"
    ),
    "503": google_error(503, "The model is overloaded. Please try again later.", "UNAVAILABLE"),
    "503-demand": google_error(
        503,
        "This model is currently experiencing high demand. Spikes in demand are usually temporary. Please try again later.",
        "UNAVAILABLE",
    ),
}


def response(texts: list[str], *, finish: str | None = "STOP", usage: dict | None = None, thought: str | None = None) -> dict:
    parts: list[dict[str, Any]] = [{"text": thought, "thought": True}] if thought else []
    parts += [{"text": t} for t in texts]
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    out: dict[str, Any] = {"candidates": [candidate], "modelVersion": "gemini-2.5-flash", "responseId": "r1"}
    if usage:
        out["usageMetadata"] = usage
    return out


def gemini_stream(words: list[str], *, cut_after: int | None = None, thought: str | None = None) -> Reply:
    pieces: list[bytes] = []
    for i, word in enumerate(words):
        if cut_after is not None and i >= cut_after:
            return stream_reply(pieces, cut=True)
        last = i == len(words) - 1
        usage = (
            {"promptTokenCount": 8, "candidatesTokenCount": len(words), "thoughtsTokenCount": 3, "totalTokenCount": 11 + len(words)}
            if last
            else {"promptTokenCount": 8, "totalTokenCount": 8}
        )
        event = response([word], finish="STOP" if last else None, usage=usage, thought=thought if i == 0 else None)
        pieces.append(sse(event, crlf=i % 2 == 1))  # the JS SDK accepts \n\n and \r\n\r\n
    return stream_reply(pieces)


class FakeGemini(FakeServer):
    def route(self, path: str) -> str:
        base = path.split("?", 1)[0]
        if base.endswith(":streamGenerateContent"):
            return "stream"
        if base.endswith(":generateContent"):
            return "generate"
        if base.endswith("/v1beta/models"):
            return "models"
        return "other"

    def default(self, route: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        query = parse_qs(urlsplit(path).query)
        key = headers.get("x-goog-api-key") or (query.get("key") or [""])[0]
        if not key:
            return google_error(
                403,
                "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
                "PERMISSION_DENIED",
            )
        if "bad" in key:
            return ERRORS["400-key"]
        if route == "models":
            if (query.get("pageToken") or [""])[0] == "page2":
                rows = [
                    {
                        "name": "models/gemini-2.5-pro",
                        "displayName": "Gemini 2.5 Pro",
                        "inputTokenLimit": 1048576,
                        "outputTokenLimit": 65536,
                        "supportedGenerationMethods": ["generateContent", "countTokens"],
                    }
                ]
                return json_reply(200, {"models": rows})
            rows = [
                {
                    "name": "models/gemini-2.5-flash",
                    "displayName": "Gemini 2.5 Flash",
                    "inputTokenLimit": 1048576,
                    "outputTokenLimit": 65536,
                    "supportedGenerationMethods": ["generateContent", "countTokens"],
                    "temperature": 1.0,
                    "maxTemperature": 2.0,
                    "thinking": True,
                },
                {
                    "name": "models/gemini-3.8-flash",
                    "displayName": "Gemini 3.8 Flash",
                    "inputTokenLimit": 1000000,
                    "outputTokenLimit": 65536,
                    "supportedGenerationMethods": ["generateContent", "countTokens"],
                    "thinking": True,
                },
                {
                    "name": "models/text-embedding-004",
                    "displayName": "Embedding",
                    "inputTokenLimit": 2048,
                    "supportedGenerationMethods": ["embedContent"],
                },
            ]
            return json_reply(200, {"models": rows, "nextPageToken": "page2"})
        model = path.split("/models/", 1)[-1].split(":", 1)[0]
        if model == "gemini-9-ultra":
            return ERRORS["404"]
        if model in RETIRED:  # past its shutdown date: the API no longer knows it
            return google_error(
                404,
                f"models/{model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels "
                "to see the list of available models and their supported methods.",
                "NOT_FOUND",
            )
        words = ["Hello", " from", f" {model}", "."]
        inline = []
        for c, content in enumerate((body or {}).get("contents") or [] if isinstance(body, dict) else []):
            for q, part in enumerate(content.get("parts") or []):
                if "inlineData" in part or "inline_data" in part:
                    data = part.get("inlineData") or part.get("inline_data") or {}
                    mime = data.get("mimeType") or data.get("mime_type")
                    if not isinstance(data.get("data"), str) or mime not in (
                        "image/png",
                        "image/jpeg",
                        "image/webp",
                        "image/gif",
                        "application/pdf",
                    ):
                        return google_error(
                            400,
                            f"Invalid value at 'contents[{c}].parts[{q}].inline_data' (mime type {mime!r} or data).",
                            "INVALID_ARGUMENT",
                        )
                    inline.append(mime)
                elif not isinstance(part.get("text"), str):
                    return google_error(
                        400, f"Invalid JSON payload received. Unknown name at 'contents[{c}].parts[{q}]'.", "INVALID_ARGUMENT"
                    )
        if inline:  # it looked at what was attached (the test reads what came)
            words = [*words[:-1], f" (saw {', '.join(inline)})", "."]
        config = (body or {}).get("generationConfig") or {} if isinstance(body, dict) else {}
        if config.get("responseMimeType") == "application/json" and "responseJsonSchema" in config:
            words = split_words(json.dumps(instance_of(config["responseJsonSchema"])))
        if route == "stream":
            if "alt=sse" not in path:  # the array form
                return json_reply(
                    200,
                    [response([w], finish=None) for w in words[:-1]]
                    + [response([words[-1]], usage={"promptTokenCount": 8, "candidatesTokenCount": 4, "totalTokenCount": 12})],
                )
            return gemini_stream(words, thought="Let me think." if model == "fake-thinker" else None)
        if route == "generate":
            return json_reply(
                200,
                response(
                    ["".join(words)],
                    usage={"promptTokenCount": 8, "candidatesTokenCount": 4, "thoughtsTokenCount": 2, "totalTokenCount": 14},
                ),
            )
        return json_reply(404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}})


if __name__ == "__main__":
    serve_forever(FakeGemini())
