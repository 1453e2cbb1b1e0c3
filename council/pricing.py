"""What a request cost: tokens × the model's price per million tokens (from the registry's dated
price data). Unknown prices give ``None`` — never a made-up $0."""

from __future__ import annotations

from adapters import Usage
from council import registry

FREE_PROVIDERS = ("local", "ollama")  # runs on your own computer


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
