"""``python -m council refresh-prices``: today's Hugging Face router prices into the price data file.

For every Hugging Face model of the registry that the router's live list (``/v1/models``) prices,
the row in ``prices.toml`` gets the cheapest live provider's price per million tokens, that
provider named in its source, and today's date. Other rows, comments and layout stay as they are
(tomlkit edits the file in place). Needs a Hugging Face token: the router lists models to callers
with one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import tomlkit

from adapters.base import ModelInfo
from council import reach as providers  # reaching a provider sits below the facts
from council.facts.registry import DATA, load_registry

PRICES_FILE = DATA / "prices.toml"
ROUTER_SOURCE = "https://router.huggingface.co/v1/models"


@dataclass(frozen=True)
class Cheapest:
    model_id: str
    provider: str  # the router provider with this price
    input_per_m: float
    output_per_m: float


@dataclass(frozen=True)
class Change:
    model_id: str
    old: tuple[float, float] | None
    new: Cheapest

    def describe(self) -> str:
        before = "no price" if self.old is None else f"${self.old[0]:g} / ${self.old[1]:g}"
        return f"{self.model_id}: {before} \u2192 ${self.new.input_per_m:g} / ${self.new.output_per_m:g} ({self.new.provider})"


def cheapest(info: ModelInfo) -> Cheapest | None:
    """The cheapest live provider of a router model (by input + output price), or None when no
    live provider states a price."""
    offers = [
        p
        for p in info.extra.get("providers") or []
        if p.get("status") == "live" and p.get("input_per_m") is not None and p.get("output_per_m") is not None
    ]
    if not offers:
        return None
    best = min(offers, key=lambda p: (p["input_per_m"] + p["output_per_m"], p["provider"]))
    return Cheapest(info.id, best["provider"], best["input_per_m"], best["output_per_m"])


async def router_prices(connection: providers.Connection) -> dict[str, Cheapest]:
    infos = await providers.fetch_models("huggingface", connection)
    return {c.model_id: c for c in (cheapest(i) for i in infos) if c is not None}


def apply(found: dict[str, Cheapest], path: Path = PRICES_FILE, *, today: date | None = None, write: bool = True) -> list[Change]:
    """Update (or add) the registry's Hugging Face rows that the router prices; return what changed."""
    stamp = (today or date.today()).isoformat()
    wanted = [e.model_id for e in load_registry() if e.provider == "huggingface" and not e.custom and e.model_id in found]
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    rows = document.setdefault("price", tomlkit.aot())
    by_model = {str(r["model_id"]): r for r in rows if r.get("provider") == "huggingface"}
    changes = []
    for model_id in wanted:
        new = found[model_id]
        row = by_model.get(model_id)
        old = (float(row["input_per_m"]), float(row["output_per_m"])) if row is not None else None
        if row is None:
            row = tomlkit.table()
            row["provider"], row["model_id"] = "huggingface", model_id
            rows.append(row)
        row["input_per_m"], row["output_per_m"] = new.input_per_m, new.output_per_m
        row["source"] = f"{ROUTER_SOURCE} (cheapest live provider: {new.provider})"
        row["as_of"] = stamp
        changes.append(Change(model_id, old, new))
    if write:
        path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return changes
