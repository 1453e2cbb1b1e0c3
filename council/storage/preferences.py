"""Settings that survive a reload: every non-secret setting, kept as a readable TOML file in the data
folder (``settings.toml``), written whole to a temporary file and renamed (a failed write loses
nothing), read back entry by entry (a bad entry is named and left out; the rest still loads).

With a database URL (``COUNCIL_DATABASE_URL``) the same document is kept per person in the shared
database (table ``settings``); without one, a signed-in person's document is a file of their own under
``people/``. The host's document (``HOST``: the caps on shared keys) is kept beside them.

Tokens are never in it: no entry holds one, and a value that contains a token the app was given is
refused (the secret registry, ``adapters/secrets.py``). No Streamlit here: the pages read and write
session keys, this module reads and writes the file.
"""

from __future__ import annotations

import functools
import hashlib
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit

from adapters import PROVIDERS, secrets
from adapters.simulator import KNOBS
from council import parameters as P
from council.setting_specs import HOST_SETTINGS, QUOTA_FIELDS, SETTINGS, SettingSpec
from council.settings import SINGLE_USER, data_dir
from council.storage import database
from council.storage.database import Area

FILE = "settings.toml"
HOST_FILE = "host.toml"
SCHEMA_VERSION = 1
HOST = "*host*"  # the host's own document (the caps): no person id has this form

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_settings",
        """
        CREATE TABLE settings (
            person TEXT PRIMARY KEY,       -- a person's stable id, "you", or "*host*" for the host's caps
            document TEXT NOT NULL,        -- the TOML document, exactly as the file would hold it
            updated TEXT NOT NULL
        )
        """,
    ),
)
AREA = Area("settings", "settings.sqlite3", MIGRATIONS, ("settings",))  # used only with a database URL


@dataclass(frozen=True)
class Entry:
    """One setting: its session key, what it means (for notes), and how a value from the file is checked
    (returns the value to use, or raises ValueError with what is wrong)."""

    key: str
    words: str
    check: Callable[[Any], Any]


def _number(low: float, high: float, *, whole: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
            raise ValueError("is not a number")
        if whole and value != int(value):
            raise ValueError("is not a whole number")
        if not low <= value <= high:
            raise ValueError(f"is outside {low:g}\u2013{high:g}")
        return int(value) if whole else float(value)

    return check


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("is not true or false")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 2000:
        raise ValueError("is not a short text")
    if secrets.scrub(value) != value:
        raise ValueError("holds a token (tokens are never kept in this file)")
    return value


def _providers(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("is not a list of provider names")
    unknown = [v for v in value if v not in PROVIDERS]
    if unknown:
        raise ValueError(f"names providers the app does not know ({', '.join(unknown)})")
    return list(dict.fromkeys(value))


def _quotas(value: Any) -> dict[str, dict[str, float | int | None]]:
    if not isinstance(value, dict):
        raise ValueError("is not a table of providers")
    out: dict[str, dict[str, float | int | None]] = {}
    for provider, limits in value.items():
        if provider not in PROVIDERS or not isinstance(limits, dict):
            raise ValueError(f"has an entry for {provider!r} that is not a provider's limits")
        out[provider] = {}
        for name, spec in QUOTA_FIELDS.items():  # 0 or absent: no limit
            try:
                out[provider][name] = spec.checked(limits[name]) or None if limits.get(name) else None
            except ValueError as exc:
                raise ValueError(f"has {spec.words} for {provider} that {exc}") from None
    return out


def _addresses(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValueError("is not a table of addresses")
    return {k: _text(v) for k, v in value.items() if v}


def _simulator(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("is not a table")
    out: dict[str, Any] = {}
    if "name" in value:
        out["name"] = _text(value["name"])
    for knob in KNOBS.values():  # each number's range is the simulator's own (what Settings offers)
        if knob.name in value:
            out[knob.name] = _number(knob.low, knob.high)(value[knob.name])
    return out


def _setting(spec: SettingSpec) -> Entry:
    """A setting's entry: its range and kind are the settings table's (``council.setting_specs``)."""
    return Entry(spec.key, spec.words, spec.checked)


def _param(name: str) -> Entry:
    """A Playground parameter's entry: its range is the parameter table's (``council.parameters``)."""
    return Entry(f"pg_{name}", f"the Playground's {P.SPECS[name].label.lower()}", functools.partial(P.checked, name))


# the Playground's parameters, as a new conversation starts with them (the Presets' and the panel's keys)
_PARAMS: tuple[Entry, ...] = (
    Entry("pg_preset", "the Playground's preset", lambda v: _one_of(v, ("Precise", "Balanced", "Creative"))),
    *(_param(name) for name in ("temperature", "max_new_tokens", "top_p")),
    Entry("pg_use_top_k", "the Playground's top-k switch", _flag),
    *(_param(name) for name in ("top_k", "repetition_penalty")),
    Entry("pg_recommended", "the model's recommended values in use", lambda v: _recommended(v)),
    Entry("pg_do_sample", "the Playground's sampling switch", _flag),
    Entry("pg_seed", "the Playground's seed", _text),
    Entry("pg_stop", "the Playground's stop sequences", _text),
)


def _recommended(value: Any) -> dict[str, float]:
    """The temperature and top-p a model's recommendation put in place (so the next visit knows they were not typed)."""
    if not isinstance(value, dict) or not set(value) <= {"temperature", "top_p"}:
        raise ValueError("is not a table of temperature and top-p")
    return {k: P.checked(k, v) for k, v in value.items()}


def _one_of(value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"is not one of {', '.join(choices)}")
    return value


ENTRIES: tuple[Entry, ...] = (
    Entry("fallback_order", "the fallback order", _providers),
    Entry("quotas", "the quotas", _quotas),
    Entry("base_urls", "the server addresses", _addresses),
    Entry("simulator", "the QA simulator's scenario", _simulator),
    *(_setting(spec) for spec in SETTINGS.values()),
    *_PARAMS,
)
KEYS = tuple(e.key for e in ENTRIES)

# The host's caps on its shared keys (0 or absent: no cap), and whether people who are not admins may see
# everyone's usage (off unless the host turns it on). Set by the host, read for every visitor.
HOST_ENTRIES: tuple[Entry, ...] = tuple(_setting(spec) for spec in HOST_SETTINGS.values())
HOST_KEYS = tuple(e.key for e in HOST_ENTRIES)


def path(person: str = SINGLE_USER) -> Path:
    """Where a person's settings file is (the single user's is ``settings.toml``)."""
    if person == SINGLE_USER:
        return data_dir() / FILE
    if person == HOST:
        return data_dir() / HOST_FILE
    return data_dir() / "people" / f"{hashlib.sha256(person.encode()).hexdigest()[:24]}.toml"


def where(person: str = SINGLE_USER) -> str:
    """Where the settings are kept, in words (for the Settings page)."""
    return f"{database.where()}, under your sign-in" if database.database_url() else str(path(person))


def _entries(person: str) -> tuple[Entry, ...]:
    return HOST_ENTRIES if person == HOST else ENTRIES


def check(document: Mapping[str, Any], entries: tuple[Entry, ...] = ENTRIES) -> tuple[dict[str, Any], list[str]]:
    """The entries of ``document`` that are good, and a plain note for each that is not (named)."""
    good: dict[str, Any] = {}
    notes: list[str] = []
    by_key = {e.key: e for e in entries}
    for key, value in document.items():
        if key == "schema_version":
            continue
        entry = by_key.get(key)
        if entry is None:
            notes.append(f"\u201c{key}\u201d is not a setting the app knows; it was left out.")
            continue
        try:
            good[key] = entry.check(value)
        except ValueError as exc:
            notes.append(f"\u201c{key}\u201d ({entry.words}) {exc}; the default is used instead.")
    return good, notes


def parse(text: str, entries: tuple[Entry, ...] = ENTRIES) -> tuple[dict[str, Any], list[str]]:
    """A settings document as text (the file, or one being imported): its good entries and notes."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"The settings file could not be read ({exc}); every setting is at its default."]
    return check(document, entries)


def _read(person: str) -> str | None:
    """The stored document's text (None: nothing saved yet). Raises the store's errors."""
    if database.database_url():
        with database.store(AREA).read() as db:
            row = db.execute("SELECT document FROM settings WHERE person = ?", (person,)).fetchone()
        return row[0] if row else None
    try:
        return path(person).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def load(person: str = SINGLE_USER) -> tuple[dict[str, Any], list[str]]:
    """What is saved (empty when nothing is), and a note for each entry that was left out. Never raises:
    a store that cannot be read is one note, and the defaults are used."""
    try:
        text = _read(person)
    except database.StoreUnavailable:
        return {}, [
            "Your saved settings could not be read (the shared database cannot be used right now), so every setting is at its default."
        ]
    except database.errors() as exc:
        return {}, [f"The settings could not be opened ({type(exc).__name__}); every setting is at its default."]
    return ({}, []) if text is None else parse(text, _entries(person))


def dumps(values: Mapping[str, Any], entries: tuple[Entry, ...] = ENTRIES) -> str:
    """The readable TOML document for ``values`` (only known settings; None means "not set")."""
    keys = tuple(e.key for e in entries)
    document = tomlkit.document()
    document.add(tomlkit.comment("AI Council Playground settings: saved as they change, read at every start. Never a token."))
    document["schema_version"] = SCHEMA_VERSION
    good, _ = check({k: v for k, v in values.items() if k in keys and v is not None}, entries)
    for key in keys:  # in a stable, readable order
        if key in good:
            document[key] = _plain(good[key])
    return tomlkit.dumps(document)


def _plain(value: Any) -> Any:
    """TOML has no null: drop None inside tables."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    return value


def save(values: Mapping[str, Any], person: str = SINGLE_USER) -> None:
    """Write the person's settings whole: one row in the database, or a temporary file renamed over the
    old one (a failed write loses nothing). Raises the store's errors (OSError: a read-only folder)."""
    text = dumps(values, _entries(person))
    if database.database_url():
        with database.store(AREA).write() as db:
            db.execute(
                "INSERT INTO settings VALUES (?, ?, ?) ON CONFLICT (person) DO UPDATE SET document = excluded.document, "
                "updated = excluded.updated",
                (person, text, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        return
    target = path(person)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)


def reset(person: str = SINGLE_USER) -> None:
    """Back to every default: the document goes (the app writes the defaults back when its run ends)."""
    if database.database_url():
        with database.store(AREA).write() as db:
            db.execute("DELETE FROM settings WHERE person = ?", (person,))
        return
    path(person).unlink(missing_ok=True)
