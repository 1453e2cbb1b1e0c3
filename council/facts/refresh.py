"""``python -m council refresh``: refresh what the app knows of models — prices, context and output
limits, retirement dates — from every configured provider's live list and from the data package.

Each live list is fetched now and stored, dated, in the data folder (the same rows the Models page's
*Refresh live lists* writes, and the layer the capabilities and the Models page read); then every
registry model of those providers is held against them and the differences are reported as dated
changes. The data package (genai-prices' bundled snapshot) is read as installed: its version and
date are reported, with what it prices; ``pip install -U genai-prices`` refreshes it. No page, no
Streamlit: the Models page and the command line share this.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from adapters.base import counted
from council import reach as providers  # reaching a provider sits below the facts
from council.facts import availability, data_package
from council.facts.registry import ModelEntry, load_registry


@dataclass(frozen=True)
class FactChange:
    """One fact of one model that the live list says differently from the registry."""

    provider: str
    model_id: str
    fact: str  # "price", "context window", "retires"
    registry: str  # what the registry says ("unknown" when nothing)
    live: str  # what the live list says now
    as_of: str  # the day the live list said it

    def describe(self) -> str:
        return f"{providers.label(self.provider)} {self.model_id}: {self.fact} {self.registry} \u2192 {self.live} (live list, {self.as_of})"


@dataclass(frozen=True)
class ProviderFacts:
    provider: str
    models: int = 0  # rows in its live list
    checked: str = ""  # when it was fetched
    error: str | None = None  # plain words when it could not be fetched


@dataclass(frozen=True)
class Refreshed:
    providers: list[ProviderFacts]
    changes: list[FactChange]
    package: str  # "genai-prices 0.2.3, data of 2026-11-29" (or that it is missing)
    package_priced: int  # registry models the package prices
    skipped: list[str] = field(default_factory=list)  # configured providers without a live list to read

    @property
    def failed(self) -> bool:
        return any(p.error for p in self.providers)

    def to_json(self) -> dict:
        return {
            "providers": [asdict(p) for p in self.providers],
            "changes": [asdict(c) for c in self.changes],
            "package": self.package,
            "package_priced": self.package_priced,
            "skipped": self.skipped,
        }


def _money(price_in: float | None, price_out: float | None) -> str:
    return "unknown" if price_in is None or price_out is None else f"${price_in:g} / ${price_out:g} per 1M tokens"


def differences(entry: ModelEntry, live: ModelEntry, as_of: str) -> list[FactChange]:
    """What ``live`` (a live-list row of the same model) says differently from the registry's ``entry``."""
    out = []

    def changed(fact: str, ours: str, theirs: str) -> None:
        out.append(FactChange(entry.provider, entry.model_id, fact, ours, theirs, as_of))

    if live.price_in_per_m is not None and (live.price_in_per_m, live.price_out_per_m) != (entry.price_in_per_m, entry.price_out_per_m):
        changed("price", _money(entry.price_in_per_m, entry.price_out_per_m), _money(live.price_in_per_m, live.price_out_per_m))
    if live.context_window and live.context_window != entry.context_window:
        changed(
            "context window", f"{entry.context_window:,} tokens" if entry.context_window else "unknown", f"{live.context_window:,} tokens"
        )
    if live.retires is not None and live.retires != entry.retires:
        changed("retires", entry.retires.isoformat() if entry.retires else "no date", live.retires.isoformat())
    return out


async def refresh(names: Sequence[str], connection: providers.Connection) -> Refreshed:
    """Fetch and store each named provider's live list (all at once), then report what differs."""
    listed = [p for p in names if not providers.in_process(p)]
    lists = await asyncio.gather(*(availability.live_list(p, connection, force=True) for p in listed))
    registry = [e for e in load_registry() if not e.custom]
    reports, changes = [], []
    for found in lists:
        if found.error:
            reports.append(ProviderFacts(found.provider, error=found.error))
            continue
        reports.append(ProviderFacts(found.provider, len(found.rows), found.checked))
        day = datetime.fromtimestamp(found.fetched_at, UTC).strftime("%Y-%m-%d")
        live = {r.model_id: r for r in found.rows}
        for entry in registry:
            if entry.provider == found.provider and entry.model_id in live:
                changes.extend(differences(entry, live[entry.model_id], day))
    version = data_package.version()
    package = f"{data_package.PACKAGE} {version}, data of {data_package.as_of()}" if version else f"{data_package.PACKAGE} is not installed"
    priced = sum(1 for e in registry if e.price_source.startswith(data_package.PACKAGE))
    skipped = [p for p in names if providers.in_process(p)]
    return Refreshed(reports, changes, package, priced, skipped)


def report(result: Refreshed) -> str:
    """Plain text for the terminal."""
    lines = []
    for p in result.providers:
        if p.error:
            lines.append(f"{providers.label(p.provider)}: its model list could not be read \u2014 {p.error}.")
        else:
            lines.append(f"{providers.label(p.provider)}: {counted(p.models, 'model')} listed ({p.checked}), stored in the data folder.")
    if not result.providers:
        lines.append("No provider with a live model list is configured: set a token (or a server address) in .env or Settings.")
    lines.append(
        f"Data package: {result.package}; it prices {result.package_priced} registry models (pip install -U genai-prices refreshes it)."
    )
    if result.changes:
        lines.append(f"{len(result.changes)} facts differ from the registry (the live lists win in the app):")
        lines.extend(f"  {c.describe()}" for c in result.changes)
    elif result.providers and not result.failed:
        lines.append("The registry agrees with every live list on prices, context windows and retirement dates.")
    return "\n".join(lines)
