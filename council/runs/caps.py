"""Caps on the host's shared keys (OWASP LLM10, denial of wallet): when several people use one
deployment, each person may send so many model requests a day and spend so much a month on the
host's own tokens, and everyone together so much a month. Checked before a request is sent, like
quotas, from the usage ledger (the shared database when there is one, so every app server counts the
same requests); a reached cap refuses in plain words and the fallback order may answer instead.

Requests with a token the person pasted themselves, and the in-process models, are never capped.
The host sets the caps in Settings (kept in the host's settings document) or with environment
variables (``COUNCIL_CAP_*``, the starting values a deployment declares)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from adapters import errors as err
from council.facts import quotas
from council.storage import database
from council.storage.usage import Ledger

log = logging.getLogger(__name__)

ENV: dict[str, str] = {
    "cap_requests_per_day": "COUNCIL_CAP_REQUESTS_PER_DAY",
    "cap_usd_per_month": "COUNCIL_CAP_USD_PER_MONTH",
    "cap_host_usd_per_month": "COUNCIL_CAP_HOST_USD_PER_MONTH",
}


@dataclass(frozen=True)
class Caps:
    requests_per_day: int | None = None  # per person, on the host's keys
    usd_per_month: float | None = None  # per person, on the host's keys
    host_usd_per_month: float | None = None  # everyone together, on the host's keys

    @property
    def any(self) -> bool:
        return bool(self.requests_per_day or self.usd_per_month or self.host_usd_per_month)


def _env_number(name: str) -> float | None:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else None
    except ValueError:
        log.warning("%s is not a number; no cap from it", name)
        return None
    return value if value and value > 0 else None


def effective(saved: Mapping[str, Any]) -> Caps:
    """The host's saved caps (Settings), else the environment's; 0 or empty means no cap."""

    def pick(key: str) -> float | None:
        if key in saved:
            return float(saved[key]) if saved[key] else None
        return _env_number(ENV[key])

    requests = pick("cap_requests_per_day")
    return Caps(int(requests) if requests else None, pick("cap_usd_per_month"), pick("cap_host_usd_per_month"))


@dataclass(frozen=True)
class CapState:
    caps: Caps
    person: str
    requests_today: int  # the person's model requests on the host's keys today
    usd_month: float  # the person's spend on the host's keys this month (est.)
    host_usd_month: float  # everyone's spend on the host's keys this month (est.)

    def reached(self) -> str | None:
        """Plain words for the first cap reached (None: the request may go)."""
        c = self.caps
        if c.requests_per_day and self.requests_today >= c.requests_per_day:
            return (
                f"You have sent {self.requests_today:,} of the {c.requests_per_day:,} requests a day each person may send with "
                "the host's shared keys. The request was not sent. Paste your own token in Settings, use the bundled model, "
                "or try again tomorrow (UTC)."
            )
        if c.usd_per_month and self.usd_month >= c.usd_per_month:
            return (
                f"You have spent ${self.usd_month:.2f} of the ${c.usd_per_month:.2f} a month each person may spend with the "
                "host's shared keys (est.). The request was not sent. Paste your own token in Settings, or use the bundled model."
            )
        if c.host_usd_per_month and self.host_usd_month >= c.host_usd_per_month:
            return (
                f"This deployment has spent ${self.host_usd_month:.2f} of its ${c.host_usd_per_month:.2f} monthly budget on the "
                "shared keys (est.), for everyone. The request was not sent. Paste your own token in Settings, or use the bundled model."
            )
        return None

    def describe(self) -> str:
        """e.g. "3 of 20 requests today · $0.04 of $1.00 this month · everyone: $2.10 of $25.00"."""
        c, bits = self.caps, []
        if c.requests_per_day:
            bits.append(f"{self.requests_today:,} of {c.requests_per_day:,} requests today")
        if c.usd_per_month:
            bits.append(f"${self.usd_month:.2f} of ${c.usd_per_month:.2f} this month")
        if c.host_usd_per_month:
            bits.append(f"everyone: ${self.host_usd_month:.2f} of ${c.host_usd_per_month:.2f} this month")
        return " \u00b7 ".join(bits) or "no caps set"


def state(caps: Caps, ledger: Ledger, person: str, today: date | None = None) -> CapState:
    """Where a person stands against the caps (reads the ledger only for the caps that are set)."""
    day = today or datetime.now(UTC).date()  # the ledger's days are UTC days of the real clock
    requests, usd = ledger.shared_use(day, person) if caps.requests_per_day or caps.usd_per_month else (0, 0.0)
    host = ledger.shared_use(day)[1] if caps.host_usd_per_month else 0.0
    return CapState(caps, person, requests, usd, host)


def guard(caps: Caps, ledger: Callable[[], Ledger], person: str) -> Callable[[Any], None]:
    """A retry-layer guard: a request on the host's keys is refused when a cap is reached — also when the
    ledger cannot be read (the caps cannot be checked, so the host's money is not spent blind)."""

    def check(target: Any) -> None:
        if not getattr(target, "shared", False):
            return
        words = refusal(caps, ledger, person)
        if words:
            raise err.CapReachedError(words, provider=target.provider)

    return check


def refusal(caps: Caps, ledger: Callable[[], Ledger], person: str) -> str | None:
    """Why a request on the host's keys may not go now, in plain words — a cap is reached, or the ledger
    cannot be read so the caps cannot be checked — else None (also when no cap is set)."""
    if not caps.any:
        return None
    try:
        return state(caps, ledger(), person).reached()
    except database.errors() as exc:
        log.warning("caps not checked: %s", type(exc).__name__)
        return (
            "The caps on the host's shared keys cannot be checked because the usage ledger cannot be read, so the "
            "request was not sent. Paste your own token in Settings, or use the bundled model."
        )


def before_sending(
    quota_settings: Mapping[str, Mapping[str, float | int | None]],
    reported_limits: Mapping[str, Any],
    host_caps: Caps,
    ledger: Callable[[], Ledger],
    person: str,
) -> Callable[[Any], None]:
    """What the retry layer checks before each request: the provider's quota (the person's settings and what the
    provider's headers last said), then the host's caps on its shared keys."""
    by_quota = quotas.guard(quota_settings, ledger, reported_limits)
    by_caps = guard(host_caps, ledger, person)

    def check(target: Any) -> None:
        by_quota(target)
        by_caps(target)

    return check


def shares(standing: CapState, needs: Mapping[str, tuple[int, float | None]], on_host_key: Callable[[str], bool]) -> list[quotas.Share]:
    """What a planned run would take of the host's caps (only its requests on the host's own keys count),
    in words, and whether it would go over; ``needs``: provider → (requests, dollars or None)."""
    mine = {p: need for p, need in needs.items() if on_host_key(p)}
    requests = sum(n for n, _ in mine.values())
    costs = [usd for _, usd in mine.values()]
    spend = None if any(c is None for c in costs) else sum(costs)  # type: ignore[arg-type]
    if not requests:
        return []
    c, out = standing.caps, []
    if c.requests_per_day:
        left = max(0, c.requests_per_day - standing.requests_today)
        out.append(quotas.Share("host", f"your daily cap on the host's keys: {requests} of {left} requests left", requests > left))
    for cap, used, whose in (
        (c.usd_per_month, standing.usd_month, "your"),
        (c.host_usd_per_month, standing.host_usd_month, "the deployment's"),
    ):
        if not cap:
            continue
        left_usd = max(0.0, cap - used)
        if spend is None:
            out.append(
                quotas.Share("host", f"{whose} monthly cap: ${left_usd:.2f} left (this run's share unknown: a price is missing)", False)
            )
        else:
            out.append(quotas.Share("host", f"{whose} monthly cap: ${spend:.4f} of ${left_usd:.2f} left", spend > left_usd))
    return out
