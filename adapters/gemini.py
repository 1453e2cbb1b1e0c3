"""Google Gemini (Developer API): ``:generateContent`` and ``:streamGenerateContent?alt=sse``.

The key travels in the ``x-goog-api-key`` header, never in the query string. Wire facts:
``reference/provider-protocols.md`` §3.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

from adapters import errors
from adapters.base import ChatRequest, Chunk, Completion, Message, ModelInfo, Usage, counted, present
from adapters.http import (
    ErrorBody,
    cut_stream_error,
    error_fields,
    garbled_error,
    parse_duration,
    path_segment,
    retry_hint_in_text,
)
from adapters.remote import Prepared, RemoteAdapter, loads_event
from adapters.spec import ProviderSpec

API = "/v1beta"


def _usage(meta: Mapping[str, Any] | None) -> Usage | None:
    if not isinstance(meta, Mapping):
        return None
    prompt = meta.get("promptTokenCount")
    out = meta.get("candidatesTokenCount")
    thoughts = meta.get("thoughtsTokenCount")  # billed as output on thinking models
    completion = (out or 0) + (thoughts or 0) if (out is not None or thoughts is not None) else None
    if prompt is None and completion is None:
        return None
    return Usage(prompt_tokens=prompt, completion_tokens=completion, reasoning_tokens=thoughts if isinstance(thoughts, int) else None)


def _details(body: ErrorBody) -> list[dict]:
    err = body.data.get("error") if isinstance(body.data, dict) else None
    return [d for d in (err or {}).get("details") or [] if isinstance(d, dict)] if isinstance(err, dict) else []


# reasoning_effort → thinkingConfig.thinkingBudget (tokens of thinking; 0 turns it off where the model allows)
THINKING_BUDGETS = {"minimal": 0, "low": 1024, "medium": 8192, "high": 24576}


# A 400 naming a generation setting the model does not take (the name as Gemini writes it)
_REFUSED_FIELD = re.compile(
    r"\b(thinking[ _]?(?:budget|level|config)|thinkingBudget|thinkingLevel|thinkingConfig|temperature|top[ _]?[pk]|topP|topK|seed|stop[ _]?sequences|stopSequences)"
    r"\b[^.]*?\b(?:is|are) not supported",
    re.I,
)
_CAMEL = {"topp": "top_p", "topk": "top_k", "stopsequences": "stop", "stop_sequences": "stop"}


def parts(message: Message) -> list[dict[str, Any]]:
    """A message's parts: its text, then each image or PDF inline, each text document as text."""
    out: list[dict[str, Any]] = [{"text": message.content}]
    for a in message.attachments:
        if a.kind in ("image", "pdf"):
            out.append({"inlineData": {"mimeType": a.mime, "data": a.base64}})
        else:
            out.append({"text": a.as_text})
    return out


class GeminiAdapter(RemoteAdapter):
    spec = ProviderSpec(
        vision_models=r".",  # every Gemini model reads images and PDFs (each page counts as an image)
        pdf_models=r".",
        id="gemini",
        attachments_max_mb=20,  # Gemini: inline data, 20 MB for the whole request
        image_tokens="tiles-768",  # its published rule for what an image costs
        price_data="google",
        label="Google Gemini",
        tab_label="Gemini",
        token_env=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
        base_url_env="GEMINI_BASE_URL",
        default_base_url="https://generativelanguage.googleapis.com",
        token_required=True,
        keys_from="Create a key in Google AI Studio (https://aistudio.google.com/apikey). The free tier allows a few requests a day on Flash models.",
        id_pattern=r"^(?:models/)?[a-z0-9][a-z0-9._-]*$",
        id_hint="a Gemini model id looks like gemini-2.5-flash",
        structured_output="schema",
        # Gemini 3.5-flash-lite, 3.6 and later ignore sampling parameters (changelog 2026-07-21; model-facts §3)
        sampling_ignored_models=r"^(?:models/)?gemini-(?:3\.[5-9]|[4-9])",
        sampling_ignored=("temperature", "top_p", "top_k"),
        # 2.5 and later think before answering; thoughts count as output (model-facts §3)
        reasoning_models=r"^(?:models/)?gemini-(?:2\.5|[3-9])",
        reasoning_efforts=("minimal", "low", "medium", "high"),
        colour="#0072B2",
        order=5,
    )

    def missing_token_error(self) -> errors.ProviderError:
        return errors.TokenMissingError(
            "No Gemini API key is set. Create one in Google AI Studio (aistudio.google.com \u2192 Get API key), "
            "paste it in Settings and press Verify.",
            provider=self.provider,
        )

    # ---- request -------------------------------------------------------------------------------

    auth_header_name = "x-goog-api-key"
    auth_header_prefix = ""

    def prepare(self, request: ChatRequest, *, stream: bool) -> Prepared:
        if stream:
            return self.prepared(self.model_url(request.model, "streamGenerateContent") + "?alt=sse", self.payload(request), True)
        return self.prepared(self.model_url(request.model, "generateContent"), self.payload(request), False)

    def model_url(self, model: str, method: str) -> str:
        name = model.removeprefix("models/")
        return f"{self.base_url}{API}/models/{path_segment(name)}:{method}"

    def payload(self, request: ChatRequest) -> dict[str, Any]:
        contents = [
            {"role": "model" if m.role == "assistant" else "user", "parts": parts(m)} for m in request.messages if m.role != "system"
        ]
        body: dict[str, Any] = {"contents": contents}
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        p = request.params
        config = {
            "maxOutputTokens": p.max_new_tokens,
            "temperature": 0.0 if p.do_sample is False else p.temperature,
            "topP": p.top_p,
            "topK": p.top_k,
            "stopSequences": list(p.stop) if p.stop else None,
            "seed": p.seed,
        }
        config = present(config)
        if request.output is not None:
            config |= {"responseMimeType": "application/json", "responseJsonSchema": request.output.schema}
        if p.reasoning_effort in THINKING_BUDGETS:  # how long a thinking model may think, in tokens
            config["thinkingConfig"] = {"thinkingBudget": THINKING_BUDGETS[p.reasoning_effort]}
        if config:
            body["generationConfig"] = config
        return body

    # ---- errors --------------------------------------------------------------------------------

    def map_error(self, status: int, body: ErrorBody, headers: Mapping[str, str], model: str) -> errors.ProviderError:
        kw = error_fields(self.provider, model, status, body, headers)
        message = body.message.lower()
        reasons = {str(d.get("reason", "")) for d in _details(body)}
        if (
            "API_KEY_INVALID" in reasons
            or body.code == "API_KEY_INVALID"
            or "api key not valid" in message
            or "api key not found" in message
        ):
            return errors.AuthError(
                "Google did not accept your Gemini API key. Check that it is copied whole, with no spaces or "
                "quotes, or create a new key in Google AI Studio and paste it in Settings.",
                **kw,
            )
        if status == 400 and "input token count" in message:
            return errors.ContextLengthError(**kw)
        refused = _REFUSED_FIELD.search(body.message) if status == 400 else None
        if refused:  # "Thinking level is not supported for this model.", "topK is not supported …"
            name = refused.group(1).lower().replace(" ", "_")
            param = "thinkingConfig" if name.startswith("thinking") else _CAMEL.get(name, name)
            return errors.UnsupportedParameterError(
                f"This model refused {refused.group(1)}. It said: \u201c{body.message}\u201d The app leaves it out from now on for this model.",
                param=param,
                **kw,
            )
        if status == 429:
            quota_ids = [str(v.get("quotaId", "")) for d in _details(body) for v in d.get("violations") or [] if isinstance(v, dict)]
            if any("PerDay" in q for q in quota_ids):
                return errors.QuotaExhaustedError(
                    "Your Gemini free-tier requests for today are used up (the count resets at midnight Pacific "
                    "time). Switch to another provider, or enable billing for your Google project.",
                    **kw,
                )
            wait = next((parse_duration(str(d["retryDelay"])) for d in _details(body) if d.get("retryDelay")), None)
            return errors.RateLimitError(retry_after=wait if wait is not None else retry_hint_in_text(body.message), **kw)
        if status == 404:
            return errors.ModelNotFoundError(
                "Gemini does not know this model (or it was retired). Check the id, e.g. gemini-2.5-flash, or pick one from the live list.",
                **kw,
            )
        if status == 403:
            return errors.AccessDeniedError(**kw)
        return super().map_error(status, body, headers, model)

    # ---- parsing -------------------------------------------------------------------------------

    def parse_response(self, data: Any, model: str) -> Chunk:
        """One GenerateContentResponse (whole, or one streamed event) as a Chunk."""
        if not isinstance(data, dict):
            raise garbled_error(provider=self.provider, model=model, what=str(data)[:200])
        if "error" in data:
            raise self.stream_error(data, model)
        candidates = data.get("candidates") or []
        if not candidates:
            blocked = (data.get("promptFeedback") or {}).get("blockReason")
            if blocked:
                raise errors.BadRequestError(
                    f"Gemini refused to answer this prompt (blocked: {str(blocked).lower()}). Rephrase it and try again.",
                    provider=self.provider,
                    model=model,
                    detail=str(blocked),
                )
            return Chunk(usage=_usage(data.get("usageMetadata")))
        candidate = candidates[0]
        parts = (candidate.get("content") or {}).get("parts") or []
        text = "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict) and not p.get("thought"))
        thoughts = "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict) and p.get("thought"))
        finish = candidate.get("finishReason")
        return Chunk(
            text=text,
            usage=_usage(data.get("usageMetadata")),
            finish_reason=str(finish).lower() if finish else None,
            extra={"reasoning": thoughts} if thoughts else None,
        )

    def whole_body_chunk(self, data: Any, model: str, rate_limit: Any) -> Chunk:
        if isinstance(data, list):  # without alt=sse the stream is one JSON array
            chunks = [self.parse_response(item, model) for item in data]
            last = chunks[-1] if chunks else Chunk()
            return Chunk("".join(c.text for c in chunks), last.usage, last.finish_reason or "stop", rate_limit)
        chunk = self.parse_response(data, model)
        return Chunk(chunk.text, chunk.usage, chunk.finish_reason or "stop", rate_limit, chunk.extra)

    # ---- the seam ------------------------------------------------------------------------------

    async def complete(self, request: ChatRequest) -> Completion:
        def parse(data: Any) -> Completion:
            chunk = self.parse_response(data, request.model)
            extra = dict(chunk.extra or {})
            return Completion(chunk.text, request.model, self.provider, chunk.usage or Usage(), chunk.finish_reason, extra=extra)

        call = self.prepare(request, stream=False)
        return await self.post_for_completion(call.url, call.json, request.model, parse)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        model = request.model
        call = self.prepare(request, stream=True)
        usage: Usage | None = None
        finish: str | None = None
        events = self.sse_events(call.url, call.json, model)
        async with aclosing(events):
            async for event in events:
                if isinstance(event, Chunk):
                    finish = event.finish_reason or finish
                    yield event
                    continue
                if not event.data.strip():
                    continue
                chunk = self.parse_response(loads_event(event.data, self, model), model)
                usage = chunk.usage or usage  # the last event carries the complete counts
                finish = chunk.finish_reason or finish
                if chunk.text or chunk.extra:
                    yield Chunk(text=chunk.text, extra=chunk.extra)
        if finish is None:  # Gemini sends no [DONE]: a stream without finishReason was cut
            raise cut_stream_error(provider=self.provider, model=model)
        yield Chunk(usage=usage, finish_reason=finish)

    async def list_models(self) -> list[ModelInfo]:
        """``GET /v1beta/models``, following ``nextPageToken``; only models that generate content."""
        models: list[ModelInfo] = []
        token: str | None = None
        for _ in range(50):  # a bound on pages, whatever the server says
            url = f"{self.base_url}{API}/models?pageSize=1000" + (f"&pageToken={path_segment(token)}" if token else "")
            data = self._json(await self._post(url, None, "", method="GET"), "")
            if not isinstance(data, dict):
                raise garbled_error(provider=self.provider, model="", what=str(data)[:200])
            for row in data.get("models") or []:
                methods = row.get("supportedGenerationMethods") or []
                if isinstance(row, dict) and row.get("name") and (not methods or "generateContent" in methods):
                    models.append(
                        ModelInfo(
                            id=str(row["name"]).removeprefix("models/"),
                            provider=self.provider,
                            context_length=row.get("inputTokenLimit"),
                            owned_by="google",
                            extra=present(
                                {
                                    "display_name": row.get("displayName"),
                                    "output_limit": row.get("outputTokenLimit"),
                                    "thinking": row.get("thinking"),  # it thinks before answering (newer lists say so)
                                    "max_temperature": row.get("maxTemperature"),
                                }
                            ),
                        )
                    )
            token = data.get("nextPageToken")
            if not token:
                break
        return models

    async def verify(self) -> str:
        models = await self.list_models()
        return f"Key accepted \u00b7 {counted(len(models), 'model')} available"
