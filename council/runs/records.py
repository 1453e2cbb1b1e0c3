"""Typed records of what a run produced — one answer, a Compare run, a council transcript — each with
``to_dict`` / ``from_dict``. The dicts are what History, exports and shared links keep, so their
keys never change without a new ``schema_version``; ``from_dict`` also reads records saved before.

One answer has one shape: the Playground's turn meta, each Compare slot and each council seat are
built from ``Answer``. None of them ever holds a token or an exception object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from adapters import Attachment
from adapters import errors as err
from council.facts import pricing
from council.runs.attachments import digest
from council.runs.ranking import kept_ranking, passes, positions
from council.runs.turns import TurnMetrics, TurnResult, error_to_dict

TRANSCRIPT_SCHEMA_VERSION = 1


def metrics_dict(m: TurnMetrics) -> dict[str, Any]:
    """The metrics as stored, with the derived tokens per second."""
    return asdict(m) | {"tokens_per_s": m.tokens_per_s}


def metrics_from(data: dict[str, Any] | None) -> TurnMetrics:
    """Stored metrics back (tokens per second is derived again, not read)."""
    data = data or {}
    return TurnMetrics(**{f.name: data.get(f.name) for f in fields(TurnMetrics)})


@dataclass
class Answer:
    """One model's answer (or failure): who really answered, the text, the numbers, what went wrong."""

    provider: str
    model: str
    text: str = ""
    finish_reason: str | None = None
    metrics: TurnMetrics = field(default_factory=TurnMetrics)
    cost_usd: float | None = None
    fallbacks: list[tuple[str, str, str]] = field(default_factory=list)  # (provider, model, why)
    waits: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # reasoning, cached, the QA score…
    error: dict[str, Any] | None = None  # error_to_dict(): kind, title, message, provider, model, status, detail, retryable
    stopped: bool = False

    @classmethod
    def from_turn(cls, result: TurnResult) -> Answer:
        cached = bool(result.extra.get("cached"))
        return cls(
            provider=result.provider,
            model=result.model,
            text=result.text,
            finish_reason=result.finish_reason,
            metrics=result.metrics,
            cost_usd=0.0 if cached else (pricing.cost_usd(result.provider, result.model, result.usage) if result.provider else None),
            fallbacks=list(result.attribution.fallbacks),
            waits=len(result.attribution.waits),
            extra=dict(result.extra),
            error=error_to_dict(result.error) if result.error is not None else None,
        )

    @classmethod
    def failed(cls, provider: str, model: str, error: err.ProviderError) -> Answer:
        """A request that could not even be sent (a bad address, a conversation too long)."""
        return cls(provider, model, error=error_to_dict(error))

    # ---- the Playground's turn meta ---------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "provider": self.provider,
            "model": self.model,
            "finish_reason": self.finish_reason,
            "metrics": metrics_dict(self.metrics),
            "cost_usd": self.cost_usd,
            "fallbacks": [list(f) for f in self.fallbacks],
            "waits": self.waits,
            "extra": dict(self.extra),
        }
        if self.error is not None:
            out["error"] = dict(self.error)
        if self.stopped:
            out["stopped"] = True
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], text: str = "") -> Answer:
        return cls(
            provider=data.get("provider", ""),
            model=data.get("model", ""),
            text=text,
            finish_reason=data.get("finish_reason"),
            metrics=metrics_from(data.get("metrics")),
            cost_usd=data.get("cost_usd"),
            fallbacks=[tuple(f) for f in data.get("fallbacks") or []],
            waits=int(data.get("waits") or 0),
            extra=dict(data.get("extra") or {}),
            error=data.get("error"),
            stopped=bool(data.get("stopped")),
        )


@dataclass
class SlotRecord:
    """One Compare slot: what it asked (provider, model, task, parameters) and its answer."""

    slot: int  # 1-based, as the page numbers them
    provider: str
    model: str
    task: str
    params: dict[str, Any]
    answer: Answer
    note: str = ""  # the person's own note on this answer, kept with the run

    @property
    def answered_by(self) -> tuple[str, str]:
        """Who really answered (a fallback, when one did)."""
        return self.answer.provider or self.provider, self.answer.model or self.model

    @property
    def answered(self) -> bool:
        """Text arrived and nothing failed (what a blind vote is about)."""
        return bool(self.answer.text) and self.answer.error is None

    def to_dict(self) -> dict[str, Any]:
        a = self.answer
        out: dict[str, Any] = {
            "slot": self.slot,
            "provider": self.provider,
            "model": self.model,
            "task": self.task,
            "params": dict(self.params),
            "answered_by": {"provider": a.provider or self.provider, "model": a.model or self.model},
            "output": a.text,
            "metrics": {} if a.stopped else metrics_dict(a.metrics),
            "cost_usd": None if a.stopped else a.cost_usd,
            "fallbacks": [{"provider": p, "model": m, "reason": r} for p, m, r in a.fallbacks],
            "finish_reason": a.finish_reason,
            "waits": a.waits,
        }
        if a.error is not None:
            out["error"] = dict(a.error)
        if a.extra.get("reasoning"):
            out["reasoning"] = a.extra["reasoning"]
        if a.extra.get("cached"):
            out["cached"] = True
        if a.extra.get("notes"):
            out["notes"] = list(a.extra["notes"])
        if a.stopped:
            out["stopped"] = True
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SlotRecord:
        who = data.get("answered_by") or {}
        extra = {k: data[k] for k in ("reasoning", "cached", "notes") if data.get(k)}
        answer = Answer(
            provider=who.get("provider", data.get("provider", "")),
            model=who.get("model", data.get("model", "")),
            text=data.get("output", ""),
            finish_reason=data.get("finish_reason"),
            metrics=metrics_from(data.get("metrics")),
            cost_usd=data.get("cost_usd"),
            fallbacks=[(f["provider"], f["model"], f["reason"]) for f in data.get("fallbacks") or []],
            waits=int(data.get("waits") or 0),
            extra=extra,
            error=data.get("error"),
            stopped=bool(data.get("stopped")),
        )
        return cls(
            int(data.get("slot") or 0),
            data["provider"],
            data["model"],
            data.get("task") or "chat",
            dict(data.get("params") or {}),
            answer,
            str(data.get("note") or ""),
        )


@dataclass
class Comparison:
    """A whole Compare run: the prompt, the slots in order, blind mode's order, and the vote."""

    prompt: str
    system: str
    slots: list[SlotRecord]
    blind: bool = False
    order: list[int] = field(default_factory=list)
    vote: dict[str, Any] | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    stopped: bool = False  # Stop pressed: each slot keeps what had arrived
    attachments: tuple[Attachment, ...] = ()  # sent with the prompt to every slot (the record names them; the file store keeps them)
    earlier: list[Comparison] = field(default_factory=list)  # the prompts before this one (follow-ups), oldest first

    @property
    def turns(self) -> list[Comparison]:
        """Every prompt of the conversation, this one last."""
        return [*self.earlier, self]

    def to_dict(self) -> dict[str, Any]:
        """The latest prompt at the top level (as a one-prompt comparison always was); with follow-ups,
        ``turns`` holds every prompt with its slots, answers, blind order and vote."""
        out = self._turn() | ({"files": [file_ref(a) for a in self.attachments]} if self.attachments else {})
        if self.earlier:
            out["turns"] = [t._turn() | ({"files": [file_ref(a) for a in t.attachments]} if t.attachments else {}) for t in self.turns]
        return out

    def _turn(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "prompt": self.prompt,
            "system": self.system,
            "blind": self.blind,
            "order": list(self.order) if self.order else list(range(len(self.slots))),
            "slots": [s.to_dict() for s in self.slots],
            "vote": self.vote,
            "stopped": self.stopped,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], read: Callable[[str], bytes | None] | None = None) -> Comparison:
        turns = [t for t in data.get("turns") or [] if isinstance(t, dict)]
        if len(turns) > 1:
            latest = cls.from_dict(turns[-1], read)
            latest.earlier = [cls.from_dict(t, read) for t in turns[:-1]]
            return latest
        slots = [SlotRecord.from_dict(s) for s in data.get("slots") or []]
        return cls(
            prompt=data.get("prompt", ""),
            system=data.get("system", ""),
            slots=slots,
            blind=bool(data.get("blind")),
            order=list(data.get("order") or range(len(slots))),
            vote=data.get("vote"),
            created=data.get("created") or datetime.now(UTC).isoformat(timespec="seconds"),
            stopped=bool(data.get("stopped")),
            attachments=files_from(data, read),
        )


_SEAT_KEYS = ("label", "provider", "model", "text", "latency_s", "error", "fallback_from", "notes", "cut_off")
_FINAL_KEYS = ("tries", "method", "note", "kept_from")


@dataclass
class Seat:
    """A council member's answer in stage 1, or the chairman's (``label`` empty): the ``Answer``, who it
    stood in for, and — for the chairman — how the final answer was reached."""

    label: str
    answer: Answer
    fallback_from: dict[str, Any] | None = None  # the member's own model, when another answered for it
    tries: int | None = None  # the chairman: how many times it was asked
    method: str | None = None  # the chairman: "synthesis" or "top_ranked"
    note: str | None = None  # the chairman: why the final answer is what it is
    kept_from: list[str] | None = None  # the chairman: whose points the synthesis kept
    more: dict[str, Any] = field(default_factory=dict)  # fields added later (kept, never lost)

    @property
    def ok(self) -> bool:
        return self.answer.error is None

    def to_dict(self) -> dict[str, Any]:
        """The entry as the transcript contract writes it (``schema_version`` 1)."""
        a = self.answer
        out: dict[str, Any] = {"label": self.label} if self.label else {}
        out |= {
            "provider": a.provider,
            "model": a.model,
            "text": a.text,
            "latency_s": a.metrics.latency_s,
            "error": dict(a.error) if a.error is not None else None,
            "fallback_from": self.fallback_from,
        }
        if a.extra.get("notes"):
            out["notes"] = list(a.extra["notes"])
        if a.finish_reason == "length":  # cut at the token limit (a field added within schema_version 1)
            out["cut_off"] = True
        for key in _FINAL_KEYS:
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out | self.more

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Seat:
        answer = Answer(
            provider=data.get("provider", ""),
            model=data.get("model", ""),
            text=data.get("text") or "",
            finish_reason="length" if data.get("cut_off") else None,
            metrics=TurnMetrics(latency_s=data.get("latency_s")),
            extra={"notes": list(data["notes"])} if data.get("notes") else {},
            error=data.get("error"),
        )
        known = {key: data.get(key) for key in _FINAL_KEYS}
        more = {k: v for k, v in data.items() if k not in _SEAT_KEYS and k not in _FINAL_KEYS}
        return cls(data.get("label") or "", answer, data.get("fallback_from"), **known, more=more)


_REVIEW_KEYS = (
    "reviewer_label",
    "reviewer",
    "order",
    "ranking",
    "parsed",
    "method",
    "reasons",
    "text",
    "latency_s",
    "error",
    "swap",
    "positions",
    "orders",
    "rankings",
)
_PASS_KEYS = ("order", "ranking", "parsed", "method", "reasons", "text", "latency_s", "error")  # a review's second order


@dataclass
class Review:
    """One member's anonymous review in stage 2: what it saw, in which order, and the ranking read from it."""

    reviewer_label: str
    provider: str
    model: str
    order: list[str]
    ranking: list[str] = field(default_factory=list)
    parsed: bool = False
    method: str = "text"  # "schema", "grammar" or "text"
    reasons: dict[str, str] = field(default_factory=dict)
    text: str = ""
    latency_s: float | None = None
    error: dict[str, Any] | None = None  # error_to_dict(), as every answer's
    swap: Review | None = None  # the same review asked with the answers in reverse order (against position bias)
    more: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The contract's review: ``order`` as first shown, every order asked in ``orders`` with what each
        said in ``rankings`` (empty: not read); ``ranking`` the one the council counts — with the answers
        also asked reversed (``swap``), only what both orders agree on (``kept_ranking``; ``positions``
        each answer's mean place) — and ``parsed`` whether any order's review could be read."""
        out = self._pass()
        asked = [self] if self.swap is None else [self, self.swap]
        out["orders"] = [list(p.order) for p in asked]
        out["rankings"] = [list(p.ranking) if p.parsed else [] for p in asked]
        if self.swap is not None:
            swapped = self.swap._pass()
            out["swap"] = {k: swapped[k] for k in _PASS_KEYS}
            out["positions"] = positions(out)
            out["ranking"] = kept_ranking(out)
            out["parsed"] = bool(out["positions"])
        return out | self.more

    def _pass(self) -> dict[str, Any]:
        return {
            "reviewer_label": self.reviewer_label,
            "reviewer": {"provider": self.provider, "model": self.model},
            "order": list(self.order),
            "ranking": list(self.ranking),
            "parsed": self.parsed,
            "method": self.method,
            "reasons": dict(self.reasons),
            "text": self.text,
            "latency_s": self.latency_s,
            "error": dict(self.error) if self.error is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Review:
        who = data.get("reviewer") or {}
        swap = data.get("swap") if isinstance(data.get("swap"), dict) else None
        shown = passes(data)[0]  # the first order's own ranking (``ranking`` is what both orders kept)
        return cls(
            reviewer_label=data.get("reviewer_label", ""),
            provider=who.get("provider", ""),
            model=who.get("model", ""),
            order=list(data.get("order") or []),
            ranking=shown["ranking"],
            parsed=shown["parsed"],
            method=data.get("method") or "text",
            reasons=dict(data.get("reasons") or {}),
            text=data.get("text") or "",
            latency_s=data.get("latency_s"),
            error=data.get("error"),
            swap=cls.from_dict(
                {k: swap[k] for k in _PASS_KEYS if k in swap} | {"reviewer_label": data.get("reviewer_label", ""), "reviewer": who}
            )
            if swap
            else None,
            more={k: v for k, v in data.items() if k not in _REVIEW_KEYS},
        )


_TRANSCRIPT_KEYS = (
    "schema_version",
    "question",
    "task",
    "mode",
    "members",
    "chairman",
    "stage1",
    "stage2",
    "aggregate",
    "consensus",
    "bias",
    "label_map",
    "final",
    "requests",
    "cost_usd",
    "stopped_in_stage",
    "note",
)
ROUND_KEYS = ("question", "stage1", "stage2", "aggregate", "consensus", "bias", "label_map", "final", "requests", "cost_usd", "note")


@dataclass
class Transcript:
    """A council run as it happens and as DESIGN.md's transcript contract says (``schema_version`` 1):
    stage 1 and the final answer are ``Seat``s holding ``Answer``s, stage 2 ``Review``s. ``to_dict`` is the
    contract; fields are added freely, none is renamed or dropped without a new version, and unknown
    keys are kept as they came."""

    question: str
    task: str
    mode: str
    members: list[dict[str, Any]]  # label, provider, model, persona
    chairman: dict[str, Any]  # provider, model, persona
    stage1: list[Seat] = field(default_factory=list)
    stage2: list[Review] = field(default_factory=list)
    aggregate: list[dict[str, Any]] = field(default_factory=list)  # ranking.aggregate's rows, best first
    consensus: Any = None
    bias: dict[str, Any] | None = None  # bias.panel's figures
    label_map: dict[str, Any] = field(default_factory=dict)
    final: Seat | None = None
    requests: int = 0
    cost_usd: float | None = None
    stopped_in_stage: int | None = None
    note: str | None = None
    schema_version: int = TRANSCRIPT_SCHEMA_VERSION
    attachments: tuple[Attachment, ...] = ()  # what the council was asked about ("files": named, kept in the file store)
    more: dict[str, Any] = field(default_factory=dict)  # fields added later (kept, never lost)
    earlier: list[Transcript] = field(default_factory=list)  # the rounds before this one (follow-up questions), oldest first

    @property
    def total_requests(self) -> int:
        """Requests over every round (this round's own are ``requests``)."""
        return sum(r.requests for r in (*self.earlier, self))

    @property
    def total_cost_usd(self) -> float | None:
        """Cost over every round (None when a round's is unknown)."""
        costs = [r.cost_usd for r in (*self.earlier, self)]
        return None if any(c is None for c in costs) else round(sum(costs), 6)  # type: ignore[arg-type]

    @property
    def rounds(self) -> list[Transcript]:
        return [*self.earlier, self]

    def seat(self, label: str) -> Seat | None:
        return next((s for s in self.stage1 if s.label == label), None)

    def member(self, label: str) -> dict[str, Any]:
        return next((m for m in self.members if m.get("label") == label), {})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in _TRANSCRIPT_KEYS:
            if key == "bias" and self.bias is None:
                continue  # a run stopped before its reviews has no bias figures
            out[key] = self._own(key)
        if self.attachments:
            out["files"] = [file_ref(a) for a in self.attachments]
        if self.earlier:  # follow-up questions: every round, the top-level fields the latest, requests and cost the totals
            out["rounds"] = [{k: r._own(k) for k in ROUND_KEYS} for r in self.rounds]
            out["requests"], out["cost_usd"] = self.total_requests, self.total_cost_usd
        return out | self.more

    def _own(self, key: str) -> Any:
        """One field as the contract writes it (a stage's entries and the final seat as their dicts)."""
        value = getattr(self, key)
        if key in ("stage1", "stage2"):
            return [entry.to_dict() for entry in value]
        if key == "final":
            return value.to_dict() if value is not None else None
        return value

    @classmethod
    def from_dict(cls, data: dict[str, Any], read: Callable[[str], bytes | None] | None = None) -> Transcript:
        rounds = [r for r in data.get("rounds") or [] if isinstance(r, dict)]
        if len(rounds) > 1:  # the latest round is the top level; each earlier one shares its seats and material
            shared = {k: v for k, v in data.items() if k not in (*ROUND_KEYS, "rounds")}
            latest = cls.from_dict(shared | rounds[-1], read)
            latest.earlier = [cls.from_dict(shared | r) for r in rounds[:-1]]
            return latest
        known = {k: data[k] for k in _TRANSCRIPT_KEYS if k in data}
        known["question"] = known.get("question") or ""
        known.setdefault("task", "general")
        known.setdefault("mode", "balanced")
        known["members"] = list(known.get("members") or [])
        known["chairman"] = dict(known.get("chairman") or {})
        known["stage1"] = [Seat.from_dict(e) for e in known.get("stage1") or []]
        known["stage2"] = [Review.from_dict(r) for r in known.get("stage2") or []]
        known["final"] = Seat.from_dict(known["final"]) if known.get("final") else None
        more = {k: v for k, v in data.items() if k not in (*_TRANSCRIPT_KEYS, "files", "rounds")}
        return cls(**known, attachments=files_from(data, read), more=more)


def file_ref(a: Attachment) -> dict[str, Any]:
    """An attachment as a saved run names it: its content hash (the bytes are kept once, in the file store),
    and what shows it without reading them; a document's text is kept in the record."""
    ref: dict[str, Any] = {"sha256": a.sha256 or digest(a.data or a.text.encode()), "name": a.name, "mime": a.mime}
    ref |= {k: getattr(a, k) for k in ("width", "height", "pages") if getattr(a, k) is not None}
    if a.text:
        ref["text"] = a.text
    return ref


def file_from(ref: dict[str, Any], data: bytes | None) -> Attachment:
    """An attachment back from a saved run (``data`` from the file store; None: no longer kept)."""
    return Attachment(
        str(ref.get("name") or "file"),
        str(ref.get("mime") or "application/octet-stream"),
        data or b"",
        text=str(ref.get("text") or ""),
        pages=ref.get("pages"),
        width=ref.get("width"),
        height=ref.get("height"),
        sha256=str(ref.get("sha256") or ""),
    )


def files_from(data: dict[str, Any], read: Callable[[str], bytes | None] | None) -> tuple[Attachment, ...]:
    """A saved record's attachments back (their bytes from ``read``, the file store; without it names and text only)."""
    refs = [ref for ref in data.get("files") or [] if isinstance(ref, dict) and ref.get("sha256")]
    return tuple(file_from(ref, read(ref["sha256"]) if read else None) for ref in refs)


@dataclass
class ChatTurn:
    """One message of a Playground conversation as the session keeps it: the user's words and attachments,
    or the model's ``Answer`` (its text is the message)."""

    role: str  # "user" or "assistant"
    content: str
    answer: Answer | None = None  # an assistant turn's record
    attachments: tuple[Attachment, ...] = ()  # a user turn's files, shown in place and sent with it again

    def to_dict(self) -> dict[str, Any]:
        out = {"role": self.role, "content": self.content, "meta": self.answer.to_dict() if self.answer is not None else {}}
        if self.attachments:
            out["files"] = [file_ref(a) for a in self.attachments]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], read: Callable[[str], bytes | None] | None = None) -> ChatTurn:
        """``read``: the file store's bytes by hash (the person's own); without it, attachments come back
        with their names and text only."""
        content = data.get("content") or ""
        meta = data.get("meta") or {}
        answer = Answer.from_dict(meta, content) if data.get("role") == "assistant" else None
        files = tuple(
            file_from(ref, read(ref["sha256"]) if read else None)
            for ref in data.get("files") or []
            if isinstance(ref, dict) and ref.get("sha256")
        )
        return cls(data.get("role") or "user", content, answer, files)
