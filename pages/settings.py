"""Settings: every token field lives here (the sidebar only shows status chips)."""

from __future__ import annotations

import streamlit as st

from adapters import local
from council import providers
from council.settings import TOKEN_ENV, mask, resolve_token
from council.turns import error_to_dict
from pages import _widgets as W

HF_TOKENS_URL = "https://huggingface.co/settings/tokens"


def _store_token(provider: str) -> None:
    """Token field → plain session key (survives page switches); forget the old verification."""
    value = (st.session_state.get(f"w_token_{provider}") or "").strip().strip("\"'")
    st.session_state[f"w_token_{provider}"] = ""  # the token does not linger in the page
    tokens = W.state("tokens", {})
    if value:
        tokens[provider] = value
    W.state("verified", {}).pop(provider, None)


def _forget_token(provider: str) -> None:
    W.state("tokens", {}).pop(provider, None)
    W.state("verified", {}).pop(provider, None)


def _verify(provider: str) -> None:
    conn = W.connection()
    choice = resolve_token(provider, conn.tokens, visitor_is_local=conn.visitor_is_local)

    async def check() -> str:
        adapter = providers.adapter_for(provider, conn)
        try:
            return await adapter.verify()
        finally:
            await adapter.aclose()

    verified = W.state("verified", {})
    try:
        message = W.run_async(check())
    except Exception as exc:
        error = providers.describe_error(exc)
        verified[provider] = {"ok": False, "message": error.title, "token": choice.masked, "error": error_to_dict(error)}
    else:
        verified[provider] = {"ok": True, "message": message, "token": choice.masked}


def token_section(provider: str, *, how_to: str) -> None:
    conn = W.connection()
    choice = resolve_token(provider, conn.tokens, visitor_is_local=conn.visitor_is_local)
    key = f"w_token_{provider}"
    if key not in st.session_state:  # never echo a stored token back into the field
        st.session_state[key] = ""
    st.text_input(
        f"{providers.label(provider)} token",
        key=key,
        type="password",
        on_change=_store_token,
        args=(provider,),
        placeholder="paste your token here" if choice.origin != "session" else "a token is pasted (paste another to replace it)",
        help="Kept in this browser session only, never written to disk or shown again. " + how_to,
    )
    env_names = " or ".join(TOKEN_ENV[provider])
    if choice.origin == "session":
        st.caption(f"Using the token you pasted: {mask(choice.value)}")
    elif choice.origin == "environment":
        st.caption(f"Using the token from the environment ({env_names}): {mask(choice.value)}")
    else:
        st.caption(f"No token yet. You can also set {env_names} in the environment or a .env file before starting the app.")
    buttons = st.container(horizontal=True)
    buttons.button(
        "Verify",
        key=f"btn_verify_{provider}",
        on_click=_verify,
        args=(provider,),
        disabled=choice.value is None,
        icon=":material/verified_user:",
        help="Ask the provider whose token this is.",
    )
    if choice.origin == "session":
        buttons.button(
            "Forget",
            key=f"btn_forget_{provider}",
            on_click=_forget_token,
            args=(provider,),
            icon=":material/delete:",
            help="Remove the pasted token from this session.",
        )
    check = W.state("verified", {}).get(provider)
    if check and check.get("token") == choice.masked:
        if check["ok"]:
            st.success(check["message"], icon=":material/check_circle:")
        else:
            W.error_panel(check["error"], key=f"verify_err_{provider}", settings_link=False)


st.title("Settings")
st.caption("Tokens stay in this browser session. Nothing here is saved to disk unless a setting says so.")

st.header("Hugging Face")
token_section(
    "huggingface",
    how_to=f"Get one at {HF_TOKENS_URL}: New token \u2192 role \u201cread\u201d \u2192 copy the hf_\u2026 value.",
)
with st.expander("How to get a Hugging Face token"):
    st.markdown(
        f"""
1. Sign up at [huggingface.co](https://huggingface.co/join) and verify your email address.
2. Open [Settings \u2192 Access Tokens]({HF_TOKENS_URL}) and click **New token**.
3. Give it a name (e.g. *AI Council*) and choose the role **read** \u2014 enough for inference.
4. Click **Generate token** and copy the value (it starts with `hf_`).
5. Paste it above and press **Verify**.

Free accounts get about **$0.10 of inference credits a month** (PRO: $2); when they run out, requests
answer \u201ccredits used up\u201d. Keep your token private.
"""
    )

st.header("Bundled model")
status = local.status()
if status.ready:
    st.success(
        f"{status.model_id} is {'loaded' if status.loaded else 'installed'} and answers offline, with no token.", icon=":material/memory:"
    )
    st.caption(f"File: {status.path}")
    if not status.loaded and st.button(
        "Load it now", key="btn_load_local", help="Loads the model into memory (under a second) so the first answer starts at once."
    ):
        _verify("local")
        st.rerun()
else:
    st.error(f"The bundled model is not available: {status.message}.", icon=":material/error:")
    st.caption(local.INSTALL_HINT)
check = W.state("verified", {}).get("local")
if check and not check.get("ok"):
    W.error_panel(check["error"], key="verify_err_local", settings_link=False)

st.header("Connections and retries")
with st.expander("Server addresses (advanced)"):
    st.caption("Leave empty to use the official addresses. A token is only sent over https, or to this computer.")
    urls = W.state("base_urls", {})
    for key, label, default in (
        ("huggingface", "Hugging Face router", "https://router.huggingface.co"),
        ("huggingface-hub", "Hugging Face Hub (token check)", "https://huggingface.co"),
    ):
        value = st.text_input(label, value=urls.get(key, ""), placeholder=default, key=f"url_{key}")
        if value.strip():
            urls[key] = value.strip()
        else:
            urls.pop(key, None)
cols = st.columns(4)
W.bound(
    cols[0].number_input,
    "Attempts per request",
    "retry_max_attempts",
    4,
    min_value=1,
    max_value=8,
    help="How many times a failing request is tried: more rides out short outages; fewer fails faster.",
)
W.bound(
    cols[1].number_input,
    "Longest total wait (s)",
    "retry_max_wait_s",
    60.0,
    min_value=0.0,
    max_value=600.0,
    step=10.0,
    help="The most the app waits between retries in all: higher waits out a warming model; lower gives up (or falls back) sooner.",
)
W.bound(
    cols[2].number_input,
    "Connect timeout (s)",
    "connect_timeout_s",
    10.0,
    min_value=1.0,
    max_value=120.0,
    step=1.0,
    help="How long to wait for a server to accept the connection: higher copes with slow networks; lower notices a dead server sooner.",
)
W.bound(
    cols[3].number_input,
    "Read timeout (s)",
    "read_timeout_s",
    120.0,
    min_value=5.0,
    max_value=900.0,
    step=5.0,
    help="The longest silence allowed while an answer arrives: higher tolerates slow models; lower notices a stalled stream sooner.",
)
