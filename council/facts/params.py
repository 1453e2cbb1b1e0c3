"""Generation parameters: validation, plain-language help, and presets.

Validation runs before any request is built: a violation is a clear message and no request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from adapters import GenerationParams
from council.parameters import MAX_STOP_STRINGS, SPECS, ParamSpec, checked, finite

__all__ = ["MAX_STOP_STRINGS", "PRESETS", "SPECS", "ParamError", "ParamSpec", "checked", "finite", "validate_params"]


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


def validate_params(params: GenerationParams, *, context_window: int | None = None) -> GenerationParams:
    """Return ``params`` if every value is in its range (``SPECS``); raise ``ParamError`` listing every problem,
    each naming the parameter and its range. Nothing is clamped."""
    problems: list[str] = []
    for name in ("temperature", "top_p", "top_k", "repetition_penalty"):
        value = getattr(params, name)
        if value is not None and (said := SPECS[name].problem(value)):
            problems.append(said)
    if params.max_new_tokens is not None:
        tokens = SPECS["max_new_tokens"]
        if not (finite(params.max_new_tokens) and isinstance(params.max_new_tokens, int) and params.max_new_tokens >= tokens.low):
            problems.append("Max new tokens must be a whole number of at least 1.")
        elif context_window and params.max_new_tokens > context_window:
            problems.append(f"Max new tokens must be at most {context_window:,}, this model's context window.")
        elif params.max_new_tokens > tokens.high:
            problems.append(f"Max new tokens must be {tokens.range_words()}.")
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
