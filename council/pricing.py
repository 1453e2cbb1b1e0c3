"""What a request cost: tokens × the model's price per million tokens (from the registry's dated
price data). Unknown prices give ``None`` — never a made-up $0."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from adapters import Usage
from council import registry

FREE_PROVIDERS = ("local", "ollama", "simulator")  # runs on your own computer


def prices(provider: str, model: str) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens, or None when nobody has said."""
    if provider in FREE_PROVIDERS:
        return 0.0, 0.0
    entry = registry.find(provider, model)
    if entry is None or entry.price_in_per_m is None or entry.price_out_per_m is None:
        return None
    return entry.price_in_per_m, entry.price_out_per_m


def cost_usd(provider: str, model: str, usage: Usage | None) -> float | None:
    """USD for one answer; None when the price or the token counts are unknown."""
    price = prices(provider, model)
    if price is None or usage is None or usage.prompt_tokens is None or usage.completion_tokens is None:
        return 0.0 if price == (0.0, 0.0) else None
    return (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1_000_000


# A dedicated Hugging Face Inference Endpoint, billed by the hour (the guide's "~$0.60/hour").
ENDPOINT_USD_PER_HOUR = 0.60
HOURS_PER_MONTH = 24 * 30
HF_PRO_USD_PER_MONTH = 9.0  # includes $2.00 of monthly inference credits


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


def break_even_requests_per_day(
    price_in: float, price_out: float, work: Workload, usd_per_hour: float = ENDPOINT_USD_PER_HOUR
) -> float | None:
    """Requests a day at which per-token billing costs as much as a dedicated endpoint running all
    month; beyond it the endpoint is cheaper. None when the model is free per token."""
    per_request = (work.input_tokens * price_in + work.output_tokens * price_out) / 1_000_000
    if per_request <= 0:
        return None
    return usd_per_hour * HOURS_PER_MONTH / 30 / per_request


def guide_cost_table() -> list[dict]:
    with (Path(__file__).parent / "data" / "guide_costs.toml").open("rb") as fh:
        return list(tomllib.load(fh)["row"])
