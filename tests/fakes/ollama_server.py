"""A loopback fake of Ollama's native API (reference §2, §7.4): ``GET /`` text, ``/api/tags``,
``/api/chat`` NDJSON with a final ``done`` line carrying the stats (counts may be missing), an
``{"error":…}`` line inside a 200 stream, and the 404 "not found" texts."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.server import FakeServer, Reply, instance_of, json_reply, serve_forever, split_words, stream_reply, text_reply

PULLED = ["llama3.2:latest", "hf.co/o/r:Q4_K_M"]
# What /api/show says of a model (capabilities, thinking levels, context length). A thinking model may
# be asked with "think"; the others refuse it (400 '"llama3.2" does not support thinking').
SHOWN = {
    "llama3.2:latest": {"capabilities": ["completion", "tools"], "model_info": {"llama.context_length": 131072}},
    "hf.co/o/r:Q4_K_M": {"capabilities": ["completion"], "model_info": {"llama.context_length": 8192}},
    "qwen3:latest": {
        "capabilities": ["completion", "tools", "thinking"],
        "thinking": {"values": [False, True], "default": True},
        "model_info": {"qwen3.context_length": 40960},
    },
    "gpt-oss:20b": {
        "capabilities": ["completion", "tools", "thinking"],
        "thinking": {"values": ["low", "medium", "high"], "default": "medium"},
        "model_info": {"gptoss.context_length": 131072},
    },
}

ERRORS: dict[str, Reply] = {
    "404": json_reply(404, {"error": "model 'llama3' not found"}),
    "404-pull": json_reply(404, {"error": 'model "llama3" not found, try pulling it first'}),
    "400": json_reply(400, {"error": "invalid model name"}),
    "500": json_reply(500, {"error": "an error was encountered while running the model"}),
    "503": json_reply(503, {"error": "server busy, please try again.  maximum pending requests exceeded"}),
    # docs/api/errors.mdx: 401 sign-in, 403 cloud access off, 429 rate limit, 502 cloud model unreachable
    "401": json_reply(401, {"error": "unauthorized"}),
    "403": json_reply(403, {"error": "cloud model access is disabled"}),
    "429": json_reply(429, {"error": "you've reached your hourly usage limit, please upgrade to continue"}),
    "429-retry-after": json_reply(429, {"error": "too many requests"}, headers={"Retry-After": "12"}),
    "502": json_reply(502, {"error": "failed to connect to the cloud model"}),
    "html-502": text_reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
}


def line(obj: dict) -> bytes:
    return (json.dumps(obj) + "\n").encode()


def chat_lines(
    model: str,
    words: list[str],
    *,
    error_after: int | None = None,
    cut_after: int | None = None,
    last_has_text: bool = False,
    counts: bool = True,
) -> Reply:
    pieces: list[bytes] = []
    body_words = words[:-1] if last_has_text else words
    for i, word in enumerate(body_words):
        if error_after is not None and i >= error_after:
            pieces.append(line({"error": "an error was encountered while running the model"}))
            return stream_reply(pieces, "application/x-ndjson")
        if cut_after is not None and i >= cut_after:
            return stream_reply(pieces, "application/x-ndjson", cut=True)
        pieces.append(
            line(
                {
                    "model": model,
                    "created_at": "2023-08-04T08:52:19.385406455-07:00",
                    "message": {"role": "assistant", "content": word},
                    "done": False,
                }
            )
        )
    final: dict[str, Any] = {
        "model": model,
        "created_at": "2023-08-04T19:22:45.499127Z",
        "message": {"role": "assistant", "content": words[-1] if last_has_text else ""},
        "done": True,
        "done_reason": "stop",
        "total_duration": 4883583458,
        "load_duration": 1334875,
        "eval_duration": 4535599000,
    }
    if counts:
        final |= {"prompt_eval_count": 26, "prompt_eval_duration": 342546000, "eval_count": len(words)}
    else:
        final |= {"eval_count": len(words)}  # prompt_eval_count is omitempty: missing when 0
    pieces.append(line(final))
    return stream_reply(pieces, "application/x-ndjson")


# Failures inside a 200 NDJSON stream, before any text (the retry layer may still retry them)
ERRORS["stream-error"] = chat_lines("llama3.2", ["a", "b"], error_after=0)
ERRORS["stream-cut"] = chat_lines("llama3.2", ["a", "b"], cut_after=0)


class FakeOllama(FakeServer):
    def route(self, path: str) -> str:
        path = path.split("?", 1)[0]
        return {"/": "root", "/api/tags": "tags", "/api/chat": "chat", "/api/version": "version", "/api/show": "show"}.get(path, "other")

    def default(self, route: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        if route == "root":
            return text_reply(200, "Ollama is running")
        if route == "version":
            return json_reply(200, {"version": "0.5.1"})
        if route == "tags":
            models = [
                {
                    "name": name,
                    "model": name,
                    "modified_at": "2025-01-01T00:00:00Z",
                    "size": 2019393189,
                    "digest": "a80c4f17acd5",
                    "details": {
                        "parent_model": "",
                        "format": "gguf",
                        "family": "llama",
                        "families": ["llama"],
                        "parameter_size": "3.2B",
                        "quantization_level": "Q4_K_M",
                    },
                }
                for name in PULLED
            ]
            return json_reply(200, {"models": models})
        if route == "show" and isinstance(body, dict):
            name = str(body.get("model", ""))
            shown = SHOWN.get(name) or SHOWN.get(name + ":latest")
            if shown is None:
                return json_reply(404, {"error": f"model '{name}' not found"})
            return json_reply(
                200, {"license": "", "modelfile": "", "parameters": "", "template": "", "details": {"format": "gguf"}, **shown}
            )
        if route != "chat" or not isinstance(body, dict):
            return text_reply(404, "404 page not found")
        model = str(body.get("model", ""))
        if model not in PULLED and model + ":latest" not in PULLED and model not in SHOWN:
            return json_reply(404, {"error": f"model '{model}' not found"})
        thinks = "thinking" in (SHOWN.get(model) or SHOWN.get(model + ":latest") or {}).get("capabilities", [])
        if body.get("think") not in (None, False) and not thinks:
            return json_reply(400, {"error": f'"{model.split(":")[0]}" does not support thinking'})
        words = ["Hello", " from", " Ollama", "."]
        images = [img for m in body.get("messages") or [] for img in m.get("images") or []]
        if images:
            sees = "vision" in (SHOWN.get(model) or SHOWN.get(model + ":latest") or {}).get("capabilities", [])
            if not sees:  # Ollama's own words for an image sent to a text-only model
                return json_reply(500, {"error": "Failed to create new sequence: this model is missing data required for image input\n"})
            if any(not isinstance(i, str) or i.startswith("data:") for i in images):
                return json_reply(400, {"error": "illegal base64 data at input byte 4"})
            words = [*words[:-1], f" (saw {len(images)} image(s))", "."]
        if isinstance(body.get("format"), dict):  # structured output: a JSON Schema in "format"
            if model.endswith("-cloud"):
                return json_reply(400, {"error": "structured outputs are not supported for cloud models"})
            words = split_words(json.dumps(instance_of(body["format"])))
        if body.get("stream", True):
            return chat_lines(model, words, last_has_text=True)
        return json_reply(
            200,
            {
                "model": model,
                "created_at": "2023-08-04T19:22:45.499127Z",
                "message": {"role": "assistant", "content": "".join(words)},
                "done": True,
                "done_reason": "stop",
                "total_duration": 4883583458,
                "prompt_eval_count": 26,
                "eval_count": 4,
            },
        )


if __name__ == "__main__":
    serve_forever(FakeOllama())
