"""Settings: every token field and server address lives here (the sidebar only shows status chips)."""

from __future__ import annotations

import streamlit as st

from council import access, library
from council.facts import quotas
from council.runs import providers
from council.setting_specs import HOST_SETTINGS, QUOTA_FIELDS
from council.settings import (
    DEFAULT_FALLBACK_ORDER,
    TOKEN_ENV,
    can_save_to_env,
    data_dir,
    mask,
    save_token_to_env,
    token_problem,
)
from pages import widgets as W

SPECS = providers.real_providers()
# address key → (the provider whose token may travel there, its field)
URL_FIELDS = {f.key: (s.id, f) for s in SPECS for f in ((s.address,) if s.address else ()) + s.advanced_addresses}


# ---- callbacks (run before the page is drawn) ----------------------------------------------


def _forget_check(provider: str) -> None:
    W.state("verified", {}).pop(provider, None)
    W.state("live_models", {}).pop(provider, None)


def _store_token(provider: str) -> None:
    """Token field → plain session key (survives page switches); the field is emptied at once."""
    value = (W.widget_value(f"token_{provider}") or "").strip().strip("\"'")
    W.set_widget(f"token_{provider}", "")  # the token does not linger in the page
    problems = W.state("token_problems", {})
    problems.pop(provider, None)
    problem = token_problem(value) if value else None
    if problem:  # mis-copied: say so now rather than at the first request
        problems[provider] = problem
    elif value:
        W.state("tokens", {})[provider] = value
        _forget_check(provider)


def _forget_token(provider: str) -> None:
    W.state("tokens", {}).pop(provider, None)
    _forget_check(provider)


def _store_url(key: str) -> None:
    """Address field → plain session key, once it is safe for the token that may travel there."""
    provider = URL_FIELDS[key][0]
    value = (W.widget_value(f"url_{key}") or "").strip()
    urls, problems = W.state("base_urls", {}), W.state("url_problems", {})
    problems.pop(key, None)
    if not value:
        urls.pop(key, None)
    else:
        has_token = provider in TOKEN_ENV or bool(W.state("tokens", {}).get(provider))
        problem = providers.check_url(provider, value, has_token=has_token)
        if problem:
            problems[key] = problem
            urls.pop(key, None)
        else:
            urls[key] = value
    _forget_check(provider)


def _verify(provider: str) -> None:
    W.verify_provider(provider)


def _save_env(provider: str) -> None:
    conn = W.connection()
    token = conn.tokens.get(provider)
    if token and can_save_to_env(visitor_is_local=conn.visitor_is_local, signed_in=conn.signed_in):
        path = save_token_to_env(provider, token)
        st.session_state[f"saved_env_{provider}"] = str(path)
    st.session_state.pop(f"confirm_env_{provider}", None)


def _store_quota(provider: str) -> None:
    W.state("quotas", {})[provider] = {
        field: W.widget_value(f"quota_{provider}_{field}") or None for field in ("requests_per_day", "usd_per_month")
    }


def _forget_setting(key: str) -> None:
    st.session_state.pop(key, None)
    W.redraw(key)  # its widget shows the new value at the next draw


def _reset_settings() -> None:
    try:
        library.reset_settings(W.person_id())
    except library.StorageError as exc:
        st.toast(str(exc), icon=":material/warning:")
        return
    for key in library.SETTING_KEYS:
        _forget_setting(key)
    st.session_state["settings_notes"] = []
    st.session_state["_settings_saved"] = {}
    st.toast("Every setting is back to its default.", icon=":material/restart_alt:")


def _import_settings() -> None:
    upload = W.widget_value("settings_import")
    if upload is None:
        return
    values, problems = library.parse_settings(upload.getvalue().decode("utf-8", errors="replace"))
    for key, value in values.items():
        _forget_setting(key)
        st.session_state[key] = value
    st.session_state["settings_imported"] = (len(values), problems)


def _delete_all() -> None:
    try:
        st.session_state["deleted_files"] = library.delete_my_data(W.person_id()) if _data_is_shared() else library.delete_all_data()
    except library.StorageError as exc:
        st.toast(str(exc), icon=":material/warning:")
        return
    st.session_state.pop("confirm_delete_all", None)
    st.session_state["pg_history"] = []
    st.session_state.pop("pg_run_id", None)


def _data_is_shared() -> bool:
    """Is this person's data among other people's (signed in, or a shared database)? Then "delete" means theirs only."""
    return W.signed_in() or library.store_is_shared()


def _store_cap(key: str) -> None:
    values = dict(library.load_caps()[0])
    values[key] = W.widget_value(key) or 0
    if key == USAGE_VISIBLE:
        values[key] = bool(values[key])
    try:
        library.save_caps(values)
    except library.StorageError as exc:
        st.toast(f"The setting was not saved. {exc}", icon=":material/warning:")
        return
    if key != USAGE_VISIBLE:
        said = "Saved: the cap applies to every request from now on."
    elif values[key]:
        said = "Saved: everyone now sees everyone's usage."
    else:
        said = "Saved: each person now sees only their own usage (the host and admins see everyone's)."
    st.toast(said, icon=":material/shield:")


USAGE_VISIBLE = "usage_everyone_visible"


def _store_fallbacks() -> None:
    st.session_state["fallback_order"] = list(W.widget_value("fallback_order") or [])


# ---- sections ------------------------------------------------------------------------------


def verify_button(provider: str, help_text: str, where=st) -> None:
    where.button(
        "Verify",
        key=f"btn_verify_{provider}",
        on_click=_verify,
        args=(provider,),
        disabled=not providers.is_configured(provider, W.connection()),
        icon=":material/verified_user:",
        help=help_text,
    )


def verify_result(provider: str) -> None:
    check = W.state("verified", {}).get(provider)
    if check and check.get("token") == providers.setting_fingerprint(provider, W.connection()):
        if check["ok"]:
            st.success(check["message"], icon=":material/check_circle:")
        else:
            W.error_panel(check["error"], key=f"verify_err_{provider}", settings_link=False)


def save_to_env(provider: str) -> None:
    """Only on request, with a warning, and never for a remote visitor or in a shared deployment."""
    conn = W.connection()
    if not can_save_to_env(visitor_is_local=conn.visitor_is_local, signed_in=conn.signed_in):
        st.caption(
            "Saving to .env is off: this app is shared (you signed in)."
            if conn.signed_in
            else "Saving to .env is off: this app is being used from another computer."
        )
        return
    saved = st.session_state.get(f"saved_env_{provider}")
    if saved:
        st.caption(f"Saved as {TOKEN_ENV[provider][0]} in {saved}; it is read again when the app starts.")
    if not st.session_state.get(f"confirm_env_{provider}"):
        st.button(
            "Save to .env\u2026",
            key=f"btn_env_{provider}",
            on_click=lambda: st.session_state.__setitem__(f"confirm_env_{provider}", True),
            help="Keep this token for next time, in a .env file beside the app.",
        )
        return
    with st.container(border=True):
        st.warning(
            f"The file .env will hold your token in plain text, as {TOKEN_ENV[provider][0]}. Anyone who can read "
            "that file can use your token and spend your credits. Never commit .env to git or share it.",
            icon=":material/warning:",
        )
        row = st.container(horizontal=True)
        row.button("Yes, save it", key=f"btn_env_yes_{provider}", type="primary", on_click=_save_env, args=(provider,))
        row.button("Cancel", key=f"btn_env_no_{provider}", on_click=lambda: st.session_state.pop(f"confirm_env_{provider}", None))


def _store_simulator(field: str) -> None:
    W.state("simulator", {})[field] = W.widget_value(f"sim_{field}")
    if field == "name" or field == "loading_s":
        from adapters.simulator import reset_loading

        reset_loading()  # a new scenario starts cold


def simulator_section() -> None:
    """The QA simulator's scenario: pick it here, then pick “QA simulator” as the provider anywhere."""
    from adapters.simulator import KNOBS, SCENARIOS

    st.caption(
        "An in-process provider for QA: pick a scenario, then choose “QA simulator” as the provider in the Playground, "
        "Compare or the Council. It raises exactly the errors a real provider's answer would, so every message, countdown "
        "and fallback of the app can be seen without spending quota. It is never counted in Usage or quotas."
    )
    sim = W.state("simulator", {})
    defaults = {"name": "ok"} | {k.name: k.default for k in KNOBS.values()}
    for field, value in defaults.items():
        W.seed_widget(f"sim_{field}", sim.get(field, value))
    st.selectbox(
        "Scenario",
        options=list(SCENARIOS),
        format_func=lambda n: f"{n}: {SCENARIOS[n]}",
        key=W.widget_key("sim_name"),
        on_change=_store_simulator,
        args=("name",),
        help="What the simulator does with every request until you change it.",
    )
    for col, knob in zip(st.columns(len(KNOBS)), KNOBS.values(), strict=True):
        col.number_input(
            knob.label,
            min_value=knob.low,
            max_value=knob.high,
            step=knob.step,
            key=W.widget_key(f"sim_{knob.name}"),
            on_change=_store_simulator,
            args=(knob.name,),
            help=knob.help,
        )
    st.page_link(W.TROUBLESHOOTING_PAGE, label="What each error means (Troubleshooting)", icon=":material/help:")


def token_section(provider: str) -> None:
    conn = W.connection()
    choice = providers.token_choice(provider, conn)
    W.seed_widget(f"token_{provider}", "")  # never echo a stored token back into the field
    spec = providers.spec_for(provider)
    optional = " (optional)" if spec.token_optional else ""
    st.text_input(
        f"{providers.label(provider)} token{optional}",
        key=W.widget_key(f"token_{provider}"),
        type="password",
        on_change=_store_token,
        args=(provider,),
        placeholder="paste your token here" if choice.origin != "session" else "a token is pasted (paste another to replace it)",
        help="Kept in this browser session only, never shown again. " + spec.keys_from,
    )
    env_names = " or ".join(TOKEN_ENV.get(provider, ()))
    problem = W.state("token_problems", {}).get(provider)
    if problem:
        st.error(f"Not saved. {problem}", icon=":material/key_off:")
    if choice.origin == "session":
        st.caption(f"Using the token you pasted: {mask(choice.value)}")
    elif choice.origin == "environment":
        st.caption(f"Using the token from the environment ({env_names}): {mask(choice.value)}")
    elif env_names:
        st.caption(f"No token yet. You can also set {env_names} in the environment or a .env file before starting the app.")
    buttons = st.container(horizontal=True)
    verify_button(provider, spec.verify_help, buttons)
    if choice.origin == "session":
        buttons.button(
            "Forget",
            key=f"btn_forget_{provider}",
            on_click=_forget_token,
            args=(provider,),
            icon=":material/delete:",
            help="Remove the pasted token from this session.",
        )
    verify_result(provider)
    if choice.origin == "session" and provider in TOKEN_ENV:
        save_to_env(provider)


def url_field(key: str) -> None:
    provider, field = URL_FIELDS[key]
    W.seed_widget(f"url_{key}", W.state("base_urls", {}).get(key, ""))
    st.text_input(
        field.label, key=W.widget_key(f"url_{key}"), on_change=_store_url, args=(key,), placeholder=field.placeholder, help=field.help
    )
    problem = W.state("url_problems", {}).get(key)
    if problem:
        st.error(problem, icon=":material/link_off:")
    elif key in providers.URL_PROVIDERS and not providers.explicit_base_url(provider, W.connection()):
        st.caption("Not set: this provider is off. Enter its address to turn it on.")


def bundled_section() -> None:
    status = providers.bundled_status()
    if status.ready:
        st.success(
            f"{status.model_id} is {'loaded' if status.loaded else 'installed'} and answers offline, with no token.",
            icon=":material/memory:",
        )
        st.caption(f"File: {status.path}")
        if not status.loaded and st.button(
            "Load it now", key="btn_load_local", help="Loads the model into memory (under a second) so the first answer starts at once."
        ):
            _verify(providers.BUNDLED)
            st.rerun()
    else:
        st.error(f"The bundled model is not available: {status.message}.", icon=":material/error:")
        st.caption(providers.BUNDLED_INSTALL_HINT)
    check = W.state("verified", {}).get(providers.BUNDLED)
    if check and not check.get("ok"):
        W.error_panel(check["error"], key=f"verify_err_{providers.BUNDLED}", settings_link=False)


def provider_section(spec) -> None:
    """One provider's tab, drawn from its spec: its address (if it is configured by one), its token, the steps."""
    if spec.address is not None:
        url_field(spec.address.key)
    if spec.has_token:
        token_section(spec.id)
        if spec.key_steps:
            with st.expander(f"How to get a {spec.label} token"):
                st.markdown(spec.key_steps)
    else:
        verify_button(spec.id, spec.verify_help)
        verify_result(spec.id)


def provider_tabs() -> None:
    """One tab per provider (its address, token and steps), the bundled model's, and the QA simulator's."""
    tab_specs = [s for s in providers.specs() if not s.bundled and not s.simulator] + [providers.spec_for(providers.BUNDLED)]
    tabs = st.tabs([s.tab for s in tab_specs] + [providers.spec_for(providers.SIMULATOR).tab])
    for tab, tab_spec in zip(tabs, tab_specs, strict=False):
        with tab:
            bundled_section() if tab_spec.bundled else provider_section(tab_spec)
    with tabs[-1]:
        simulator_section()


def fallback_section() -> None:
    st.header("Fallback order")
    order = W.state("fallback_order", list(DEFAULT_FALLBACK_ORDER))
    W.seed_widget("fallback_order", list(order))
    st.multiselect(
        "When a model fails, try these providers next, in this order",
        options=providers.available_providers(),
        key=W.widget_key("fallback_order"),
        on_change=_store_fallbacks,
        format_func=providers.label,
        help="Used when \u201cFall back\u201d is on in the Playground. Each provider answers with its default model; "
        "unconfigured providers are skipped. More providers: more chances of an answer; fewer: failures show as they are.",
    )


def quotas_section() -> None:
    st.header("Quotas")
    st.caption(
        "Free tiers change often, so these are estimates you can edit (0 means no limit). The app counts your own "
        "requests and spending; where a provider reports its own remaining count, that is shown too. At 80% you "
        "get a warning; at 100% requests are refused before they are sent."
    )
    for provider, default in quotas.DEFAULTS.items():
        current = quotas.effective(provider, W.state("quotas", {}))
        with st.container(border=True):
            st.markdown(f"**{providers.label(provider)}**")
            limits = {"requests_per_day": current.requests_per_day or 0, "usd_per_month": current.usd_per_month or 0.0}
            for col, (field, value) in zip(st.columns(2), limits.items(), strict=True):
                spec = QUOTA_FIELDS[field]
                kind = int if spec.whole else float
                W.seed_widget(f"quota_{provider}_{field}", kind(value))
                col.number_input(
                    spec.label,
                    key=W.widget_key(f"quota_{provider}_{field}"),
                    min_value=kind(spec.low),
                    max_value=kind(spec.high),
                    step=kind(spec.step),
                    format="%d" if spec.whole else "%.2f",
                    on_change=_store_quota,
                    args=(provider,),
                    help=spec.help,
                )
            st.caption(f"Default: {default.source} (as of {default.as_of}). {default.note}".strip())


def sharing_section() -> None:
    """Who is signed in, whether the host's keys are shared, and the caps on them (the host may edit them)."""
    st.header("Sharing and caps")
    conn = W.connection()
    who = W.person()
    note = access.shared_keys_note(visitor_is_local=conn.visitor_is_local, signed_in=W.signed_in(), oidc_configured=W.oidc_configured())
    if who.method != "local":
        how = "a sign-in provider" if who.method == "oidc" else "the passcode (your name is taken as you typed it)"
        st.caption(f"Signed in as **{who.label}**, with {how}. Your usage, History, votes and settings are kept under your sign-in.")
    elif not note:
        st.caption(
            "Nobody signs in: the app is used from this computer. To share it with a team, see the README's "
            "“Serving it to a team”: sign-in, a shared database, and the caps below."
        )
    if note:
        st.info(note, icon=":material/key_off:")
    st.caption(
        "Caps protect the host's own keys when several people use them (a pasted token and the bundled model are never "
        "capped). Checked before each request, from the usage ledger; 0 means no cap."
    )
    saved, problems = library.load_caps()
    limits = W.host_caps(saved)
    admin = access.is_admin(who, visitor_is_local=conn.visitor_is_local)
    values = {
        "cap_requests_per_day": limits.requests_per_day or 0,
        "cap_usd_per_month": limits.usd_per_month or 0.0,
        "cap_host_usd_per_month": limits.host_usd_per_month or 0.0,
    }
    only_host = "" if admin else " Only the host can change it."
    for col, (key, value) in zip(st.columns(len(values)), values.items(), strict=True):
        spec = HOST_SETTINGS[key]
        kind = int if spec.whole else float
        W.seed_widget(key, kind(value))
        col.number_input(
            spec.label,
            key=W.widget_key(key),
            min_value=kind(spec.low),
            max_value=kind(spec.high),
            step=kind(spec.step),
            format="%d" if spec.whole else "%.2f",
            disabled=not admin,
            on_change=_store_cap,
            args=(key,),
            help=spec.help + only_host,
        )
    visible = HOST_SETTINGS[USAGE_VISIBLE]
    W.seed_widget(USAGE_VISIBLE, bool(saved.get(USAGE_VISIBLE, visible.default)))
    st.toggle(
        visible.label,
        key=W.widget_key(USAGE_VISIBLE),
        disabled=not admin,
        on_change=_store_cap,
        args=(USAGE_VISIBLE,),
        help=visible.help + only_host,
    )
    for problem in problems:
        st.warning(f"The saved caps: {problem}", icon=":material/warning:")
    if not admin:
        st.caption(f"Set by the host ({access.ADMINS_ENV} lists who may change them).")
    if limits.any:
        try:
            standing = W.cap_state()
        except library.STORE_ERRORS:
            standing = None
        if standing is not None:
            st.caption(f"You now: {standing.describe()} (on the host's keys, est.).")
    elif not saved:
        st.caption("No caps are set.")


def cache_section() -> None:
    st.header("Response cache")
    st.caption(
        "The same question with deterministic settings (temperature 0, sampling off, or a fixed seed) gets the same answer, "
        "so the app can keep it and answer from disk next time instead of spending quota. Answers from the cache say so; "
        "Usage counts them apart, as quota saved."
    )
    cache_cols = st.columns([1, 1, 2], vertical_alignment="bottom")
    W.setting_input(cache_cols[0], "cache_enabled")
    W.setting_input(cache_cols[1], "cache_limit_mb")
    try:
        cache = W.response_cache() if library.answer_cache_exists() else None  # (looking creates no file)
        kept_now = cache.stats() if cache is not None else None
    except library.STORE_ERRORS:
        cache = kept_now = None  # the store banner says why
    if cache is not None and kept_now is not None:
        kept, size = kept_now
        with cache_cols[2].container(horizontal=True, vertical_alignment="center"):
            st.caption(f"{kept} answer(s) kept, {size / 1024:.0f} KB")
            st.button(
                "Clear the cache", key="btn_cache_clear", on_click=cache.clear, icon=":material/cleaning_services:", disabled=not kept
            )


def data_section() -> None:
    st.header("Your data")
    shared_data = _data_is_shared()
    files = [] if shared_data else library.data_files()
    if shared_data:
        st.caption(
            f"Kept in {library.store_where()}: your History, your votes and your settings, under your sign-in; the usage "
            "ledger (what was asked of which provider, never the text) is the host's record of what its keys spent. Tokens are "
            "never stored."
        )
    else:
        st.caption(
            "Kept on this computer in " + str(data_dir()) + ": the usage ledger (what was asked of which provider, "
            "never the text), the History of your conversations, models you added and your settings. Tokens are never stored there."
        )
    if not st.session_state.get("confirm_delete_all"):
        st.button(
            "Delete all my data\u2026",
            key="btn_delete_all",
            disabled=not files and not shared_data,
            on_click=lambda: st.session_state.__setitem__("confirm_delete_all", True),
            icon=":material/delete_forever:",
        )
    else:
        with st.container(border=True):
            st.warning(
                "This deletes your History, your votes and your settings for good (the host's usage ledger stays)."
                if shared_data
                else f"This deletes {len(files)} file(s) for good: "
                + ", ".join(f.name for f in files)
                + ". Usage charts and History start empty.",
                icon=":material/warning:",
            )
            row = st.container(horizontal=True)
            row.button("Yes, delete everything", key="btn_delete_all_yes", type="primary", on_click=_delete_all)
            row.button("Cancel", key="btn_delete_all_no", on_click=lambda: st.session_state.pop("confirm_delete_all", None))
    done = st.session_state.get("deleted_files")
    if done is not None:
        what = ", ".join(done) if shared_data else f"{len(done)} file(s)"
        st.success(f"Deleted {what}. The app keeps running and starts afresh.", icon=":material/check_circle:")


def connections_section() -> None:
    st.header("Connections and retries")
    for advanced in (s for s in SPECS if s.advanced_addresses):
        with st.expander(f"{advanced.label} server addresses (advanced)"):
            st.caption("Leave empty to use the official addresses. A token is only sent over https, or to this computer.")
            for address in advanced.advanced_addresses:
                url_field(address.key)
    for col, key in zip(st.columns(4), ("retry_max_attempts", "retry_max_wait_s", "connect_timeout_s", "read_timeout_s"), strict=True):
        W.setting_input(col, key)


def kept_section() -> None:
    st.header("Kept for your next visit")
    notes = st.session_state.get("settings_notes") or []
    st.caption(
        f"Everything on this page but tokens, the Playground's parameters and Blind mode's default are saved as soon as they "
        f"change, in {library.settings_where(W.person_id())}, and come back at every visit. Tokens are never saved there."
    )
    for note in notes:
        st.warning(f"Your saved settings: {note}", icon=":material/warning:")
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.button(
            "Reset to defaults",
            key="btn_settings_reset",
            on_click=_reset_settings,
            icon=":material/restart_alt:",
            help="Every setting on this page back to the app's default (tokens stay as they are).",
        )
        st.download_button(
            "Export settings",
            data=library.settings_text(W.current_settings()),
            file_name="ai-council-settings.toml",
            mime="application/toml",
            key="btn_settings_export",
            icon=":material/download:",
            help="A readable file with your settings (never a token), to keep or to use on another computer.",
        )
    st.file_uploader(
        "Import settings",
        type=["toml"],
        key=W.widget_key("settings_import"),
        on_change=_import_settings,
        help="A file exported from this app. Good entries replace yours; any entry that is not is named and left out.",
    )
    imported = st.session_state.pop("settings_imported", None)
    if imported is not None:
        count, problems = imported
        st.success(f"Imported {count} setting(s).", icon=":material/upload:")
        for problem in problems:
            st.warning(f"Not imported: {problem}", icon=":material/warning:")


# ---- the page ----------------------------------------------------------------------------

W.require_app_navigation()
st.title("Settings")
st.caption(
    "Tokens stay in this browser session: nothing holding a token is saved to disk unless you ask for it. "
    "The rest of this page is kept for your next visit (see the bottom of the page)."
)
provider_tabs()
fallback_section()
quotas_section()
sharing_section()
cache_section()
data_section()
connections_section()
kept_section()
