"""Troubleshooting: every error the app can show, what it means and what to do."""

from __future__ import annotations

import streamlit as st

from council.facts.troubleshooting import BY_ID, ENTRIES
from council.runs import providers
from pages import widgets as W


def _show_in_simulator(scenario: str) -> None:
    from adapters.simulator import reset_loading

    W.state("simulator", {})["name"] = scenario
    W.redraw("sim_name")
    reset_loading()
    W.open_in_playground(providers.SIMULATOR, providers.spec_for(providers.SIMULATOR).default_model, "chat")
    st.session_state["trouble_go"] = W.PLAYGROUND_PAGE


W.require_app_navigation()
go = st.session_state.pop("trouble_go", None)
if go:
    st.switch_page(go)
st.title("Troubleshooting")
st.caption("Every error the app can show, in plain words: what happened and what to do. Each error panel in the app links here.")
wanted = st.query_params.get("entry")
if wanted in BY_ID:
    st.info(f"You came here from an error: \u201c{BY_ID[wanted].title}\u201d is opened below.", icon=":material/help:")
for entry in ENTRIES:
    with st.expander(f"{entry.title} \u2014 {entry.code}", expanded=entry.id == wanted, key=f"trouble_{entry.id}"):
        st.markdown(f"**What it means.** {entry.means}")
        st.markdown("**What to do.**\n" + "\n".join(f"{i}. {step}" for i, step in enumerate(entry.steps, 1)))
        if entry.id in ("auth", "credits", "quota_reached", "connection", "gone"):
            st.page_link(W.SETTINGS_PAGE, label="Open Settings", icon=":material/key:")
        if entry.id in ("not_found", "gated"):
            st.page_link(W.MODELS_PAGE, label="Open Models", icon=":material/category:")
        if entry.simulator:
            st.button(
                "See it in the QA simulator",
                key=f"btn_trouble_sim_{entry.id}",
                on_click=_show_in_simulator,
                args=(entry.simulator,),
                icon=":material/science:",
                help="Sets the simulator to this scenario and opens the Playground on it: ask anything to see the app handle it (no quota spent).",
            )
