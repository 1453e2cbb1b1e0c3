"""Troubleshooting: every error the app can show, what it means and what to do."""

from __future__ import annotations

import streamlit as st

from council.troubleshooting import BY_ID, ENTRIES
from pages import _widgets as W

W.require_app_navigation()
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
