"""Each persisted setting is declared once (``council.setting_specs``): the Settings page's inputs, the
session readers' defaults and the settings file's check all read that declaration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from council.setting_specs import HOST_SETTINGS, QUOTA_FIELDS, SETTINGS
from council.settings import RetrySettings, Timeouts
from council.storage import preferences
from council.storage.response_cache import DEFAULT_LIMIT_MB
from tests.helpers import start

ROOT = Path(__file__).resolve().parents[1]


def test_the_session_readers_take_their_defaults_from_the_table():
    assert Timeouts() == Timeouts(SETTINGS["connect_timeout_s"].default, SETTINGS["read_timeout_s"].default)
    assert RetrySettings() == RetrySettings(SETTINGS["retry_max_attempts"].default, SETTINGS["retry_max_wait_s"].default)
    assert SETTINGS["cache_limit_mb"].default == DEFAULT_LIMIT_MB
    assert RetrySettings.from_settings({"retry_max_attempts": 2}) == RetrySettings(2, SETTINGS["retry_max_wait_s"].default)
    assert Timeouts.from_settings({}) == Timeouts()


def test_the_settings_page_draws_every_input_from_the_table():
    at = start()
    at.switch_page("pages/settings.py").run()
    assert not at.exception, at.exception
    for spec in SETTINGS.values():
        if spec.key == "cmp_blind":
            continue  # drawn on Compare (below)
        if spec.switch:
            widget = at.toggle(key=f"w_{spec.key}")
            assert widget.value is spec.default and widget.label == spec.label
            continue
        widget = at.number_input(key=f"w_{spec.key}")
        assert (widget.label, widget.value, widget.min, widget.max) == (spec.label, spec.default, spec.low, spec.high), spec.key
        assert widget.step == spec.step and widget.help == spec.help
    for spec in HOST_SETTINGS.values():  # the host's caps (this visitor is local: the host)
        widget = at.toggle(key=f"w_{spec.key}") if spec.switch else at.number_input(key=f"w_{spec.key}")
        assert widget.label == spec.label
        if not spec.switch:
            assert (widget.min, widget.max, widget.step) == (spec.low, spec.high, spec.step)
    quota = at.number_input(key="w_quota_groq_requests_per_day")
    assert (quota.label, quota.min, quota.max) == (QUOTA_FIELDS["requests_per_day"].label, 0, QUOTA_FIELDS["requests_per_day"].high)
    at.switch_page("pages/compare.py").run()
    blind = at.toggle(key="w_cmp_blind")
    assert blind.label == SETTINGS["cmp_blind"].label and blind.value is False


@pytest.mark.parametrize("spec", [*SETTINGS.values(), *HOST_SETTINGS.values()], ids=lambda s: s.key)
def test_the_settings_file_refuses_a_value_outside_the_declared_range_and_names_it(spec):
    entries = preferences.HOST_ENTRIES if spec.key in HOST_SETTINGS else preferences.ENTRIES
    good, notes = preferences.check({spec.key: spec.default}, entries)
    assert good == {spec.key: spec.default} and not notes
    bad = "yes" if spec.switch else spec.high + 1
    good, (note,) = preferences.check({spec.key: bad}, entries)
    assert not good and spec.key in note and spec.words in note
    if not spec.switch:
        assert spec.range_words in note  # "is outside 1–8": the range is said, the value is never clamped


def test_a_quota_out_of_range_is_named_with_its_provider():
    good, (note,) = preferences.check({"quotas": {"groq": {"requests_per_day": -3}}})
    assert not good and "requests per day for groq" in note and QUOTA_FIELDS["requests_per_day"].range_words in note
    good, notes = preferences.check({"quotas": {"groq": {"requests_per_day": 100, "usd_per_month": 0}}})
    assert good == {"quotas": {"groq": {"requests_per_day": 100, "usd_per_month": None}}} and not notes


def test_no_page_repeats_a_declared_default_or_bound():
    """A page reads a setting through ``W.setting``/``W.setting_input``, never ``bound(…, key, default, …)`` or ``state(key, default)``."""
    keys = "|".join(SETTINGS)
    twice = re.compile(rf"""(state|bound)\([^)]*["']({keys})["']\s*,""")
    found = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in (ROOT / "pages").rglob("*.py") for m in twice.finditer(path.read_text())]
    assert not found, found
