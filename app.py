"""AI Council Playground: the entry point. Draws navigation and the sidebar status; pages draw the rest."""

from __future__ import annotations

import logging

import streamlit as st

from council.redaction import install_log_redaction
from council.settings import load_env_file

st.set_page_config(page_title="AI Council Playground", page_icon=":material/forum:", layout="wide")
install_log_redaction()
load_env_file()

navigation = st.navigation(
    [
        st.Page("pages/playground.py", title="Playground", icon=":material/chat:", default=True),
        st.Page("pages/compare.py", title="Compare", icon=":material/view_column:"),
        st.Page("pages/council.py", title="Council", icon=":material/groups:"),
        st.Page("pages/models.py", title="Models", icon=":material/category:"),
        st.Page("pages/history.py", title="History", icon=":material/history:"),
        st.Page("pages/usage.py", title="Usage & quota", icon=":material/monitoring:"),
        st.Page("pages/costs.py", title="Costs", icon=":material/payments:"),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
        st.Page("pages/getting_started.py", title="Getting started", icon=":material/checklist:"),
        st.Page("pages/troubleshooting.py", title="Troubleshooting", icon=":material/help:"),
    ]
)

from pages.widgets import load_settings, save_settings, sidebar_status  # noqa: E402  (after set_page_config)

load_settings()  # what this person set last time (once per browser session)
sidebar_status()
try:
    navigation.run()
except Exception:  # a bug of ours, not the user's: say so plainly, keep the details in the log
    logging.getLogger("council.app").exception("a page failed")
    st.error(
        "Something went wrong inside the app itself (not with your model or token). Reload the page to "
        "try again; the details are in the app's log for the developers.",
        icon=":material/bug_report:",
    )
finally:
    save_settings()  # a setting that changed in this run is kept for next time (also when the page reran or was stopped)
