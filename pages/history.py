"""History: every saved conversation, newest first — reopen it where you left it, or delete it."""

from __future__ import annotations

import streamlit as st

from adapters.base import counted
from council import library
from council.runs import compare, providers
from council.runs.records import Comparison, Transcript
from pages import widgets as W

W.require_app_navigation()


def _open(run_id: int) -> None:
    run = library.load_run(run_id, person=W.person_id())
    if run is None:
        return
    if run.kind == "compare":
        _open_comparison(run)
        return
    if run.kind == "council":
        st.session_state["council_transcript"] = transcript = Transcript.from_dict(run.payload, read=W.read_file)  # files from the store
        st.session_state["council_attached"] = W.reattach(transcript.attachments)  # attached again, to ask again
        st.session_state["council_question"] = run.payload.get("question", "")
        W.redraw("council_question")
        st.session_state["council_run_id"] = run.id
        st.session_state["history_open"] = W.COUNCIL_PAGE
        return
    # the same restore as a shared link or Compare's reopen: the conversation, provider, model and every parameter
    W.open_conversation(run.payload, W.read_file, run_id=run.id)
    st.session_state["history_open"] = W.PLAYGROUND_PAGE


def _open_comparison(run: library.Run) -> None:
    """Back into Compare: the same slots, parameters and prompt, with the answers as they were."""
    rec = Comparison.from_dict(run.payload, read=W.read_file)
    st.session_state["cmp_attached"] = W.reattach(rec.attachments)  # attached again, to run the same comparison again
    specs = [compare.spec_of(slot) for slot in rec.slots]
    W.set_compare_state([(s.provider, s.model_id, s.task, s.params) for s in specs], rec.prompt, rec.system)
    st.session_state["cmp_result"] = rec
    st.session_state["cmp_run_id"] = run.id
    st.session_state["history_open"] = W.COMPARE_PAGE


def _summary(run: library.Run) -> str:
    p = run.payload
    when = f"last used {run.updated.replace('T', ' ')[:16]} UTC"
    if run.kind == "compare":
        slots = p.get("slots") or []
        names = ", ".join(f"{providers.label(s['provider'])} \u00b7 {s['model']}" for s in slots)
        hidden = p.get("blind") and not p.get("vote")
        return f"Compare \u00b7 {counted(len(slots), 'model')}" + ("" if hidden else f" ({names})") + f" \u00b7 {when}"
    if run.kind == "council":
        seats = ", ".join(f"{m['provider']}:{m['model']}" for m in p.get("members") or [])
        return f"Council \u00b7 {p.get('task', '')} \u00b7 {len(p.get('members') or [])} members ({seats}) \u00b7 {when}"
    answers = [t for t in p.get("turns") or [] if t.get("role") == "assistant"]
    return (
        f"{run.kind.capitalize()} \u00b7 {providers.label(p.get('provider', ''))} \u00b7 {p.get('model_id', '')} \u00b7 "
        f"{len(answers)} answer(s) \u00b7 {when}"
    )


def _delete(run_id: int) -> None:
    library.delete_run(run_id, person=W.person_id())
    for key in ("pg_run_id", "cmp_run_id", "council_run_id"):
        if st.session_state.get(key) == run_id:
            st.session_state.pop(key, None)


target = st.session_state.pop("history_open", None)
if target:
    st.switch_page(target if isinstance(target, str) else W.PLAYGROUND_PAGE)

st.title("History")
st.caption(
    f"Every Playground conversation and every comparison is saved here, in {library.store_where()}, with its models and "
    "parameters \u2014 never a token." + (" Only you see yours." if W.signed_in() else "")
)
runs = library.recent_runs(person=W.person_id())
if not runs:
    st.info("Nothing saved yet. Ask something in the Playground (or run a comparison) and it appears here.", icon=":material/history:")
    st.page_link(W.PLAYGROUND_PAGE, label="Go to the Playground", icon=":material/chat:")
for run in runs:
    with st.container(border=True):
        top = st.container(horizontal=True, vertical_alignment="center")
        top.markdown(f"**{run.title}**")
        top.button(
            "Open",
            key=f"btn_history_open_{run.id}",
            on_click=_open,
            args=(run.id,),
            icon=":material/open_in_new:",
            help="Continue this conversation in the Playground."
            if run.kind == "playground"
            else "See this comparison again in Compare."
            if run.kind == "compare"
            else "See this council run again.",
        )
        top.button(
            "Delete",
            key=f"btn_history_delete_{run.id}",
            on_click=_delete,
            args=(run.id,),
            icon=":material/delete:",
            help="Remove it from History for good.",
        )
        st.caption(_summary(run))
