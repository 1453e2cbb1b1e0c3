"""The QA simulator: an in-process provider that plays one scenario — a model warming up, a 429
with Retry-After, a rejected token, used-up credits, a retired endpoint, a cut stream, a slow
stream, a garbage body — so every error path of the real UI can be walked without spending quota.

It raises exactly the typed errors a real provider's answer maps to (same classes, statuses,
retry hints), streams through the same ``Chunk`` contract, and sends nothing anywhere.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from adapters import errors
from adapters.base import Adapter, ChatRequest, Chunk, ModelInfo, Usage
from adapters.http import cut_stream_error, garbled_error
from adapters.spec import ProviderSpec

SCENARIOS = {
    "ok": "Answers normally, streaming at the speed below",
    "loading": "503 \u201cmodel is loading\u201d for the first N seconds, then answers",
    "rate_limit": "429 Too Many Requests with Retry-After on the first attempt, then answers",
    "auth": "401 Unauthorized: the token is not accepted",
    "credits": "402 Payment Required: the monthly credits are used up",
    "gone": "410 Gone: the endpoint was shut down",
    "cut": "The stream is cut half-way through the answer",
    "slow": "A slow stream at the speed below",
    "garbage": "A reply that is not valid data",
    "image_refused": "400: it reads text only, when a prompt carries an image",
    "too_large": "413 Request Entity Too Large, when a prompt carries attachments",
}
MODEL = "sim-echo"


def _described(attachment) -> str:
    if attachment.kind == "image":
        return f"an image, {attachment.width}\u00d7{attachment.height} px"
    if attachment.kind == "pdf":
        return f"a PDF, {attachment.pages} page(s)"
    return f"text, {len(attachment.text):,} characters"


_ANSWER_LABELS = re.compile(r"^Answer ([A-Z]):", re.M)  # how a review prompt shows each answer


@dataclass(frozen=True)
class Knob:
    """One of the scenario's numbers, declared once: Settings' field and the settings file's check read it."""

    name: str
    label: str
    default: float
    low: float
    high: float
    step: float
    help: str


KNOBS: dict[str, Knob] = {
    k.name: k
    for k in (
        Knob(
            "loading_s",
            "Loading for (s)",
            10.0,
            1.0,
            300.0,
            5.0,
            "Scenario \u201cloading\u201d: longer shows the countdown for longer (beyond your longest wait it falls back); "
            "shorter answers sooner.",
        ),
        Knob(
            "retry_after_s",
            "Retry-After (s)",
            5.0,
            0.0,
            600.0,
            5.0,
            "Scenario \u201crate_limit\u201d: a wait within your longest wait is a countdown then an answer; a longer one "
            "becomes a fallback.",
        ),
        Knob(
            "tokens_per_s",
            "Speed (tokens/s)",
            20.0,
            0.5,
            500.0,
            5.0,
            "How fast the answer streams: lower shows a slow stream (and tests Stop); higher answers at once.",
        ),
    )
}


@dataclass(frozen=True)
class Scenario:
    name: str = "ok"
    loading_s: float = KNOBS["loading_s"].default  # how long the model "loads" (scenario loading)
    retry_after_s: float = KNOBS["retry_after_s"].default  # the Retry-After of the 429 (scenario rate_limit)
    tokens_per_s: float = KNOBS["tokens_per_s"].default  # streaming speed (ok, slow, cut)


_warm_since: dict[tuple[str, float], float] = {}  # when a "loading" model was first asked for (process-wide)
_lock = threading.Lock()


def reset_loading() -> None:
    with _lock:
        _warm_since.clear()


class SimulatorAdapter(Adapter):
    spec = ProviderSpec(
        id="simulator",
        label="QA simulator (no real model)",
        tab_label="QA simulator",
        id_hint="use the simulator's model name",
        in_process=True,
        simulator=True,
        vision_models=r".",  # it plays a model that reads images and PDFs (its "image refused" scenario plays one that does not)
        pdf_models=r".",
        free_per_token=True,
        colour="#F0E442",
        order=99,
        default_model=MODEL,
        structured_output="schema",
    )

    def __init__(self, token: str | None = None, base_url: str | None = None, *, scenario: Scenario | None = None, **_: object) -> None:
        self.scenario = scenario or Scenario()
        self.attempts = 0  # per adapter, i.e. per request with its retries

    def _structured(self, request: ChatRequest) -> str:
        """Structured output asked for (a council review): valid JSON for the schema, the answers
        ranked in the order they were shown, one reason each."""
        props = request.output.schema.get("properties", {}) if request.output else {}
        labels = list((props.get("reasons") or {}).get("required") or [])
        reasons = {label: f"The QA simulator ranks the answers in the order shown ({self.scenario.name})." for label in labels}
        return json.dumps({"reasons": reasons, "ranking": labels})

    def _answer_words(self, request: ChatRequest) -> list[str]:
        if request.output is not None:
            return [w if i == 0 else " " + w for i, w in enumerate(self._structured(request).split(" "))]
        question = request.messages[-1].content if request.messages else ""
        text = f"This is the QA simulator ({self.scenario.name}). You asked: \u201c{question.strip()[:120]}\u201d. No real model answered and no quota was spent."
        attached = request.messages[-1].attachments if request.messages else ()
        if attached:
            text += " Attached: " + ", ".join(f"{a.name} ({_described(a)})" for a in attached) + "."
        labels = _ANSWER_LABELS.findall(question) if "FINAL RANKING" in question else []
        if labels:  # asked to rank answers (a council review): follow the format, in the order shown
            ranking = "\n".join(f"{i}. Answer {label}" for i, label in enumerate(dict.fromkeys(labels), 1))
            text = f"This is the QA simulator ({self.scenario.name}): it ranks the answers in the order it was shown them.\n\nFINAL RANKING:\n{ranking}"
        return [w if i == 0 else " " + w for i, w in enumerate(text.split(" "))]

    def _fail_first(self, request: ChatRequest) -> None:
        """Raise the scenario's error where it applies (before any text)."""
        s, model = self.scenario, request.model
        self.attempts += 1
        if s.name == "loading":
            key = (model, s.loading_s)
            with _lock:
                started = _warm_since.setdefault(key, time.monotonic())
            left = s.loading_s - (time.monotonic() - started)
            if left > 0:
                raise errors.ModelLoadingError(estimated_time=round(left, 1), provider=self.provider, model=model, status=503)
        elif s.name == "rate_limit" and self.attempts == 1:
            raise errors.RateLimitError(retry_after=s.retry_after_s, provider=self.provider, model=model, status=429)
        elif s.name == "auth":
            raise errors.AuthError(
                "The simulator refuses the token, as a provider does for a mistyped or revoked one (401).",
                provider=self.provider,
                model=model,
                status=401,
            )
        elif s.name == "credits":
            raise errors.QuotaExhaustedError(provider=self.provider, model=model, status=402)
        elif s.name == "gone":
            raise errors.EndpointGoneError(provider=self.provider, model=model, status=410)
        elif s.name == "garbage":
            raise garbled_error(provider=self.provider, model=model, what="<html>\u0000\u00ff not json")
        attached = [a for m in request.messages for a in m.attachments]
        if s.name == "image_refused" and any(a.kind == "image" for a in attached):
            raise errors.InputNotSupportedError(
                "The simulator reads text only, as a text-only model answers an image (400).",
                provider=self.provider,
                model=model,
                status=400,
            )
        if s.name == "too_large" and attached:
            raise errors.BadRequestError(
                "The request with its attachments is larger than the provider takes (413). Attach fewer or smaller files.",
                provider=self.provider,
                model=model,
                status=413,
            )

    async def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        self._fail_first(request)
        words = self._answer_words(request)
        limit = request.params.max_new_tokens
        cut = bool(limit) and len(words) > limit  # a word a token: an answer longer than the limit stops there, "length"
        words = words[:limit] if cut else words
        gap = 1.0 / max(0.5, self.scenario.tokens_per_s)
        for i, word in enumerate(words):
            if self.scenario.name == "cut" and i >= len(words) // 2:
                raise cut_stream_error(provider=self.provider, model=request.model)
            await asyncio.sleep(gap)
            yield Chunk(text=word)
        yield Chunk(
            finish_reason="length" if cut else "stop", usage=Usage(len(" ".join(m.content for m in request.messages).split()), len(words))
        )

    async def list_models(self) -> list[ModelInfo]:
        return [ModelInfo(MODEL, self.provider, context_length=8192)]

    async def verify(self) -> str:
        if self.scenario.name == "auth":
            raise errors.AuthError("The simulator refuses the token (scenario \u201c401\u201d).", provider=self.provider, status=401)
        return f"QA simulator ready \u00b7 scenario: {SCENARIOS.get(self.scenario.name, self.scenario.name)}"

    async def aclose(self) -> None:
        return None
