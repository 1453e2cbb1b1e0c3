"""The sidebar: a status chip per provider, setup progress and quota bars; quota banners and toasts. Never an input field."""

from __future__ import annotations

import streamlit as st

from council import access, library
from council.facts import quotas
from council.runs import caps, providers
from pages.widgets import identity
from pages.widgets.session import GETTING_STARTED_PAGE, connection, person_id, response_cache, retry_settings, state

_CHIP = {
    "ready": ("green", "Ready"),
    "verified": ("green", "Verified"),
    "set": ("orange", "Not verified"),
    "not set": ("gray", "Not set"),
    "failing": ("red", "Failing"),
}


def quota_states() -> list[quotas.QuotaState]:
    """The quota of every configured provider that has a limit (estimates, from the ledger; none while
    the store cannot be read — the store banner says so)."""
    conn = connection()
    overrides, reported = state("quotas", {}), state("reported_limits", {})
    out = []
    try:
        for provider in providers.configured_providers(conn):
            quota = quotas.effective(provider, overrides)
            if quota.requests_per_day or quota.usd_per_month:
                out.append(quotas.state(provider, quota, library.ledger(), reported.get(provider)))
    except library.STORE_ERRORS:
        return []
    return out


def host_caps(saved: dict | None = None) -> caps.Caps:
    """The host's caps on its shared keys (Settings, else the environment); ``saved``: the host's document,
    when the caller has read it already."""
    return caps.effective(library.load_caps()[0] if saved is None else saved)


def may_see_everyones_usage() -> bool:
    """May this person see everyone's usage (the host, an admin, or anyone when the host allows it)?"""
    allowed = bool(library.load_caps()[0].get("usage_everyone_visible"))
    return access.may_see_everyones_usage(identity.person(), visitor_is_local=connection().visitor_is_local, host_allows=allowed)


def cap_state() -> caps.CapState:
    """Where this person stands against the host's caps (raises the store's errors)."""
    return caps.state(host_caps(), library.ledger(), person_id())


def capped_providers() -> set[str]:
    """Providers this person may not use now because a cap on the host's shared keys is reached (or cannot be
    checked): the ones whose requests would go with the host's key."""
    if caps.refusal(host_caps(), library.open_ledger, person_id()) is None:
        return set()
    conn = connection()
    return {p for p in providers.configured_providers(conn) if providers.uses_host_key(p, conn)}


def quota_guard():
    """What the retry layer checks before sending, for this session: its quotas, then the host's caps."""
    return caps.before_sending(state("quotas", {}), state("reported_limits", {}), host_caps(), library.open_ledger, person_id())


def quota_warnings() -> None:
    """A banner per provider at 80% or more of its quota, and a toast the first time it gets there."""
    toasted = state("quota_toasted", set())
    for q in quota_states():
        if q.level not in ("warn", "exhausted"):
            continue
        used_up = q.level == "exhausted"
        words = f"{providers.label(q.provider)}: {q.describe()}."
        st.warning(
            words + (" Requests to it are refused until it resets." if used_up else " Close to your quota."),
            icon=":material/data_usage:",
        )
        if (q.provider, q.level) not in toasted:
            toasted.add((q.provider, q.level))
            st.toast(("Quota used up \u2014 " if used_up else "Quota at 80% \u2014 ") + words, icon=":material/data_usage:")


def sidebar_status() -> None:
    """Who you are and what is connected: a chip per provider, quota bars. Never an input field."""
    conn = connection()
    verified = state("verified", {})
    with st.sidebar:
        st.caption("Status")
        for provider in (spec.id for spec in providers.specs()):  # in the specs' order, as Settings shows them
            s = providers.provider_status(provider, conn, verified)
            color, word = _CHIP[s.state]
            st.markdown(f"**{providers.label(provider)}** :{color}-badge[{word}]  \n:gray[{s.text}]")
        from council.runs import setup

        done, total = setup.counts(setup.status(conn, verified))
        if done < total:
            st.page_link(GETTING_STARTED_PAGE, label=f"Setup: {done} of {total} steps", icon=":material/checklist:")
        else:
            st.markdown(":green-badge[Setup complete]")
        limited = quota_states()
        if limited:
            st.caption("Quotas (est.)")
            for q in limited:
                share = min(1.0, q.fraction or 0.0)
                st.progress(share, text=f"{providers.label(q.provider)}: {share:.0%} \u2014 {q.describe()}")


def prompt_set_work():
    """What a prompt-set run started from this page needs: this session's connection (its pasted tokens live
    only in the worker's memory, never in the store), retry caps, quota guard and response cache."""
    from council.runs import set_worker

    return set_worker.Work(connection(), retry_settings(), quota_guard(), response_cache())


def resume_prompt_set_runs() -> None:
    """The first page load after a restart resumes the prompt-set runs left unfinished (with the host's keys)."""
    from council.runs import set_worker

    try:
        set_worker.resume_unfinished()
    except library.STORE_ERRORS:  # the store banner says why; the runs wait for the next page load
        set_worker.forget_resumed()
