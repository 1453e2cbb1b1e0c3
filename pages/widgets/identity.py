"""Who is using the app in this session: the person who signed in (with a sign-in provider through
``st.user``, or with the passcode), else the single user "you". Read by the session helpers and the
sign-in page alike."""

from __future__ import annotations

import contextlib

import streamlit as st

from council import access, library

PERSON_KEY = "person"  # the signed-in person (access.Person); absent: nobody signed in


def oidc_configured() -> bool:
    """Is sign-in with an identity provider set up (``[auth]`` in ``.streamlit/secrets.toml``)?"""
    try:
        auth = st.secrets.get("auth")
    except Exception:  # no secrets file at all, or one that cannot be read: no sign-in provider
        return False
    return bool(auth) and ("client_id" in auth or any(isinstance(v, dict) and "client_id" in v for v in auth.values()))


def _oidc_user() -> dict | None:
    try:
        if st.user.is_logged_in:
            return dict(st.user)
    except Exception:  # st.user is only there with [auth] configured
        return None
    return None


def person() -> access.Person:
    """Who is using the app in this session: the signed-in person, else the single user ("you")."""
    found = st.session_state.get(PERSON_KEY)
    if found is None and oidc_configured():
        user = _oidc_user()
        if user:
            found = st.session_state[PERSON_KEY] = remembered(access.person_from_oidc(user))
    return found or access.YOU


def remembered(who: access.Person) -> access.Person:
    """Note the name a person goes by for the Usage page (a store that is away only loses the name)."""
    with contextlib.suppress(*library.STORE_ERRORS):
        library.ledger().note_person(who.id, who.label, who.method)
    return who


def signed_in() -> bool:
    return person().method != "local"
