"""What a model accepts, asked before anything is sent: the sampling parameters it takes, ignores or
refuses, whether it reasons (and its effort levels), its context and output limits, and whether it can
be asked for a machine-readable answer (a council review) — a JSON schema, a llama.cpp grammar, or
free text read by the text parser.

Facts come in layers, most trusted first, each with its source and date: what the app met in use (a
refused parameter, a budget that was too small; ``council/storage/learned.py``) → the provider's live
list as last fetched (Gemini's ``thinking`` and ``outputTokenLimit``, Ollama's ``/api/show``
capabilities, Groq's ``context_window``, OpenRouter's ``supported_parameters``, the Hugging Face
router's ``supports_structured_output`` per serving provider) → the data package (genai-prices'
context windows; ``data_package.py``) → the registry row → the provider's spec (the rules of its
model families, such as OpenAI's reasoning models refusing temperature).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from adapters import PROVIDERS, GenerationParams, spec_for
from council.facts import data_package, registry
from council.facts.registry import ModelEntry
from council.storage import json_files, learned

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
    s = spec_for(provider)
    if s.structured_output_unless and re.search(s.structured_output_unless, model):
        return TEXT
    return s.structured_output


# ---- which parameters a model takes ----------------------------------------------------------------

# The wire names a provider's 400 may give → GenerationParams fields the app can leave out
WIRE_TO_FIELD = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "seed": "seed",
    "stop": "stop",
    "reasoning_effort": "reasoning_effort",
    "think": "reasoning_effort",  # Ollama's name for it
    "thinkingConfig": "reasoning_effort",  # Gemini's
}
MAX_BUDGET = 32_000


@dataclass(frozen=True)
class Accepts:
    """What one model takes: the fields it refuses (never sent), whether it reasons (and its effort
    levels), the smallest budget that leaves it room to answer after thinking, its context and output
    limits — and where each of those facts came from, most trusted first."""

    refused: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()  # fields it takes but ignores (not sent either)
    reasoning: bool = False
    efforts: tuple[str, ...] = ()
    min_budget: int | None = None
    learned: bool = False  # some of it was met in use (kept in the data folder)
    context_window: int | None = None  # tokens in (the conversation plus the answer)
    output_limit: int | None = None  # the most tokens it writes in one answer
    sources: tuple[str, ...] = ()  # "met in use (2026-12-04)", "Gemini's live list (2026-12-04)", …


# OpenRouter's supported_parameters names → the fields the app sends (a field it does not list is ignored there)
LISTED_PARAMS = {"temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "seed": "seed", "stop": "stop"}


def live_row(provider: str, model: str) -> tuple[dict, str]:
    """The provider's own live-list row for ``model`` (as last fetched; no network) and its date."""
    rows, fetched = json_files.live_rows(provider)
    base = model.split(":", 1)[0] if spec_for(provider).variant_suffix else model
    row = next((r for r in rows if r.get("model_id") == model), None) or next((r for r in rows if r.get("model_id") == base), None)
    return (row or {}), (time.strftime("%Y-%m-%d", time.gmtime(fetched)) if fetched else "")


def _live_reasoning(extra: dict) -> tuple[bool | None, tuple[str, ...]]:
    """Whether the live list says the model thinks (None: it does not say), and the levels it names."""
    if isinstance(extra.get("thinking"), bool):  # Gemini's models list
        return extra["thinking"], ()
    capabilities = extra.get("capabilities")
    if isinstance(capabilities, list) and capabilities:  # Ollama's /api/show
        return "thinking" in capabilities, tuple(extra.get("think_values") or ())
    params = extra.get("supported_parameters")
    if isinstance(params, list) and params:  # OpenRouter
        return ("reasoning" in params or "include_reasoning" in params), ()
    return None, ()


def accepts(provider: str, model: str) -> Accepts:
    """What this model takes, from the most trusted layer that says: what the app met in use → the
    provider's live list (as last fetched) → the data package → the registry row → the provider's spec
    (the rules of its model families). No network."""
    if provider not in PROVIDERS:
        return Accepts()
    s = spec_for(provider)
    sources: list[str] = []
    met = learned.facts(provider, model)
    if met:
        sources.append(f"met in use ({met.get('as_of', '')})")
    live, live_date = live_row(provider, model)
    extra = live.get("extra") if isinstance(live.get("extra"), dict) else {}
    if live:
        sources.append(f"{s.label}'s live list ({live_date})")
    said, live_efforts = _live_reasoning(extra)
    family = bool(s.reasoning_models and re.search(s.reasoning_models, model))
    reasons = said if said is not None else family
    refused = tuple(dict.fromkeys([*(s.reasoning_refuses if family else ()), *(met.get("refused") or [])]))
    budgets = [b for b in (s.reasoning_min_budget if family else None, met.get("min_budget")) if b]
    ignored: tuple[str, ...] = s.sampling_ignored if s.sampling_ignored_models and re.search(s.sampling_ignored_models, model) else ()
    listed = extra.get("supported_parameters")
    if isinstance(listed, list) and listed:  # OpenRouter ignores what a model does not list
        ignored = tuple(dict.fromkeys([*ignored, *(f for w, f in LISTED_PARAMS.items() if w not in listed and f not in refused)]))
    package = data_package.facts(provider, model)
    entry = registry.find(provider, model)
    window = live.get("context_window") or package.context_window or (entry.context_window if entry else None)
    if package.known:
        sources.append(f"the {data_package.PACKAGE} {data_package.version()} data package ({data_package.as_of()})")
    if entry is not None and not entry.custom:
        sources.append(f"the registry ({entry.as_of})")
    if family:
        sources.append(f"{s.label}'s rules for its reasoning models")
    output = extra.get("output_limit") if isinstance(extra.get("output_limit"), int) else None
    efforts = (live_efforts or s.reasoning_efforts) if reasons else ()
    min_budget = max(budgets) if budgets else None
    if min_budget and output:
        min_budget = min(min_budget, output)
    return Accepts(
        refused=refused,
        ignored=ignored,
        reasoning=bool(reasons) or bool(met.get("min_budget")),
        efforts=efforts,
        min_budget=min_budget,
        learned=bool(met),
        context_window=window if isinstance(window, int) else None,
        output_limit=output,
        sources=tuple(sources),
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
    if rules.output_limit and params.max_new_tokens and params.max_new_tokens > rules.output_limit:
        changes["max_new_tokens"] = rules.output_limit
        notes.append(
            f"{model} writes at most {rules.output_limit:,} tokens in one answer; max new tokens {params.max_new_tokens:,} became {rules.output_limit:,}."
        )
    elif rules.min_budget and (params.max_new_tokens or 0) < rules.min_budget:
        changes["max_new_tokens"] = rules.min_budget
        notes.append(
            f"{model} thinks before it answers, and thinking is counted in max new tokens: "
            f"{params.max_new_tokens or 'the default'} became {rules.min_budget} so it has room to answer."
        )
    return (replace(params, **changes) if changes else params), notes


# ---- what a model can read ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reads:
    """Whether a model reads images (None: nothing knows — send, and learn from the answer) and PDFs as
    files (the others get a PDF's text), with where that was read."""

    images: bool | None
    pdf: bool
    source: str = ""


def reads(provider: str, model: str) -> Reads:
    """What this model can read, from the most trusted layer that says: what the app met in use (a 400
    saying it takes no images) → the provider's live list (OpenRouter's and the Hugging Face router's input
    modalities, Ollama's ``/api/show`` capabilities) → the data package where it says so (an image input
    price) → the registry row → the provider's spec (its model families). No network; a list that cannot be
    read says nothing."""
    if provider not in PROVIDERS:
        return Reads(None, False)
    s = spec_for(provider)
    met = learned.facts(provider, model)
    if met.get("text_only"):
        return Reads(False, False, f"met in use ({met.get('as_of', '')})")
    live, live_date = live_row(provider, model)
    extra = live.get("extra") if isinstance(live.get("extra"), dict) else {}
    where = f"{s.label}'s live list ({live_date})"
    modalities = extra.get("input_modalities")
    if isinstance(modalities, list) and modalities:  # OpenRouter
        return Reads("image" in modalities, "file" in modalities, where)
    capabilities = extra.get("capabilities")
    if isinstance(capabilities, list) and capabilities:  # Ollama's /api/show
        return Reads("vision" in capabilities, False, where)
    package = data_package.facts(provider, model)
    if package.image_input:  # the data package prices image input for it (saying nothing there says nothing)
        return Reads(True, bool(s.pdf_models and re.search(s.pdf_models, model)), f"{package.source}: an image input price")
    entry = registry.find(provider, model)
    if entry is not None and isinstance(entry.extra.get("vision"), bool):
        return Reads(entry.extra["vision"], bool(entry.extra.get("pdf")), f"the registry ({entry.as_of})")
    if s.text_only_models and re.search(s.text_only_models, model):
        return Reads(False, False, f"{s.label}'s rules for its models")
    if s.vision_models and re.search(s.vision_models, model):
        return Reads(True, bool(s.pdf_models and re.search(s.pdf_models, model)), f"{s.label}'s rules for its models")
    return Reads(None, False)
