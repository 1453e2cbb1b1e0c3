"""Hugging Face: the router's OpenAI-compatible chat, the hf-inference task API, the Hub's whoami
and model search.

Wire facts come from ``reference/provider-protocols.md`` §1 (router, TGI, legacy bodies, errors).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

import httpx

from adapters import errors
from adapters.base import TASKS, ChatRequest, Chunk, Completion, Message, ModelInfo, Usage, present
from adapters.http import (
    ErrorBody,
    check_base_url,
    cut_stream_error,
    error_fields,
    garbled_error,
    parse_error_body,
    parse_retry_after,
    path_segment,
    transport_error,
)
from adapters.hub import HubPage, HubQuery, parse_models, same_origin
from adapters.openai_compat import OpenAICompatAdapter
from adapters.remote import Prepared, loads_event
from adapters.spec import AddressField, ProviderSpec

DEFAULT_ROUTER_URL = "https://router.huggingface.co"
DEFAULT_HUB_URL = "https://huggingface.co"

_NOT_SERVED = re.compile(r"not supported by any provider|model not supported by provider|model_not_supported", re.I)
_UNUSED_KWARGS = re.compile(r"model_kwargs` are not used by the model: \[([^\]]*)\]")
_LOADING = re.compile(r"currently loading|is loading", re.I)
_TOKEN_INVALID = re.compile(r"token seems invalid|invalid credentials|invalid username or password", re.I)


_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?"
TOKENS_URL = "https://huggingface.co/settings/tokens"


class HuggingFaceAdapter(OpenAICompatAdapter):
    spec = ProviderSpec(
        vision_models=r"(?i)-vl\b|-vl-|vision|llava|gemma-3|llama-4|pixtral|smolvlm",  # the Hub: image-text-to-text
        text_only_models=r"gpt-oss",
        id="huggingface",
        price_data="huggingface_{pin}",
        label="Hugging Face",
        token_env=("HUGGINGFACE_TOKEN", "HF_TOKEN"),
        base_url_env="HF_ROUTER_URL",
        default_base_url=DEFAULT_ROUTER_URL,
        token_required=True,
        keys_from=f"Get one at {TOKENS_URL}: New token \u2192 role \u201cread\u201d \u2192 copy the hf_\u2026 value.",
        key_steps=(
            "1. [Sign up at huggingface.co](https://huggingface.co/join) (free) and **verify your email** (the link they send).\n"
            f"2. Open [Settings \u2192 Access Tokens]({TOKENS_URL}) and press **New token**.\n"
            "3. Give it a name (e.g. \u201cAI Council\u201d), choose the role **read** \u2014 enough for inference \u2014 and create it.\n"
            "4. Copy the value: it starts with `hf_`. Keep it private, like a password.\n"
            "5. Paste it in Settings and press **Verify**."
        ),
        id_pattern=rf"^(?:{_PART}/)?{_PART}(?::[A-Za-z0-9][A-Za-z0-9._-]*)?$",
        id_hint="a Hugging Face id is \u201cname\u201d or \u201cowner/name\u201d, optionally followed by "
        ":provider, :fastest or :cheapest (for example mistralai/Mistral-7B-Instruct-v0.2)",
        default_model="openai/gpt-oss-20b",
        advanced_addresses=(
            AddressField(
                "huggingface",
                "Hugging Face router",
                DEFAULT_ROUTER_URL,
                "Leave empty for the official router (HF_ROUTER_URL also sets it).",
            ),
            AddressField(
                "huggingface-hub",
                "Hugging Face Hub (token check)",
                DEFAULT_HUB_URL,
                "Leave empty for the official Hub (HF_ENDPOINT also sets it).",
                option="hub_url",
            ),
        ),
        catalog=True,
        variant_suffix=True,
        live_list_chat_only=True,
        starter=True,
        colour="#E69F00",
        order=1,
        tasks=TASKS,
        task_help="Chat suits instruction models through the router; the other tasks call hf-inference task models.",
        id_help="On Hugging Face, add :fastest, :cheapest or :provider-name to choose who runs it.",
    )
    auth_message = (
        "Hugging Face did not accept your token. Check that it is copied whole (it starts with hf_), with no "
        "extra spaces or quotes around it, and that it has the \u201cread\u201d role; if it still fails, "
        "generate a new token at huggingface.co/settings/tokens and paste it in Settings."
    )
    max_tokens_field = "max_tokens"
    chat_path = "/v1/chat/completions"
    models_path = "/v1/models"

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        *,
        hub_url: str | None = None,
        client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        super().__init__(token, base_url, client=client, timeout=timeout)
        hub = hub_url or os.environ.get("HF_ENDPOINT") or DEFAULT_HUB_URL
        self.hub_url = check_base_url(hub, provider=self.provider, has_token=bool(self._token))

    def missing_token_error(self) -> errors.ProviderError:
        return errors.TokenMissingError(
            "No Hugging Face token is set. Create a free \u201cread\u201d token at "
            "huggingface.co/settings/tokens, paste it in Settings and press Verify \u2014 or use "
            "the bundled model, which needs no token.",
            provider=self.provider,
        )

    # ---- errors --------------------------------------------------------------------------------

    def map_error(self, status: int, body: ErrorBody, headers: Mapping[str, str], model: str) -> errors.ProviderError:
        kw = error_fields(self.provider, model, status, body, headers)
        message = body.message
        if status == 401 or (status == 400 and _TOKEN_INVALID.search(message)):
            if "restricted" in message.lower() or body.code == "GatedRepo":
                return errors.AccessDeniedError(
                    "This model is gated: accept its terms on its Hugging Face page (while signed in), then try again with your token.",
                    **kw,
                )
            return errors.AuthError(self.auth_message, **kw)
        if status == 402:
            return errors.QuotaExhaustedError(
                "Your Hugging Face credits are used up. Buy credits (pay as you go) or subscribe to PRO for "
                "monthly credits, or switch to another provider such as the bundled model.",
                **kw,
            )
        if status == 403 and (body.code == "GatedRepo" or "restricted" in message.lower()):
            return errors.AccessDeniedError(
                "This model is gated and your account is not on its access list yet. Open the model's "
                "page on huggingface.co, accept its terms or request access, then try again.",
                **kw,
            )
        if status == 400 and (body.code == "model_not_supported" or _NOT_SERVED.search(message)):
            return errors.ModelNotFoundError(
                "No inference provider you have enabled serves this model today. Pick a model that is "
                "served (the Models list shows which), or enable more providers in your Hugging Face "
                "inference settings.",
                **kw,
            )
        unused = _UNUSED_KWARGS.search(message)
        if status == 400 and unused:
            names = unused.group(1).replace("'", "")
            return errors.BadRequestError(
                f"This model does not accept some parameters ({names}). Clear them (for example the "
                "stop strings) in the Advanced parameters and try again.",
                **kw,
            )
        if status == 503 and (_LOADING.search(message) or _estimated_time(body) is not None):
            return errors.ModelLoadingError(estimated_time=_estimated_time(body), **kw)
        if body.type == "overloaded":
            return errors.RateLimitError(
                "The model's server is overloaded right now. The app waits and retries; you can also switch provider.",
                retry_after=parse_retry_after(headers),
                **kw,
            )
        if status == 429:
            return errors.RateLimitError(retry_after=parse_retry_after(headers), **kw)
        if status == 424 or body.type in ("generation", "incomplete_generation", "incomplete_generation_stream"):
            return errors.ProviderUnavailableError(
                "The model failed while writing its answer (a server-side generation error). Try again; if it "
                "keeps failing, lower \u201cmax new tokens\u201d or pick another model.",
                **kw,
            )
        if body.type == "validation" and status not in (400, 422):
            kw["status"] = 422
            return super().map_error(422, body, headers, model)
        return super().map_error(status, body, headers, model)

    # ---- hf-inference task models --------------------------------------------------------------

    def prepare(self, request: ChatRequest, *, stream: bool) -> Prepared:
        if request.task == "chat":
            return super().prepare(request, stream=stream)
        stream = stream and request.task == "text-generation"  # the other tasks cannot stream
        return self.prepared(self.task_url(request.model), self.task_payload(request, stream=stream), stream)

    def task_url(self, model: str) -> str:
        return f"{self.base_url}/hf-inference/models/{path_segment(model)}"

    def task_payload(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        user = _last(request.messages, "user")
        if request.task == "question-answering":
            context = _last(request.messages, "system")
            if not context.strip():
                raise errors.BadRequestError(
                    "Extractive question answering needs a text to search: put it in the system prompt "
                    "and ask your question in the message box.",
                    provider=self.provider,
                    model=request.model,
                )
            return {"inputs": {"question": user, "context": context}}
        payload: dict[str, Any] = {"inputs": user}
        if request.task in ("text-generation", "text2text-generation"):
            p = request.params
            params = {
                "max_new_tokens": p.max_new_tokens,
                "temperature": p.temperature,
                "top_p": p.top_p,
                "top_k": p.top_k,
                "do_sample": p.do_sample,
                "repetition_penalty": p.repetition_penalty,
                "stop": list(p.stop) if p.stop else None,
                "seed": p.seed,
            }
            params = present(params)
            if request.task == "text-generation":
                params["return_full_text"] = False
                if stream:
                    params["details"] = True
            if params:
                payload["parameters"] = params
        if stream:
            payload["stream"] = True
        return payload

    def parse_task(self, data: Any, request: ChatRequest) -> Completion:
        model = request.model
        if isinstance(data, dict) and "error" in data:
            raise self.stream_error(data, model)
        item = data[0] if isinstance(data, list) and data else data
        if not isinstance(item, dict):
            raise garbled_error(provider=self.provider, model=model, what=str(data)[:200])
        extra: dict[str, Any] = {}
        usage = Usage()
        finish = None
        if request.task == "question-answering":
            if "answer" not in item:
                raise garbled_error(provider=self.provider, model=model, what=str(item)[:200])
            text = str(item["answer"])
            extra = {k: item[k] for k in ("score", "start", "end") if k in item}
        elif request.task == "summarization":
            text = item.get("summary_text")
            if text is None:
                raise garbled_error(provider=self.provider, model=model, what=str(item)[:200])
        else:
            text = item.get("generated_text")
            if text is None:
                raise garbled_error(provider=self.provider, model=model, what=str(item)[:200])
            details = item.get("details") or {}
            finish = details.get("finish_reason")
            if details.get("generated_tokens") is not None:
                usage = Usage(prompt_tokens=details.get("input_length"), completion_tokens=details["generated_tokens"])
        return Completion(text=str(text), model=model, provider=self.provider, usage=usage, finish_reason=finish, extra=extra)

    async def _task_complete(self, request: ChatRequest) -> Completion:
        call = self.prepare(request, stream=False)
        return await self.post_for_completion(call.url, call.json, request.model, lambda data: self.parse_task(data, request))

    async def _task_stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        """TGI ``/generate_stream`` events: ``data:{"token":{...},"details":null}``, no ``[DONE]``."""
        model = request.model
        finished = False
        call = self.prepare(request, stream=True)
        events = self.sse_events(call.url, call.json, model)
        async with aclosing(events):
            async for event in events:
                if isinstance(event, Chunk):  # rate-limit headers, or a whole (non-streamed) body
                    finished = finished or bool(event.finish_reason)
                    yield event
                    continue
                if event.data.startswith("[DONE]"):
                    break
                if not event.data.strip():
                    continue
                data = loads_event(event.data, self, model)
                if not isinstance(data, dict):
                    raise garbled_error(provider=self.provider, model=model, what=event.data)
                if "error" in data or event.event == "error":
                    raise self.stream_error(data, model)
                token = data.get("token") or {}
                text = "" if token.get("special") else str(token.get("text") or "")
                if text:
                    yield Chunk(text=text)
                details = data.get("details")
                if data.get("generated_text") is not None or details:
                    details = details or {}
                    finished = True
                    usage = None
                    if details.get("generated_tokens") is not None:
                        usage = Usage(details.get("input_length"), details["generated_tokens"])
                    yield Chunk(usage=usage, finish_reason=details.get("finish_reason") or "stop")
        if not finished:
            raise cut_stream_error(provider=self.provider, model=model)

    def whole_body_chunk(self, data: Any, model: str, rate_limit: Any) -> Chunk:
        if isinstance(data, list) or (isinstance(data, dict) and "generated_text" in data):
            request = ChatRequest(model=model, messages=(), task="text-generation")
            completion = self.parse_task(data, request)
            return Chunk(completion.text, completion.usage, completion.finish_reason or "stop", rate_limit)
        return super().whole_body_chunk(data, model, rate_limit)

    # ---- the seam ------------------------------------------------------------------------------

    async def complete(self, request: ChatRequest) -> Completion:
        if request.task == "chat":
            return await super().complete(request)
        return await self._task_complete(request)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        if request.task == "chat":
            async for chunk in super().stream(request):
                yield chunk
        elif request.task == "text-generation":
            async for chunk in self._task_stream(request):
                yield chunk
        else:  # these tasks cannot stream: the whole answer arrives as one chunk
            completion = await self._task_complete(request)
            yield Chunk(
                text=completion.text,
                usage=completion.usage,
                finish_reason=completion.finish_reason or "stop",
                rate_limit=completion.rate_limit,
                extra=completion.extra or None,
            )

    def model_info(self, row: dict) -> ModelInfo:
        """One row of the router's live list: who serves the model, at what price and context length."""
        live = [p for p in row.get("providers") or [] if isinstance(p, dict) and p.get("status", "live") == "live"]
        contexts = [p["context_length"] for p in live if isinstance(p.get("context_length"), int)]
        prices = [p["pricing"] for p in live if isinstance(p.get("pricing"), dict)]
        ins = [float(x["input"]) for x in prices if isinstance(x.get("input"), (int, float))]
        outs = [float(x["output"]) for x in prices if isinstance(x.get("output"), (int, float))]
        return ModelInfo(
            id=str(row["id"]),
            provider=self.provider,
            context_length=max(contexts) if contexts else None,
            price_in_per_m=min(ins) if ins else None,
            price_out_per_m=min(outs) if outs else None,
            owned_by=row.get("owned_by"),
            served_by=tuple(str(p.get("provider")) for p in live),
            extra={
                "providers": [_provider_row(p) for p in row.get("providers") or [] if isinstance(p, dict) and p.get("provider")],
                "input_modalities": [str(m) for m in (row.get("architecture") or {}).get("input_modalities") or []],  # text, image
            },
        )

    async def search_hub(self, query: HubQuery | None = None, *, next_url: str | None = None) -> HubPage:
        """One page of the Hub's model search (no token sent: the listing is public). Pass the
        previous page's ``next_url`` to continue; it is followed only on the Hub's own host."""
        if next_url is not None:
            if not same_origin(next_url, self.hub_url):
                raise errors.BadRequestError(
                    "The Hub's next-page link points to another host; it was not followed.", provider=self.provider
                )
            url, params = next_url, None
        else:
            url, params = self.hub_url + "/api/models", (query or HubQuery()).params()
        try:
            response = await self._pool.get().get(url, params=params, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise transport_error(exc, provider=self.provider, model="") from None
        if response.status_code != 200:
            raise self.map_error(response.status_code, parse_error_body(response.content, response.headers), response.headers, "")
        try:
            models = parse_models(response.json())
        except ValueError:
            raise garbled_error(provider=self.provider, model="", what=response.text[:200]) from None
        following = response.links.get("next", {}).get("url")
        return HubPage(models, following if following and same_origin(following, self.hub_url) else None)

    async def verify(self) -> str:
        """Ask the Hub who this token belongs to (``GET {hub}/api/whoami-v2``)."""
        response = await self._post(self.hub_url + "/api/whoami-v2", None, "", method="GET")
        data = self._json(response, "")
        if not isinstance(data, dict) or not data.get("name"):
            raise garbled_error(provider=self.provider, model="", what=str(data)[:200])
        token_info = ((data.get("auth") or {}).get("accessToken") or {}) if isinstance(data.get("auth"), dict) else {}
        role = token_info.get("role")
        label = token_info.get("displayName")
        described = f"Signed in as {data['name']}"
        if label or role:
            described += " \u00b7 token " + (f"\u201c{label}\u201d " if label else "") + (f"({role} role)" if role else "")
        return described.strip()


def _provider_row(p: dict) -> dict:
    """One provider of a router model: who, live or not, context length and price per 1M tokens."""
    pricing = p.get("pricing") if isinstance(p.get("pricing"), dict) else {}
    return {
        "provider": str(p.get("provider")),
        "status": str(p.get("status") or "live"),
        "context_length": p.get("context_length") if isinstance(p.get("context_length"), int) else None,
        "input_per_m": float(pricing["input"]) if isinstance(pricing.get("input"), (int, float)) else None,
        "output_per_m": float(pricing["output"]) if isinstance(pricing.get("output"), (int, float)) else None,
        "supports_structured_output": p.get("supports_structured_output")
        if isinstance(p.get("supports_structured_output"), bool)
        else None,
    }


def _estimated_time(body: ErrorBody) -> float | None:
    if isinstance(body.data, dict):
        value = body.data.get("estimated_time")
        if isinstance(value, (int, float)):
            return float(value)
    return None


def _last(messages: Any, role: str) -> str:
    for message in reversed(list(messages)):
        if isinstance(message, Message) and message.role == role:
            return message.content
    return ""
