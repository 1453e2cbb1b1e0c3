"""The wire layer: one module per protocol, all reached through ``create_adapter``."""

from __future__ import annotations

import importlib
from typing import Any

from adapters import errors
from adapters.base import (
    TASKS,
    Adapter,
    Attachment,
    ChatRequest,
    Chunk,
    Completion,
    GenerationParams,
    Message,
    ModelInfo,
    OutputFormat,
    Usage,
)
from adapters.errors import RateLimitInfo
from adapters.secrets import remember
from adapters.spec import AddressField, ProviderSpec

# provider id -> "module:Class"; imported on first use so a missing optional runtime never
# stops the others from loading.
PROVIDERS: dict[str, str] = {
    "local": "adapters.local:LocalAdapter",
    "huggingface": "adapters.huggingface:HuggingFaceAdapter",
    "openai": "adapters.openai_compat:OpenAIAdapter",
    "groq": "adapters.openai_compat:GroqAdapter",
    "gemini": "adapters.gemini:GeminiAdapter",
    "ollama": "adapters.ollama:OllamaAdapter",
    "openai-compatible": "adapters.openai_compat:OpenAICompatAdapter",
    "anthropic": "adapters.anthropic:AnthropicAdapter",
    "openrouter": "adapters.openai_compat:OpenRouterAdapter",
    "simulator": "adapters.simulator:SimulatorAdapter",
}


def adapter_class(provider: str) -> type[Adapter]:
    target = PROVIDERS.get(provider)
    if target is None:
        raise errors.BadRequestError(
            f"The app does not know the provider \u201c{provider}\u201d. Pick one from the list.",
            provider=provider,
        )
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)


def spec_for(provider: str) -> ProviderSpec:
    """The provider's facts (label, token variables, addresses, flags, default quota, colour)."""
    found = adapter_class(provider).spec
    assert found is not None, provider
    return found


def specs() -> list[ProviderSpec]:
    """Every provider's spec, in the order Settings shows them (the bundled model first)."""
    return sorted((spec_for(p) for p in PROVIDERS), key=lambda s: (s.order, s.id))


def create_adapter(
    provider: str,
    token: str | None = None,
    base_url: str | None = None,
    **options: Any,
) -> Adapter:
    """Make the adapter for ``provider``; options: ``client=``, ``timeout=``, ``hub_url=`` (and the
    simulator's ``scenario=``)."""
    cls = adapter_class(provider)
    remember(token)  # from now on no error text, log line or stored record can carry it
    return cls(token=token, base_url=base_url, **options)


__all__ = [
    "PROVIDERS",
    "TASKS",
    "Adapter",
    "AddressField",
    "Attachment",
    "ChatRequest",
    "Chunk",
    "Completion",
    "GenerationParams",
    "Message",
    "ModelInfo",
    "OutputFormat",
    "ProviderSpec",
    "RateLimitInfo",
    "Usage",
    "adapter_class",
    "create_adapter",
    "errors",
    "spec_for",
    "specs",
]
