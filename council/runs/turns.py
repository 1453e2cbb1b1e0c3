"""One chat turn, from the conversation so far to a finished (or failed, or stopped) answer.

The page hands in a callback that redraws the partial answer; everything else — building the
request, streaming through the retry layer, timing, counting — happens here, without Streamlit.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters import Attachment, ChatRequest, GenerationParams, Message, OutputFormat, Usage
from adapters import errors as err
from council.facts import registry
from council.runs.attachments import estimated_tokens as attached
from council.runs.resilience import Attribution, RetryLayer, Target
from council.storage.response_cache import ResponseCache, deterministic, key_for

OnText = Callable[[str], Awaitable[None] | None]


@dataclass(frozen=True)
class Turn:
    """One message of the conversation as the model is sent it: who, the words, and (a user's) attachments."""

    role: str
    content: str
    attachments: tuple[Attachment, ...] = ()


def build_messages(system: str, history: Sequence[Turn], user_text: str, attachments: Sequence[Attachment] = ()) -> list[Message]:
    """The whole conversation as the model sees it: system prompt, earlier turns (an image stays in the
    turn it was sent with), the new message and what is attached to it.

    Failed or empty assistant turns are left out, and the message they failed to answer with them (asked
    again, it is the new message: its words and files go once), so a retry after an error reads naturally;
    a file no longer kept (its bytes deleted) is left out too.
    """
    messages: list[Message] = []
    if system.strip():
        messages.append(Message("system", system.strip()))
    for i, turn in enumerate(history):
        answered = i + 1 < len(history) and history[i + 1].role == "assistant" and history[i + 1].content.strip()
        if turn.role == "user" and answered:
            messages.append(Message("user", turn.content, sendable(turn.attachments)))
        elif turn.role == "assistant" and turn.content.strip():
            messages.append(Message("assistant", turn.content))
    messages.append(Message("user", user_text, sendable(attachments)))
    return messages


def sendable(attachments: Sequence[Attachment]) -> tuple[Attachment, ...]:
    """What can still be sent: a document's text always, an image or a PDF while its bytes are kept."""
    return tuple(a for a in attachments if a.kind == "text" or a.data)


@dataclass(frozen=True)
class TurnMetrics:
    latency_s: float | None = None
    ttft_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None  # hidden thinking, within completion_tokens

    @property
    def tokens_per_s(self) -> float | None:
        """Output tokens per second of generation (after the first token arrived)."""
        if not self.completion_tokens or self.latency_s is None or self.ttft_s is None:
            return None
        generating = self.latency_s - self.ttft_s
        if generating <= 0:
            return None
        return (self.completion_tokens - 1) / generating if self.completion_tokens > 1 else None


@dataclass
class TurnResult:
    text: str = ""
    provider: str = ""
    model: str = ""
    finish_reason: str | None = None
    metrics: TurnMetrics = field(default_factory=TurnMetrics)
    error: err.ProviderError | None = None
    attribution: Attribution = field(default_factory=Attribution)
    extra: dict[str, Any] = field(default_factory=dict)
    rate_limit: Any = None  # what the provider's rate-limit headers last said

    @property
    def usage(self) -> Usage:
        return Usage(self.metrics.prompt_tokens, self.metrics.completion_tokens, self.metrics.reasoning_tokens)


def error_to_dict(exc: err.ProviderError) -> dict[str, Any]:
    message, instead = exc.user_message, None
    if exc.kind in ("not_found", "gone") and exc.provider and exc.model:  # a retired model: say so, and what to try
        note, instead = registry.retirement_note(exc.provider, exc.model)
        message = f"{message} {note}" if note else message
    return {
        "kind": exc.kind,
        "title": exc.title,
        "message": message,
        "try_instead": instead,
        "provider": exc.provider,
        "model": exc.model,
        "status": exc.status,
        "detail": exc.detail,
        "retryable": exc.retryable,
    }


CHARS_PER_TOKEN = 4  # a rough, generous estimate for English text


def estimated_tokens(messages: Sequence[Message], provider: str = "") -> int:
    """The prompt's size in tokens, estimated (about four characters a token, plus a few per message, plus
    what its attachments take: a document's text, an image by the provider's published rule)."""
    return sum(len(m.content) // CHARS_PER_TOKEN + 4 + sum(attached(a, provider) for a in m.attachments) for m in messages)


def check_fits(
    messages: Sequence[Message], params: GenerationParams, context_window: int | None, *, provider: str = "", model: str = ""
) -> None:
    """Refuse before sending when the conversation plus the answer cannot fit the model's window."""
    if not context_window:
        return
    prompt = estimated_tokens(messages, provider)
    needed = prompt + (params.max_new_tokens or 0)
    if needed > context_window:
        raise err.ContextLengthError(
            f"This conversation (about {prompt:,} tokens, est.) plus up to {params.max_new_tokens or 0:,} new "
            f"tokens is more than {model or 'this model'} can take ({context_window:,} tokens): {needed - context_window:,} tokens "
            "over. Nothing was sent. Press Clear to "
            "start afresh, shorten the message, lower \u201cmax new tokens\u201d, or pick a model with a larger context window.",
            provider=provider,
            model=model,
        )


def make_request(
    model: str, task: str, messages: list[Message], params: GenerationParams, output: OutputFormat | None = None
) -> ChatRequest:
    return ChatRequest(model=model, messages=tuple(messages), params=params, task=task, output=output)


async def stream_turn(
    targets: Sequence[Target],
    layer: RetryLayer,
    on_text: OnText,
    attribution: Attribution | None = None,
    *,
    cache: ResponseCache | None = None,
) -> TurnResult:
    """Stream one answer through the retry layer, calling ``on_text(full_text_so_far)`` as it grows.

    A failure never raises: it comes back in ``result.error`` with the partial text kept. Pass
    ``attribution`` to keep the attempts even when the run is stopped part-way. With ``cache``, a
    deterministic request answered before is answered from it (nothing is sent), and a new
    complete answer is kept for next time.
    """
    result = TurnResult(attribution=attribution if attribution is not None else Attribution())
    start = time.perf_counter()
    key = None
    if cache is not None and targets and deterministic(targets[0].request.params):
        first = targets[0]
        key = key_for(first.provider, str(getattr(first.adapter, "base_url", "")), first.request)
        hit = cache.get(key)
        if hit is not None:
            return await _from_cache(result, first, hit, on_text, start)
    usage = Usage()
    parts: list[str] = []
    reasoning: list[str] = []
    try:
        async for chunk in layer.stream(targets, result.attribution):
            if chunk.text:
                if result.metrics.ttft_s is None:
                    result.metrics = TurnMetrics(ttft_s=time.perf_counter() - start)
                parts.append(chunk.text)
                outcome = on_text("".join(parts))
                if inspect.isawaitable(outcome):
                    await outcome
            if chunk.extra and chunk.extra.get("reasoning"):
                reasoning.append(str(chunk.extra["reasoning"]))
            for name, value in (chunk.extra or {}).items():  # (not ``key``: that is the cache's key for this request)
                if name != "reasoning":
                    result.extra[name] = value
            usage = chunk.usage or usage
            result.rate_limit = chunk.rate_limit or result.rate_limit
            result.finish_reason = chunk.finish_reason or result.finish_reason
    except err.ProviderError as exc:
        result.error = exc
    result.text = "".join(parts)
    if reasoning:
        result.extra["reasoning"] = "".join(reasoning)
    result.provider = result.attribution.provider
    result.model = result.attribution.model
    result.metrics = TurnMetrics(
        latency_s=time.perf_counter() - start,
        ttft_s=result.metrics.ttft_s,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        reasoning_tokens=usage.reasoning_tokens,
    )
    answered_as_asked = result.provider == targets[0].provider and result.model == targets[0].model if targets else False
    if key is not None and cache is not None and result.error is None and result.text.strip() and answered_as_asked:
        cache.put(key, result.provider, result.model, result.text, usage, result.finish_reason)
    return result


async def _from_cache(result: TurnResult, target: Target, hit, on_text: OnText, start: float) -> TurnResult:
    outcome = on_text(hit.text)
    if inspect.isawaitable(outcome):
        await outcome
    result.text, result.finish_reason = hit.text, hit.finish_reason
    result.provider = result.attribution.provider = target.provider
    result.model = result.attribution.model = target.model
    result.attribution.cached = True
    result.extra["cached"] = True
    elapsed = time.perf_counter() - start
    result.metrics = TurnMetrics(elapsed, elapsed, hit.usage.prompt_tokens, hit.usage.completion_tokens)
    return result
