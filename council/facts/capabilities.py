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

from adapters import PROVIDERS, spec
from council.facts import registry
from council.facts.registry import ModelEntry

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
