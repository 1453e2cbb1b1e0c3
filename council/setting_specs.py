"""The settings table: each persisted setting that is a number or a switch, declared once — its
default, its bounds and step, the words the Settings page shows and the words a note names it by.

Everything else reads it: the Settings page draws its inputs from it (``pages.widgets.setting_input``),
the session readers take their defaults from it (``Timeouts``, ``RetrySettings``, the response cache),
and the settings file is checked against it (``council.storage.preferences``): a value outside the
bounds is refused with a note naming the setting and its range, never clamped.

The generation parameters have a table of their own (``council.parameters``), the QA simulator's
numbers theirs (``adapters.simulator.KNOBS``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SettingSpec:
    key: str  # the session key, and the key in the settings file
    label: str  # as the Settings page shows it
    words: str  # as a note about the saved settings names it
    default: bool | int | float
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    help: str = ""

    @property
    def switch(self) -> bool:
        return isinstance(self.default, bool)

    @property
    def whole(self) -> bool:
        return isinstance(self.default, int) and not self.switch

    @property
    def range_words(self) -> str:
        return f"{_number_words(self.low)}\u2013{_number_words(self.high)}"

    def checked(self, value: Any) -> bool | int | float:
        """The value to use, or ValueError saying what is wrong (the caller names the setting)."""
        if self.switch:
            if not isinstance(value, bool):
                raise ValueError("is not true or false")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
            raise ValueError("is not a number")
        if self.whole and value != int(value):
            raise ValueError("is not a whole number")
        if not self.low <= value <= self.high:
            raise ValueError(f"is outside {self.range_words}")
        return int(value) if self.whole else float(value)


def _number_words(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "retry_max_attempts",
        "Attempts per request",
        "attempts per request",
        4,
        1,
        8,
        1,
        "How many times a failing request is tried: more rides out short outages; fewer fails faster.",
    ),
    SettingSpec(
        "retry_max_wait_s",
        "Longest total wait (s)",
        "the longest total wait",
        60.0,
        0.0,
        600.0,
        10.0,
        "The most the app waits between retries in all: higher waits out a warming model; lower gives up (or falls back) sooner.",
    ),
    SettingSpec(
        "connect_timeout_s",
        "Connect timeout (s)",
        "the connect timeout",
        10.0,
        1.0,
        120.0,
        1.0,
        "How long to wait for a server to accept the connection: higher copes with slow networks; lower notices a dead server sooner.",
    ),
    SettingSpec(
        "read_timeout_s",
        "Read timeout (s)",
        "the read timeout",
        120.0,
        5.0,
        900.0,
        5.0,
        "The longest silence allowed while an answer arrives: higher tolerates slow models; lower notices a stalled stream sooner.",
    ),
    SettingSpec(
        "cache_enabled",
        "Use the response cache",
        "the response cache switch",
        True,
        help="On: identical deterministic requests are answered from disk (no quota spent). Off: every request is sent.",
    ),
    SettingSpec(
        "cache_limit_mb",
        "Size limit (MB)",
        "the response cache's size limit",
        20.0,
        1.0,
        1000.0,
        5.0,
        "Higher keeps more answers; lower uses less disk. The least recently used answers go first.",
    ),
    SettingSpec(
        "cmp_blind",
        "Blind mode",
        "Blind mode",
        False,
        help="On: the answers are shuffled and labelled A, B, \u2026 and the models stay hidden until you vote for the best one. "
        "Your votes build the leaderboard at the bottom. Off: every answer shows its model.",
    ),
)

# The host's own settings (its document, not a person's): the caps on its shared keys (0: no cap) and
# whether people who are not admins may see everyone's usage.
_HOST_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "cap_requests_per_day",
        "Requests per person per day",
        "the daily request cap per person",
        0,
        0,
        10_000_000,
        10,
        "Lower protects the host's credits sooner; higher lets people do more. 0: no cap.",
    ),
    SettingSpec(
        "cap_usd_per_month",
        "USD per person per month",
        "the monthly spend cap per person",
        0.0,
        0.0,
        1_000_000.0,
        0.5,
        "Lower protects the host's credits sooner; higher lets people do more. 0: no cap.",
    ),
    SettingSpec(
        "cap_host_usd_per_month",
        "USD for everyone per month",
        "the host-wide monthly spend cap",
        0.0,
        0.0,
        1_000_000.0,
        5.0,
        "Lower protects the host's credits sooner; higher lets people do more. 0: no cap.",
    ),
    SettingSpec(
        "usage_everyone_visible",
        "Everyone may see everyone's usage",
        "whether everyone may see everyone's usage",
        False,
        help="Off (the default): on the Usage page each person sees their own requests and spend; the host and admins "
        "see everyone's. On: everyone sees everyone's figures (counts and costs, never prompts or answers).",
    ),
)

# Each provider's quota (Settings → Quotas; the file's ``quotas`` table): 0 means no limit.
_QUOTA_HELP = "Higher lets more requests through before the app warns and refuses; lower protects your credits sooner. 0: no limit."
QUOTA_FIELDS: dict[str, SettingSpec] = {
    "requests_per_day": SettingSpec("requests_per_day", "Requests per day (est.)", "requests per day", 0, 0, 10_000_000, 10, _QUOTA_HELP),
    "usd_per_month": SettingSpec("usd_per_month", "USD per month (est.)", "USD per month", 0.0, 0.0, 1_000_000.0, 0.05, _QUOTA_HELP),
}

SETTINGS: dict[str, SettingSpec] = {s.key: s for s in _SPECS}
HOST_SETTINGS: dict[str, SettingSpec] = {s.key: s for s in _HOST_SPECS}


def default(key: str) -> Any:
    """A setting's declared default (a person's or the host's)."""
    return (SETTINGS.get(key) or HOST_SETTINGS[key]).default
