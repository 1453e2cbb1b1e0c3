"""The day the app's dated facts are read against: retirement dates, price steps, how old a fact is.

Today, unless ``COUNCIL_TODAY`` (YYYY-MM-DD) says another day: QA uses it to see the app as it will be
on a model's retirement day or after a price change, and the test suite to keep date-bound checks
stable whatever the calendar says. A value that is not a date is ignored."""

from __future__ import annotations

import os
from datetime import date


def today() -> date:
    value = os.environ.get("COUNCIL_TODAY", "").strip()
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return date.today()
