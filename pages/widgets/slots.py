"""A model slot: a bordered box with the model picker and its parameters in a popover — one column of
Compare, one model of a prompt set. The page decides what a slot means; this draws one."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from adapters import GenerationParams
from council.facts import capabilities
from council.facts import params as P
from council.facts.registry import Status, models_for
from council.runs import providers
from pages.widgets.model_picker import Choice, model_picker
from pages.widgets.param_panel import param_panel
from pages.widgets.session import connection


def default_model(prefix: str, i: int) -> None:
    """A new slot starts on a connected provider (the bundled model when none is), each on another model."""
    if f"{prefix}_provider" in st.session_state:
        return
    remote = [p for p in providers.configured_providers(connection()) if p != providers.BUNDLED]
    pool = remote or [providers.BUNDLED]
    provider = pool[i % len(pool)]
    served = [e.model_id for e in models_for(provider) if e.status != Status.NOT_SERVED]
    st.session_state[f"{prefix}_provider"] = provider
    if served:
        chosen = served[(i // len(pool)) % len(served)]
        st.session_state[f"{prefix}_model"] = chosen
        st.session_state[f"{prefix}_model_auto"] = chosen  # a default: the picker may swap it for one served today


def params_summary(prefix: str) -> str:
    preset = st.session_state.get(f"{prefix}_preset")
    temp = st.session_state.get(f"{prefix}_temperature", P.SPECS["temperature"].default)
    tokens = st.session_state.get(f"{prefix}_max_new_tokens", P.SPECS["max_new_tokens"].default)
    return f"{preset + ' · ' if preset else ''}temp {temp:g} · {tokens} tokens"


def model_slot(
    prefix: str,
    title: str,
    *,
    key: str,
    apply_to_all: Callable[[], None] | None = None,
    apply_words: str = "",
    apply_key: str = "",
) -> tuple[Choice, GenerationParams | None, list[str]]:
    """One slot's provider, model and parameters; returns the choice, its parameters (None when they do not
    check) and what to fix, each prefixed with the slot's title."""
    with st.container(border=True, key=key):
        st.markdown(f"**{title}**")
        choice = model_picker(prefix)
        with st.popover(f"Parameters: {params_summary(prefix)}", icon=":material/tune:", width="stretch"):
            params, problems = param_panel(
                prefix,
                context_window=choice.entry.context_window if choice.entry else None,
                rules=capabilities.accepts(choice.provider, choice.model_id),
                model=choice.model_id,
                recommended=choice.entry.recommended if choice.entry else None,
                recommended_source=choice.entry.recommended_source if choice.entry else "",
            )
            if apply_to_all is not None:
                st.button(
                    apply_words,
                    key=apply_key or f"btn_{prefix}_apply_all",
                    on_click=apply_to_all,
                    icon=":material/content_copy:",
                    help="Copy these parameters to every other slot, so only the models differ.",
                )
    blockers = ([choice.problem] if choice.problem else []) + problems
    return choice, None if blockers else params, [f"{title}: {b}" for b in blockers]
