"""Who is using the app, and whether they must sign in first (no Streamlit here: the page layer asks
Streamlit who signed in and hands the answers to these rules).

- Alone on this computer nobody signs in: the person is "you".
- Served beyond this computer with the host's keys shared (``COUNCIL_SHARED_KEYS=1``), every visitor
  signs in first: with Streamlit's own ``st.login`` (OpenID Connect, ``[auth]`` in
  ``.streamlit/secrets.toml``) where it is configured, else with the passcode ``COUNCIL_PASSCODE``.
  Without either, the shared keys stay off for remote visitors.
- ``COUNCIL_REQUIRE_SIGNIN=1`` makes every visitor sign in, wherever they are (a deployment behind a
  proxy, where every visitor looks local).

A person's id is stable and never a token: ``oidc:<sub>`` from the identity provider, or
``name:<name>`` with the passcode (a shared passcode proves membership, not identity, so the name is
taken as typed — the Settings page says so).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from council.settings import SINGLE_USER, shared_keys_allowed

PASSCODE_ENV = "COUNCIL_PASSCODE"
REQUIRE_ENV = "COUNCIL_REQUIRE_SIGNIN"
ADMINS_ENV = "COUNCIL_ADMINS"
WRONG_TRY_DELAY_S = 1.0  # every wrong passcode is answered this much later
LOCKOUT_AFTER = 5  # wrong tries from one client before it must wait
LOCKOUT_S = 30.0  # the first wait; it doubles with each further wrong try (at most an hour)


@dataclass(frozen=True)
class Person:
    id: str  # stable: "you", "oidc:<sub>" or "name:<name>"
    label: str  # what the app shows
    method: str  # "local", "oidc" or "passcode"


YOU = Person(SINGLE_USER, "you", "local")


def passcode_set() -> bool:
    return bool(os.environ.get(PASSCODE_ENV, "").strip())


def require_signin() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


def signin_methods(oidc_configured: bool) -> tuple[str, ...]:
    """The ways to sign in this deployment offers, preferred first."""
    return tuple(m for m, on in (("oidc", oidc_configured), ("passcode", passcode_set())) if on)


def must_sign_in(*, visitor_is_local: bool, oidc_configured: bool) -> bool:
    """Must this visitor sign in before any page draws?"""
    if require_signin():
        return True
    return shared_keys_allowed() and not visitor_is_local and bool(signin_methods(oidc_configured))


def shared_keys_note(*, visitor_is_local: bool, signed_in: bool, oidc_configured: bool) -> str | None:
    """Why the host's shared keys are off for this visitor, and how the host turns them on (None: nothing to say)."""
    if visitor_is_local or not shared_keys_allowed() or signed_in:
        return None
    if not signin_methods(oidc_configured):
        return (
            "The host shares its keys (COUNCIL_SHARED_KEYS=1), but they stay off because nobody can sign in here: anyone "
            "reaching this address would spend the host's credits. To turn them on, the host sets up sign-in — "
            f"a passcode ({PASSCODE_ENV}) or a sign-in provider ([auth] in .streamlit/secrets.toml) — and restarts the app."
        )
    return "The host's shared keys are for people who signed in."


def person_from_oidc(user: Mapping[str, Any]) -> Person:
    """The person an identity provider vouched for: ``sub`` is stable; the name or e-mail is shown."""
    sub = str(user.get("sub") or user.get("email") or "").strip()
    label = str(user.get("name") or user.get("email") or sub)
    return Person(f"oidc:{sub}", label, "oidc")


def person_from_name(name: str) -> Person:
    """The person who signed in with the passcode under this name."""
    shown = " ".join(name.split())[:60]
    return Person(f"name:{shown.casefold()}", shown, "passcode")


def is_admin(person: Person, *, visitor_is_local: bool) -> bool:
    """May this person change the host's caps? The host at this computer, or someone in ``COUNCIL_ADMINS``
    (ids or e-mail addresses, comma-separated)."""
    if person.method == "local":
        return visitor_is_local
    admins = {a.strip().casefold() for a in os.environ.get(ADMINS_ENV, "").split(",") if a.strip()}
    return bool(admins & {person.id.casefold(), person.label.casefold(), person.id.split(":", 1)[-1].casefold()})


def may_see_everyones_usage(person: Person, *, visitor_is_local: bool, host_allows: bool) -> bool:
    """May this person see everyone's usage on the Usage page? The host (at this computer, or an admin), or
    anyone when the host lets everyone see everyone's usage (off by default); others see their own only."""
    return host_allows or is_admin(person, visitor_is_local=visitor_is_local)


class PasscodeGate:
    """Checks the passcode in constant time; a wrong try is answered late, and a client that keeps trying
    waits longer and longer (per client address, so a new browser tab does not reset it)."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self._sleep, self._clock = sleep, clock
        self._lock = threading.Lock()
        self._wrong: dict[str, tuple[int, float]] = {}  # client → (wrong tries, may try again at)

    def wait_s(self, client: str) -> float:
        """Seconds before this client may try again (0: now)."""
        with self._lock:
            _, until = self._wrong.get(client, (0, 0.0))
        return max(0.0, until - self._clock())

    def check(self, given: str, client: str) -> bool:
        """True for the right passcode. Raises nothing; a locked-out client is refused without a check."""
        expected = os.environ.get(PASSCODE_ENV, "").strip()
        if not expected or self.wait_s(client) > 0:
            return False
        right = hmac.compare_digest(hashlib.sha256(given.strip().encode()).digest(), hashlib.sha256(expected.encode()).digest())
        if right:
            with self._lock:
                self._wrong.pop(client, None)
            return True
        with self._lock:
            tries = self._wrong.get(client, (0, 0.0))[0] + 1
            wait = min(3600.0, LOCKOUT_S * 2 ** (tries - LOCKOUT_AFTER)) if tries >= LOCKOUT_AFTER else 0.0
            self._wrong[client] = (tries, self._clock() + WRONG_TRY_DELAY_S + wait)
        self._sleep(WRONG_TRY_DELAY_S)
        return False


PASSCODES = PasscodeGate()  # one per process: every browser session's tries count together
