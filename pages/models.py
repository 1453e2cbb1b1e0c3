"""Models: the registry with today's availability, the catalog provider's model hub search, and your own models."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from adapters.base import TASKS, counted
from adapters.hub import HubQuery
from council.facts import availability, hub, pricing
from council.facts.registry import (
    STRENGTHS,
    InvalidModelIdError,
    ModelEntry,
    Status,
    add_custom_model,
    load_custom_models,
    remove_custom_model,
)
from council.runs import providers
from council.runs.turns import error_to_dict
from pages import widgets as W

CATALOG = providers.spec_for(providers.CATALOG)  # the provider whose model hub is searched here
HUB = f"{CATALOG.label} Hub"
STATUS_WORDS = {Status.SERVED: "served", Status.NOT_SERVED: "no longer served", Status.UNKNOWN: "unknown"}


# ---- actions shared by the registry and the Hub results ---------------------------------------


def _open_in_playground(provider: str, model_id: str, task: str) -> None:
    W.open_in_playground(provider, model_id, task)
    st.session_state["models_go"] = W.PLAYGROUND_PAGE


def _add_to_compare(provider: str, model_id: str, task: str) -> None:
    slot = W.add_to_compare(provider, model_id, task)
    st.session_state["models_go"] = W.COMPARE_PAGE
    st.session_state["cmp_added_note"] = f"{model_id} is in slot {slot + 1}."


def action_buttons(key: str, provider: str, model_id: str, task: str, *, keep: bool = False, vision: bool | None = None) -> None:
    with st.container(horizontal=True):
        st.button(
            "Open in Playground",
            key=f"btn_models_{key}_playground",
            on_click=_open_in_playground,
            args=(provider, model_id, task),
            icon=":material/chat:",
            help="Chat with this model in the Playground.",
        )
        st.button(
            "Add to Compare",
            key=f"btn_models_{key}_compare",
            on_click=_add_to_compare,
            args=(provider, model_id, task),
            icon=":material/view_column:",
            help="Add it as a slot in Compare (up to six; a seventh replaces the last slot).",
        )
        if keep:
            st.button(
                "Add to my models",
                key=f"btn_models_{key}_keep",
                on_click=_keep_hub_model,
                args=(model_id, task, vision),
                icon=":material/bookmark_add:",
                help="Keep it in your registry (stored on this computer), so the model pickers list it.",
            )


# ---- the registry ------------------------------------------------------------------------------


def _refresh_all() -> None:
    st.session_state["models_refresh"] = True


def live_lists() -> dict[str, availability.LiveList]:
    """Every configured provider's live list (cached for six hours; Refresh asks again)."""
    conn = W.connection()
    force = st.session_state.pop("models_refresh", False)
    memo = W.state("live_models", {})
    out = {}
    for provider in providers.configured_providers(conn):
        if providers.in_process(provider):
            continue
        held = memo.get(provider)
        if force or held is None or "list" not in held:
            with st.spinner(f"Loading {providers.label(provider)}'s model list\u2026"):
                held = {"list": W.run_async(availability.live_list(provider, conn, force=force))}
            memo[provider] = held
        out[provider] = held["list"]
    return out


def _price(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def registry_section() -> None:
    st.caption(
        "Every model the app knows, with what it is good at, its price and whether it is served today. Status comes from "
        "what the app met in use (a model that answered \u201cnot found\u201d or \u201cgone\u201d), then the providers' live "
        "lists, then the registry's own dated facts. Every row says where its facts come from and when."
    )
    lives = live_lists()
    with st.container(horizontal=True, vertical_alignment="center"):
        if lives:
            st.caption(
                "Live lists: "
                + " \u00b7 ".join(
                    f"{providers.label(p)} {'unavailable (' + found.error.lower() + ')' if found.error else counted(len(found.rows), 'model') + ', ' + found.checked}"
                    for p, found in lives.items()
                )
            )
        else:
            st.caption("No provider is configured, so there are no live lists to check against (Settings adds one).")
        st.button(
            "Refresh live lists",
            key="btn_models_refresh",
            on_click=_refresh_all,
            icon=":material/refresh:",
            help="Ask every configured provider for its model list now: prices, context limits and retirement dates, dated today "
            "(otherwise kept for six hours). The same as python -m council refresh.",
        )
    rows = availability.registry_today(lives)
    cols = st.columns([2, 1.2, 1.2, 2])
    names = sorted({a.entry.provider for a in rows}, key=providers.label)
    chosen = W.bound(
        cols[0].multiselect, "Providers", "models_providers", [], options=names, format_func=providers.label, placeholder="All providers"
    )
    task = W.bound(cols[1].selectbox, "Task", "models_task", "any", options=["any", *TASKS])
    status = W.bound(
        cols[2].selectbox, "Status", "models_status", "any", options=["any", *STATUS_WORDS], format_func=lambda s: STATUS_WORDS.get(s, s)
    )
    text = W.bound(cols[3].text_input, "Search the registry", "models_filter", "", placeholder="id, strength or note")
    shown = [
        a
        for a in rows
        if (not chosen or a.entry.provider in chosen)
        and (task == "any" or a.entry.task == task)
        and (status == "any" or a.status == status)
        and (not text.strip() or text.strip().lower() in " ".join((a.entry.model_id, *a.entry.strengths, a.reason)).lower())
    ]
    if not shown:
        st.info("No model matches these filters.", icon=":material/filter_alt_off:")
        return
    table = pd.DataFrame(
        [
            {
                "Provider": providers.label(a.entry.provider),
                "Model": a.entry.model_id,
                "Status": STATUS_WORDS.get(a.status, a.status) + a.entry.retire_note,
                "Retires": a.entry.retires.isoformat() if a.entry.retires else "\u2014",
                "Try instead": a.alternative or a.entry.successor or "\u2014",
                "Task": a.entry.task,
                "Context (tokens)": W.fmt_count(a.entry.context_window),
                "Strengths": ", ".join(a.entry.strengths),
                "Input ($/1M)": _price((a.entry.price_on() or (None, None))[0]),
                "Output ($/1M)": _price((a.entry.price_on() or (None, None))[1]),
                "Price change": pricing.step_note(a.entry) or "\u2014",
                "Why": a.reason,
                "Checked": a.checked,
                "Older than 30 days": ", ".join(availability.stale_facts(a)) or "\u2014",
                "Source": "added by you" if a.entry.custom else W.fmt_source(a.entry.source),
                "Price source": W.fmt_source(a.entry.price_source),
                "Price as of": a.entry.price_as_of or "\u2014",
            }
            for a in shown
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "Model": st.column_config.TextColumn(width="medium"),
            "Status": st.column_config.TextColumn(width="medium"),
            "Try instead": st.column_config.TextColumn(width="medium"),
            "Strengths": st.column_config.TextColumn(width="medium"),
            "Input ($/1M)": st.column_config.NumberColumn(format="$%.4g", help="USD per million input tokens; empty when unknown."),
            "Output ($/1M)": st.column_config.NumberColumn(format="$%.4g", help="USD per million output tokens; empty when unknown."),
            "Context (tokens)": st.column_config.TextColumn(help="Tokens in: the conversation plus the answer."),
            "Why": st.column_config.TextColumn(width="large"),
            "Source": st.column_config.TextColumn(width="medium"),
            "Price source": st.column_config.TextColumn(width="medium"),
        },
    )
    old = sum(1 for a in shown if availability.stale_facts(a))
    st.caption(
        f"{len(shown)} of {len(rows)} models."
        + (
            f" {old} of them have facts older than {availability.STALE_DAYS} days (see the last column): press Refresh live lists "
            "for the providers you have set up, or run \u201cpython -m council refresh\u201d."
            if old
            else ""
        )
    )
    keys = [f"{a.entry.provider}/{a.entry.model_id}" for a in shown]
    by_key = dict(zip(keys, shown, strict=True))
    pick = W.bound(
        st.selectbox,
        "Try one of these models",
        "models_pick",
        keys[0],
        options=keys,
        format_func=lambda k: f"{providers.label(by_key[k].entry.provider)} \u00b7 {by_key[k].entry.model_id}",
    )
    item = by_key.get(pick) or shown[0]
    if item.status == Status.NOT_SERVED:
        st.warning(
            f"{item.entry.model_id} is no longer served ({item.reason})."
            + (f" Try {item.alternative} instead." if item.alternative else ""),
            icon=":material/warning:",
        )
    action_buttons("registry", item.entry.provider, item.entry.model_id, item.entry.task)


# ---- model hub search (the catalog provider's) -------------------------------------------------------------------


def _search() -> None:
    st.session_state["models_hub_go"] = "first"


def _more() -> None:
    st.session_state["models_hub_go"] = "next"


def run_search() -> None:
    go = st.session_state.pop("models_hub_go", None)
    if not go:
        return
    conn = W.connection()

    def chosen(name: str) -> str | None:
        value = st.session_state.get(f"models_hub_{name}", "any")
        return None if value == "any" else value

    query = HubQuery(
        search=st.session_state.get("models_hub_text", ""),
        pipeline_tag=chosen("task"),
        library=chosen("library"),
        license=chosen("license"),
        served_only=bool(st.session_state.get("models_hub_served", True)),
        sort=st.session_state.get("models_hub_sort", "downloads"),
    )
    next_url = st.session_state.get("models_hub_next") if go == "next" else None
    with st.spinner(f"Searching the {HUB}\u2026"):
        try:
            page = W.run_async(hub.search(conn, query, next_url=next_url))
        except Exception as exc:
            st.session_state["models_hub_error"] = error_to_dict(providers.as_provider_error(exc))
            return
    st.session_state.pop("models_hub_error", None)
    earlier = st.session_state.get("models_hub_results", []) if go == "next" else []
    st.session_state["models_hub_results"] = earlier + page.models
    st.session_state["models_hub_next"] = page.next_url
    st.session_state["models_hub_searched"] = time.strftime("%Y-%m-%d %H:%M")


def hub_section() -> None:
    st.caption(
        "Find a model by name, task, library and license. \u201cServed\u201d keeps to models an inference provider runs "
        "today, so you can try them here; prices come from the live list when you have a " + CATALOG.label + " token."
    )
    top = st.columns([3, 2])
    W.bound(top[0].text_input, "Search", "models_hub_text", "", placeholder="e.g. llama, qwen, mistral")
    W.bound(
        top[1].selectbox,
        "Sort by",
        "models_hub_sort",
        "downloads",
        options=["downloads", "likes", "trending"],
        format_func=str.capitalize,
    )
    row = st.columns(4)
    filters = (  # label, key, default, options, how an option reads
        ("Task", "task", "text-generation", list(hub.TASKS), lambda t: hub.TASKS[t]),
        ("Library", "library", "any", list(hub.LIBRARIES), str),
        ("License", "license", "any", list(hub.LICENSES), str),
    )
    for col, (label, name, default, options, words) in zip(row, filters, strict=False):
        W.bound(
            col.selectbox,
            label,
            f"models_hub_{name}",
            default,
            options=["any", *options],
            format_func=lambda v, label=label, words=words: f"Any {label.lower()}" if v == "any" else words(v),
        )
    W.bound(
        row[3].toggle,
        "Served by a provider",
        "models_hub_served",
        True,
        help="On: only models some inference provider serves today (you can try them here). Off: every model on the Hub.",
    )
    st.button("Search", key="btn_models_hub_search", type="primary", on_click=_search, icon=":material/search:")
    run_search()
    problem = st.session_state.get("models_hub_error")
    if problem:
        W.error_panel(problem, key="models_hub_err", settings_link=False, again="press Search again")
    results = st.session_state.get("models_hub_results")
    if results is None:
        return
    if not results:
        st.info("Nothing on the Hub matches. Loosen a filter, or turn off \u201cServed by a provider\u201d.", icon=":material/search_off:")
        return
    lives = live_lists() if providers.is_configured(CATALOG.id, W.connection()) else {}
    router = lives.get(CATALOG.id)
    table = pd.DataFrame(
        [
            {
                "Model": m.id,
                "Task": (f"{W.EYE} " if hub.reads_images(m) else "") + (m.pipeline_tag or ""),
                "Library": m.library or "",
                "License": m.license or "",
                "Downloads": m.downloads,
                "Likes": m.likes,
                "Served by ($ in/out per 1M)": hub.describe_offers(hub.offers(m, router)),
            }
            for m in results
        ]
    )
    st.dataframe(table, hide_index=True, column_config={"Downloads": st.column_config.NumberColumn(format="%d")})
    source = (
        f"Prices: {CATALOG.label}'s live model list, checked {router.checked}."
        if router is not None and not router.error
        else f"Add a {CATALOG.label} token in Settings to see each provider's price."
    )
    st.caption(f"{counted(len(results), 'model')} from the {HUB}, searched {st.session_state.get('models_hub_searched', '')}. {source}")
    if st.session_state.get("models_hub_next"):
        st.button("More results", key="btn_models_hub_more", on_click=_more, icon=":material/expand_more:")
    ids = [m.id for m in results]
    by_id = {m.id: m for m in results}
    pick = W.bound(st.selectbox, "Try one of these models", "models_hub_pick", ids[0], options=ids)
    model = by_id.get(pick) or results[0]
    task = hub.task_for(model)
    if not model.live_providers:
        st.caption("No inference provider serves this model today: it may not answer through the router.")
    else:
        sight = f" It reads images ({W.EYE}): attach a picture to your prompt." if hub.reads_images(model) else ""
        st.caption(f"It will run as {'a chat model through the router' if task == 'chat' else f'a {task} model (task API)'}.{sight}")
    action_buttons("hub", CATALOG.id, model.id, task, keep=True, vision=hub.reads_images(model))


def _keep_hub_model(model_id: str, task: str, vision: bool | None = None) -> None:
    """Keep a Hub model as the person's own; the Hub's image-text-to-text tag is kept as its sight (the pickers mark it)."""
    extra = {"vision": True} if vision else {}
    _add_custom(ModelEntry(provider=CATALOG.id, model_id=model_id, task=task, as_of=time.strftime("%Y-%m-%d"), custom=True, extra=extra))


# ---- your own models ---------------------------------------------------------------------------


def _add_custom(entry: ModelEntry) -> None:
    try:
        add_custom_model(entry)
    except (InvalidModelIdError, OSError) as exc:
        st.session_state["models_custom_problem"] = str(exc) if isinstance(exc, InvalidModelIdError) else "The data folder is not writable."
        return
    st.session_state["models_custom_done"] = f"{entry.model_id} is in your models."


def _add_typed() -> None:
    ctx = st.session_state.get("models_new_context") or 0
    _add_custom(
        ModelEntry(
            provider=st.session_state.get("models_new_provider", CATALOG.id),
            model_id=st.session_state.get("models_new_id", ""),
            task=st.session_state.get("models_new_task", "chat"),
            context_window=int(ctx) if ctx else None,
            strengths=tuple(st.session_state.get("models_new_strengths") or ()),
            as_of=time.strftime("%Y-%m-%d"),
            custom=True,
        )
    )


def _remove(provider: str, model_id: str) -> None:
    remove_custom_model(provider, model_id)


def custom_section() -> None:
    st.caption("Add any model id a provider serves; it then appears in every model picker. Kept in your data folder, never sent anywhere.")
    cols = st.columns([1.3, 2.5, 1.3, 1.1])
    W.bound(
        cols[0].selectbox,
        "Provider",
        "models_new_provider",
        CATALOG.id,
        options=[p for p in providers.available_providers() if not providers.in_process(p)],
        format_func=providers.label,
    )
    W.bound(cols[1].text_input, "Model id", "models_new_id", "", placeholder="owner/name")
    W.bound(cols[2].selectbox, "Task", "models_new_task", "chat", options=list(TASKS))
    W.bound(cols[3].number_input, "Context (tokens)", "models_new_context", 0, min_value=0, step=1024, help="0 = unknown.")
    W.bound(st.multiselect, "Good at", "models_new_strengths", [], options=list(STRENGTHS), help="Used by the Council to pick members.")
    st.button("Add model", key="btn_models_add", on_click=_add_typed, icon=":material/add:")
    problem = st.session_state.pop("models_custom_problem", None)
    if problem:
        st.warning(problem, icon=":material/error:")
    done = st.session_state.pop("models_custom_done", None)
    if done:
        st.success(done, icon=":material/check:")
    mine = load_custom_models()
    if not mine:
        st.caption("You have not added any model yet.")
    for entry in mine:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"**{entry.model_id}** \u00b7 {providers.label(entry.provider)} \u00b7 {entry.task} \u00b7 added {entry.as_of}")
            st.button(
                "Remove",
                key=f"btn_models_remove_{entry.provider}_{entry.model_id}",
                on_click=_remove,
                args=(entry.provider, entry.model_id),
                icon=":material/delete:",
            )


# ---- the page ----------------------------------------------------------------------------------

W.require_app_navigation()
go = st.session_state.pop("models_go", None)
if go:
    st.switch_page(go)
st.title("Models")
st.caption("Which models exist, who serves them today and at what price \u2014 and one click to try one.")
registry_tab, hub_tab, mine_tab = st.tabs(["Registry", HUB, "Your own models"])
with registry_tab:
    registry_section()
with hub_tab:
    hub_section()
with mine_tab:
    custom_section()
