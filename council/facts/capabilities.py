"""What a model accepts, asked before anything is sent. Today: whether it can be asked for a
machine-readable answer (a council review), and how — a JSON schema, a llama.cpp grammar, or not at
all (free text, read by the text parser).

Facts come in layers, most trusted first: the registry row's own fact (``structured_output`` in
``models.toml``), then the provider's spec (with the model ids it excludes, such as Ollama's cloud
models). Model-level facts from live lists and what the app met in use come next (issue 16).
"""

from __future__ import annotations

import re

from adapters import PROVIDERS, spec
from council.facts import registry

SCHEMA, GRAMMAR, TEXT = "schema", "grammar", "text"


def structured_output(provider: str, model: str) -> str:
    """``schema``, ``grammar`` or ``text`` for this provider and model."""
    if provider not in PROVIDERS:
        return TEXT
    entry = registry.find(provider, model)
    if entry is not None and "structured_output" in entry.extra:
        return SCHEMA if entry.extra["structured_output"] else TEXT
    s = spec(provider)
    if s.structured_output_unless and re.search(s.structured_output_unless, model):
        return TEXT
    return s.structured_output
