"""The model registry: data files shipped with the app plus the user's own models. No network.

``validate_model_id`` guards every id before it reaches an adapter (and so a URL path).
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from adapters import PROVIDERS, spec_for
from adapters.base import TASKS
from council.facts import clock, data_package
from council.facts.data_package import PriceStep
from council.settings import data_dir

DATA = Path(__file__).parent / "data"
STRENGTHS = ("reasoning", "creative", "fact-checking", "code", "summarization", "research", "general")


class Status(StrEnum):
    """Whether a provider serves a model today (a ``str``: stored rows and data files keep the words)."""

    SERVED = "served"
    NOT_SERVED = "not_served"
    UNKNOWN = "unknown"


STATUSES = tuple(Status)
SOON_DAYS = 30  # a retirement this close is shown as a badge, with the successor


def today() -> date:
    """The date the registry's dates are read against (``COUNCIL_TODAY`` may set another; tests fix it)."""
    return clock.today()


CUSTOM_FILE = "custom_models.json"
MAX_ID_LENGTH = 200


@dataclass(frozen=True)
class ModelEntry:
    provider: str
    model_id: str
    task: str = "chat"
    context_window: int | None = None
    strengths: tuple[str, ...] = ()
    price_in_per_m: float | None = None
    price_out_per_m: float | None = None
    status: str = Status.UNKNOWN
    source: str = ""
    as_of: str = ""
    notes: str = ""
    price_source: str = ""  # where the price comes from, and when (the price data file's row)
    price_as_of: str = ""
    custom: bool = False
    extra: dict = field(default_factory=dict, compare=False)
    retires: date | None = None  # the provider's shutdown date, known before the day
    successor: str | None = None  # the model the provider names in its place
    price_steps: tuple[PriceStep, ...] = field(default=(), compare=False)  # later dated prices (the data package's)
    # the model's own recommended settings (temperature, top_p, system), and where they come from
    recommended: dict = field(default_factory=dict, compare=False)
    recommended_source: str = ""

    def price_on(self, day: date | None = None) -> tuple[float, float] | None:
        """(input, output) USD per 1M tokens on ``day`` (today): the latest dated step that has begun,
        else the entry's price; None when nobody has said."""
        on = day or today()
        begun = [s for s in self.price_steps if s.starts <= on]
        if begun:
            return begun[-1].input_per_m, begun[-1].output_per_m
        if self.price_in_per_m is None or self.price_out_per_m is None:
            return None
        return self.price_in_per_m, self.price_out_per_m

    def retiring_in(self, on: date | None = None) -> int | None:
        """Days until it retires, when that is within ``SOON_DAYS`` (and not past)."""
        if self.retires is None:
            return None
        days = (self.retires - (on or today())).days
        return days if 0 < days <= SOON_DAYS else None

    @property
    def retire_note(self) -> str:
        """ " — retires in 11 days, try gpt-6.1-terra" (empty when not soon)."""
        days = self.retiring_in()
        if days is None:
            return ""
        return f" \u2014 retires in {days} day{'s' if days != 1 else ''}" + (f", try {self.successor}" if self.successor else "")

    @property
    def label(self) -> str:
        """What the model picker shows: id, task, context window and strengths."""
        return self.picker_label()

    def picker_label(self, *, sees_images: bool = False) -> str:
        """The label, marked \U0001f441 when the model reads images."""
        bits = [self.task]
        if self.context_window:
            bits.append(f"{self.context_window:,} tokens")
        if self.strengths:
            bits.append(", ".join(self.strengths))
        flag = {Status.NOT_SERVED: " \u2014 no longer served", Status.UNKNOWN: " \u2014 availability unknown"}.get(self.status, "")
        details = " \u00b7 ".join(bits)
        eye = " \U0001f441" if sees_images else ""
        return f"{self.model_id} ({details}){eye}{flag}{self.retire_note if self.status != Status.NOT_SERVED else ''}"


class InvalidModelIdError(ValueError):
    """A model id that must not be sent; ``str()`` is a plain sentence for the user."""


# ---- model-id validation -----------------------------------------------------------------------


def validate_model_id(provider: str, model_id: str) -> str:
    """Return the id (trimmed) if it is safe to send to ``provider``; else raise InvalidModelIdError."""
    value = model_id.strip()
    if not value:
        raise InvalidModelIdError("Enter a model id.")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidModelIdError(f"A model id is at most {MAX_ID_LENGTH} characters long.")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in value):
        raise InvalidModelIdError("A model id has no spaces, tabs, line breaks or invisible characters.")
    if "://" in value or value.startswith(("//", "www.")) or re.match(r"^[a-z]+:/", value, re.I):
        raise InvalidModelIdError("Enter the model's id, not a web address (for example owner/name).")
    if any(part in ("..", ".") for part in re.split(r"[/\\]", value)):
        raise InvalidModelIdError("A model id cannot contain \u201c..\u201d or \u201c.\u201d path segments.")
    if any(ch in value for ch in "?#%\\\"'<>"):
        raise InvalidModelIdError("A model id cannot contain ? # % \\ quotes or angle brackets.")
    if provider in PROVIDERS and not spec_for(provider).id_regex().match(value):
        raise InvalidModelIdError(f"That does not look like a model id: {spec_for(provider).id_hint}.")
    return value


# ---- loading -----------------------------------------------------------------------------------


def _read_toml(name: str) -> dict:
    with (DATA / name).open("rb") as fh:
        return tomllib.load(fh)


def _price(row: dict, ours: dict, package: data_package.PackageFacts) -> dict:
    """The row's price: the data package's where it has one (fresher, with dated steps), else our own
    price row (``prices.toml``), else unknown."""
    priced = package.input_per_m is not None and package.output_per_m is not None
    if priced and row["provider"] in PROVIDERS and not spec_for(row["provider"]).free_per_token:
        return {
            "price_in_per_m": package.input_per_m,
            "price_out_per_m": package.output_per_m,
            "price_source": package.source,
            "price_as_of": data_package.as_of(),
            "price_steps": package.steps,
        }
    return {
        "price_in_per_m": ours.get("input_per_m"),
        "price_out_per_m": ours.get("output_per_m"),
        "price_source": ours.get("source", ""),
        "price_as_of": ours.get("as_of", ""),
    }


@lru_cache(maxsize=1)
def _shipped() -> tuple[ModelEntry, ...]:
    prices = {(p["provider"], p["model_id"]): p for p in _read_toml("prices.toml").get("price", [])}
    rows = []
    for row in _read_toml("models.toml").get("model", []):
        package = data_package.facts(row["provider"], row["model_id"])
        rows.append(
            ModelEntry(
                provider=row["provider"],
                model_id=row["model_id"],
                task=row.get("task", "chat"),
                context_window=package.context_window or row.get("context_window"),
                strengths=tuple(row.get("strengths", ())),
                **_price(row, prices.get((row["provider"], row["model_id"]), {}), package),
                status=Status(row.get("status", Status.UNKNOWN)),
                source=row.get("source", ""),
                as_of=row.get("as_of", ""),
                notes=row.get("notes", ""),
                extra={k: row[k] for k in ("structured_output", "context_window_unknown") if k in row},
                retires=row.get("retires"),
                successor=row.get("successor"),
                recommended=dict(row.get("recommended") or {}),
                recommended_source=row.get("recommended_source", ""),
            )
        )
    return tuple(rows)


def _custom_path() -> Path:
    return data_dir() / CUSTOM_FILE


def load_custom_models() -> list[ModelEntry]:
    path = _custom_path()
    if not path.is_file():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8")).get("models", [])
    except (ValueError, OSError, AttributeError):
        return []
    entries = []
    for row in rows:
        try:
            validate_model_id(row["provider"], row["model_id"])
            entries.append(
                ModelEntry(
                    provider=row["provider"],
                    model_id=row["model_id"],
                    task=row.get("task", "chat") if row.get("task") in TASKS else "chat",
                    context_window=row.get("context_window"),
                    strengths=tuple(s for s in row.get("strengths", ()) if s in STRENGTHS),
                    status=Status.UNKNOWN,
                    source="added by you",
                    as_of=row.get("as_of", ""),
                    custom=True,
                    extra={"vision": row["vision"]} if isinstance(row.get("vision"), bool) else {},  # what the Hub said of its sight
                )
            )
        except (KeyError, InvalidModelIdError, TypeError):
            continue
    return entries


def add_custom_model(entry: ModelEntry) -> None:
    """Save a user's model to the data folder (validated; replaces an entry with the same id)."""
    validate_model_id(entry.provider, entry.model_id)
    if entry.task not in TASKS:
        raise InvalidModelIdError(f"Unknown task \u201c{entry.task}\u201d.")
    kept = [e for e in load_custom_models() if (e.provider, e.model_id) != (entry.provider, entry.model_id)]
    _write_custom([*kept, entry])


def remove_custom_model(provider: str, model_id: str) -> None:
    _write_custom([e for e in load_custom_models() if (e.provider, e.model_id) != (provider, model_id)])


def _write_custom(entries: list[ModelEntry]) -> None:
    rows = [
        {k: v for k, v in asdict(e).items() if k in ("provider", "model_id", "task", "context_window", "strengths", "as_of")}
        | ({"vision": e.extra["vision"]} if isinstance(e.extra.get("vision"), bool) else {})
        for e in entries
    ]
    path = _custom_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"schema_version": 1, "models": rows}, indent=2), encoding="utf-8")
    tmp.replace(path)
    _loaded.clear()


def dated(entry: ModelEntry, on: date | None = None) -> ModelEntry:
    """The entry as of ``on`` (today): past its ``retires`` date it is no longer served, whatever the
    row said when it was written."""
    day = on or today()
    if entry.retires is None or day < entry.retires or entry.status == Status.NOT_SERVED:
        return entry
    after = f"; try {entry.successor}" if entry.successor else ""
    return replace(entry, status=Status.NOT_SERVED, notes=f"Retired by the provider on {entry.retires.isoformat()}{after}.")


_loaded: dict[tuple, tuple[ModelEntry, ...]] = {}  # one registry per (custom-models file as it is, day)


def load_registry(on: date | None = None) -> list[ModelEntry]:
    """Shipped entries, then the user's own (a user's entry never hides a shipped one), each as of
    ``on`` (today): a model past its retirement date is not served. Read again only when the user's
    models file changed or the day did (pickers call this on every draw)."""
    day = on or today()
    path = _custom_path()
    try:
        stat = path.stat()
        stamp: tuple = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = ()
    key = (str(path), stamp, day)
    found = _loaded.get(key)
    if found is None:
        shipped = [dated(e, day) for e in _shipped()]
        known = {(e.provider, e.model_id) for e in shipped}
        found = (*shipped, *(e for e in load_custom_models() if (e.provider, e.model_id) not in known))
        _loaded.clear()
        _loaded[key] = found
    return list(found)


def models_for(provider: str, registry: list[ModelEntry] | None = None) -> list[ModelEntry]:
    """A provider's entries, served ones first."""
    rows = [e for e in (registry or load_registry()) if e.provider == provider]
    order = {Status.SERVED: 0, Status.UNKNOWN: 1, Status.NOT_SERVED: 2}
    return sorted(rows, key=lambda e: order.get(e.status, 1))


def find(provider: str, model_id: str, registry: list[ModelEntry] | None = None) -> ModelEntry | None:
    base = model_id.split(":", 1)[0] if provider in PROVIDERS and spec_for(provider).variant_suffix else model_id
    for entry in registry or load_registry():
        if entry.provider == provider and entry.model_id in (model_id, base):
            return entry
    return None


def retirement_note(provider: str, model_id: str, on: date | None = None) -> tuple[str, str | None]:
    """When the registry knows the model was retired by ``on`` (today): a sentence saying so and what to
    try instead (its successor, else a served model of the same provider and task), and that model."""
    entry = find(provider, model_id)
    day = on or today()
    if entry is None or entry.retires is None or day < entry.retires:
        return "", None
    instead = entry.successor or _served_alternative(entry)
    label = spec_for(provider).label if provider in PROVIDERS else provider
    sentence = f"{label} retired {entry.model_id} on {entry.retires.isoformat()}"
    return sentence + (f"; try {instead} instead." if instead else "."), instead


def _served_alternative(entry: ModelEntry) -> str | None:
    return closest_served(entry, [e for e in models_for(entry.provider) if e.status == Status.SERVED])


def closest_served(entry: ModelEntry, served: Iterable[ModelEntry]) -> str | None:
    """What to use instead of ``entry``: among ``served`` models of its provider and task, the successor its
    provider names, else the one sharing the most strengths; None when there is none."""
    same = [s for s in served if s.provider == entry.provider and s.task == entry.task and s.model_id != entry.model_id]
    if entry.successor and any(s.model_id == entry.successor for s in same):
        return entry.successor
    if not same:
        return None
    return max(same, key=lambda s: len(set(s.strengths) & set(entry.strengths))).model_id


def _live_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def entries_from_live(provider: str, infos: list, *, as_of: str) -> list[ModelEntry]:
    """Registry rows for models a provider's live list names (served, by definition, today).

    A row the registry already has keeps its strengths and notes; the live list adds its context
    length and prices where it says them.
    """
    known = {e.model_id: e for e in models_for(provider)}
    rows = []
    for info in infos:
        base = known.get(info.id)
        rows.append(
            ModelEntry(
                provider=provider,
                model_id=info.id,
                task=base.task if base else info.task,
                context_window=info.context_length or (base.context_window if base else None),
                strengths=base.strengths if base else (),
                price_in_per_m=info.price_in_per_m if info.price_in_per_m is not None else (base.price_in_per_m if base else None),
                price_out_per_m=info.price_out_per_m if info.price_out_per_m is not None else (base.price_out_per_m if base else None),
                price_source=f"{provider} live model list" if info.price_in_per_m is not None else (base.price_source if base else ""),
                price_as_of=as_of if info.price_in_per_m is not None else (base.price_as_of if base else ""),
                status=Status.SERVED,
                source=f"{provider} live model list",
                as_of=as_of,
                notes=base.notes if base else (f"Served by {', '.join(info.served_by)}." if info.served_by else ""),
                extra=dict(info.extra),
                retires=_live_date(info.extra.get("shutdown_date")) or (base.retires if base else None),
                successor=base.successor if base else None,
            )
        )
    return [dated(r) for r in rows]  # a live row past its shutdown date is not served either
