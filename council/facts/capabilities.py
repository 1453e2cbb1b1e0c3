"""What a model accepts, asked before anything is sent. Today: whether it can be asked for a
machine-readable answer (a council review), and how — a JSON schema, a llama.cpp grammar, or not at
all (free text, read by the text parser).

Facts come in layers, most trusted first: the provider's live list (the Hugging Face router's
``supports_structured_output`` per serving provider, OpenRouter's ``supported_parameters``), the
registry row's own fact (``structured_output`` in ``models.toml``), then the provider's spec (with the
model ids it excludes, such as Ollama's cloud models).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from adapters import PROVIDERS, GenerationParams, spec
from council.facts import registry
from council.facts.registry import ModelEntry
from council.storage import learned

SCHEMA, GRAMMAR, TEXT = "schema", "grammar", "text"


def from_live_list(model: str, rows: Sequence[ModelEntry]) -> bool | None:
    """What the provider's own live list says of structured output for ``model`` (None: it does not say)."""
    base, _, pinned = model.partition(":")
    row = next((r for r in rows if r.model_id in (model, base)), None)
    if row is None:
        return None
    params = row.extra.get("supported_parameters")
    if isinstance(params, list) and params:  # OpenRouter: what the model takes
        return "response_format" in params or "structured_outputs" in params
    serving = [p for p in row.extra.get("providers") or [] if p.get("status", "live") == "live"]
    if pinned:  # "model:provider" on the router: that provider's own flag
        serving = [p for p in serving if p.get("provider") == pinned] or serving
    flags = [p.get("supports_structured_output") for p in serving]
    if not flags or any(f is None for f in flags):
        return None
    return all(flags)  # the router may pick any of them: all must take it


def structured_output(provider: str, model: str, live: Sequence[ModelEntry] = ()) -> str:
    """``schema``, ``grammar`` or ``text`` for this provider and model (``live``: its live list's rows)."""
    if provider not in PROVIDERS:
        return TEXT
    said = from_live_list(model, live) if live else None
    if said is not None:
        return SCHEMA if said else TEXT
    entry = registry.find(provider, model)
    if entry is not None and "structured_output" in entry.extra:
        return SCHEMA if entry.extra["structured_output"] else TEXT
    s = spec(provider)
    if s.structured_output_unless and re.search(s.structured_output_unless, model):
        return TEXT
    return s.structured_output


# ---- which parameters a model takes ----------------------------------------------------------------

# The wire names a provider's 400 may give → GenerationParams fields the app can leave out
WIRE_TO_FIELD = {"temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "seed": "seed", "stop": "stop"}
MAX_BUDGET = 32_000


@dataclass(frozen=True)
class Accepts:
    """What one model takes: the fields it refuses (never sent), whether it reasons (and its effort
    levels), and the smallest budget that leaves it room to answer after thinking."""

    refused: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()  # fields it takes but ignores (not sent either)
    reasoning: bool = False
    efforts: tuple[str, ...] = ()
    min_budget: int | None = None
    learned: bool = False  # some of it was met in use (kept in the data folder)


def accepts(provider: str, model: str) -> Accepts:
    """What the app met in use for this model, then what its provider's spec says of its family."""
    if provider not in PROVIDERS:
        return Accepts()
    s = spec(provider)
    family = bool(s.reasoning_models and re.search(s.reasoning_models, model))
    met = learned.facts(provider, model)
    refused = tuple(dict.fromkeys([*(s.reasoning_refuses if family else ()), *(met.get("refused") or [])]))
    budgets = [b for b in (s.reasoning_min_budget if family else None, met.get("min_budget")) if b]
    ignores = bool(s.sampling_ignored_models and re.search(s.sampling_ignored_models, model))
    return Accepts(
        refused=refused,
        ignored=s.sampling_ignored if ignores else (),
        reasoning=family or bool(met.get("min_budget")),
        efforts=s.reasoning_efforts if family else (),
        min_budget=max(budgets) if budgets else None,
        learned=bool(met),
    )


def why_not(name: str, rules: Accepts, model: str) -> str | None:
    """Why the parameter panel disables ``name`` for this model, in plain words (None: it is taken)."""
    label = name.replace("_", " ")
    if name in rules.refused:
        fixed = " 1" if name in ("temperature", "top_p") else " its own value"
        return f"{model} always uses {label}{fixed}; it is not sent."
    if name in rules.ignored:
        return f"{model} ignores {label}; it is not sent."
    return None


def fit(params: GenerationParams, rules: Accepts, model: str) -> tuple[GenerationParams, list[str]]:
    """The parameters this model takes, and what was changed, in plain words (nothing it refuses is sent)."""
    notes: list[str] = []
    changes: dict[str, object] = {}
    for name in rules.refused:
        value = getattr(params, name, None)
        if value is not None:
            changes[name] = None
            notes.append(f"{model} does not take {name.replace('_', ' ')} (it uses its own); {value} was not sent.")
    ignored = [name for name in rules.ignored if getattr(params, name, None) is not None and name not in changes]
    if ignored:
        changes.update(dict.fromkeys(ignored))
        notes.append(f"{model} ignores {', '.join(n.replace('_', ' ') for n in ignored)}; not sent.")
    if params.reasoning_effort is not None and params.reasoning_effort not in rules.efforts:
        changes["reasoning_effort"] = None
        notes.append(f"{model} takes no reasoning effort setting; it was not sent.")
    if rules.min_budget and (params.max_new_tokens or 0) < rules.min_budget:
        changes["max_new_tokens"] = rules.min_budget
        notes.append(
            f"{model} thinks before it answers, and thinking is counted in max new tokens: "
            f"{params.max_new_tokens or 'the default'} became {rules.min_budget} so it has room to answer."
        )
    return (replace(params, **changes) if changes else params), notes
