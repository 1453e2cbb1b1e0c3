"""What a request cost: tokens × the model's price per million tokens (from the registry's dated
price data). Unknown prices give ``None`` — never a made-up $0."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from adapters import Usage, specs
from council.facts import capabilities, plans, registry

FREE_PROVIDERS = tuple(s.id for s in specs() if s.free_per_token)  # runs on your own computer


def prices(provider: str, model: str, on: date | None = None) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens on ``on`` (today; a dated price step counts from its day), or
    None when nobody has said."""
    if provider in FREE_PROVIDERS:
        return 0.0, 0.0
    live, _ = capabilities.live_row(provider, model)  # the provider's own list, as last fetched, wins
    if live.get("price_in_per_m") is not None and live.get("price_out_per_m") is not None and on is None:
        return float(live["price_in_per_m"]), float(live["price_out_per_m"])
    entry = registry.find(provider, model)  # then the data package's price (dated steps), then our own rows
    return entry.price_on(on) if entry is not None else None


def cost_usd(provider: str, model: str, usage: Usage | None, on: date | None = None) -> float | None:
    """USD for one answer (at the price of ``on``, today); None when the price or the token counts are unknown."""
    price = prices(provider, model, on)
    if price is None or usage is None or usage.prompt_tokens is None or usage.completion_tokens is None:
        return 0.0 if price == (0.0, 0.0) else None
    return (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1_000_000


def step_note(entry: registry.ModelEntry, on: date | None = None) -> str:
    """The next dated price change, in words ("from 2027-01-01: $IN / $OUT per 1M"), or ""."""
    today = on or registry.today()
    coming = [s for s in entry.price_steps if s.starts > today]
    if not coming:
        return ""
    step = coming[0]
    return f"from {step.starts.isoformat()}: ${step.input_per_m:g} / ${step.output_per_m:g} per 1M"


# A dedicated Hugging Face Inference Endpoint, billed by the hour, and PRO: figures from data/plans.toml
ENDPOINT_USD_PER_HOUR = plans.huggingface().endpoint_usd_per_hour
HOURS_PER_MONTH = 24 * 30
HF_PRO_USD_PER_MONTH = plans.huggingface().pro_usd_per_month


@dataclass(frozen=True)
class Workload:
    requests_per_day: float
    input_tokens: float  # average per request
    output_tokens: float
    days: int = 30

    @property
    def requests(self) -> float:
        return self.requests_per_day * self.days


def workload_cost(price_in: float, price_out: float, work: Workload) -> float:
    """USD for the whole workload at per-token prices (per 1M tokens)."""
    return work.requests * (work.input_tokens * price_in + work.output_tokens * price_out) / 1_000_000


def workload_cost_for(entry: registry.ModelEntry, work: Workload, start: date | None = None) -> float | None:
    """USD for the workload on ``entry``'s model, day by day from ``start`` (today): a dated price step
    inside the period counts from its day. None when the price is unknown."""
    first = start or registry.today()
    one_day = replace(work, days=1)
    total = 0.0
    for offset in range(work.days):
        price = entry.price_on(first + timedelta(days=offset))
        if price is None:
            return None
        total += workload_cost(*price, one_day)
    return total


def break_even_requests_per_day(
    price_in: float, price_out: float, work: Workload, usd_per_hour: float = ENDPOINT_USD_PER_HOUR
) -> float | None:
    """Requests a day at which per-token billing costs as much as a dedicated endpoint running all
    month; beyond it the endpoint is cheaper. None when the model is free per token."""
    per_request = (work.input_tokens * price_in + work.output_tokens * price_out) / 1_000_000
    if per_request <= 0:
        return None
    return usd_per_hour * HOURS_PER_MONTH / 30 / per_request


def _guide() -> dict:
    with (Path(__file__).parent / "data" / "guide_costs.toml").open("rb") as fh:
        return tomllib.load(fh)


def guide_cost_table() -> list[dict]:
    return list(_guide()["row"])


def guide_today_note() -> str:
    """What is true today of the guide's table (shown beside it)."""
    return str(_guide().get("today", ""))


def endpoint_note() -> str:
    """Dedicated endpoints and free local models, in one sentence each (the workload estimator's footnote)."""
    endpoint = ENDPOINT_USD_PER_HOUR * HOURS_PER_MONTH
    free = " and ".join(s.label.removesuffix(" (offline)") for s in specs() if s.free_per_token and not s.simulator)
    return (
        f"A dedicated Hugging Face Inference Endpoint at about ${ENDPOINT_USD_PER_HOUR:.2f}/hour costs about "
        f"${endpoint:,.0f} a month if it runs all the time; per-token pricing is cheaper below each model's break-even. "
        f"{plans.credits_sentence()} "
        f"{free} models run on your computer: $0 per token, your electricity aside."
    )
