"""Which providers exist, how to reach each one with the session's settings, and their status."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters import PROVIDERS, Adapter, ProviderSpec, create_adapter, local_runtime, specs
from adapters import errors as err
from adapters import spec as spec
from adapters.http import check_base_url, make_timeout
from council.facts import registry
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


def _one(flag: str) -> str:
    return next(s.id for s in specs() if getattr(s, flag))


# Roles, read from the provider specs: pages and the council name roles, never providers.
BUNDLED = _one("bundled")  # the model that ships with the app: always there, offline
SIMULATOR = _one("simulator")  # in process, for QA: never real usage, never a quota
CATALOG = _one("catalog")  # has a model hub to search and a priced live list
STARTER = _one("starter")  # the provider Getting started walks a newcomer through

# Providers whose address matters more than a token: configured once their base URL is set explicitly.
URL_PROVIDERS = tuple(s.id for s in specs() if s.configured_by_address)


BUNDLED_INSTALL_HINT = local_runtime.INSTALL_HINT  # what to do when the bundled model cannot run


def bundled_status() -> local_runtime.LocalStatus:
    """Is the bundled model installed, loaded, or missing (and why)?"""
    return local_runtime.status()


def in_process(provider: str) -> bool:
    """Runs inside the app (the bundled model, the simulator): no web request is sent."""
    return provider in PROVIDERS and spec(provider).in_process


def serial(provider: str) -> bool:
    """Serves one generation at a time: several uses take turns."""
    return provider in PROVIDERS and spec(provider).serial


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


def default_model(provider: str, live: list[str] | None = None) -> str | None:
    """The model a provider answers with when none is chosen: its first served registry chat model,
    else the first one its live list names."""
    served = [e for e in registry.models_for(provider) if e.status == "served" and e.task == "chat"]
    lasting = [e for e in served if e.retiring_in() is None]  # not one about to be retired, while another is served
    for entry in lasting or served:
        return entry.model_id
    return (live or [None])[0]


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
    for address in spec(provider).advanced_addresses if provider in PROVIDERS else ():
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


def setting_fingerprint(provider: str, connection: Connection) -> str:
    """What a verification was made with (masked token and address), so a change of either
    shows the provider as not verified again. Never holds a whole token."""
    token = token_choice(provider, connection).value
    address = explicit_base_url(provider, connection) or ""
    return f"{mask(token)}@{address}"


def describe_error(exc: Exception) -> err.ProviderError:
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
