"""AI Council Playground: the entry point. Draws navigation and the sidebar status; pages draw the rest."""

from __future__ import annotations

import logging

import streamlit as st

from council import library
from council.redaction import install_log_redaction
from council.settings import load_env_file

st.set_page_config(page_title="AI Council Playground", page_icon=":material/forum:", layout="wide")
install_log_redaction()
load_env_file()

from pages.widgets import signin  # noqa: E402  (after set_page_config)

must_sign_in = signin.signin_needed()  # a shared deployment: nobody sees a page before signing in
navigation = st.navigation(
    [
        st.Page("pages/playground.py", title="Playground", icon=":material/chat:", default=True),
        st.Page("pages/compare.py", title="Compare", icon=":material/view_column:"),
        st.Page("pages/council.py", title="Council", icon=":material/groups:"),
        st.Page("pages/prompt_sets.py", title="Prompt sets", icon=":material/checklist_rtl:"),
        st.Page("pages/models.py", title="Models", icon=":material/category:"),
        st.Page("pages/history.py", title="History", icon=":material/history:"),
        st.Page("pages/usage.py", title="Usage & quota", icon=":material/monitoring:"),
        st.Page("pages/costs.py", title="Costs", icon=":material/payments:"),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
        st.Page("pages/getting_started.py", title="Getting started", icon=":material/checklist:"),
        st.Page("pages/troubleshooting.py", title="Troubleshooting", icon=":material/help:"),
    ],
    position="hidden" if must_sign_in else "sidebar",
)
if must_sign_in:
    signin.sign_in_page()
    st.stop()

from pages.widgets import load_settings, resume_prompt_set_runs, save_settings, sidebar_status  # noqa: E402  (after set_page_config)

load_settings()  # what this person set last time (once per browser session)
resume_prompt_set_runs()  # the first page load after a restart: unfinished prompt-set runs go on
signin.signed_in_badge()
sidebar_status()
signin.store_banner()  # a store that cannot be used is said once, on every page; answers still work
try:
    navigation.run()
except library.STORE_ERRORS as exc:  # the store went away while the page read it: the banner above says what to do
    logging.getLogger("council.app").warning("a page could not read the store: %s", type(exc).__name__)
    st.info(
        "This page needs the app's storage, which cannot be used right now (see above). Answers still work: the "
        "Playground, Compare and the Council answer; what they would keep is not saved until the store is back.",
        icon=":material/database:",
    )
except Exception:  # a bug of ours, not the user's: say so plainly, keep the details in the log
    logging.getLogger("council.app").exception("a page failed")
    st.error(
        "Something went wrong inside the app itself (not with your model or token). Reload the page to "
        "try again; the details are in the app's log for the developers.",
        icon=":material/bug_report:",
    )
finally:
    save_settings()  # a setting that changed in this run is kept for next time (also when the page reran or was stopped)
