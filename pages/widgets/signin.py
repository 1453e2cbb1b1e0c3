"""Sign-in for a shared deployment, as the page layer draws it: Streamlit's own ``st.login`` (OpenID
Connect, configured in ``.streamlit/secrets.toml`` ``[auth]``) or the host's passcode; the sidebar's
"Signed in as"; and the one storage banner every page shows when the store cannot be used. Who is
signed in is ``identity.py``; the rules themselves are in ``council/access.py``."""

from __future__ import annotations

import streamlit as st

from council import access, library
from pages.widgets import session
from pages.widgets.identity import PERSON_KEY, oidc_configured, person, remembered, signed_in


def signin_needed() -> bool:
    """Must this visitor sign in before any page draws (and has not yet)?"""
    return not signed_in() and access.must_sign_in(visitor_is_local=session.visitor_is_local(), oidc_configured=oidc_configured())


def sign_in_page() -> None:
    """The whole page while a visitor must sign in: the ways this deployment offers, in plain words."""
    session.require_app_navigation()  # (no page runs while signing in: this is the first script Streamlit sees)
    st.title("Sign in to AI Council Playground")
    methods = access.signin_methods(oidc_configured())
    if not methods:
        st.error(
            f"This app asks everyone to sign in ({access.REQUIRE_ENV}=1), but no way to sign in is set up yet. The host "
            f"sets a passcode ({access.PASSCODE_ENV}) or a sign-in provider ([auth] in .streamlit/secrets.toml) and restarts "
            "the app. The README's \u201cServing it to a team\u201d section shows both.",
            icon=":material/lock:",
        )
        return
    st.write(
        "This deployment is shared: models answer with the host's keys, so each person signs in first. What you send "
        "is counted under your name, and your History, votes and settings are your own."
    )
    if "oidc" in methods:
        st.button("Sign in", key="btn_login", type="primary", icon=":material/login:", on_click=st.login)
    if "passcode" in methods:
        _passcode_form(after_oidc="oidc" in methods)


def _client() -> str:
    return session.client_address() or "local"


def _passcode_form(*, after_oidc: bool) -> None:
    if after_oidc:
        st.caption("Or, with the passcode the host gave you:")
    wait = access.PASSCODES.wait_s(_client())
    with st.form("passcode_form"):
        name = st.text_input(
            "Your name", key=session.widget_key("signin_name"), max_chars=60, help="How your usage and History are labelled."
        )
        code = st.text_input("Passcode", key=session.widget_key("signin_passcode"), type="password")
        sent = st.form_submit_button(
            "Sign in with the passcode", key="btn_signin_passcode", type="primary" if not after_oidc else "secondary"
        )
    if not sent:
        return
    if wait > 0:
        st.error(f"Too many wrong passcodes from here. Wait {wait:.0f} s, then try again.", icon=":material/timer:")
        return
    if not name.strip():
        st.error("Type your name first: your usage and History are kept under it.", icon=":material/badge:")
        return
    if not access.PASSCODES.check(code, _client()):
        st.error("That passcode is not right. Ask the host for the current one.", icon=":material/lock:")
        return
    st.session_state[PERSON_KEY] = remembered(access.person_from_name(name))
    st.rerun()


def sign_out() -> None:
    """Forget who signed in (and, with a sign-in provider, end that sign-in too)."""
    was = person()
    for key in list(st.session_state):
        del st.session_state[key]  # their settings, tokens and History ids go with them
    if was.method == "oidc":
        st.logout()


def signed_in_badge() -> None:
    """The sidebar's "Signed in as …" with Sign out (nothing when single-user)."""
    who = person()
    if who.method == "local":
        return
    st.sidebar.caption(f":material/person: Signed in as **{who.label}**")
    st.sidebar.button("Sign out", key="btn_sign_out", on_click=sign_out, icon=":material/logout:")


def store_banner() -> None:
    """One plain banner on every page when the store cannot be used (answers still work)."""
    problem = library.store_problem()
    if problem:
        st.warning(problem, icon=":material/database:")
