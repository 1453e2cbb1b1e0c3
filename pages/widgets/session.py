"""Session state and what pages share: plain keys that survive page switches, widgets bound to them, the session's
connection and settings, the page paths, running a coroutine from a script, keeping a run in History."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import streamlit as st

from council import library
from council.runs import providers
from council.setting_specs import SETTINGS
from council.settings import DEFAULT_FALLBACK_ORDER, RetrySettings, Timeouts
from pages.widgets import identity

T = TypeVar("T")


SETTINGS_PAGE = "pages/settings.py"


PLAYGROUND_PAGE = "pages/playground.py"


COMPARE_PAGE = "pages/compare.py"


COUNCIL_PAGE = "pages/council.py"


MODELS_PAGE = "pages/models.py"


TROUBLESHOOTING_PAGE = "pages/troubleshooting.py"


GETTING_STARTED_PAGE = "pages/getting_started.py"


def require_app_navigation() -> None:
    """Call first in every page file.

    Streamlit treats a folder named ``pages/`` as old-style automatic pages until ``st.navigation``
    has run once in the process. So when the very first request is a deep link (``/settings``),
    the page file would run alone: no sidebar status, no layout, and every file of the folder
    listed as a page. Here the page hands over to ``app.py`` (a rerun of the same URL), whose
    ``st.navigation`` then picks this page properly.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
    go = st.session_state.pop("go_to_page", None)  # a button's callback asked for another page (e.g. "Ask the council")
    if go:
        st.switch_page(go)


def state(key: str, default: Any) -> Any:
    """A plain (non-widget) session value, created with ``default`` on first use."""
    if key not in st.session_state:
        st.session_state[key] = default
    return st.session_state[key]


# ---- the widget mirror ------------------------------------------------------------------------------
# A keyed widget loses its state on a page switch, so every value lives in a plain session key and its
# widget has a key of its own (``widget_key``) that mirrors it. Only this module spells that key.


def widget_key(key: str) -> str:
    """The key of the widget that shows the plain session value ``key``."""
    return f"w_{key}"


def widget_value(key: str, default: Any = None) -> Any:
    """What the widget for ``key`` holds now (in its ``on_change`` callback: the fresh value)."""
    return st.session_state.get(widget_key(key), default)


def set_widget(key: str, value: Any) -> None:
    """Set only what the widget for ``key`` shows (e.g. clear a prompt box after Run)."""
    st.session_state[widget_key(key)] = value


def seed_widget(key: str, value: Any) -> None:
    """The widget for ``key`` starts from ``value`` unless it already holds one."""
    st.session_state.setdefault(widget_key(key), value)


def put(key: str, value: Any) -> None:
    """Set a value and the widget that shows it (a restore, a preset, a recommendation)."""
    st.session_state[key] = st.session_state[widget_key(key)] = value


def redraw(*keys: str) -> None:
    """Forget the widgets' own state for ``keys``: they draw again from the plain values."""
    for key in keys:
        st.session_state.pop(widget_key(key), None)


def redraw_all(prefix: str) -> None:
    """Forget the own state of every widget whose plain key starts with ``prefix`` (a reopened conversation)."""
    for name in [k for k in st.session_state if str(k).startswith(widget_key(prefix))]:
        del st.session_state[name]


def bound(widget: Callable[..., T], label: str, key: str, default: Any, **kwargs: Any) -> T:
    """Draw ``widget`` whose value lives in the plain session key ``key`` (survives page switches)."""
    wkey = widget_key(key)
    value = state(key, default)
    if wkey not in st.session_state:
        st.session_state[wkey] = value

    def sync() -> None:
        st.session_state[key] = st.session_state[wkey]

    return widget(label, key=wkey, on_change=sync, **kwargs)


def setting(key: str) -> Any:
    """A setting of the settings table as this session has it (its declared default until it is changed)."""
    return state(key, SETTINGS[key].default)


def setting_input(where: Any, key: str, **kwargs: Any) -> Any:
    """A setting's input, drawn from its declaration (label, bounds, step, help): a toggle for a switch,
    else a number input; its value lives in the plain session key (``bound``)."""
    spec = SETTINGS[key]
    if spec.switch:
        return bound(where.toggle, spec.label, key, spec.default, help=spec.help, **kwargs)
    kind = int if spec.whole else float
    return bound(
        where.number_input,
        spec.label,
        key,
        spec.default,
        min_value=kind(spec.low),
        max_value=kind(spec.high),
        step=kind(spec.step) if spec.step is not None else None,
        help=spec.help,
        **kwargs,
    )


def person_id() -> str:
    """The stable id of who is using the app in this session ("you" when nobody signs in)."""
    return identity.person().id


def connection() -> providers.Connection:
    from adapters.simulator import KNOBS, Scenario

    sim = state("simulator", {})
    return providers.Connection(
        tokens=state("tokens", {}),
        base_urls=state("base_urls", {}),
        timeouts=Timeouts.from_settings(st.session_state),
        visitor_is_local=visitor_is_local(),
        person=person_id(),
        signed_in=identity.signed_in(),
        simulator=Scenario(sim.get("name", "ok"), **{name: float(sim.get(name, k.default)) for name, k in KNOBS.items()}),
    )


def fallback_order() -> list[str]:
    return list(state("fallback_order", list(DEFAULT_FALLBACK_ORDER)))


def retry_settings() -> RetrySettings:
    return RetrySettings.from_settings(st.session_state)


def save_to_history(kind: str, title: str, payload: dict, run_key: str) -> None:
    """Keep a run in History under ``run_key``'s id (a new entry the first time); a data folder that
    cannot be written is said in a toast and never stops the page."""
    try:
        st.session_state[run_key] = library.save_run(
            kind, library.title_for(title), payload, st.session_state.get(run_key), person=person_id()
        )
    except library.StorageError as exc:
        st.toast(f"Not saved to History. {exc}", icon=":material/warning:")


def response_cache():
    """The response cache when it is on in Settings (it is by default), else None."""
    if not setting("cache_enabled"):
        return None
    return library.answer_cache(float(setting("cache_limit_mb")))


def client_address() -> str | None:
    """The browser's IP address as Streamlit reports it (None: unknown, e.g. outside a browser session)."""
    try:
        return st.context.ip_address
    except Exception:
        return None


def visitor_is_local() -> bool:
    """True when the browser is on this computer (the host's own tokens may then be used)."""
    from adapters.http import is_loopback

    ip = client_address()
    return ip is None or is_loopback(ip)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine in the script thread (one event loop per script run)."""
    return asyncio.run(coro)


def verify_provider(provider: str) -> dict:
    """Check the provider's token or address now; the outcome (never the token) goes in the session."""
    from council.runs.turns import error_to_dict

    conn = connection()
    verified = state("verified", {})
    fingerprint = providers.setting_fingerprint(provider, conn)
    try:
        message = run_async(providers.verify(provider, conn))
    except Exception as exc:
        error = providers.as_provider_error(exc)
        verified[provider] = {"ok": False, "message": error.title, "token": fingerprint, "error": error_to_dict(error)}
    else:
        verified[provider] = {"ok": True, "message": message, "token": fingerprint}
    return verified[provider]


# ---- settings that survive a reload ------------------------------------------------------------


def current_settings() -> dict:
    """The session's current non-secret settings (a deep copy: some are edited in place)."""
    return copy.deepcopy({k: st.session_state[k] for k in library.SETTING_KEYS if k in st.session_state})


def load_settings() -> None:
    """Once per browser session, before any page draws: the saved settings into their session keys (a
    value the session already has wins). A bad entry is named once, in a toast; the rest still loads."""
    if st.session_state.get("_settings_loaded"):
        return
    st.session_state["_settings_loaded"] = person_id()
    values, notes = library.load_settings(person_id())
    for key, value in values.items():
        st.session_state.setdefault(key, value)
    st.session_state["_settings_saved"] = current_settings()
    for note in notes:
        st.toast(f"Settings: {note}", icon=":material/warning:")
    st.session_state["settings_notes"] = notes


def save_settings() -> None:
    """After every run: the settings that changed are written at once (nothing when none did). A data
    folder that cannot be written is said once; the settings still work for this session."""
    if st.session_state.get("_settings_loaded") != person_id():
        return  # nothing was loaded for this person in this session (signing in or out): nothing to keep
    now = current_settings()
    if now == st.session_state.get("_settings_saved"):
        return
    try:
        library.save_settings(now, person_id())
    except library.StorageError as exc:
        if not st.session_state.get("_settings_unsaved_said"):
            st.session_state["_settings_unsaved_said"] = True
            st.toast(f"Your settings could not be saved for next time. {exc}", icon=":material/warning:")
        return
    st.session_state["_settings_saved"] = now
