"""Providers' plans and allowances (free credits, PRO, dedicated endpoints, default quotas) from the one
data file that holds their figures, ``data/plans.toml``, with the sentences the app shows about them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "plans.toml"


@dataclass(frozen=True)
class HubPlans:
    free_monthly_credits_usd: float
    pro_usd_per_month: float
    pro_monthly_credits_usd: float
    endpoint_usd_per_hour: float
    source: str
    as_of: str


@dataclass(frozen=True)
class Quota:
    """A free tier or budget as an estimate with its source (never a hard-coded truth)."""

    requests_per_day: int | None = None  # None: no limit
    usd_per_month: float | None = None
    source: str = ""
    as_of: str = ""
    note: str = ""


@lru_cache(maxsize=1)
def _document() -> dict:
    with DATA.open("rb") as fh:
        return tomllib.load(fh)


def huggingface() -> HubPlans:
    row = _document()["huggingface"]
    return HubPlans(**{k: row[k] for k in HubPlans.__dataclass_fields__})


def default_quotas() -> dict[str, Quota]:
    """Each provider's default quota (``[quota.<provider>]``): an estimate with its source and date."""
    rows = _document().get("quota", {})
    return {provider: Quota(**{k: row[k] for k in Quota.__dataclass_fields__ if k in row}) for provider, row in rows.items()}


def credits_sentence() -> str:
    """What a Hugging Face account includes, in plain words (for Troubleshooting and Getting started)."""
    p = huggingface()
    free = (
        f"free accounts get ${p.free_monthly_credits_usd:.2f} of credits a month"
        if p.free_monthly_credits_usd
        else "free accounts get no included credits and buy them as they go"
    )
    return f"On Hugging Face, {free}; PRO (${p.pro_usd_per_month:.0f}/month) includes ${p.pro_monthly_credits_usd:.0f} of compute credits a month (as of {p.as_of})."
