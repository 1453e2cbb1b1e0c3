"""Getting started: a setup checklist with live checks, each step skippable, a Do-it button where
one makes sense. Not a gate: the Playground works without any of it."""

from __future__ import annotations

import streamlit as st

from council.facts import quotas
from council.runs import providers, setup
from pages import widgets as W

STARTER = providers.spec_for(providers.STARTER)  # the provider a newcomer is walked through
BUNDLED = providers.spec_for(providers.BUNDLED)
STATE_BADGE = {"done": ":green-badge[Done]", "skipped": ":gray-badge[Skipped]", "open": ":orange-badge[To do]"}


def _skip(step: str) -> None:
    setup.mark(step, "skipped")


def _reopen(step: str) -> None:
    setup.mark(step, "open")


def _try(step: str, provider: str, model: str) -> None:
    try:
        answer = W.run_async(setup.try_model(provider, model, W.connection()))
    except Exception as exc:
        from council.runs.turns import error_to_dict

        st.session_state[f"setup_result_{step}"] = {"error": error_to_dict(providers.as_provider_error(exc))}
        return
    setup.mark(step, "done")
    st.session_state[f"setup_result_{step}"] = {"answer": answer}


def _verify_starter() -> None:
    outcome = W.verify_provider(STARTER.id)
    if outcome.get("ok"):
        setup.mark("verified", "done")


def step_box(step: setup.Step, state: str, body) -> None:
    with st.container(border=True, key=f"setup_step_{step.id}"):
        head = st.container(horizontal=True, vertical_alignment="center")
        head.markdown(f"**{step.title}**" + (" (optional)" if step.optional else "") + f" {STATE_BADGE[state]}")
        if state == "open":
            head.button(
                "Skip",
                key=f"btn_setup_skip_{step.id}",
                on_click=_skip,
                args=(step.id,),
                help="Mark it as not needed; you can come back to it.",
            )
        elif state == "skipped":
            head.button("Undo skip", key=f"btn_setup_reopen_{step.id}", on_click=_reopen, args=(step.id,))
        body(state)
        result = st.session_state.get(f"setup_result_{step.id}")
        if result and "answer" in result:
            st.success(f"It answered: \u201c{result['answer']}\u201d", icon=":material/check:")
        elif result and "error" in result:
            W.error_panel(result["error"], key=f"setup_err_{step.id}")


def bundled(state: str) -> None:
    st.caption("A small model ships with the app and runs on this computer: no token, no network. One click asks it a one-line question.")
    st.button(
        "Ask the bundled model",
        key="btn_setup_do_bundled",
        on_click=_try,
        args=("bundled", BUNDLED.id, BUNDLED.default_model),
        icon=":material/play_arrow:",
        type="primary" if state == "open" else "secondary",
    )


def token(state: str) -> None:
    st.markdown(f"A token lets the app use bigger models through {STARTER.label}.\n" + STARTER.key_steps)
    allowance = quotas.DEFAULTS.get(STARTER.id)
    if allowance is not None and allowance.source:
        st.caption(f"Free allowance: {allowance.source} (as of {allowance.as_of}).")
    if state == "done":
        st.caption(f"A {STARTER.label} token is set.")


def verified(state: str) -> None:
    st.caption(f"Paste the token in Settings \u2192 {STARTER.tab}, then press Verify: the app asks {STARTER.label} whom it belongs to.")
    with st.container(horizontal=True):
        st.page_link(W.SETTINGS_PAGE, label="Open Settings", icon=":material/key:")
        if providers.is_configured(STARTER.id, W.connection()):
            st.button("Verify now", key="btn_setup_do_verified", on_click=_verify_starter, icon=":material/verified:")
    check = W.state("verified", {}).get(STARTER.id)
    if check and check.get("ok"):
        st.caption(check["message"])
    elif check and check.get("error"):
        W.error_panel(check["error"], key="setup_err_verify")


def saved(state: str) -> None:
    st.caption(
        f"Pasted tokens last for this browser session. To keep yours for next time, Settings can save it to a file named "
        f".env next to the app, as {STARTER.token_env[0]}. The risk: anyone who can read that file, or a copy of this "
        "folder, can use your token \u2014 never share or commit .env. Skip this on a shared computer."
    )
    st.page_link(W.SETTINGS_PAGE, label="Save it in Settings", icon=":material/save:")


def router(state: str) -> None:
    model = providers.default_model(STARTER.id, W.live_ids().get(STARTER.id)) or STARTER.default_model
    st.caption(f"One short question to {model} checks token, network and credits together.")
    st.button(
        f"Ask {model}",
        key="btn_setup_do_router",
        on_click=_try,
        args=("router", STARTER.id, model),
        icon=":material/play_arrow:",
        disabled=not providers.is_configured(STARTER.id, W.connection()),
        help=f"Needs a {STARTER.label} token (the steps above).",
    )


def others(state: str) -> None:
    conn = W.connection()
    checks = W.state("verified", {})
    lines = []
    for provider in providers.available_providers():
        if provider in (BUNDLED.id, STARTER.id, providers.SIMULATOR):
            continue
        s = providers.provider_status(provider, conn, checks)
        lines.append(f"- **{providers.label(provider)}**: {s.text}")
    others = [s for s in providers.real_providers() if s.id not in (BUNDLED.id, STARTER.id)]
    keyed = ", ".join(s.label for s in others if s.token_required)
    addressed = ", ".join(s.label for s in others if s.configured_by_address)
    st.markdown(f"{keyed} need a key; {addressed} need an address. All optional.\n" + "\n".join(lines))
    st.page_link(W.SETTINGS_PAGE, label="Set them up in Settings", icon=":material/settings:")


def first_compare(state: str) -> None:
    st.caption("Ask two or more models the same question and see them answer side by side (two slots on the bundled model work offline).")
    st.page_link(W.COMPARE_PAGE, label="Open Compare", icon=":material/view_column:")


def first_council(state: str) -> None:
    st.caption("Several models answer, review each other anonymously, and a chairman writes the final answer (works offline too).")
    st.page_link(W.COUNCIL_PAGE, label="Open Council", icon=":material/groups:")


BODIES = {
    "bundled": bundled,
    "token": token,
    "verified": verified,
    "saved": saved,
    "router": router,
    "others": others,
    "compare": first_compare,
    "council": first_council,
}

W.require_app_navigation()
st.title("Getting started")
st.caption(
    "From nothing to a verified token, a first answer, a first comparison and a first council. Skip anything you do not need; your progress is kept on this computer (never your token)."
)
states = setup.status(W.connection(), W.state("verified", {}))
finished, total = setup.counts(states)
st.progress(finished / total, text=f"{finished} of {total} steps done or skipped")
for step in setup.STEPS:
    step_box(step, states[step.id], BODIES[step.id])
