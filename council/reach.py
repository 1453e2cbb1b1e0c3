"""Reaching a provider: which providers exist, the roles they play, and how to reach each one with a
session's settings (its token, address and timeouts) — low enough in the layers that the model facts
(live lists, Hub search, price refreshes) and the runs both use it. No Streamlit, no model facts."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters import PROVIDERS, Adapter, ProviderSpec, create_adapter, local_runtime, spec_for, specs
from adapters import errors as err
from adapters.http import check_base_url, make_timeout
from adapters.roles import BUNDLED, CATALOG, SIMULATOR, STARTER
from council.settings import PROVIDER_LABELS, SINGLE_USER, Timeouts, TokenChoice, base_url, mask, resolve_token
from council.settings import explicit_base_url as settings_explicit_base_url


@dataclass(frozen=True)
class Connection:
    """Everything the session knows about reaching providers (never logged)."""

    tokens: Mapping[str, str]
    base_urls: Mapping[str, str]
    timeouts: Timeouts = field(default_factory=Timeouts)
    visitor_is_local: bool = True
    simulator: Any = None  # the QA simulator's scenario (adapters.simulator.Scenario), chosen in Settings
    person: str = SINGLE_USER  # who asks: the signed-in person's stable id
    signed_in: bool = False  # the visitor signed in (the host's shared keys may then serve a remote visitor)


def available_providers() -> list[str]:
    """Providers with an adapter, the bundled model first."""
    return sorted(PROVIDERS, key=lambda p: (p != BUNDLED, p))


def label(provider: str) -> str:
    return PROVIDER_LABELS.get(provider, provider)


def short_label(provider: str) -> str:
    """The provider's short name (its Settings tab): a column heading that fits one line."""
    return spec_for(provider).tab if provider in PROVIDERS else provider


__all__ = ["BUNDLED", "CATALOG", "SIMULATOR", "STARTER"]  # the roles (adapters.roles), read from here too

# Providers whose address matters more than a token: configured once their base URL is set explicitly.
URL_PROVIDERS = tuple(s.id for s in specs() if s.configured_by_address)


BUNDLED_INSTALL_HINT = local_runtime.INSTALL_HINT  # what to do when the bundled model cannot run


def bundled_status() -> local_runtime.LocalStatus:
    """Is the bundled model installed, loaded, or missing (and why)?"""
    return local_runtime.status()


def in_process(provider: str) -> bool:
    """Runs inside the app (the bundled model, the simulator): no web request is sent."""
    return provider in PROVIDERS and spec_for(provider).in_process


def serial(provider: str) -> bool:
    """Serves one generation at a time: several uses take turns."""
    return provider in PROVIDERS and spec_for(provider).serial


def real_providers() -> list[ProviderSpec]:
    """Every provider but the simulator, in Settings' order."""
    return [s for s in specs() if not s.simulator]


def explicit_base_url(provider: str, connection: Connection) -> str | None:
    """A base URL the user set (in Settings or the environment), not a built-in default."""
    return settings_explicit_base_url(provider, connection.base_urls)


def is_configured(provider: str, connection: Connection) -> bool:
    """``local`` always; token providers when a token is set; Ollama and the custom endpoint when
    their address is set explicitly."""
    if in_process(provider):
        return True
    if provider in URL_PROVIDERS:
        return explicit_base_url(provider, connection) is not None
    return token_choice(provider, connection).value is not None


def configured_providers(connection: Connection) -> list[str]:
    """The real providers this session can use (the QA simulator is always there and never counted)."""
    return [p for p in available_providers() if p != SIMULATOR and is_configured(p, connection)]


def check_url(provider: str, url: str, *, has_token: bool) -> str | None:
    """A plain sentence saying what is wrong with a base URL, or None when it may be used."""
    try:
        check_base_url(url, provider=provider, has_token=has_token)
    except err.ProviderError as exc:
        return exc.user_message
    return None


def adapter_for(provider: str, connection: Connection) -> Adapter:
    """Build the adapter with the session's token, base URL and timeouts (raises ProviderError)."""
    timeout = make_timeout(connection.timeouts.connect_s, connection.timeouts.read_s)
    if provider == SIMULATOR:
        return create_adapter(SIMULATOR, scenario=connection.simulator)
    if in_process(provider):
        return create_adapter(provider)
    token = token_choice(provider, connection).value
    options: dict = {"timeout": timeout}
    for address in spec_for(provider).advanced_addresses if provider in PROVIDERS else ():
        if address.option:
            options[address.option] = (connection.base_urls.get(address.key) or "").strip() or None
    return create_adapter(provider, token=token, base_url=base_url(provider, connection.base_urls), **options)


def token_choice(provider: str, connection: Connection) -> TokenChoice:
    """The token a request to the provider would carry for this session (pasted, the host's, or none)."""
    return resolve_token(provider, connection.tokens, visitor_is_local=connection.visitor_is_local, signed_in=connection.signed_in)


def uses_host_key(provider: str, connection: Connection) -> bool:
    """Would a request to the provider go with the host's own token (not one pasted in this session)?"""
    if provider not in PROVIDERS or in_process(provider):
        return False
    return token_choice(provider, connection).origin == "environment"


def setting_fingerprint(provider: str, connection: Connection) -> str:
    """What a verification was made with (masked token and address), so a change of either
    shows the provider as not verified again. Never holds a whole token."""
    token = token_choice(provider, connection).value
    address = explicit_base_url(provider, connection) or ""
    return f"{mask(token)}@{address}"


def as_provider_error(exc: Exception) -> err.ProviderError:
    """Anything an adapter factory raised, as a typed error (never a raw exception on screen)."""
    if isinstance(exc, err.ProviderError):
        return exc
    return err.ProviderUnavailableError(detail=type(exc).__name__)


async def _ledgered(provider: str, connection: Connection, what: str, call):
    """Run one non-generation request (a token check, a model list) and put it in the usage ledger."""
    from council.storage.usage import LedgerRow, record_safely

    adapter = adapter_for(provider, connection)
    start = time.perf_counter()
    outcome, status = "ok", 200
    try:
        return await call(adapter)
    except err.ProviderError as exc:
        outcome, status = exc.kind, exc.status
        raise
    finally:
        await adapter.aclose()
        if not in_process(provider):  # the bundled model and the simulator send no request
            elapsed = time.perf_counter() - start
            shared = uses_host_key(provider, connection)
            record_safely([LedgerRow(provider, what, "check", outcome, status, elapsed, person=connection.person, shared=shared)])


async def fetch_models(provider: str, connection: Connection) -> list:
    """The provider's live model list (``ModelInfo`` rows); the request is in the ledger."""
    from council.storage.usage import MODEL_LIST

    return await _ledgered(provider, connection, MODEL_LIST, lambda adapter: adapter.list_models())


async def verify(provider: str, connection: Connection) -> str:
    """Who the token belongs to (or that the server answers); the request is in the ledger."""
    from council.storage.usage import TOKEN_CHECK

    return await _ledgered(provider, connection, TOKEN_CHECK, lambda adapter: adapter.verify())
