"""History: every saved conversation, newest first — reopen it where you left it, or delete it."""

from __future__ import annotations

import streamlit as st

from council import history, providers
from pages import _widgets as W

W.require_app_navigation()


def _open(run_id: int) -> None:
    run = history.load(run_id)
    if run is None:
        return
    p = run.payload
    st.session_state["pg_history"] = list(p.get("turns") or [])
    st.session_state["pg_run_id"] = run.id
    st.session_state["pg_provider"] = p.get("provider", "local")
    if p.get("custom"):
        st.session_state["pg_model"] = W.CUSTOM
        st.session_state["pg_custom_model"] = p.get("model_id", "")
        st.session_state["pg_custom_task"] = p.get("task", "chat")
    else:
        st.session_state["pg_model"] = p.get("model_id")
    st.session_state["pg_system"] = p.get("system", "")
    params = p.get("params") or {}
    for name in ("temperature", "max_new_tokens", "top_p"):
        if params.get(name) is not None:
            st.session_state[f"pg_{name}"] = params[name]
    for key in [k for k in st.session_state if str(k).startswith("w_pg_")]:
        del st.session_state[key]  # widgets redraw from the reopened values
    st.session_state["history_open"] = True


def _delete(run_id: int) -> None:
    history.delete(run_id)
    if st.session_state.get("pg_run_id") == run_id:
        st.session_state.pop("pg_run_id", None)


if st.session_state.pop("history_open", False):
    st.switch_page(W.PLAYGROUND_PAGE)

st.title("History")
st.caption("Every Playground conversation is saved here on this computer, with its model and parameters \u2014 never a token.")
runs = history.recent()
if not runs:
    st.info("Nothing saved yet. Ask something in the Playground and the conversation appears here.", icon=":material/history:")
    st.page_link(W.PLAYGROUND_PAGE, label="Go to the Playground", icon=":material/chat:")
for run in runs:
    p = run.payload
    turns = p.get("turns") or []
    answers = [t for t in turns if t.get("role") == "assistant"]
    with st.container(border=True):
        top = st.container(horizontal=True, vertical_alignment="center")
        top.markdown(f"**{run.title}**")
        top.button(
            "Open",
            key=f"btn_history_open_{run.id}",
            on_click=_open,
            args=(run.id,),
            icon=":material/open_in_new:",
            help="Continue this conversation in the Playground.",
        )
        top.button(
            "Delete",
            key=f"btn_history_delete_{run.id}",
            on_click=_delete,
            args=(run.id,),
            icon=":material/delete:",
            help="Remove it from History for good.",
        )
        st.caption(
            f"{run.kind.capitalize()} \u00b7 {providers.label(p.get('provider', ''))} \u00b7 {p.get('model_id', '')} \u00b7 "
            f"{len(answers)} answer(s) \u00b7 last used {run.updated.replace('T', ' ')[:16]} UTC"
        )
