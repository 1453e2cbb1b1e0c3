"""Each generation parameter declared once — label, one sentence of help (what a higher and a lower value
do), default and range — the way Hugging Face's inference playground keeps one table per generation
setting. The parameter panel, the validator (``council.facts.params``), the settings file's check and
Compare's summary all read this table, so they cannot disagree about a range.

Low in the layers (it imports nothing of the council): the storage layer's settings check reads it too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MAX_STOP_STRINGS = 4


def finite(value: Any) -> bool:
    """A real number (not a bool, not NaN or infinity)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class ParamSpec:
    """One generation parameter, declared once: the panel's widget, the validator, the settings file's check
    and Compare's summary all read its label, help, default and range from here."""

    name: str
    label: str
    help: str  # one sentence: what a higher and a lower value do
    default: Any = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    whole: bool = False  # a whole number
    above_low: bool = False  # the low end itself is not allowed (top-p must be more than 0)
    note: str = ""  # said after the range ("1.0 means none")

    @property
    def widget_low(self) -> float | None:
        """The smallest value a widget offers (one step above an excluded low end)."""
        if self.low is None:
            return None
        return self.low + (self.step or 0) if self.above_low else self.low

    def range_words(self, high: float | None = None) -> str:
        """The allowed range in words: "between 0 and 2", "more than 0 and at most 1", "a whole number from 1 to 1,000"."""
        high = self.high if high is None else high
        fmt = (lambda v: f"{int(v):,}") if self.whole else (lambda v: f"{v:g}")
        if self.whole:
            words = f"a whole number from {fmt(self.low)} to {fmt(high)}"
        elif self.above_low:
            words = f"more than {fmt(self.low)} and at most {fmt(high)}"
        else:
            words = f"between {fmt(self.low)} and {fmt(high)}"
        return words + (f" ({self.note})" if self.note else "")

    def problem(self, value: Any, *, high: float | None = None) -> str | None:
        """A plain sentence naming this parameter and its range when ``value`` is outside it (None: it is fine)."""
        if self.low is None:
            return None
        top = self.high if high is None else high
        ok = finite(value) and (not self.whole or isinstance(value, int))
        ok = ok and (value > self.low if self.above_low else value >= self.low) and value <= top
        return None if ok else f"{self.label} must be {self.range_words(top)}."


# One row per parameter: what a higher and a lower value do, its default and its range.
SPECS: dict[str, ParamSpec] = {
    s.name: s
    for s in (
        ParamSpec(
            "temperature",
            "Temperature",
            "How adventurous the wording is: higher (up to 2) gives more varied, surprising answers; "
            "lower (down to 0) gives steadier, more predictable ones.",
            default=0.7,
            low=0.0,
            high=2.0,
            step=0.05,
        ),
        ParamSpec(
            "max_new_tokens",
            "Max new tokens",
            "The longest answer allowed, in tokens (about \u00be of a word each): higher allows longer "
            "answers but costs more and takes longer; lower cuts answers short.",
            default=256,
            low=1,
            high=1_000_000,  # at most the model's context window, where it is known
            step=32,
            whole=True,
        ),
        ParamSpec(
            "top_p",
            "Top-p",
            "Only words within this share of probability are considered: lower (e.g. 0.5) keeps to "
            "safe choices; higher (up to 1) lets rarer words through.",
            default=0.95,
            low=0.0,
            high=1.0,
            step=0.01,
            above_low=True,
        ),
        ParamSpec(
            "top_k",
            "Top-k",
            "Only the k most likely next words are considered: lower (e.g. 10) is more focused; higher (e.g. 100) is more varied.",
            default=50,
            low=1,
            high=1000,
            step=1,
            whole=True,
        ),
        ParamSpec(
            "repetition_penalty",
            "Repetition penalty",
            "Discourages repeating words: higher (e.g. 1.3) repeats less but may read oddly; lower (down to 1.0, no penalty) lets the model repeat itself freely.",
            default=1.0,
            low=0.5,
            high=2.0,
            step=0.05,
            note="1.0 means none",
        ),
        ParamSpec(
            "do_sample",
            "Sample",
            "On: pick words at random by their probability (uses temperature); off: always pick the "
            "single most likely word, so the same prompt gives the same answer.",
            default=True,
        ),
        ParamSpec(
            "seed",
            "Seed",
            "A fixed number makes random choices repeatable, so the same prompt and settings give the "
            "same answer where the provider supports it; leave empty for fresh randomness.",
        ),
        ParamSpec(
            "stop",
            "Stop strings",
            "The answer ends as soon as one of these appears (up to 4, one per line): more stop "
            "strings end answers earlier; none lets the model finish on its own.",
        ),
        ParamSpec(
            "reasoning_effort",
            "Reasoning effort",
            "How long the model thinks before answering: higher effort answers harder questions but takes longer and "
            "spends more tokens (thinking counts in max new tokens); lower is quicker and cheaper.",
        ),
    )
}


def checked(name: str, value: Any) -> Any:
    """``value`` if it is in the parameter's range, else ``ValueError`` naming the range (the settings file's check)."""
    spec = SPECS[name]
    if spec.problem(value):
        raise ValueError(f"is not {spec.range_words()}")
    return int(value) if spec.whole else float(value)
