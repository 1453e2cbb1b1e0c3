"""Which models are served today: the providers' live lists (cached on disk with a time-to-live),
what the app met in use (a 404, a 410, "not supported by any provider"), and for a model that is no
longer served, a served model of the same task to try instead. No Streamlit here.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime

from adapters import PROVIDERS, spec_for
from council import reach as providers  # reaching a provider sits below the facts
from council.facts import registry
from council.facts.registry import ModelEntry, Status, entries_from_live, load_registry
from council.storage import json_files
from council.storage.json_files import LIVE_FILE

MARKS_FILE = "availability.json"
TTL_S = 6 * 3600.0  # a provider's list is asked for again after six hours (or on Refresh)
NOT_SERVED_KINDS = ("not_found", "gone")  # 404, 400 model_not_supported, 410
_lock = threading.Lock()


@dataclass(frozen=True)
class LiveList:
    """A provider's own model list, and when it was fetched."""

    provider: str
    rows: list[ModelEntry]
    fetched_at: float  # epoch seconds
    error: str | None = None  # a plain title when the list could not be fetched

    @property
    def checked(self) -> str:
        return datetime.fromtimestamp(self.fetched_at, UTC).strftime("%Y-%m-%d %H:%M UTC")

    @property
    def ids(self) -> set[str]:
        return {r.model_id for r in self.rows}


def _now() -> float:
    return time.time()


_read, _write = json_files.read, json_files.write


def _cache_key(provider: str, connection: providers.Connection) -> str:
    """One list per provider and address (a proxy or another Ollama host lists other models)."""
    return f"{provider}@{providers.explicit_base_url(provider, connection) or ''}"


def _entry(row: dict) -> ModelEntry:
    row = dict(row)
    row["strengths"] = tuple(row.get("strengths") or ())
    row["price_steps"] = ()  # live lists state today's price only
    if isinstance(row.get("retires"), str):
        row["retires"] = date.fromisoformat(row["retires"])
    return ModelEntry(**{k: v for k, v in row.items() if k in ModelEntry.__dataclass_fields__})


def cached(provider: str, connection: providers.Connection, *, ttl_s: float = TTL_S) -> LiveList | None:
    """The stored list when it is younger than ``ttl_s``; no network."""
    item = _read(LIVE_FILE).get(_cache_key(provider, connection))
    if not isinstance(item, dict) or _now() - float(item.get("fetched_at", 0)) > ttl_s:
        return None
    try:
        rows = [_entry(r) for r in item.get("rows", [])]
    except TypeError:
        return None
    return LiveList(provider, rows, float(item["fetched_at"]))


async def live_list(provider: str, connection: providers.Connection, *, force: bool = False, ttl_s: float = TTL_S) -> LiveList:
    """The provider's live list: from the disk cache while fresh, else asked for (and stored).
    A failure comes back with ``error`` set and is not stored."""
    if not force:
        found = cached(provider, connection, ttl_s=ttl_s)
        if found is not None:
            return found
    fetched = _now()
    try:
        infos = await providers.fetch_models(provider, connection)
    except Exception as exc:  # typed in plain words for the page
        return LiveList(provider, [], fetched, providers.as_provider_error(exc).title)
    rows = entries_from_live(provider, infos, as_of=datetime.fromtimestamp(fetched, UTC).strftime("%Y-%m-%d"))
    with _lock:
        data = _read(LIVE_FILE)
        data[_cache_key(provider, connection)] = {"fetched_at": fetched, "rows": [asdict(r) for r in rows]}
        with contextlib.suppress(OSError):  # a read-only data folder: the list still works for this run
            _write(LIVE_FILE, data)
    return LiveList(provider, rows, fetched)


# ---- what the app met in use -------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    status: str  # not_served
    reason: str
    seen: str  # date


def note_attempts(attempts: Iterable) -> None:
    """After a call: a model that answered 404/410/"not supported" is marked not served; one that
    answered is cleared. (Called with every call's attempts, so Playground, Compare and Council all count.)"""
    changes: dict[str, Mark | None] = {}
    for attempt in attempts:
        if attempt.provider == providers.SIMULATOR:
            continue  # a simulated 404/410 says nothing about real models
        key = f"{attempt.provider}/{attempt.model}"
        if attempt.outcome in NOT_SERVED_KINDS:
            what = "answered 410 Gone" if attempt.outcome == "gone" else "answered that it does not serve this model"
            changes[key] = Mark(Status.NOT_SERVED, f"{providers.label(attempt.provider)} {what}", time.strftime("%Y-%m-%d"))
        elif attempt.outcome == "ok":
            changes[key] = None
    if not changes:
        return
    with _lock:
        data = _read(MARKS_FILE)
        if not any(key in data or mark is not None for key, mark in changes.items()):
            return
        for key, mark in changes.items():
            if mark is None:
                data.pop(key, None)
            else:
                data[key] = asdict(mark)
        with contextlib.suppress(OSError):
            _write(MARKS_FILE, data)


def marks() -> dict[str, Mark]:
    return {k: Mark(**v) for k, v in _read(MARKS_FILE).items() if isinstance(v, dict) and set(v) == {"status", "reason", "seen"}}


# ---- the registry with today's availability ----------------------------------------------------


@dataclass(frozen=True)
class Availability:
    entry: ModelEntry
    status: str  # served | not_served | unknown
    reason: str  # why we think so, in plain words
    checked: str  # when (a date)
    alternative: str | None = None  # a served model of the same provider and task


def _listed_completely(provider: str, entry: ModelEntry) -> bool:
    """Does the provider's live list name every model it serves for this entry's task? The router's
    /v1/models lists chat models only; hf-inference task models are not in it."""
    return not (provider in PROVIDERS and spec_for(provider).live_list_chat_only and entry.task != "chat")


def overlay(entries: Sequence[ModelEntry], lives: Mapping[str, LiveList], met: Mapping[str, Mark] | None = None) -> list[Availability]:
    """Each registry entry with its status today: what was met in use wins, then a fresh live list,
    then the registry's own dated status."""
    met = met if met is not None else marks()
    out = []
    for entry in entries:
        live = lives.get(entry.provider)
        mark = met.get(f"{entry.provider}/{entry.model_id}")
        if mark is not None:
            status, reason, checked = mark.status, mark.reason, mark.seen
        elif live is not None and not live.error and entry.model_id in live.ids:
            status, reason, checked = Status.SERVED, f"in {providers.label(entry.provider)}'s live list", live.checked
            entry = _with_live_facts(entry, next(r for r in live.rows if r.model_id == entry.model_id))
        elif live is not None and not live.error and live.rows and _listed_completely(entry.provider, entry):
            status, reason, checked = Status.NOT_SERVED, f"missing from {providers.label(entry.provider)}'s live list", live.checked
        else:
            status, reason, checked = entry.status, entry.notes or entry.source, entry.as_of
        out.append(Availability(entry, status, reason, checked))
    return [replace(a, alternative=alternative(a, out, lives)) if a.status == Status.NOT_SERVED else a for a in out]


def _with_live_facts(entry: ModelEntry, live: ModelEntry) -> ModelEntry:
    """The provider's own list wins where it says something (price, context window, shutdown date):
    it is fresher than the data package and the registry's rows."""
    if live.price_in_per_m is not None and live.price_out_per_m is not None:
        entry = replace(
            entry,
            price_in_per_m=live.price_in_per_m,
            price_out_per_m=live.price_out_per_m,
            price_source=live.price_source,
            price_as_of=live.price_as_of,
            price_steps=(),
        )
    if live.context_window is not None:
        entry = replace(entry, context_window=live.context_window)
    if live.retires is not None:
        entry = replace(entry, retires=live.retires)
    return replace(entry, extra={**entry.extra, **live.extra})


def alternative(item: Availability, known: Sequence[Availability], lives: Mapping[str, LiveList]) -> str | None:
    """A served model of the same provider and task (the successor its provider names, else the one sharing
    the most strengths), from the registry as checked and the live lists."""
    entry = item.entry
    served = [a.entry for a in known if a.status == Status.SERVED and a.entry.provider == entry.provider]
    live = lives.get(entry.provider)
    if live is not None and not live.error:
        served += [r for r in live.rows if r.model_id not in {s.model_id for s in served}]
    return registry.closest_served(entry, served)


STALE_DAYS = 30  # facts older than this are flagged on the Models page


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def stale_facts(item: Availability, on: date | None = None) -> list[str]:
    """Which of a row's facts were last checked more than ``STALE_DAYS`` ago, with their dates: its
    model facts (status, window, retirement: the newer of the registry row and what vouched for it
    since — a live list, or a model met in use) and its price."""
    today = on or registry.today()
    out = []
    facts = [d for d in (_day(item.entry.as_of), _day(item.checked)) if d]
    if facts and (today - max(facts)).days > STALE_DAYS:
        out.append(f"model facts ({max(facts).isoformat()})")
    price = _day(item.entry.price_as_of) if item.entry.price_in_per_m is not None else None
    if price and (today - price).days > STALE_DAYS:
        out.append(f"price ({price.isoformat()})")
    return out


def registry_today(lives: Mapping[str, LiveList] | None = None) -> list[Availability]:
    return overlay(load_registry(), lives or {})
