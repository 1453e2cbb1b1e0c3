"""The OpenAI chat-completions protocol, shared by every server that speaks it.

Built in small overridable steps (headers → URL → payload → parse → errors) so that a provider
that speaks this protocol — the Hugging Face router today — overrides only what differs.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

from adapters import errors
from adapters.base import ChatRequest, Chunk, Completion, Message, ModelInfo, Usage, counted, present
from adapters.http import IMAGE_REFUSED, ErrorBody, cut_stream_error, error_fields, garbled_error, parse_retry_after, retry_hint_in_text
from adapters.remote import Prepared, RemoteAdapter, loads_event
from adapters.spec import AddressField, ProviderSpec


def usage_from(data: Mapping[str, Any] | None) -> Usage | None:
    if not isinstance(data, Mapping):
        return None
    prompt, completion = data.get("prompt_tokens"), data.get("completion_tokens")
    if prompt is None and completion is None:
        return None
    details = data.get("completion_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, Mapping) else None
    return Usage(prompt_tokens=prompt, completion_tokens=completion, reasoning_tokens=reasoning if isinstance(reasoning, int) else None)


def _as_date(value: Any) -> str | None:
    """A shutdown date as ``YYYY-MM-DD``, from a date string or a Unix time (None when neither)."""
    if isinstance(value, (int, float)) and value > 0:
        return datetime.fromtimestamp(value, UTC).date().isoformat()
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None


_ONLY_VALUE = re.compile(r"only the default \((-?[0-9.]+)\) value is supported", re.I)


def unsupported(body: ErrorBody, kw: dict) -> errors.UnsupportedParameterError:
    """A 400 naming a refused parameter: which one, its only value if the model says, and its own words."""
    param = ""
    err = body.data.get("error") if isinstance(body.data, dict) else None
    if isinstance(err, dict) and isinstance(err.get("param"), str):
        param = err["param"]
    only = _ONLY_VALUE.search(body.message)
    name = param or "a parameter"
    return errors.UnsupportedParameterError(
        f"This model refused {name}. It said: \u201c{body.message}\u201d The app leaves it out (or sends the only value the "
        "model takes) from now on for this model.",
        param=param,
        only=float(only.group(1)) if only else None,
        **kw,
    )


def content_parts(message: Message) -> str | list[dict[str, Any]]:
    """A message's ``content``: its text, or — with attachments — a list of parts: the text, each image as a
    data URL, each PDF as a ``file`` part (only models that read PDFs get one), each text document as text."""
    if not message.attachments:
        return message.content
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
    for a in message.attachments:
        if a.kind == "image":
            parts.append({"type": "image_url", "image_url": {"url": a.data_url, "detail": "auto"}})
        elif a.kind == "pdf":
            parts.append({"type": "file", "file": {"filename": a.name, "file_data": a.data_url}})
        else:
            parts.append({"type": "text", "text": a.as_text})
    return parts


class OpenAICompatAdapter(RemoteAdapter):
    """Any server with ``POST {base}/chat/completions`` in OpenAI's wire format."""

    spec = ProviderSpec(
        id="openai-compatible",
        label="OpenAI-compatible server",
        tab_label="Custom server",
        base_url_env="COUNCIL_OPENAI_COMPATIBLE_URL",
        token_optional=True,
        keys_from="Only if your server asks for one (vLLM --api-key, LM Studio, a proxy). Leave empty otherwise.",
        id_pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*(?:/[A-Za-z0-9._:@+-]+)*$",
        id_hint="use the model name your server lists",
        address=AddressField(
            "openai-compatible",
            "OpenAI-compatible server address",
            "http://localhost:8000/v1",
            "Any server that speaks OpenAI's chat API: vLLM, llama.cpp's server, LM Studio (http://localhost:1234/v1), a proxy. "
            "Include the /v1 part.",
        ),
        verify_help="Check that your server answers there and list its models.",
        colour="#56B4E9",
        order=8,
    )
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
            "messages": [{"role": m.role, "content": content_parts(m)} for m in request.messages],
        }
        optional = {
            self.max_tokens_field: p.max_new_tokens,
            "temperature": p.temperature,
            "top_p": p.top_p,
            "stop": list(p.stop) if p.stop else None,
            "seed": p.seed,
            "reasoning_effort": p.reasoning_effort,
        }
        payload.update(present(optional))
        if request.output is not None:
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.output.name, "strict": True, "schema": request.output.schema},
            }
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
        if status == 400 and IMAGE_REFUSED.search(body.message):  # before "unsupported_value": an image is not a parameter
            return errors.InputNotSupportedError(**kw)
        if code in ("unsupported_value", "unsupported_parameter") and status == 400:
            return unsupported(body, kw)
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
        """One row of ``GET {base}/models``: OpenAI's may say when the model shuts down (``shutdown_date``);
        Groq's gives its ``context_window`` and ``max_completion_tokens``."""
        shutdown = _as_date(row.get("shutdown_date"))
        window, output = row.get("context_window"), row.get("max_completion_tokens")
        return ModelInfo(
            id=str(row["id"]),
            provider=self.provider,
            owned_by=row.get("owned_by"),
            context_length=window if isinstance(window, int) else None,
            extra=present({"shutdown_date": shutdown, "output_limit": output if isinstance(output, int) else None}),
        )

    async def verify(self) -> str:
        models = await self.list_models()
        return f"{'Key accepted' if self._token else 'Connected'} \u00b7 {counted(len(models), 'model')} available"


class OpenAIAdapter(OpenAICompatAdapter):
    """OpenAI's own API: ``max_completion_tokens`` (``max_tokens`` is deprecated there)."""

    spec = ProviderSpec(
        id="openai",
        price_data="openai",
        label="OpenAI",
        token_env=("OPENAI_API_KEY",),
        base_url_env="OPENAI_BASE_URL",
        default_base_url="https://api.openai.com/v1",
        token_required=True,
        keys_from="Create a key at https://platform.openai.com/api-keys (it starts with sk-). OpenAI has no free API tier.",
        id_pattern=r"^(?:ft:)?[A-Za-z0-9][A-Za-z0-9._:-]*$",
        id_hint="an OpenAI model id looks like gpt-4o-mini (fine-tuned models start with ft:)",
        structured_output="schema",
        # gpt-5 family, o-series, gpt-6.x: sampling other than 1 is refused, hidden reasoning comes first (model-facts §3)
        reasoning_models=r"^(?:gpt-5|gpt-6|o[1-9])",
        vision_models=r"^(?:gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-6|o1(?!-mini)|o3(?!-mini)|o4)",  # the model pages: vision
        pdf_models=r"^(?:gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-6|o1(?!-mini)|o3(?!-mini)|o4)",  # Chat Completions file parts
        text_only_models=r"^(?:gpt-3\.5|o1-mini|o3-mini)",
        image_tokens="tiles-512",  # its published rule: 85 + 170 a 512 px tile (detail "auto" sends high for large images)
        reasoning_refuses=("temperature", "top_p"),
        reasoning_efforts=("minimal", "low", "medium", "high"),
        reasoning_min_budget=2048,
        colour="#009E73",
        order=2,
    )
    max_tokens_field = "max_completion_tokens"
    auth_message = (
        "OpenAI did not accept your API key. Check that it is copied whole (it starts with sk-), with no "
        "spaces or quotes around it, or create a new key at platform.openai.com/api-keys and paste it in Settings."
    )


class GroqAdapter(OpenAICompatAdapter):
    """Groq: OpenAI's wire format; usage also arrives in ``x_groq.usage`` on the final chunk."""

    spec = ProviderSpec(
        id="groq",
        attachments_max_mb=4,  # Groq: a request with a base64 image over 4 MB is refused (413)
        price_data="groq",
        label="Groq",
        token_env=("GROQ_API_KEY",),
        base_url_env="GROQ_BASE_URL",
        default_base_url="https://api.groq.com/openai/v1",
        token_required=True,
        keys_from="Create a key at https://console.groq.com/keys (it starts with gsk_). Groq has a free tier with per-minute and per-day limits.",
        id_pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?$",
        id_hint="a Groq model id looks like openai/gpt-oss-20b",
        # gpt-oss reasons before answering and takes reasoning_effort low/medium/high (model-facts §3)
        reasoning_models=r"^openai/gpt-oss",
        vision_models=r"llama-4|vision",  # Groq's vision models (its docs list them)
        text_only_models=r"gpt-oss|qwen|deepseek|kimi|compound|allam|mistral-saba",
        reasoning_efforts=("low", "medium", "high"),
        colour="#D55E00",
        order=4,
    )
    max_tokens_field = "max_tokens"
    auth_message = (
        "Groq did not accept your API key. Check that it is copied whole (it starts with gsk_), with no "
        "spaces or quotes around it, or create a new key at console.groq.com/keys and paste it in Settings."
    )


def _per_million(value: Any) -> float | None:
    """OpenRouter's prices are decimal strings in USD per token: ``"0.0000025"`` → 2.5 per million."""
    try:
        return round(float(value) * 1_000_000, 6) if value is not None else None
    except (TypeError, ValueError):
        return None


class OpenRouterAdapter(OpenAICompatAdapter):
    """OpenRouter: one key for hundreds of models, in OpenAI's wire format (reference §10).

    Its errors carry the HTTP status as a number in ``error.code`` (no OpenAI ``type``), and a
    provider's own reason in ``error.metadata.error_type``; its live list has prices per token.
    """

    spec = ProviderSpec(
        id="openrouter",
        price_data="openrouter",
        label="OpenRouter",
        token_env=("OPENROUTER_API_KEY",),
        base_url_env="OPENROUTER_BASE_URL",
        default_base_url="https://openrouter.ai/api/v1",
        token_required=True,
        keys_from="Create a key at https://openrouter.ai/settings/keys (it starts with sk-or-). One key reaches hundreds of models; "
        "models ending in :free cost nothing within daily limits.",
        id_pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*(?::[A-Za-z0-9._-]+)?$",
        id_hint="an OpenRouter model id is author/slug, optionally with a variant (for example openai/gpt-oss-20b:free)",
        variant_suffix=True,
        colour="#6A3D9A",
        order=6,
    )
    max_tokens_field = "max_tokens"
    ask_for_stream_usage = False  # usage always comes with the last chunk (include_usage is a no-op there)
    auth_message = (
        "OpenRouter did not accept your key. Check that it is copied whole (it starts with sk-or-), with no spaces or "
        "quotes around it, or create a new key at openrouter.ai/settings/keys and paste it in Settings."
    )

    def protocol_headers(self) -> dict[str, str]:
        return {"X-OpenRouter-Title": "AI Council Playground"}  # app attribution (optional, not a secret)

    def map_error(self, status: int, body: ErrorBody, headers: Mapping[str, str], model: str) -> errors.ProviderError:
        kw = error_fields(self.provider, model, status, body, headers)
        err = body.data.get("error") if isinstance(body.data, dict) else None
        metadata = (err or {}).get("metadata") if isinstance(err, dict) else None
        reason = str((metadata or {}).get("error_type") or "") if isinstance(metadata, dict) else ""
        if status == 401:
            return errors.AuthError(self.auth_message, **kw)
        if status == 402 or reason == "payment_required":
            return errors.QuotaExhaustedError(
                "Your OpenRouter credits are used up (or this request needs more than are left). Add credits at "
                "openrouter.ai/settings/credits, lower \u201cmax new tokens\u201d, or pick a model ending in :free.",
                **kw,
            )
        if status == 403:
            return errors.AccessDeniedError(
                "OpenRouter refused this request (its moderation or your account's guardrails). Rephrase it, or pick another model.",
                **kw,
            )
        if status == 404 or (status == 400 and "not a valid model id" in body.message.lower()):
            return errors.ModelNotFoundError(
                "OpenRouter has no provider serving this model id right now. Pick another model from the list (Models shows which are served).",
                **kw,
            )
        if reason == "context_length_exceeded":
            return errors.ContextLengthError(**kw)
        if status == 429 and "per-day" in body.message.lower():
            return errors.QuotaExhaustedError(
                "You have used today's OpenRouter requests for free models. Wait until tomorrow, add credits (10 credits raise "
                "the daily limit), or pick a paid model.",
                **kw,
            )
        if status == 408:
            return errors.ProviderUnavailableError("OpenRouter timed out waiting for the model. Try again in a moment.", **kw)
        if status in (502, 503) or reason == "provider_overloaded":
            return errors.ProviderUnavailableError(
                "The model's provider behind OpenRouter is down or busy, or none fits the routing. Try again in a moment, or pick another model.",
                **kw,
            )
        return super().map_error(status, body, headers, model)

    def model_info(self, row: dict) -> ModelInfo:
        pricing = row.get("pricing") if isinstance(row.get("pricing"), dict) else {}
        top = row.get("top_provider") if isinstance(row.get("top_provider"), dict) else {}
        context = row.get("context_length") or top.get("context_length")
        return ModelInfo(
            id=str(row["id"]),
            provider=self.provider,
            context_length=int(context) if isinstance(context, (int, float)) else None,
            price_in_per_m=_per_million(pricing.get("prompt")),
            price_out_per_m=_per_million(pricing.get("completion")),
            owned_by=str(row["id"]).split("/", 1)[0],
            extra={
                "name": row.get("name"),
                "supported_parameters": row.get("supported_parameters") or [],
                "input_modalities": list((row.get("architecture") or {}).get("input_modalities") or []),  # text, image, file
            },
        )
