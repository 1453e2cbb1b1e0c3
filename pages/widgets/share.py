"""Sharing a run from any page: the link (made on request — making it is the act of sharing), and a
shared run opened by someone else, read-only, with a way to continue it as their own."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from council import library
from council.runs import sharing
from pages.widgets.identity import oidc_configured, signed_in

WORDS = {"playground": "conversation", "council": "council run"}


def server_secret() -> str:
    """The server's secret for signed links: ``COUNCIL_SECRET``, else ``council_secret`` in Streamlit's secrets."""
    secret = os.environ.get("COUNCIL_SECRET", "").strip()
    if secret:
        return secret
    try:
        return str(st.secrets.get("council_secret") or "").strip()
    except Exception:  # no secrets file, or one that cannot be read: no secret
        return ""


def link_days() -> float:
    """How long a signed link opens (``COUNCIL_LINK_DAYS``; 30 days unless set)."""
    try:
        days = float(os.environ.get("COUNCIL_LINK_DAYS", sharing.DEFAULT_DAYS))
    except ValueError:
        return sharing.DEFAULT_DAYS
    return days if days > 0 else sharing.DEFAULT_DAYS


def _fingerprint(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def _make(kind: str, record: dict[str, Any], run_id: int | None) -> dict[str, Any]:
    """The link to ``record`` as it is now (signed and naming the stored run on a team deployment, else carrying it)."""
    secret = server_secret()
    try:
        if run_id is not None and secret and library.store_is_shared():
            value = sharing.signed(kind, run_id, secret, days=link_days())
            until = datetime.fromtimestamp(int(value.split(".")[3]), UTC).strftime("%Y-%m-%d")
            said = f"It names the saved {WORDS[kind]} and opens for people signed in to this deployment until {until}."
        else:
            value = sharing.carried(kind, record)
            said = f"It carries the {WORDS[kind]} itself (attached images are named, not carried)."
    except sharing.LinkError as exc:
        return {"problem": str(exc), "fp": _fingerprint(record)}
    return {"value": value, "said": said + " It never holds a token.", "fp": _fingerprint(record)}


def _want(state_key: str) -> None:
    st.session_state[state_key] = {"wanted": True}


def share_box(kind: str, record: dict[str, Any], run_id: int | None, *, key: str) -> None:
    """ "Share this …": a button that makes the link, then the link to copy. The link is made in the run the
    click starts, from the run as it is then (not as it was when the button was drawn); once the run
    changes (the conversation goes on), the old link is put away and a new one is asked for."""
    state_key = f"{key}_link"
    made = st.session_state.get(state_key)
    if made and made.get("wanted"):
        made = st.session_state[state_key] = _make(kind, record, run_id)
    elif made and made.get("fp") != _fingerprint(record):
        made = None
    with st.expander(f"Share this {WORDS[kind]}"):
        st.button(
            "Make a link",
            key=f"btn_{key}_share",
            on_click=_want,
            args=(state_key,),
            icon=":material/link:",
            help="Whoever opens the link sees this run read-only, and can continue it as their own.",
        )
        if made and made.get("problem"):
            st.warning(made["problem"], icon=":material/link_off:")
        elif made:
            st.caption(made["said"])
            st.code(f"{st.context.url or ''}?{sharing.PARAM}={made['value']}", language=None)


def opened(kind: str) -> dict[str, Any] | None:
    """A shared run in this page's address: its record, to show read-only — or None (said in words when the
    link opens nothing). The address keeps the link until the person continues or closes it."""
    value = st.query_params.get(sharing.PARAM)
    if not value:
        return None
    try:
        link = sharing.read(value, server_secret())
    except sharing.LinkError as exc:
        st.warning(str(exc), icon=":material/link_off:")
        return None
    if link.kind != kind:
        st.warning(f"This link is to a {WORDS[link.kind]}: open it on the {link.kind.capitalize()} page.", icon=":material/link_off:")
        return None
    if link.record is not None:
        return link.record
    if oidc_configured() and not signed_in():
        st.info("Sign in to open this shared run: it opens for people signed in to this deployment.", icon=":material/login:")
        return None
    try:
        run = library.load_shared_run(link.run_id)
    except library.StorageError as exc:
        st.warning(str(exc), icon=":material/link_off:")
        return None
    if run is None or run.kind != kind:
        st.warning(f"The shared {WORDS[kind]} no longer exists: its owner deleted it.", icon=":material/link_off:")
        return None
    return run.payload


def shared_banner(words: str, go: str, on_continue: Any, args: tuple, *, key: str, icon: str) -> None:
    """The top of a run someone shared: what it is (read-only), "Continue in my …", and Close."""
    st.info(words, icon=":material/link:")
    with st.container(horizontal=True):
        st.button(go, key=f"btn_{key}_continue_shared", on_click=on_continue, args=args, type="primary", icon=icon)
        st.button("Close", key=f"btn_{key}_close_shared", on_click=close_link, icon=":material/close:")


def close_link() -> None:
    if sharing.PARAM in st.query_params:
        del st.query_params[sharing.PARAM]
