"""A loopback fake of Hugging Face: the router's chat, hf-inference task models, the Hub's whoami
and model search (``/api/models`` with its filters and ``Link: rel="next"`` pages).

Real HTTP in a thread, written byte by byte as ``reference/provider-protocols.md`` §1 shows:
SSE with and without a space after ``data:``, ``:`` keep-alive comments, ``\\r\\n\\r\\n``
separators, events split across writes, ``[DONE]`` on chat but not on TGI's token stream, the
``include_usage`` chunk with empty ``choices``, and every error body of §1 (401 variants, 402,
403 gated, 404, 400 model_not_supported, 410, 422 validation, 429 with Retry-After or the IETF
RateLimit header, 503 loading with estimated_time, HTML gateway pages, cut streams).

Tests script exact replies with ``enqueue``; without a script the fake answers by model id
(``fake/…`` ids below), so a browser test in another process can drive it too.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.openai_server import sse_reply
from tests.fakes.server import FakeServer, Reply, instance_of, json_reply, serve_forever, split_words, text_reply

VALID_TOKEN_PREFIX = "hf_"
INVALID_MARK = "bad"  # a token containing this is refused with 401
WHOAMI_NAME = "council-tester"

TASK_OF = {
    "facebook/bart-large-cnn": "summarization",
    "google/pegasus-xsum": "summarization",
    "deepset/roberta-base-squad2": "question-answering",
    "google/flan-t5-xxl": "text2text-generation",
}


def _hub_model(id_: str, task: str, library: str, license_: str, downloads: int, likes: int, trending: int, providers: list) -> dict:
    return {
        "_id": f"id-{id_}",
        "id": id_,
        "pipeline_tag": task,
        "library_name": library,
        "tags": [library, "safetensors", task, "en", f"license:{license_}"],
        "downloads": downloads,
        "likes": likes,
        "trendingScore": trending,
        "gated": False,
        "inferenceProviderMapping": [
            {"provider": name, "providerId": f"{name}/{id_}", "status": status, "task": ptask} for name, status, ptask in providers
        ],
    }


# The Hub's model list, as /api/models?expand[]=… answers (the reference's §8 shape).
HUB_MODELS = [
    _hub_model(
        "openai/gpt-oss-120b",
        "text-generation",
        "transformers",
        "apache-2.0",
        900,
        4000,
        50,
        [("groq", "live", "conversational"), ("novita", "error", "conversational")],
    ),
    _hub_model(
        "meta-llama/Llama-3.1-8B-Instruct",
        "text-generation",
        "transformers",
        "llama3.1",
        800,
        5000,
        30,
        [("novita", "live", "conversational")],
    ),
    _hub_model(
        "mistralai/Mistral-7B-Instruct-v0.2",
        "text-generation",
        "transformers",
        "apache-2.0",
        700,
        2800,
        5,
        [("featherless-ai", "live", "conversational")],
    ),
    _hub_model(
        "Qwen/Qwen2.5-7B-Instruct",
        "text-generation",
        "transformers",
        "apache-2.0",
        600,
        900,
        80,
        [("together", "live", "conversational"), ("nebius", "staging", "conversational")],
    ),
    _hub_model(
        "facebook/bart-large-cnn", "summarization", "transformers", "mit", 500, 1500, 2, [("hf-inference", "live", "summarization")]
    ),
    _hub_model("TheBloke/Mistral-7B-Instruct-v0.2-GGUF", "text-generation", "gguf", "apache-2.0", 400, 450, 1, []),
    _hub_model("google/gemma-2-2b-it", "text-generation", "transformers", "gemma", 300, 1200, 10, [("nebius", "live", "conversational")]),
    _hub_model(  # reads images: the router chats with it in image parts
        "Qwen/Qwen3-VL-8B-Instruct",
        "image-text-to-text",
        "transformers",
        "apache-2.0",
        250,
        800,
        30,
        [("novita", "live", "conversational")],
    ),
]

HUB_MODELS += [  # enough small served models for more than one page of results
    _hub_model(
        f"acme/tiny-chat-{i:02d}",
        "text-generation",
        "transformers",
        "apache-2.0",
        100 - i,
        10,
        0,
        [("hf-inference", "live", "text-generation")],
    )
    for i in range(20)
]


def hub_search(base_url: str, path: str) -> Reply:
    """``/api/models`` with ``search``, ``pipeline_tag``, ``filter`` (library, license:…),
    ``inference_provider``, ``sort``, ``limit``; pages linked with ``Link: <…>; rel="next"``."""
    query = parse_qs(urlsplit(path).query)
    one = lambda name: (query.get(name) or [None])[0]  # noqa: E731
    rows = list(HUB_MODELS)
    if one("search"):
        rows = [r for r in rows if one("search").lower() in r["id"].lower()]
    if one("pipeline_tag"):
        rows = [r for r in rows if r["pipeline_tag"] == one("pipeline_tag")]
    for tag in query.get("filter", []):
        rows = [r for r in rows if tag in r["tags"]]
    if one("inference_provider") == "all":
        rows = [r for r in rows if r["inferenceProviderMapping"]]
    sort = one("sort") or "downloads"
    rows.sort(key=lambda r: r.get(sort, 0), reverse=True)
    limit, start = int(one("limit") or 20), int(one("cursor") or 0)
    page = rows[start : start + limit]
    headers = {}
    if start + limit < len(rows):
        rest = [(k, v) for k, values in query.items() if k != "cursor" for v in values] + [("cursor", str(start + limit))]
        headers["Link"] = f'<{base_url}/api/models?{urlencode(rest)}>; rel="next"'
    return json_reply(200, page, headers)


# ---- canned bodies, as the reference records them ----------------------------------------------


def chat_chunk(model: str, content: str | None, finish: str | None = None, usage: dict | None = None) -> dict:
    delta = {"role": "assistant", "content": content} if content is not None else {}
    return {
        "object": "chat.completion.chunk",
        "id": "",
        "created": 1742565776,
        "model": model,
        "system_fingerprint": "3.2.1-native",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": usage,
    }


def chat_stream(model: str, words: list[str], *, usage: bool = True, done: bool = True, cut_after: int | None = None) -> Reply:
    """The router's chat SSE (TGI-style chunks, the finish on the last word, a usage chunk), framed by
    the shared OpenAI-protocol fake in every variant a real server may send."""
    events = [chat_chunk(model, word, "stop" if i == len(words) - 1 else None) for i, word in enumerate(words)]
    if usage:
        tokens = {"prompt_tokens": 12, "completion_tokens": len(words), "total_tokens": 12 + len(words)}
        events.append({**chat_chunk(model, None), "choices": [], "usage": tokens})
    return sse_reply(events, done=done, cut_after=cut_after, keep_alive=True)


def chat_completion(model: str, text: str) -> Reply:
    return json_reply(
        200,
        {
            "object": "chat.completion",
            "id": "",
            "created": 1742555982,
            "model": model,
            "system_fingerprint": "3.2.1-native",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": len(text.split()), "total_tokens": 12 + len(text.split())},
        },
    )


def tgi_stream(words: list[str], *, cut_after: int | None = None) -> Reply:
    """TGI's /generate_stream: ``data:{...}`` per token, no ``[DONE]``, details on the last."""
    pieces: list[bytes] = []
    for i, word in enumerate(words):
        if cut_after is not None and i >= cut_after:
            return Reply(200, {"Content-Type": "text/event-stream"}, pieces=pieces, cut=True)
        last = i == len(words) - 1
        event = {
            "index": i + 1,
            "token": {"id": 1000 + i, "text": word, "logprob": -0.5, "special": False},
            "generated_text": "".join(words) if last else None,
            "details": {"finish_reason": "eos_token", "generated_tokens": len(words), "seed": None, "input_length": 7} if last else None,
        }
        pieces.append(f"data:{json.dumps(event)}\n\n".encode())
        if i == 1:
            pieces.append(b":\n\n")  # TGI's keep-alive
    return Reply(200, {"Content-Type": "text/event-stream"}, pieces=pieces)


ERRORS: dict[str, Reply] = {
    "401": json_reply(401, {"error": "Invalid credentials in Authorization header"}),
    "401-router": json_reply(401, {"error": "Invalid username or password."}, {"X-Error-Message": "Invalid username or password."}),
    "400-token": json_reply(400, {"error": "Authorization header is correct, but the token seems invalid"}),
    "402": json_reply(
        402,
        {
            "error": "You have exceeded your monthly included credits for Inference Providers. Subscribe to PRO to get 20x more monthly included credits."
        },
    ),
    "403-gated": json_reply(
        403,
        {
            "error": "Access to model meta-llama/Llama-2-7b-chat-hf is restricted and you are not in the authorized list. Visit https://huggingface.co/meta-llama/Llama-2-7b-chat-hf to ask for access."
        },
        {"X-Error-Code": "GatedRepo"},
    ),
    "404": json_reply(404, {"error": "Model fake/missing does not exist"}),
    "400-not-supported": json_reply(
        400,
        {
            "error": {
                "message": "The requested model 'fake/not-served' is not supported by any provider you have enabled.",
                "type": "invalid_request_error",
                "param": "model",
                "code": "model_not_supported",
            }
        },
    ),
    "400-provider": json_reply(400, {"error": "Model not supported by provider together"}),
    "400-kwargs": json_reply(
        400,
        {
            "error": "The following `model_kwargs` are not used by the model: ['watermark', 'stop', 'decoder_input_details'] (note: typos in the generate arguments will also show up in this list)",
            "warnings": ["There was an inference error: ..."],
        },
    ),
    "410": json_reply(
        410, {"error": "https://api-inference.huggingface.co is no longer supported. Please use https://router.huggingface.co instead."}
    ),
    "422-context": json_reply(
        422,
        {
            "error": "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 500 `max_new_tokens`",
            "error_type": "validation",
        },
    ),
    "422-text": text_reply(
        422, "Failed to deserialize the JSON body into the target type: inputs: invalid type: map, expected a string at line 1 column 11"
    ),
    "429-retry-after": Reply(
        429, {"Content-Type": "application/json", "Retry-After": "7"}, json.dumps({"error": "Too many requests"}).encode()
    ),
    "429-ratelimit": Reply(
        429,
        {"Content-Type": "application/json", "RateLimit": '"api";r=0;t=55', "RateLimit-Policy": '"fixed window";"api";q=500;w=300'},
        json.dumps({"error": "Rate limit reached"}).encode(),
    ),
    "429-overloaded": json_reply(429, {"error": "Model is overloaded", "error_type": "overloaded"}),
    "503-loading": json_reply(503, {"error": "Model fake/loading is currently loading", "estimated_time": 0.05}),
    "503-plain": text_reply(503, "Service Temporarily Unavailable"),
    "502-html": text_reply(
        502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>", "text/html"
    ),
    "424-generation": json_reply(
        424,
        {
            "error": "Request failed during generation: Server error: probability tensor contains either `inf`, `nan` or element < 0",
            "error_type": "generation",
        },
    ),
    "500-tgi": json_reply(
        500, {"error": "Request failed during generation: Server error: CUDA out of memory", "error_type": "incomplete_generation"}
    ),
}


class FakeHuggingFace(FakeServer):
    """``with FakeHuggingFace() as fake:`` → ``fake.url`` serves router, hf-inference and Hub routes."""

    def route(self, path: str) -> str:
        return _route(path)

    def default(self, route: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if route in ("chat", "task", "whoami") and (not token.startswith(VALID_TOKEN_PREFIX) or INVALID_MARK in token):
            return ERRORS["401"]
        if route == "whoami":
            return json_reply(
                200,
                {
                    "type": "user",
                    "name": WHOAMI_NAME,
                    "fullname": "Council Tester",
                    "auth": {"type": "access_token", "accessToken": {"displayName": "AI Council", "role": "read"}},
                },
            )
        if route == "models":
            return json_reply(
                200,
                {
                    "object": "list",
                    "data": [
                        {
                            "id": "openai/gpt-oss-120b",
                            "object": "model",
                            "created": 1754000000,
                            "owned_by": "openai",
                            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                            "providers": [
                                {
                                    "provider": "groq",
                                    "status": "live",
                                    "context_length": 131072,
                                    "pricing": {"input": 0.15, "output": 0.6},
                                    "supports_structured_output": True,
                                },
                                {
                                    "provider": "novita",
                                    "status": "error",
                                    "context_length": 131072,
                                    "pricing": {"input": 0.1, "output": 0.5},
                                },
                            ],
                        },
                        {
                            "id": "Qwen/Qwen3-VL-8B-Instruct",  # an image-text-to-text model on the router
                            "object": "model",
                            "created": 1760000000,
                            "owned_by": "Qwen",
                            "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]},
                            "providers": [{"provider": "novita", "status": "live", "context_length": 131072}],
                        },
                        {
                            "id": "fake/echo",
                            "object": "model",
                            "created": 1,
                            "owned_by": "fake",
                            "providers": [{"provider": "hf-inference", "status": "live"}],
                        },
                    ],
                },
            )
        if route == "hub_models":
            return hub_search(self.url, path)
        if route == "chat":
            model = str((body or {}).get("model", ""))
            return self._by_model(model, route, body)
        if route == "task":
            model = path.split("/hf-inference/models/", 1)[1]
            return self._by_model(model, route, body)
        return text_reply(404, "Not Found")

    def _by_model(self, model: str, route: str, body: Any) -> Reply:
        """Behaviour chosen by the model id, for tests that cannot script the fake directly."""
        calls = self.count_call(model)
        name = model.split(":", 1)[0]
        if name.startswith("fake/loading") and calls <= 2:
            return ERRORS["503-loading"]
        if name == "fake/unauthorized":
            return ERRORS["401"]
        if name == "fake/credits":
            return ERRORS["402"]
        if name == "fake/gated":
            return ERRORS["403-gated"]
        if name in ("fake/missing", "meta-llama/Llama-2-70b-chat-hf"):  # (a real id the router no longer serves)
            return ERRORS["404"]
        if name == "fake/not-served":
            return ERRORS["400-not-supported"]
        if name == "fake/gone":
            return ERRORS["410"]
        if name == "fake/context":
            return ERRORS["422-context"]
        if name == "fake/rate-limited":
            return ERRORS["429-retry-after"]
        if name == "fake/html":
            return ERRORS["502-html"]
        stream = bool((body or {}).get("stream")) if isinstance(body, dict) else False
        words = SCRIPTED.get(name) or ["Hello", " from", f" {name}", "!", " The", " router", " answered", " in", " pieces", "."]
        fmt = (body or {}).get("response_format") if isinstance(body, dict) else None
        if route == "chat" and isinstance(fmt, dict) and fmt.get("type") == "json_schema":  # the provider keeps to the schema
            words = split_words(json.dumps(instance_of(fmt["json_schema"]["schema"])))
        if route == "chat":
            if name == "fake/cut":
                return chat_stream(model, words, cut_after=4)
            if name == "fake/slow" or name in SCRIPTED:
                reply = chat_stream(model, words)
                reply.gap_s = 0.15
                return reply
            return chat_stream(model, words) if stream else chat_completion(model, "".join(words))
        task = TASK_OF.get(name, "text-generation")
        if task == "question-answering":
            return json_reply(200, {"answer": "Paris", "score": 0.9731, "start": 31, "end": 36})
        if task == "summarization":
            return json_reply(200, [{"summary_text": "A short summary."}])
        if task == "text2text-generation":
            return json_reply(200, [{"generated_text": "Yes."}])
        if stream:
            return tgi_stream(words, cut_after=4 if name == "fake/cut" else None)
        return json_reply(200, [{"generated_text": "".join(words)}])


# Real model ids the fake answers slowly, in pieces, in words of their own (the README's screenshots show real ids)
SCRIPTED = {
    "meta-llama/Llama-3.1-8B-Instruct": split_words("One, two, three, four, five, six, seven, eight, nine, ten."),
    "Qwen/Qwen2.5-7B-Instruct": split_words(
        "1 \u2026 2 \u2026 3 \u2026 4 \u2026 5 \u2026 6 \u2026 7 \u2026 8 \u2026 9 \u2026 10. Counted slowly."
    ),
}


def _route(path: str) -> str:
    path = path.split("?", 1)[0]
    if path.endswith("/v1/chat/completions"):
        return "chat"
    if "/hf-inference/models/" in path:
        return "task"
    if path.endswith("/api/whoami-v2"):
        return "whoami"
    if path.endswith("/v1/models"):
        return "models"
    if path.endswith("/api/models"):
        return "hub_models"
    return "other"


if __name__ == "__main__":  # python -m tests.fakes.hf_server: serve until interrupted
    serve_forever(FakeHuggingFace())
