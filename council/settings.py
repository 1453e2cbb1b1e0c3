"""Where settings come from: environment and ``.env`` (read at start), then the session.

Token lookup lives here and only here (explicit session value → environment). A token is never
logged, never written anywhere unless the user asks, and never offered to a remote visitor unless
the host says so with ``COUNCIL_SHARED_KEYS=1``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from adapters import specs
from adapters.secrets import token_problem as token_problem  # re-exported for the Settings page
from council.redaction import register_secret
from council.setting_specs import SETTINGS

APP_NAME = "ai-council-playground"
SINGLE_USER = "you"  # the person of every request, run, vote and setting when nobody signs in

# Read from the provider specs (adapters/spec.py): one place per provider.
TOKEN_ENV: dict[str, tuple[str, ...]] = {s.id: s.token_env for s in specs() if s.token_env}
BASE_URL_ENV: dict[str, tuple[str, str | None]] = {s.id: (s.base_url_env, s.default_base_url) for s in specs() if s.base_url_env}
PROVIDER_LABELS: dict[str, str] = {s.id: s.label for s in specs()}

_env_loaded = False


def load_env_file(path: str | Path | None = None) -> None:
    """Read ``.env`` once (never overriding real environment variables) and register its secrets."""
    global _env_loaded
    if _env_loaded and path is None:
        return
    from dotenv import load_dotenv

    load_dotenv(path or Path.cwd() / ".env", override=False)
    _env_loaded = True
    for names in TOKEN_ENV.values():
        for name in names:
            register_secret(os.environ.get(name))


def data_dir() -> Path:
    """The user data folder (``COUNCIL_DATA_DIR`` overrides), created on demand."""
    override = os.environ.get("COUNCIL_DATA_DIR", "").strip()
    path = Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def shared_keys_allowed() -> bool:
    return os.environ.get("COUNCIL_SHARED_KEYS", "").strip() == "1"


@dataclass(frozen=True)
class TokenChoice:
    value: str | None
    origin: str  # "session", "environment", or "none"

    @property
    def masked(self) -> str:
        return mask(self.value)


def env_token(provider: str) -> str | None:
    for name in TOKEN_ENV.get(provider, ()):
        value = os.environ.get(name, "").strip()
        if value:
            register_secret(value)
            return value
    return None


def resolve_token(
    provider: str, session_tokens: Mapping[str, str], *, visitor_is_local: bool = True, signed_in: bool = False
) -> TokenChoice:
    """The token to use: the one pasted in this session, else the host's environment/.env one.

    The host's tokens are offered only to a visitor on this computer, unless the host set
    ``COUNCIL_SHARED_KEYS=1`` to share them — and then only to a visitor who signed in
    (``council/access.py``: without sign-in anyone reaching the address would spend them).
    """
    pasted = (session_tokens.get(provider) or "").strip()
    if pasted:
        register_secret(pasted)
        return TokenChoice(pasted, "session")
    if visitor_is_local or (shared_keys_allowed() and signed_in):
        value = env_token(provider)
        if value:
            return TokenChoice(value, "environment")
    return TokenChoice(None, "none")


def mask(token: str | None) -> str:
    """``hf_abcdef…wxyz`` → ``hf_…wxyz``: enough to recognise, never enough to use."""
    if not token:
        return "not set"
    prefix = token.split("_", 1)[0] + "_" if "_" in token[:5] else ""
    return f"{prefix}\u2026{token[-4:]}" if len(token) > 12 else "\u2022" * 8


def explicit_base_url(provider: str, session_urls: Mapping[str, str] | None = None) -> str | None:
    """A base URL the user set — in Settings, else in the environment — not a built-in default."""
    pasted = ((session_urls or {}).get(provider) or "").strip()
    if pasted:
        return pasted
    env_name = BASE_URL_ENV.get(provider, ("", None))[0]
    return (os.environ.get(env_name, "").strip() or None) if env_name else None


def base_url(provider: str, session_urls: Mapping[str, str] | None = None) -> str | None:
    """The base URL for a provider: session override → environment variable → default."""
    return explicit_base_url(provider, session_urls) or BASE_URL_ENV.get(provider, ("", None))[1]


@dataclass(frozen=True)
class Timeouts:
    connect_s: float = SETTINGS["connect_timeout_s"].default
    read_s: float = SETTINGS["read_timeout_s"].default

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> Timeouts:
        """The timeouts a session's settings ask for (a setting not set: its declared default)."""
        return cls(float(values.get("connect_timeout_s", cls.connect_s)), float(values.get("read_timeout_s", cls.read_s)))


@dataclass(frozen=True)
class RetrySettings:
    max_attempts: int = SETTINGS["retry_max_attempts"].default
    max_total_wait_s: float = SETTINGS["retry_max_wait_s"].default

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> RetrySettings:
        """The retry caps a session's settings ask for (a setting not set: its declared default)."""
        return cls(int(values.get("retry_max_attempts", cls.max_attempts)), float(values.get("retry_max_wait_s", cls.max_total_wait_s)))


def can_save_to_env(*, visitor_is_local: bool, signed_in: bool = False) -> bool:
    """ "Save to .env" is for the person at this computer when the app is theirs alone: a remote visitor, or
    anyone signed in to a shared deployment, never writes the host's files (a saved key would replace the
    host's for everyone)."""
    return visitor_is_local and not signed_in


def save_token_to_env(provider: str, token: str, path: str | Path | None = None) -> Path:
    """Write the provider's first token variable to ``.env`` (only ever on the user's request)."""
    from dotenv import set_key

    target = Path(path) if path else Path.cwd() / ".env"
    target.touch(mode=0o600, exist_ok=True)
    set_key(str(target), TOKEN_ENV[provider][0], token.strip(), quote_mode="never")
    register_secret(token)
    return target


DEFAULT_FALLBACK_ORDER: tuple[str, ...] = ("local",)
