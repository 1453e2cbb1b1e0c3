"""Each page's keys and the functions that fill them: one restore for a shared link, a reopened run from History,
"Open in Playground" and "Add to Compare", so every parameter comes back."""

from __future__ import annotations

from typing import Any

import streamlit as st

from adapters import GenerationParams
from council.facts.registry import models_for
from pages.widgets.session import redraw

CUSTOM = "\u270f\ufe0f Custom model id\u2026"

PARAM_KEYS = ("preset", "temperature", "max_new_tokens", "top_p", "use_top_k", "top_k", "repetition_penalty", "do_sample", "seed", "stop")


def _forget_widgets(prefix: str, names: tuple[str, ...]) -> None:
    redraw(*(f"{prefix}_{name}" for name in names))  # the widgets redraw from the plain values


def copy_params(source: str, targets: list[str]) -> None:
    """Give the ``targets`` panels the parameters of the ``source`` panel (a callback)."""
    for target in targets:
        for name in PARAM_KEYS:
            key = f"{source}_{name}"
            if key in st.session_state:
                st.session_state[f"{target}_{name}"] = st.session_state[key]
        _forget_widgets(target, PARAM_KEYS)


def set_params_state(prefix: str, params: GenerationParams) -> None:
    """Fill a parameter panel from ``params`` (a shared link, a reopened run); unset ones keep their default."""
    values: dict[str, Any] = {
        "temperature": params.temperature,
        "max_new_tokens": params.max_new_tokens,
        "top_p": params.top_p,
        "repetition_penalty": params.repetition_penalty,
    }
    for name, value in values.items():
        if value is not None:
            st.session_state[f"{prefix}_{name}"] = value
    st.session_state[f"{prefix}_use_top_k"] = params.top_k is not None
    if params.top_k is not None:
        st.session_state[f"{prefix}_top_k"] = params.top_k
    st.session_state[f"{prefix}_do_sample"] = params.do_sample is not False
    st.session_state[f"{prefix}_seed"] = "" if params.seed is None else str(params.seed)
    st.session_state[f"{prefix}_stop"] = "\n".join(params.stop or ())
    st.session_state[f"{prefix}_preset"] = None
    _forget_widgets(prefix, PARAM_KEYS)


def set_model_state(prefix: str, provider: str, model_id: str, task: str) -> None:
    """Point a model picker at ``provider`` and ``model_id``: a registry row when there is one, else a custom id."""
    st.session_state[f"{prefix}_provider"] = provider
    if any(e.model_id == model_id for e in models_for(provider)):
        st.session_state[f"{prefix}_model"] = model_id
    else:
        st.session_state[f"{prefix}_model"] = CUSTOM
        st.session_state[f"{prefix}_custom_model"] = model_id
        st.session_state[f"{prefix}_custom_task"] = task
    _forget_widgets(prefix, ("provider", "model", "custom_model", "custom_task"))


def set_compare_state(slots: list[tuple[str, str, str, GenerationParams]], prompt: str, system: str, blind: bool | None = None) -> None:
    """Fill Compare from a shared link or a reopened comparison: each slot's (provider, model, task, parameters),
    the prompt, the system prompt and, when given, blind mode."""
    for i, (provider, model_id, task, params) in enumerate(slots):
        set_model_state(f"cmp{i}", provider, model_id, task)
        set_params_state(f"cmp{i}", params)
    values: dict[str, Any] = {"cmp_count": len(slots), "cmp_prompt": prompt, "cmp_system": system}
    if blind is not None:
        values["cmp_blind"] = blind
    for key, value in values.items():
        st.session_state[key] = value
    redraw(*values)


PLAYGROUND_CONVERSATION = ("pg_run_id", "pg_partial", "pg_partial_parent", "pg_pending", "pg_job", "pg_editing")


ASKED_ABOUT_CHARS = 4000  # how much of an answer a council is asked about


def ask_council_about(text: str, who: str) -> None:
    """Start a council with an answer as its context: the Council's question box holds the answer, and
    the Council page opens for the person to write their question after it."""
    from pages.widgets.session import COUNCIL_PAGE

    body = text.strip()
    if len(body) > ASKED_ABOUT_CHARS:
        body = body[:ASKED_ABOUT_CHARS] + " \u2026"
    st.session_state["council_question"] = f"About this answer from {who}:\n\n{body}\n\nMy question: "
    st.session_state.pop("council_transcript", None)  # a new council, not a follow-up of the last one
    redraw("council_question")
    st.session_state["go_to_page"] = COUNCIL_PAGE


def open_in_playground(provider: str, model_id: str, task: str) -> None:
    """Try a model in the Playground in a conversation of its own: a conversation under way is not
    continued by another model (it is kept in History) — the Playground says so once."""
    if st.session_state.get("pg_history"):
        st.session_state["pg_history"] = []
        for key in PLAYGROUND_CONVERSATION:
            st.session_state.pop(key, None)
        st.session_state["pg_notice"] = f"A new conversation with {model_id}. The previous one is kept in History."
    set_model_state("pg", provider, model_id, task)


def add_to_compare(provider: str, model_id: str, task: str) -> int:
    """Put a model in Compare as a new slot (the last one when all six are taken); returns its index."""
    from council.runs.compare import MAX_SLOTS, MIN_SLOTS

    count = int(st.session_state.get("cmp_count", MIN_SLOTS))
    slot = min(count, MAX_SLOTS - 1)
    st.session_state["cmp_count"] = min(count + 1, MAX_SLOTS)
    redraw("cmp_count")
    set_model_state(f"cmp{slot}", provider, model_id, task)
    return slot


def conversation_of(payload: dict[str, Any], read: Any = None) -> Any:
    """A saved (or shared) Playground conversation's tree: every branch when it was saved with them, shown on
    the branch last shown; ``read`` fetches attached files from the store."""
    from council.runs.conversation import Conversation
    from council.runs.records import ChatTurn

    if isinstance(payload.get("tree"), dict):
        return Conversation.from_dict(payload["tree"], read=read)
    return Conversation.linear([ChatTurn.from_dict(t, read=read) for t in payload.get("turns") or [] if isinstance(t, dict)])


def open_conversation(payload: dict[str, Any], read: Any = None, *, run_id: int | None = None) -> None:
    """Into the Playground: the conversation, its model and every parameter (``run_id``: the person's own saved
    run, continued in place; None: a new conversation of theirs, e.g. one continued from a shared link)."""
    from council.facts.params import params_from_dict
    from council.runs import providers

    tree = conversation_of(payload, read)
    view = tree.turns()
    st.session_state.update(pg_tree=tree, pg_history=view, pg_tree_view=view)
    if run_id is None:
        for key in PLAYGROUND_CONVERSATION:
            st.session_state.pop(key, None)
    else:
        st.session_state["pg_run_id"] = run_id
    set_model_state("pg", payload.get("provider") or providers.BUNDLED, payload.get("model_id", ""), payload.get("task", "chat"))
    set_params_state("pg", params_from_dict(payload.get("params")))
    st.session_state["pg_system"] = payload.get("system", "")
    from pages.widgets.session import redraw_all

    redraw_all("pg_")  # widgets redraw from the reopened values
