"""Which providers exist, how to reach each one with the session's settings (``council.reach``, re-exported
here for the runs and the pages), the model a provider answers with by default, and each provider's status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters import local_runtime
from council.facts import registry
from council.facts.registry import Status
from council.reach import (
    BUNDLED,
    BUNDLED_INSTALL_HINT,
    CATALOG,
    PROVIDERS,
    SIMULATOR,
    STARTER,
    URL_PROVIDERS,
    Connection,
    adapter_for,
    as_provider_error,
    available_providers,
    bundled_status,
    check_url,
    configured_providers,
    explicit_base_url,
    fetch_models,
    in_process,
    is_configured,
    label,
    real_providers,
    serial,
    setting_fingerprint,
    short_label,
    spec_for,
    specs,
    token_choice,
    uses_host_key,
    verify,
)

__all__ = [
    "BUNDLED",
    "BUNDLED_INSTALL_HINT",
    "CATALOG",
    "PROVIDERS",
    "SIMULATOR",
    "STARTER",
    "URL_PROVIDERS",
    "Connection",
    "ProviderStatus",
    "adapter_for",
    "as_provider_error",
    "available_providers",
    "bundled_status",
    "check_url",
    "configured_providers",
    "default_model",
    "explicit_base_url",
    "fetch_models",
    "in_process",
    "is_configured",
    "label",
    "provider_status",
    "real_providers",
    "serial",
    "setting_fingerprint",
    "short_label",
    "spec_for",
    "specs",
    "token_choice",
    "uses_host_key",
    "verify",
]


def default_model(provider: str, live: list[str] | None = None) -> str | None:
    """The model a provider answers with when none is chosen: its first served registry chat model,
    else the first one its live list names."""
    served = [e for e in registry.models_for(provider) if e.status == Status.SERVED and e.task == "chat"]
    lasting = [e for e in served if e.retiring_in() is None]  # not one about to be retired, while another is served
    for entry in lasting or served:
        return entry.model_id
    return (live or [None])[0]


@dataclass(frozen=True)
class ProviderStatus:
    provider: str
    state: str  # "ready", "verified", "set", "not set", "failing"
    text: str


def provider_status(provider: str, connection: Connection, verified: Mapping[str, dict]) -> ProviderStatus:
    """The sidebar chip: not set / set (unverified) / verified / failing — never the token itself."""
    if provider == BUNDLED:
        s = local_runtime.status()
        if s.ready:
            return ProviderStatus(provider, "ready", f"{s.model_id} \u00b7 {'loaded' if s.loaded else 'ready'}")
        return ProviderStatus(provider, "failing", s.message)
    if provider == SIMULATOR:
        name = getattr(connection.simulator, "name", "ok")
        return ProviderStatus(provider, "ready", f"for QA, no quota \u00b7 scenario: {name}")
    check = verified.get(provider)
    fingerprint = setting_fingerprint(provider, connection)
    if not is_configured(provider, connection):
        return ProviderStatus(provider, "not set", "no address set" if provider in URL_PROVIDERS else "no token")
    if check is not None and check.get("token") == fingerprint:
        if check.get("ok"):
            return ProviderStatus(provider, "verified", check.get("message", "verified"))
        return ProviderStatus(provider, "failing", check.get("message", "not accepted"))
    if provider in URL_PROVIDERS:
        return ProviderStatus(provider, "set", "address set, not checked yet")
    choice = token_choice(provider, connection)
    origin = "from environment" if choice.origin == "environment" else "pasted"
    return ProviderStatus(provider, "set", f"token {origin}, not verified yet")
