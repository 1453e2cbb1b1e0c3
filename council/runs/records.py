"""Typed records of what a run produced — one answer, a Compare run, a council transcript — each with
``to_dict`` / ``from_dict``. The dicts are what History, exports and shared links keep, so their
keys never change without a new ``schema_version``; ``from_dict`` also reads records saved before.

One answer has one shape: the Playground's turn meta, each Compare slot and each council seat are
built from ``Answer``. None of them ever holds a token or an exception object.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from adapters import errors as err
from council.facts import pricing
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

    # ---- a council seat ---------------------------------------------------------------------

    def seat(self, label: str, *, fallback_from: dict[str, Any] | None = None) -> dict[str, Any]:
        """A stage-1 or chairman entry of the transcript (its keys are part of schema_version 1)."""
        error = self.error
        brief = None if error is None else {"kind": error["kind"], "status": error.get("status"), "message": error["message"]}
        out = {
            "provider": self.provider,
            "model": self.model,
            "text": self.text,
            "latency_s": self.metrics.latency_s,
            "error": brief,
            "fallback_from": fallback_from,
        }
        if self.extra.get("notes"):
            out["notes"] = list(self.extra["notes"])
        if self.finish_reason == "length":  # cut at the token limit (a field added within schema_version 1)
            out["cut_off"] = True
        return {"label": label, **out} if label else out


@dataclass
class SlotRecord:
    """One Compare slot: what it asked (provider, model, task, parameters) and its answer."""

    slot: int  # 1-based, as the page numbers them
    provider: str
    model: str
    task: str
    params: dict[str, Any]
    answer: Answer

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
            int(data.get("slot") or 0), data["provider"], data["model"], data.get("task") or "chat", dict(data.get("params") or {}), answer
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "prompt": self.prompt,
            "system": self.system,
            "blind": self.blind,
            "order": list(self.order) if self.order else list(range(len(self.slots))),
            "slots": [s.to_dict() for s in self.slots],
            "vote": self.vote,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Comparison:
        slots = [SlotRecord.from_dict(s) for s in data.get("slots") or []]
        return cls(
            prompt=data.get("prompt", ""),
            system=data.get("system", ""),
            slots=slots,
            blind=bool(data.get("blind")),
            order=list(data.get("order") or range(len(slots))),
            vote=data.get("vote"),
            created=data.get("created") or datetime.now(UTC).isoformat(timespec="seconds"),
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
    "label_map",
    "final",
    "requests",
    "cost_usd",
    "stopped_in_stage",
    "note",
)


@dataclass
class Transcript:
    """A council run as DESIGN.md's transcript contract says (``schema_version`` 1). Fields are added
    freely; none is renamed or dropped without a new version. Unknown keys are kept as they came."""

    question: str
    task: str
    mode: str
    members: list[dict[str, Any]]
    chairman: dict[str, Any]
    stage1: list[dict[str, Any]] = field(default_factory=list)
    stage2: list[dict[str, Any]] = field(default_factory=list)
    aggregate: list[dict[str, Any]] = field(default_factory=list)
    consensus: Any = None
    label_map: dict[str, Any] = field(default_factory=dict)
    final: dict[str, Any] | None = None
    requests: int = 0
    cost_usd: float | None = None
    stopped_in_stage: int | None = None
    note: str | None = None
    schema_version: int = TRANSCRIPT_SCHEMA_VERSION
    more: dict[str, Any] = field(default_factory=dict)  # fields added later (kept, never lost)

    def to_dict(self) -> dict[str, Any]:
        out = {key: getattr(self, key) for key in _TRANSCRIPT_KEYS}
        return {**out, **self.more}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        known = {k: data[k] for k in _TRANSCRIPT_KEYS if k in data}
        known.setdefault("question", "")
        known.setdefault("task", "general")
        known.setdefault("mode", "balanced")
        known.setdefault("members", [])
        known.setdefault("chairman", {})
        more = {k: v for k, v in data.items() if k not in _TRANSCRIPT_KEYS}
        return cls(**known, more=more)
