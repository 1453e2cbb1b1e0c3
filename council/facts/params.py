"""Generation parameters: validation, plain-language help, and presets.

Validation runs before any request is built: a violation is a clear message and no request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from adapters import GenerationParams

MAX_STOP_STRINGS = 4


@dataclass(frozen=True)
class ParamSpec:
    name: str
    label: str
    help: str


# One sentence each: what a higher and a lower value do (shown beside every widget).
SPECS: dict[str, ParamSpec] = {
    s.name: s
    for s in (
        ParamSpec(
            "temperature",
            "Temperature",
            "How adventurous the wording is: higher (up to 2) gives more varied, surprising answers; "
            "lower (down to 0) gives steadier, more predictable ones.",
        ),
        ParamSpec(
            "max_new_tokens",
            "Max new tokens",
            "The longest answer allowed, in tokens (about \u00be of a word each): higher allows longer "
            "answers but costs more and takes longer; lower cuts answers short.",
        ),
        ParamSpec(
            "top_p",
            "Top-p",
            "Only words within this share of probability are considered: lower (e.g. 0.5) keeps to "
            "safe choices; higher (up to 1) lets rarer words through.",
        ),
        ParamSpec(
            "top_k",
            "Top-k",
            "Only the k most likely next words are considered: lower (e.g. 10) is more focused; higher (e.g. 100) is more varied.",
        ),
        ParamSpec(
            "repetition_penalty",
            "Repetition penalty",
            "Discourages repeating words: higher (e.g. 1.3) repeats less but may read oddly; lower (down to 1.0, no penalty) lets the model repeat itself freely.",
        ),
        ParamSpec(
            "do_sample",
            "Sample",
            "On: pick words at random by their probability (uses temperature); off: always pick the "
            "single most likely word, so the same prompt gives the same answer.",
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
    )
}


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    temperature: float
    top_p: float


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("Precise", "steady, factual answers", 0.2, 0.9),
        Preset("Balanced", "a sensible default", 0.7, 0.95),
        Preset("Creative", "varied, imaginative answers", 1.1, 1.0),
    )
}


def apply_preset(params: GenerationParams, name: str) -> GenerationParams:
    preset = PRESETS[name]
    return replace(params, temperature=preset.temperature, top_p=preset.top_p)


class ParamError(ValueError):
    """One or more invalid parameters; ``problems`` holds one plain sentence each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))


def finite(value: Any) -> bool:
    """A real number (not a bool, not NaN or infinity)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number_between(value: Any, low: float, high: float) -> bool:
    return finite(value) and low <= value <= high


def validate_params(params: GenerationParams, *, context_window: int | None = None) -> GenerationParams:
    """Return ``params`` if every value is in range; raise ``ParamError`` listing every problem."""
    problems: list[str] = []

    if params.temperature is not None and not (finite(params.temperature) and 0 <= params.temperature <= 2):
        problems.append("Temperature must be between 0 and 2.")
    if params.top_p is not None and not (finite(params.top_p) and 0 < params.top_p <= 1):
        problems.append("Top-p must be more than 0 and at most 1.")
    if params.top_k is not None and not (isinstance(params.top_k, int) and not isinstance(params.top_k, bool) and params.top_k >= 1):
        problems.append("Top-k must be a whole number of at least 1.")
    if params.max_new_tokens is not None:
        limit = context_window or None
        ok = isinstance(params.max_new_tokens, int) and not isinstance(params.max_new_tokens, bool) and params.max_new_tokens >= 1
        if not ok:
            problems.append("Max new tokens must be a whole number of at least 1.")
        elif limit is not None and params.max_new_tokens > limit:
            problems.append(f"Max new tokens must be at most {limit:,}, this model's context window.")
    if params.repetition_penalty is not None and not (finite(params.repetition_penalty) and 0 < params.repetition_penalty <= 10):
        problems.append("Repetition penalty must be more than 0 and at most 10 (1.0 means none).")
    if params.seed is not None and (not isinstance(params.seed, int) or isinstance(params.seed, bool)):
        problems.append("Seed must be a whole number.")
    if params.stop is not None and not isinstance(params.stop, (tuple, list)):
        problems.append("Stop strings must be a list (one per line in the box).")
    elif params.stop is not None:
        if len(params.stop) > MAX_STOP_STRINGS:
            problems.append(f"Use at most {MAX_STOP_STRINGS} stop strings.")
        if any(not isinstance(s, str) or s == "" for s in params.stop):
            problems.append("Stop strings must not be empty.")
    if problems:
        raise ParamError(problems)
    return params


def parse_stop(text: str) -> tuple[str, ...] | None:
    """One stop string per line in the text box; blank lines ignored."""
    items = tuple(line for line in text.splitlines() if line.strip())
    return items or None


def explicit(params: GenerationParams) -> dict[str, Any]:
    """The parameters actually set (``None`` = provider default, left out), as plain JSON data."""
    out = {name: value for name, value in asdict(params).items() if value is not None}
    if "stop" in out:
        out["stop"] = list(out["stop"])
    return out


_FIELDS = {f.name for f in fields(GenerationParams)}


def params_from_dict(raw: Mapping[str, Any] | None) -> GenerationParams:
    """Stored parameters (History, a shared link, a transcript) back into ``GenerationParams``;
    unknown keys are ignored, a stop list becomes a tuple. Validate the result before sending it."""
    values = {k: v for k, v in (raw or {}).items() if k in _FIELDS}
    if isinstance(values.get("stop"), (list, tuple)):
        values["stop"] = tuple(str(s) for s in values["stop"])
    return GenerationParams(**values)
