"""The model registry's public name (DESIGN.md: ``from council.registry import load_registry``);
the code lives in ``council.facts.registry``."""

from council.facts.registry import ModelEntry, find, load_registry, models_for, validate_model_id

__all__ = ["ModelEntry", "find", "load_registry", "models_for", "validate_model_id"]
