"""Quotas: per provider, requests per day and USD per month — settings with dated, sourced defaults
(estimates, never hard-coded truths). Counted from the usage ledger; at 80% a warning, at 100% a
request is refused before it is sent (and the fallback order may answer instead)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters import PROVIDERS, spec_for
from adapters import errors as err
from adapters.errors import RateLimitInfo
from council.facts import plans
from council.storage import database
from council.storage.usage import Ledger

log = logging.getLogger(__name__)

WARN_AT = 0.8


Quota = plans.Quota  # a provider's free tier or budget, with its source

# Defaults are estimates from reference/provider-protocols.md, kept with their sources in data/plans.toml.
DEFAULTS: dict[str, Quota] = {
    p: q
    for p, q in sorted(plans.default_quotas().items(), key=lambda item: spec_for(item[0]).order if item[0] in PROVIDERS else 99)
    if p in PROVIDERS
}


@dataclass(frozen=True)
class QuotaState:
    provider: str
    requests_used: int
    requests_limit: int | None
    usd_used: float
    usd_limit: float | None
    reported: RateLimitInfo | None = None  # what the provider itself last said

    @property
    def fraction(self) -> float | None:
        """The larger share used of the limits that are set (None when no limit is set)."""
        shares = []
        if self.requests_limit:
            shares.append(self.requests_used / self.requests_limit)
        if self.usd_limit:
            shares.append(self.usd_used / self.usd_limit)
        if self.reported and self.reported.limit_requests and self.reported.remaining_requests is not None:
            shares.append(1 - self.reported.remaining_requests / self.reported.limit_requests)
        return max(shares) if shares else None

    @property
    def level(self) -> str:
        share = self.fraction
        if share is None:
            return "none"
        return "exhausted" if share >= 1 else "warn" if share >= WARN_AT else "ok"

    def describe(self) -> str:
        """Plain words with units, e.g. "12 of 20 requests today (est.) · $0.03 of $0.10 this month"."""
        bits = []
        if self.reported and self.reported.remaining_requests is not None:
            bits.append(f"{self.reported.remaining_requests:,} requests left (reported by the provider)")
        if self.requests_limit:
            bits.append(f"{self.requests_used:,} of {self.requests_limit:,} requests today (est.)")
        if self.usd_limit:
            bits.append(f"${self.usd_used:.2f} of ${self.usd_limit:.2f} this month (est.)")
        return " \u00b7 ".join(bits) or "no limit set"


def effective(provider: str, overrides: Mapping[str, Mapping[str, float | int | None]]) -> Quota:
    """The user's setting for a provider, else its default (0 or empty means no limit)."""
    base = DEFAULTS.get(provider, Quota())
    mine = overrides.get(provider)
    if not mine:
        return base
    requests = mine.get("requests_per_day", base.requests_per_day)
    usd = mine.get("usd_per_month", base.usd_per_month)
    return Quota(int(requests) if requests else None, float(usd) if usd else None, "your setting", "", base.note)


def state(provider: str, quota: Quota, ledger: Ledger, reported: RateLimitInfo | None = None, *, now: datetime | None = None) -> QuotaState:
    today = (now or datetime.now(UTC)).date()
    return QuotaState(
        provider,
        ledger.requests_on(provider, today) if quota.requests_per_day else 0,
        quota.requests_per_day,
        ledger.cost_in_month(provider, today) if quota.usd_per_month else 0.0,
        quota.usd_per_month,
        reported,
    )


def refuse_if_exhausted(quota_state: QuotaState, label: str) -> None:
    """Raise the quota-exhausted error before a request is sent, in plain words."""
    if quota_state.level == "exhausted":
        raise err.QuotaExhaustedError(
            f"Your quota for {label} is used up ({quota_state.describe()}). The request was not sent. "
            "Raise the quota in Settings if you know you have more, wait for it to reset, or turn on "
            "\u201cFall back to other providers\u201d.",
            provider=quota_state.provider,
        )


def guard(
    overrides: Mapping[str, Mapping[str, float | int | None]],
    ledger: Ledger | Callable[[], Ledger],
    reported: Mapping[str, RateLimitInfo] | None = None,
):
    """A retry-layer guard that refuses a request whose provider's quota is used up. A ledger that cannot
    be read does not stop the request: the quota is the user's own estimate, the provider still enforces
    its real limits."""
    from council.reach import label

    def check(target) -> None:
        quota = effective(target.provider, overrides)
        if not (quota.requests_per_day or quota.usd_per_month):
            return
        try:
            book = ledger() if callable(ledger) else ledger
            now = state(target.provider, quota, book, (reported or {}).get(target.provider))
        except database.errors() as exc:
            log.warning("quota not checked: %s", type(exc).__name__)
            return
        refuse_if_exhausted(now, label(target.provider))

    return check


def free_tier_covers(provider: str, requests_per_day: float, monthly_usd: float | None) -> bool | None:
    """Would the provider's free allowance (its default quota) cover this workload? None: no free tier known."""
    if provider in PROVIDERS and spec_for(provider).free_per_token:
        return True
    quota = DEFAULTS.get(provider)
    if quota is None or (quota.requests_per_day is None and quota.usd_per_month is None):
        return None if quota is None else False
    if quota.requests_per_day is not None and requests_per_day > quota.requests_per_day:
        return False
    if quota.usd_per_month is not None:
        return None if monthly_usd is None else monthly_usd <= quota.usd_per_month
    return True


@dataclass(frozen=True)
class Share:
    """What a planned run would take of one provider's quota, in words, and whether it would go over."""

    provider: str
    words: str
    over: bool


def shares(
    needs: Mapping[str, tuple[int, float | None]],
    overrides: Mapping[str, Mapping[str, float | int | None]],
    ledger: Ledger,
    fmt_cost: Callable[[float], str] = lambda usd: f"${usd:.4f}",
) -> list[Share]:
    """Per provider with a quota: the requests (and dollars, None when a price is missing) the run needs
    against what is left today and this month. The bundled model has no quota."""
    from council.reach import label

    out: list[Share] = []
    for provider, (count, spend) in needs.items():
        quota = effective(provider, overrides)
        if not (quota.requests_per_day or quota.usd_per_month):
            continue
        q = state(provider, quota, ledger)
        if q.requests_limit:
            left = max(0, q.requests_limit - q.requests_used)
            share = f" ({count / left:.0%})" if left else " \u2014 used up"
            out.append(Share(provider, f"{label(provider)}: {count} of {left} requests left today{share}", count > left))
        if q.usd_limit:
            left_usd = max(0.0, q.usd_limit - q.usd_used)
            if spend is None:
                words = f"{label(provider)}: ${left_usd:.2f} left this month (this run's share unknown: a price is missing)"
                out.append(Share(provider, words, False))
            else:
                share = f" ({spend / left_usd:.0%})" if left_usd else " \u2014 used up"
                out.append(
                    Share(provider, f"{label(provider)}: {fmt_cost(spend)} of ${left_usd:.2f} left this month{share}", spend > left_usd)
                )
    return out
