"""The model picker: provider, then a registry or live-list model (task, window, strengths shown) or any id."""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from adapters.base import counted
from council.facts import availability, capabilities
from council.facts.registry import InvalidModelIdError, ModelEntry, Status, models_for, validate_model_id
from council.runs import providers
from pages.widgets.restore import CUSTOM, set_model_state
from pages.widgets.session import bound, connection, redraw, run_async, state


@dataclass(frozen=True)
class Choice:
    provider: str
    model_id: str
    task: str
    entry: ModelEntry | None
    problem: str | None = None


def model_picker(prefix: str) -> Choice:
    """Provider, then a registry model (task, context window, strengths shown) or a custom id."""
    names = providers.available_providers()
    provider = bound(
        st.selectbox,
        "Provider",
        f"{prefix}_provider",
        providers.BUNDLED,
        options=names,
        format_func=providers.label,
        help="Who runs the model. The bundled model answers offline with no token; the others need a token in Settings.",
    )
    found = live_list(provider, prefix)
    today = availability.overlay(models_for(provider), {provider: found} if found else {})
    alternatives = {a.entry.model_id: a.alternative for a in today}
    registry = [replace(a.entry, status=a.status, notes=a.reason if a.status == Status.NOT_SERVED else a.entry.notes) for a in today]
    entries = sorted(registry, key=lambda e: {Status.SERVED: 0, Status.UNKNOWN: 1}.get(e.status, 2))
    if found and found.rows:  # the provider's own list first; registry rows it no longer names stay, flagged
        entries = found.rows + [e for e in entries if e.model_id not in found.ids]
    options = [e.model_id for e in entries] + [CUSTOM]
    by_id = {e.model_id: e for e in entries}
    current = st.session_state.get(f"{prefix}_model")
    auto = st.session_state.get(f"{prefix}_model_auto")  # a default the app chose, not the user
    served_now = [e.model_id for e in entries if e.status == Status.SERVED]
    if current == auto and current in by_id and by_id[current].status == Status.NOT_SERVED and served_now:
        current = None  # never pre-select a model the app then warns about
    if current not in options:  # the provider changed: start from its first served model
        st.session_state[f"{prefix}_model"] = served_now[0] if served_now else options[0]
        redraw(f"{prefix}_model")
    sees = {e.model_id: capabilities.reads(provider, e.model_id).images is True for e in entries}  # marked \U0001f441
    model = bound(
        st.selectbox,
        "Model",
        f"{prefix}_model",
        options[0],
        options=options,
        format_func=lambda m: by_id[m].picker_label(sees_images=sees.get(m, False)) if m in by_id else m,
        help="Models from the registry, served ones first; pick \u201cCustom model id\u201d to type any id. \U0001f441: reads images.",
    )
    if model != CUSTOM:
        entry = by_id[model]
        details = (entry.task, f"{entry.context_window:,} tokens" if entry.context_window else "", ", ".join(entry.strengths))
        st.caption(" \u00b7 ".join(bit for bit in details if bit))
        if entry.status == Status.NOT_SERVED:
            instead = alternatives.get(entry.model_id)
            st.warning(
                f"{entry.model_id} is no longer served ({entry.notes.rstrip('.')}). Expect an error; "
                + (f"try {instead} instead." if instead else "pick a served model instead."),
                icon=":material/warning:",
            )
            if instead:
                st.button(
                    f"Use {instead}",
                    key=f"btn_{prefix}_use_alternative",
                    on_click=set_model_state,
                    args=(prefix, provider, instead, entry.task),
                    icon=":material/swap_horiz:",
                )
        elif entry.notes:
            st.caption(entry.notes)
        return Choice(provider, entry.model_id, entry.task, entry)
    spec = providers.spec_for(provider)
    custom = bound(
        st.text_input,
        "Model id",
        f"{prefix}_custom_model",
        "",
        placeholder="owner/name, e.g. mistralai/Mistral-7B-Instruct-v0.2",
        help=" ".join(("Any model id the provider serves.", spec.id_help)).strip(),
    )
    task = "chat"
    if len(spec.tasks) > 1:
        task = bound(
            st.selectbox,
            "Task",
            f"{prefix}_custom_task",
            "chat",
            options=list(spec.tasks),
            help=spec.task_help,
        )
    if not custom.strip():
        return Choice(provider, "", task, None, "Type a model id, or pick one from the list.")
    try:
        model_id = validate_model_id(provider, custom)
    except InvalidModelIdError as exc:
        return Choice(provider, "", task, None, str(exc))
    return Choice(provider, model_id, task, None)


def _refresh_live(provider: str) -> None:
    state("live_models", {})[provider] = {"force": True}


def live_list(provider: str, prefix: str) -> availability.LiveList | None:
    """The provider's live model list when it is configured: from the on-disk cache while fresh
    (six hours), else asked for; Refresh asks again. Draws its one-line status and the button."""
    conn = connection()
    if providers.in_process(provider) or not providers.is_configured(provider, conn):
        return None
    cache = state("live_models", {})
    memo = cache.get(provider)
    if memo is None or memo.get("force"):
        with st.spinner(f"Loading {providers.label(provider)}'s model list\u2026"):
            memo = {"list": run_async(availability.live_list(provider, conn, force=bool(memo)))}
        cache[provider] = memo
    found: availability.LiveList = memo["list"]
    row = st.container(horizontal=True, vertical_alignment="center")
    if found.error:
        row.caption(f"Live list unavailable ({found.error.lower()}); showing the registry.")
    else:
        row.caption(f"{counted(len(found.rows), 'model')} from {providers.label(provider)}'s live list ({found.checked})")
    row.button(
        "Refresh",
        key=f"btn_{prefix}_refresh_live",
        icon=":material/refresh:",
        on_click=_refresh_live,
        args=(provider,),
        help="Ask the provider for its model list again (it is kept for six hours otherwise).",
    )
    return found


def live_ids() -> dict[str, list[str]]:
    """Model ids from the live lists this session has seen (the fallback order picks from them)."""
    return {p: [r.model_id for r in memo["list"].rows] for p, memo in state("live_models", {}).items() if "list" in memo}
