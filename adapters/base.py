"""The seam every provider adapter implements (see DESIGN.md, "The seam every adapter implements")."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from adapters.errors import RateLimitInfo
from adapters.spec import ProviderSpec

Role = Literal["system", "user", "assistant"]
Task = Literal["chat", "text-generation", "text2text-generation", "summarization", "question-answering"]
TASKS: tuple[str, ...] = ("chat", "text-generation", "text2text-generation", "summarization", "question-answering")


def present(values: dict[str, Any]) -> dict[str, Any]:
    """Only the entries that are set: ``None`` means "do not send" everywhere on the wire."""
    return {k: v for k, v in values.items() if v is not None}


def counted(number: int, noun: str) -> str:
    """ "1 model", "2 models", "1,000 models": a count in words people read without stumbling."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a message, ready for the wire: an image re-encoded and downscaled, a PDF as
    it is, a text document as its text (``council.runs.attachments`` makes these; nothing here reads a
    file). Each adapter puts it in its own protocol's shape; a PDF for a model that does not read one
    natively arrives here already turned into its text."""

    name: str
    mime: str  # image/png|jpeg|webp|gif, application/pdf, text/plain
    data: bytes = b""  # the bytes sent (images and PDFs)
    text: str = ""  # a document's text (text files; a PDF's extracted text)
    pages: int | None = None  # a PDF's page count
    width: int | None = None  # an image's size as sent, in pixels
    height: int | None = None
    sha256: str = ""  # the content hash a saved run names it by (kept even when the bytes are no longer)

    @property
    def kind(self) -> str:
        """``image``, ``pdf`` or ``text``."""
        return "image" if self.mime.startswith("image/") else "pdf" if self.mime == "application/pdf" else "text"

    @property
    def base64(self) -> str:
        import base64

        return base64.b64encode(self.data).decode("ascii")

    @property
    def data_url(self) -> str:
        return f"data:{self.mime};base64,{self.base64}"

    @property
    def as_text(self) -> str:
        """A document as a text part: its name, then its text (how every model reads a text file)."""
        return f"[{self.name}]\n{self.text}"


@dataclass(frozen=True)
class Message:
    role: Role
    content: str
    attachments: tuple[Attachment, ...] = ()  # on a user message: files sent with it

    @property
    def text_with_documents(self) -> str:
        """The content with every text document appended (for protocols and models that read text only)."""
        documents = [a.as_text for a in self.attachments if a.kind == "text"]
        return "\n\n".join([self.content, *documents]) if documents else self.content


@dataclass(frozen=True)
class GenerationParams:
    """Sampling parameters. ``None`` means "do not send": the provider's default applies."""

    temperature: float | None = None
    max_new_tokens: int | None = None
    top_p: float | None = None
    top_k: int | None = None
    do_sample: bool | None = None
    repetition_penalty: float | None = None
    stop: tuple[str, ...] | None = None
    seed: int | None = None
    reasoning_effort: str | None = None  # reasoning models: minimal | low | medium | high


@dataclass(frozen=True)
class OutputFormat:
    """Ask for machine-readable output. ``schema`` is a JSON Schema (strict: every property required,
    no others), sent as each protocol's structured-output field; ``grammar`` is a GBNF grammar for
    llama.cpp (the bundled model), which can force more than a schema can — a permutation, say."""

    name: str
    schema: dict[str, Any]
    grammar: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: tuple[Message, ...] | list[Message]
    params: GenerationParams = field(default_factory=GenerationParams)
    task: str = "chat"
    output: OutputFormat | None = None  # structured output (None: free text)


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None  # hidden thinking, counted within completion_tokens where the provider says


@dataclass
class Completion:
    text: str
    model: str
    provider: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    latency_s: float | None = None
    ttft_s: float | None = None
    rate_limit: RateLimitInfo | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Chunk:
    text: str = ""
    usage: Usage | None = None
    finish_reason: str | None = None
    rate_limit: RateLimitInfo | None = None
    extra: dict[str, Any] | None = None


@dataclass(frozen=True)
class ModelInfo:
    id: str
    provider: str
    task: str = "chat"
    context_length: int | None = None
    price_in_per_m: float | None = None
    price_out_per_m: float | None = None
    owned_by: str | None = None
    served_by: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


class Adapter(abc.ABC):
    """One provider's protocol. Subclasses speak the wire; they never retry."""

    provider: str = ""
    spec: ClassVar[ProviderSpec | None] = None  # the provider's facts, declared once (adapters/spec.py)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "spec" in cls.__dict__ and cls.spec is not None:
            cls.provider = cls.spec.id

    @abc.abstractmethod
    def stream(self, request: ChatRequest) -> AsyncIterator[Chunk]:
        """Yield the answer in order; the last chunk carries usage/finish_reason when known."""

    @abc.abstractmethod
    async def list_models(self) -> list[ModelInfo]: ...

    @abc.abstractmethod
    async def verify(self) -> str:
        """Return a short account description, or raise a ProviderError."""

    async def complete(self, request: ChatRequest) -> Completion:
        """Default: join the stream. Adapters with a cheaper non-streaming call override it."""
        from adapters.timing import Stopwatch

        watch = Stopwatch()
        parts: list[str] = []
        usage = Usage()
        finish = None
        rate_limit = None
        extra: dict[str, Any] = {}
        async for chunk in self.stream(request):
            if chunk.text:
                watch.first_token()
                parts.append(chunk.text)
            usage = chunk.usage or usage
            finish = chunk.finish_reason or finish
            rate_limit = chunk.rate_limit or rate_limit
            if chunk.extra:
                extra.update(chunk.extra)
        return Completion(
            text="".join(parts),
            model=request.model,
            provider=self.provider,
            usage=usage,
            finish_reason=finish,
            latency_s=watch.elapsed(),
            ttft_s=watch.ttft,
            rate_limit=rate_limit,
            extra=extra,
        )

    async def aclose(self) -> None:  # noqa: B027  (optional hook, not abstract)
        """Release connections (adapters that hold none need not override)."""
