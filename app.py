"""AI Council Playground: the entry point. Draws navigation and the sidebar status; pages draw the rest."""

from __future__ import annotations

import streamlit as st

from council.redaction import install_log_redaction
from council.settings import load_env_file

st.set_page_config(page_title="AI Council Playground", page_icon=":material/forum:", layout="wide")
install_log_redaction()
load_env_file()

navigation = st.navigation(
    [
        st.Page("pages/playground.py", title="Playground", icon=":material/chat:", default=True),
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
    ]
)

from pages._widgets import sidebar_status  # noqa: E402  (after set_page_config)

sidebar_status()
navigation.run()
