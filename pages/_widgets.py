"""Widgets that several pages draw, built once: bound inputs, the model picker, the parameter
panel, the answer card, the error panel, the countdown, and the sidebar status chips.

Widget values are mirrored (via ``on_change``) into plain session keys, so they survive page
switches: a keyed widget loses its state when its page is not drawn.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import streamlit as st

from adapters import GenerationParams
from council import library
from council.facts import availability, quotas, troubleshooting
from council.facts import params as P
from council.facts.registry import InvalidModelIdError, ModelEntry, models_for, validate_model_id
from council.runs import providers
from council.safe_markdown import safe_markdown
from council.settings import DEFAULT_FALLBACK_ORDER, RetrySettings, Timeouts

T = TypeVar("T")

SETTINGS_PAGE = "pages/settings.py"
PLAYGROUND_PAGE = "pages/playground.py"
COMPARE_PAGE = "pages/compare.py"
COUNCIL_PAGE = "pages/council.py"
MODELS_PAGE = "pages/models.py"
TROUBLESHOOTING_PAGE = "pages/troubleshooting.py"
GETTING_STARTED_PAGE = "pages/getting_started.py"
DASH = "\u2014"
CUSTOM = "\u270f\ufe0f Custom model id\u2026"


# ---- navigation ------------------------------------------------------------------------------


def require_app_navigation() -> None:
    """Call first in every page file.

    Streamlit treats a folder named ``pages/`` as old-style automatic pages until ``st.navigation``
    has run once in the process. So when the very first request is a deep link (``/settings``),
    the page file would run alone: no sidebar status, no layout, and every file of the folder
    listed as a page. Here the page hands over to ``app.py`` (a rerun of the same URL), whose
    ``st.navigation`` then picks this page properly.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


# ---- session state ---------------------------------------------------------------------------


def state(key: str, default: Any) -> Any:
    """A plain (non-widget) session value, created with ``default`` on first use."""
    if key not in st.session_state:
        st.session_state[key] = default
    return st.session_state[key]


def bound(widget: Callable[..., T], label: str, key: str, default: Any, **kwargs: Any) -> T:
    """Draw ``widget`` whose value lives in the plain session key ``key`` (survives page switches)."""
    wkey = f"w_{key}"
    value = state(key, default)
    if wkey not in st.session_state:
        st.session_state[wkey] = value

    def sync() -> None:
        st.session_state[key] = st.session_state[wkey]

    return widget(label, key=wkey, on_change=sync, **kwargs)


def connection() -> providers.Connection:
    from adapters.simulator import Scenario

    sim = state("simulator", {})
    return providers.Connection(
        tokens=state("tokens", {}),
        base_urls=state("base_urls", {}),
        timeouts=Timeouts(state("connect_timeout_s", 10.0), state("read_timeout_s", 120.0)),
        visitor_is_local=visitor_is_local(),
        simulator=Scenario(
            sim.get("name", "ok"),
            float(sim.get("loading_s", 10.0)),
            float(sim.get("retry_after_s", 5.0)),
            float(sim.get("tokens_per_s", 20.0)),
        ),
    )


def fallback_order() -> list[str]:
    return list(state("fallback_order", list(DEFAULT_FALLBACK_ORDER)))


def retry_settings() -> RetrySettings:
    return RetrySettings(int(state("retry_max_attempts", 4)), float(state("retry_max_wait_s", 60.0)))


def save_to_history(kind: str, title: str, payload: dict, run_key: str) -> None:
    """Keep a run in History under ``run_key``'s id (a new entry the first time); a data folder that
    cannot be written is said in a toast and never stops the page."""
    try:
        st.session_state[run_key] = library.save_run(kind, library.title_for(title), payload, st.session_state.get(run_key))
    except library.StorageError as exc:
        st.toast(f"Not saved to History. {exc}", icon=":material/warning:")


def response_cache():
    """The response cache when it is on in Settings (it is by default), else None."""
    if not state("cache_enabled", True):
        return None
    return library.answer_cache(float(state("cache_limit_mb", library.DEFAULT_LIMIT_MB)))


def visitor_is_local() -> bool:
    """True when the browser is on this computer (the host's own tokens may then be used)."""
    from adapters.http import is_loopback

    try:
        ip = st.context.ip_address
    except Exception:
        return True
    return ip is None or is_loopback(ip)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine in the script thread (one event loop per script run)."""
    return asyncio.run(coro)


# ---- model picker ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    provider: str
    model_id: str
    task: str
    entry: ModelEntry | None
    problem: str | None = None


def model_picker(prefix: str) -> Choice:
    """Provider, then a registry model (task, context window, strengths shown) or a custom id."""
    names = providers.available_providers()
    provider = bound(
        st.selectbox,
        "Provider",
        f"{prefix}_provider",
        providers.BUNDLED,
        options=names,
        format_func=providers.label,
        help="Who runs the model. The bundled model answers offline with no token; the others need a token in Settings.",
    )
    found = live_list(provider, prefix)
    today = availability.overlay(models_for(provider), {provider: found} if found else {})
    alternatives = {a.entry.model_id: a.alternative for a in today}
    registry = [replace(a.entry, status=a.status, notes=a.reason if a.status == "not_served" else a.entry.notes) for a in today]
    entries = sorted(registry, key=lambda e: {"served": 0, "unknown": 1}.get(e.status, 2))
    if found and found.rows:  # the provider's own list first; registry rows it no longer names stay, flagged
        entries = found.rows + [e for e in entries if e.model_id not in found.ids]
    options = [e.model_id for e in entries] + [CUSTOM]
    by_id = {e.model_id: e for e in entries}
    current = st.session_state.get(f"{prefix}_model")
    if current not in options:  # the provider changed: start from its first served model
        st.session_state[f"{prefix}_model"] = options[0]
        st.session_state.pop(f"w_{prefix}_model", None)
    model = bound(
        st.selectbox,
        "Model",
        f"{prefix}_model",
        options[0],
        options=options,
        format_func=lambda m: by_id[m].label if m in by_id else m,
        help="Models from the registry, served ones first; pick \u201cCustom model id\u201d to type any id.",
    )
    if model != CUSTOM:
        entry = by_id[model]
        details = (entry.task, f"{entry.context_window:,} tokens" if entry.context_window else "", ", ".join(entry.strengths))
        st.caption(" \u00b7 ".join(bit for bit in details if bit))
        if entry.status == "not_served":
            instead = alternatives.get(entry.model_id)
            st.warning(
                f"{entry.model_id} is no longer served ({entry.notes.rstrip('.')}). Expect an error; "
                + (f"try {instead} instead." if instead else "pick a served model instead."),
                icon=":material/warning:",
            )
            if instead:
                st.button(
                    f"Use {instead}",
                    key=f"btn_{prefix}_use_alternative",
                    on_click=set_model_state,
                    args=(prefix, provider, instead, entry.task),
                    icon=":material/swap_horiz:",
                )
        elif entry.notes:
            st.caption(entry.notes)
        return Choice(provider, entry.model_id, entry.task, entry)
    spec = providers.spec(provider)
    custom = bound(
        st.text_input,
        "Model id",
        f"{prefix}_custom_model",
        "",
        placeholder="owner/name, e.g. mistralai/Mistral-7B-Instruct-v0.2",
        help=" ".join(("Any model id the provider serves.", spec.id_help)).strip(),
    )
    task = "chat"
    if len(spec.tasks) > 1:
        task = bound(
            st.selectbox,
            "Task",
            f"{prefix}_custom_task",
            "chat",
            options=list(spec.tasks),
            help=spec.task_help,
        )
    if not custom.strip():
        return Choice(provider, "", task, None, "Type a model id, or pick one from the list.")
    try:
        model_id = validate_model_id(provider, custom)
    except InvalidModelIdError as exc:
        return Choice(provider, "", task, None, str(exc))
    return Choice(provider, model_id, task, None)


def _refresh_live(provider: str) -> None:
    state("live_models", {})[provider] = {"force": True}


def live_list(provider: str, prefix: str) -> availability.LiveList | None:
    """The provider's live model list when it is configured: from the on-disk cache while fresh
    (six hours), else asked for; Refresh asks again. Draws its one-line status and the button."""
    conn = connection()
    if providers.in_process(provider) or not providers.is_configured(provider, conn):
        return None
    cache = state("live_models", {})
    memo = cache.get(provider)
    if memo is None or memo.get("force"):
        with st.spinner(f"Loading {providers.label(provider)}'s model list\u2026"):
            memo = {"list": run_async(availability.live_list(provider, conn, force=bool(memo)))}
        cache[provider] = memo
    found: availability.LiveList = memo["list"]
    row = st.container(horizontal=True, vertical_alignment="center")
    if found.error:
        row.caption(f"Live list unavailable ({found.error.lower()}); showing the registry.")
    else:
        row.caption(f"{len(found.rows)} models from {providers.label(provider)}'s live list ({found.checked})")
    row.button(
        "Refresh",
        key=f"btn_{prefix}_refresh_live",
        icon=":material/refresh:",
        on_click=_refresh_live,
        args=(provider,),
        help="Ask the provider for its model list again (it is kept for six hours otherwise).",
    )
    return found


def live_ids() -> dict[str, list[str]]:
    """Model ids from the live lists this session has seen (the fallback order picks from them)."""
    return {p: [r.model_id for r in memo["list"].rows] for p, memo in state("live_models", {}).items() if "list" in memo}


# ---- parameter panel -------------------------------------------------------------------------


def _apply_preset(prefix: str) -> None:
    name = st.session_state.get(f"w_{prefix}_preset")
    st.session_state[f"{prefix}_preset"] = name
    if name in P.PRESETS:
        preset = P.apply_preset(GenerationParams(), name)
        for field, value in (("temperature", preset.temperature), ("top_p", preset.top_p)):
            st.session_state[f"{prefix}_{field}"] = value
            st.session_state[f"w_{prefix}_{field}"] = value


def param_panel(prefix: str, *, context_window: int | None) -> tuple[GenerationParams | None, list[str]]:
    """Presets and the basic parameters in sight; the rest under Advanced. Returns (params, problems)."""
    spec = P.SPECS
    state(f"{prefix}_preset", "Balanced")
    if f"w_{prefix}_preset" not in st.session_state:
        st.session_state[f"w_{prefix}_preset"] = st.session_state[f"{prefix}_preset"]
    st.segmented_control(
        "Preset",
        options=list(P.PRESETS),
        key=f"w_{prefix}_preset",
        on_change=_apply_preset,
        args=(prefix,),
        help=" \u00b7 ".join(f"{p.name}: {p.description}" for p in P.PRESETS.values()),
    )
    limit = context_window or 131072
    for key in (f"{prefix}_max_new_tokens", f"w_{prefix}_max_new_tokens"):  # a model with a smaller window was picked
        if isinstance(st.session_state.get(key), int) and st.session_state[key] > limit:
            st.session_state[key] = limit

    def field(widget: Callable[..., T], name: str, default: Any, *, label: str | None = None, **kwargs: Any) -> T:
        """One parameter widget: its label and help come from the parameter's spec. A value from
        outside the widget (a reopened run, an edited file) that it cannot show is reset, and said."""
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        keys = (f"{prefix}_{name}", f"w_{prefix}_{name}")
        bad = [k for k in keys if low is not None and st.session_state.get(k) is not None]
        bad = [k for k in bad if not P.number_between(st.session_state[k], low, high)]
        if bad:
            st.warning(f"{spec[name].label} was {st.session_state[bad[0]]!r}, outside {low}\u2013{high}; it is back to {default}.")
            for key in bad:
                st.session_state[key] = default
        return bound(widget, label or spec[name].label, f"{prefix}_{name}", default, help=spec[name].help, **kwargs)

    temperature = field(st.slider, "temperature", 0.7, min_value=0.0, max_value=2.0, step=0.05)
    max_new = field(
        st.number_input,
        "max_new_tokens",
        min(256, limit),
        label=spec["max_new_tokens"].label + " (tokens)",
        min_value=1,
        max_value=limit,
        step=32,
    )
    with st.expander("Advanced"):
        top_p = field(st.slider, "top_p", 0.95, min_value=0.01, max_value=1.0, step=0.01)
        use_top_k = bound(st.checkbox, "Limit to top-k words", f"{prefix}_use_top_k", False, help=spec["top_k"].help)
        top_k = field(st.number_input, "top_k", 50, min_value=1, max_value=1000, step=1, disabled=not use_top_k)
        rep = field(st.slider, "repetition_penalty", 1.0, min_value=0.5, max_value=2.0, step=0.05)
        do_sample = field(st.toggle, "do_sample", True)
        seed_text = field(st.text_input, "seed", "", placeholder="empty = random")
        stop_text = field(st.text_area, "stop", "", height=80, placeholder="one per line")
    problems: list[str] = []
    seed: int | None = None
    if seed_text.strip():
        try:
            seed = int(seed_text.strip())
        except ValueError:
            problems.append("Seed must be a whole number (or empty).")
    params = GenerationParams(
        temperature=float(temperature),
        max_new_tokens=int(max_new),
        top_p=float(top_p) if top_p < 1.0 else None,
        top_k=int(top_k) if use_top_k else None,
        do_sample=None if do_sample else False,
        repetition_penalty=float(rep) if rep != 1.0 else None,
        stop=P.parse_stop(stop_text),
        seed=seed,
    )
    try:
        P.validate_params(params, context_window=context_window)
    except P.ParamError as exc:
        problems.extend(exc.problems)
    return (None if problems else params), problems


PARAM_KEYS = ("preset", "temperature", "max_new_tokens", "top_p", "use_top_k", "top_k", "repetition_penalty", "do_sample", "seed", "stop")


def _forget_widgets(prefix: str, names: tuple[str, ...]) -> None:
    for name in names:
        st.session_state.pop(f"w_{prefix}_{name}", None)  # the widget redraws from the plain value


def copy_params(source: str, targets: list[str]) -> None:
    """Give the ``targets`` panels the parameters of the ``source`` panel (a callback)."""
    for target in targets:
        for name in PARAM_KEYS:
            key = f"{source}_{name}"
            if key in st.session_state:
                st.session_state[f"{target}_{name}"] = st.session_state[key]
        _forget_widgets(target, PARAM_KEYS)


def set_params_state(prefix: str, params: GenerationParams) -> None:
    """Fill a parameter panel from ``params`` (a shared link, a reopened run); unset ones keep their default."""
    values: dict[str, Any] = {
        "temperature": params.temperature,
        "max_new_tokens": params.max_new_tokens,
        "top_p": params.top_p,
        "repetition_penalty": params.repetition_penalty,
    }
    for name, value in values.items():
        if value is not None:
            st.session_state[f"{prefix}_{name}"] = value
    st.session_state[f"{prefix}_use_top_k"] = params.top_k is not None
    if params.top_k is not None:
        st.session_state[f"{prefix}_top_k"] = params.top_k
    st.session_state[f"{prefix}_do_sample"] = params.do_sample is not False
    st.session_state[f"{prefix}_seed"] = "" if params.seed is None else str(params.seed)
    st.session_state[f"{prefix}_stop"] = "\n".join(params.stop or ())
    st.session_state[f"{prefix}_preset"] = None
    _forget_widgets(prefix, PARAM_KEYS)


def set_model_state(prefix: str, provider: str, model_id: str, task: str) -> None:
    """Point a model picker at ``provider`` and ``model_id``: a registry row when there is one, else a custom id."""
    st.session_state[f"{prefix}_provider"] = provider
    if any(e.model_id == model_id for e in models_for(provider)):
        st.session_state[f"{prefix}_model"] = model_id
    else:
        st.session_state[f"{prefix}_model"] = CUSTOM
        st.session_state[f"{prefix}_custom_model"] = model_id
        st.session_state[f"{prefix}_custom_task"] = task
    _forget_widgets(prefix, ("provider", "model", "custom_model", "custom_task"))


def add_to_compare(provider: str, model_id: str, task: str) -> int:
    """Put a model in Compare as a new slot (the last one when all six are taken); returns its index."""
    from council.runs.compare import MAX_SLOTS, MIN_SLOTS

    count = int(st.session_state.get("cmp_count", MIN_SLOTS))
    slot = min(count, MAX_SLOTS - 1)
    st.session_state["cmp_count"] = min(count + 1, MAX_SLOTS)
    st.session_state.pop("w_cmp_count", None)
    set_model_state(f"cmp{slot}", provider, model_id, task)
    return slot


def grid(count: int, per_row_max: int = 3) -> list[list[tuple[int, Any]]]:
    """Rows of equal columns for ``count`` answers, at most ``per_row_max`` a row (four make two
    rows of two): each row a list of (position, column)."""
    per_row = -(-count // -(-count // per_row_max))
    rows = []
    for start in range(0, count, per_row):
        cols = st.columns(per_row, gap="medium")
        rows.append([(position, cols[position - start]) for position in range(start, min(count, start + per_row))])
    return rows


def verify_provider(provider: str) -> dict:
    """Check the provider's token or address now; the outcome (never the token) goes in the session."""
    from council.runs.turns import error_to_dict

    conn = connection()
    verified = state("verified", {})
    fingerprint = providers.setting_fingerprint(provider, conn)
    try:
        message = run_async(providers.verify(provider, conn))
    except Exception as exc:
        error = providers.describe_error(exc)
        verified[provider] = {"ok": False, "message": error.title, "token": fingerprint, "error": error_to_dict(error)}
    else:
        verified[provider] = {"ok": True, "message": message, "token": fingerprint}
    return verified[provider]


# ---- answers and errors ----------------------------------------------------------------------


def show_markdown(target: Any, text: str, *, cursor: bool = False) -> None:
    """Untrusted model text → sanitised Markdown (never HTML)."""
    body = safe_markdown(text)
    target.markdown(body + (" \u258c" if cursor else "") if body else ("\u258c" if cursor else ""))


def fmt_seconds(value: float | None) -> str:
    return "\u2014" if value is None else (f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s")


def fmt_tokens(value: int | None) -> str:
    return "\u2014" if value is None else f"{value:,}"


def fmt_cost(value: float | None) -> str:
    if value is None:
        return "\u2014"
    if value == 0:
        return "$0"
    return "< $0.0001" if value < 0.0001 else f"${value:.4f}"


def metrics_row(meta: dict[str, Any], *, per_row: int = 6, cost: bool = True) -> None:
    """Latency, time to first token, tokens in/out, tokens/s and the estimated cost, as metrics."""
    m = meta.get("metrics") or {}
    tps = m.get("tokens_per_s")
    items = [
        ("Latency", fmt_seconds(m.get("latency_s")), "From Run to the last token, including any retry waits."),
        ("First token", fmt_seconds(m.get("ttft_s")), "How long until the answer started to appear."),
        (
            "Tokens in",
            fmt_tokens(m.get("prompt_tokens")),
            "Tokens the model read (the whole conversation). \u2014 when the provider did not say.",
        ),
        ("Tokens out", fmt_tokens(m.get("completion_tokens")), "Tokens in the answer. \u2014 when the provider did not say."),
        ("Speed", "\u2014" if tps is None else f"{tps:.1f} tokens/s", "Answer tokens per second after the first one arrived."),
    ]
    if cost:
        items.append(
            (
                "Cost (est.)",
                fmt_cost(meta.get("cost_usd")),
                "Tokens \u00d7 the model's listed price per million tokens. \u2014 when the price or the token counts are unknown; "
                "$0 for models on your own computer.",
            )
        )
    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, (label, value, help_text) in zip(cols, items[start : start + per_row], strict=False):
            col.metric(label, value, help=help_text)


def metrics_table(meta: dict[str, Any], *, cost: bool = True) -> None:
    """The same figures as ``metrics_row``, as a compact two-column table for narrow columns."""
    m = meta.get("metrics") or {}
    tps = m.get("tokens_per_s")
    rows = [
        ("Latency", fmt_seconds(m.get("latency_s"))),
        ("First token", fmt_seconds(m.get("ttft_s"))),
        ("Tokens in / out", f"{fmt_tokens(m.get('prompt_tokens'))} / {fmt_tokens(m.get('completion_tokens'))}"),
        ("Speed", "\u2014" if tps is None else f"{tps:.1f} tokens/s"),
    ]
    if cost:
        rows.append(("Cost (est.)", fmt_cost(meta.get("cost_usd"))))
    st.markdown("| Measure | Value |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in rows))


def metrics_caption(meta: dict[str, Any]) -> str:
    m = meta.get("metrics") or {}
    bits = [f"{providers.label(meta.get('provider', ''))} \u00b7 {meta.get('model', '')}"]
    bits.append(f"latency {fmt_seconds(m.get('latency_s'))}")
    bits.append(f"first token {fmt_seconds(m.get('ttft_s'))}")
    bits.append(f"tokens {fmt_tokens(m.get('prompt_tokens'))} in / {fmt_tokens(m.get('completion_tokens'))} out")
    if m.get("tokens_per_s"):
        bits.append(f"{m['tokens_per_s']:.1f} tokens/s")
    if meta.get("cost_usd") is not None:
        bits.append(f"{fmt_cost(meta['cost_usd'])} (est.)")
    return " \u00b7 ".join(bits)


def answer_notes(meta: dict[str, Any]) -> None:
    """Who answered instead (fallbacks), retries, stops and cut-offs, in plain words."""
    for provider, model, reason in meta.get("fallbacks") or []:
        st.info(
            f"Answered by {providers.label(meta.get('provider', ''))} ({meta.get('model', '')}) because "
            f"{providers.label(provider)} ({model}) failed: {reason}.",
            icon=":material/alt_route:",
        )
    if meta.get("waits"):
        st.caption(f"The app waited and retried {meta['waits']} time(s) before this answer.")
    if meta.get("stopped"):
        st.caption("Stopped by you; the answer so far is kept.")
    elif meta.get("finish_reason") == "length":
        st.caption("The answer reached \u201cmax new tokens\u201d and was cut off; raise it for longer answers.")
    extra = meta.get("extra") or {}
    if extra.get("cached"):
        st.caption(
            "Answered from the cache: you asked exactly this before with deterministic settings, so nothing was sent and no quota was spent."
        )
    if extra.get("reasoning"):
        with st.expander("The model's reasoning"):
            st.text(extra["reasoning"])
    if "score" in extra:
        st.caption(f"Confidence score: {float(extra['score']):.2f} (1 = certain)")


def error_panel(error: dict[str, Any], *, key: str, settings_link: bool = True) -> None:
    """One style everywhere: what happened, what to do, and the obvious next step."""
    with st.container(border=True, key=key):
        st.error(f"**{error['title']}** \u2014 {error['message']}", icon=":material/error:")
        kind = error.get("kind")
        fixable_in_settings = kind in ("auth", "access_denied", "quota", "not_installed") or (
            kind == "bad_request" and "base URL" in error.get("message", "")
        )
        with st.container(horizontal=True):
            st.page_link(
                TROUBLESHOOTING_PAGE,
                label="What this means and what to do",
                icon=":material/help:",
                query_params={"entry": troubleshooting.entry_for(error)},
            )
            if settings_link and fixable_in_settings:
                st.page_link(SETTINGS_PAGE, label="Open Settings", icon=":material/key:")
        if error.get("retryable"):
            st.caption("This is usually temporary: press Run again to retry.")
        with st.expander("Details for QA"):
            lines = {
                "Error kind": kind,
                "Provider": providers.label(error.get("provider") or ""),
                "Model": error.get("model"),
                "HTTP status": error.get("status"),
                "Provider said": error.get("detail"),
            }
            st.text("\n".join(f"{name}: {value or DASH}" for name, value in lines.items()))


def problems_panel(problems: list[str]) -> None:
    st.warning("Fix these before running:\n\n" + "\n".join(f"- {p}" for p in problems), icon=":material/tune:")


# ---- waiting ---------------------------------------------------------------------------------


def countdown(placeholder: Any, reason: Callable[[], str]) -> Callable[[float], Coroutine[Any, Any, None]]:
    """A ``sleep`` for the retry layer that draws a countdown bar (a heartbeat, so Stop works)."""

    async def sleep(seconds: float) -> None:
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            left = seconds - elapsed
            placeholder.progress(min(1.0, elapsed / seconds) if seconds else 1.0, text=f"{reason()} \u2014 retrying in {left:.0f} s")
            await asyncio.sleep(min(0.2, left))
        placeholder.empty()

    return sleep


# ---- sidebar ---------------------------------------------------------------------------------

_CHIP = {
    "ready": ("green", "Ready"),
    "verified": ("green", "Verified"),
    "set": ("orange", "Not verified"),
    "not set": ("gray", "Not set"),
    "failing": ("red", "Failing"),
}


def quota_states() -> list[quotas.QuotaState]:
    """The quota of every configured provider that has a limit (estimates, from the ledger)."""
    conn = connection()
    overrides, reported = state("quotas", {}), state("reported_limits", {})
    out = []
    for provider in providers.configured_providers(conn):
        quota = quotas.effective(provider, overrides)
        if quota.requests_per_day or quota.usd_per_month:
            out.append(quotas.state(provider, quota, library.ledger(), reported.get(provider)))
    return out


def quota_guard():
    return quotas.guard(state("quotas", {}), library.ledger(), state("reported_limits", {}))


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
        for provider in providers.available_providers():
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


if __name__ == "__main__":  # opened as a page of its own (old-style pages): hand over to app.py
    require_app_navigation()
