"""Which providers exist, how to reach each one with the session's settings, and their status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from adapters import PROVIDERS, Adapter, create_adapter, local
from adapters import errors as err
from adapters.http import make_timeout
from council.settings import PROVIDER_LABELS, TOKEN_ENV, Timeouts, base_url, resolve_token


@dataclass(frozen=True)
class Connection:
    """Everything the session knows about reaching providers (never logged)."""

    tokens: Mapping[str, str]
    base_urls: Mapping[str, str]
    timeouts: Timeouts = field(default_factory=Timeouts)
    visitor_is_local: bool = True


def available_providers() -> list[str]:
    """Providers with an adapter, the bundled model first."""
    return sorted(PROVIDERS, key=lambda p: (p != "local", p))


def label(provider: str) -> str:
    return PROVIDER_LABELS.get(provider, provider)


def needs_token(provider: str) -> bool:
    return provider in TOKEN_ENV


def adapter_for(provider: str, connection: Connection) -> Adapter:
    """Build the adapter with the session's token, base URL and timeouts (raises ProviderError)."""
    timeout = make_timeout(connection.timeouts.connect_s, connection.timeouts.read_s)
    if provider == "local":
        return create_adapter("local")
    token = resolve_token(provider, connection.tokens, visitor_is_local=connection.visitor_is_local).value
    options: dict = {"timeout": timeout}
    if provider == "huggingface":
        options["hub_url"] = (connection.base_urls.get("huggingface-hub") or "").strip() or None
    return create_adapter(provider, token=token, base_url=base_url(provider, connection.base_urls), **options)


@dataclass(frozen=True)
class ProviderStatus:
    provider: str
    state: str  # "ready", "verified", "set", "not set", "failing"
    text: str


def provider_status(provider: str, connection: Connection, verified: Mapping[str, dict]) -> ProviderStatus:
    """The sidebar chip: not set / set (unverified) / verified / failing — never the token itself."""
    if provider == "local":
        s = local.status()
        if s.ready:
            return ProviderStatus(provider, "ready", f"{s.model_id} \u00b7 {'loaded' if s.loaded else 'ready'}")
        return ProviderStatus(provider, "failing", s.message)
    check = verified.get(provider)
    choice = resolve_token(provider, connection.tokens, visitor_is_local=connection.visitor_is_local)
    if choice.value is None:
        return ProviderStatus(provider, "not set", "no token")
    if check is not None and check.get("token") == choice.masked:
        if check.get("ok"):
            return ProviderStatus(provider, "verified", check.get("message", "verified"))
        return ProviderStatus(provider, "failing", check.get("message", "token not accepted"))
    origin = "from environment" if choice.origin == "environment" else "pasted"
    return ProviderStatus(provider, "set", f"token {origin}, not verified yet")


def describe_error(exc: Exception) -> err.ProviderError:
    """Anything an adapter factory raised, as a typed error (never a raw exception on screen)."""
    if isinstance(exc, err.ProviderError):
        return exc
    return err.ProviderUnavailableError(detail=type(exc).__name__)
