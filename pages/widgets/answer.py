"""The answer card and the error panel: sanitised Markdown, metrics with units, notes, what went wrong and what to do."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from council import library
from council.facts import troubleshooting
from council.runs import providers
from council.runs.records import Answer
from council.safe_markdown import safe_markdown
from pages.widgets.session import SETTINGS_PAGE, TROUBLESHOOTING_PAGE, bound, connection, person_id, put, widget_value

DASH = "\u2014"


def grid(count: int, per_row_max: int = 3) -> list[list[tuple[int, Any]]]:
    """Rows of equal columns for ``count`` answers, at most ``per_row_max`` a row (four make two
    rows of two): each row a list of (position, column). No answers: no rows."""
    if count <= 0:
        return []
    per_row = -(-count // -(-count // per_row_max))
    rows = []
    for start in range(0, count, per_row):
        cols = st.columns(per_row, gap="medium")
        rows.append([(position, cols[position - start]) for position in range(start, min(count, start + per_row))])
    return rows


def show_markdown(target: Any, text: str, *, cursor: bool = False) -> None:
    """Untrusted model text → sanitised Markdown (never HTML)."""
    body = safe_markdown(text)
    target.markdown(body + (" \u258c" if cursor else "") if body else ("\u258c" if cursor else ""))


def fmt_seconds(value: float | None) -> str:
    return "\u2014" if value is None else (f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s")


def fmt_tokens(value: int | None) -> str:
    return "\u2014" if value is None else f"{value:,}"


def fmt_source(text: str | None, limit: int = 48) -> str:
    """A source as a short label a table can show whole: a web address becomes its host and first path
    part ("example.org/docs"), a long sentence is cut at a word with "…"; "—" when there is none."""
    text = (text or "").strip()
    if not text:
        return DASH
    found = re.match(r"^(?:https?://)?([a-z0-9.-]+\.[a-z]{2,})(/[^/\s?#]*)?", text, re.I)
    if found and ("://" in text or text.split("/", 1)[0] == found.group(1)):
        return found.group(1) + (found.group(2) or "") + (" \u2026" if len(text) > len(found.group(0)) else "")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " \u2026"


def fmt_count(value: int | None, unit: str = "") -> str:
    """A whole number with thousands separators and its unit, or "unknown" when nobody said."""
    return "unknown" if value is None else f"{value:,}" + (f" {unit}" if unit else "")


def fmt_cost(value: float | None) -> str:
    if value is None:
        return "\u2014"
    if value == 0:
        return "$0"
    return "< $0.0001" if value < 0.0001 else f"${value:.4f}"


def metrics_row(answer: Answer, *, cost: bool = True, key: str | None = None) -> None:
    """Latency, time to first token, tokens in/out, tokens/s and the estimated cost, as metrics. Each is
    as wide as its own label and value (units always shown: "336 ms", "2.30 s") and they wrap onto a
    second line when the column is narrow, so nothing is ever cut to "…"."""
    m = answer.metrics
    tps = m.tokens_per_s
    items = [
        ("Latency", fmt_seconds(m.latency_s), "From Run to the last token, including any retry waits."),
        ("First token", fmt_seconds(m.ttft_s), "How long until the answer started to appear."),
        (
            "Tokens in",
            fmt_tokens(m.prompt_tokens),
            "Tokens the model read (the whole conversation). \u2014 when the provider did not say.",
        ),
        (
            "Tokens out",
            fmt_tokens(m.completion_tokens) + (f" ({fmt_tokens(m.reasoning_tokens)} thinking)" if m.reasoning_tokens else ""),
            "Tokens in the answer (with a reasoning model, its hidden thinking too, shown apart). \u2014 when the provider did not say.",
        ),
        ("Speed", "\u2014" if tps is None else f"{tps:.1f} tokens/s", "Answer tokens per second after the first one arrived."),
    ]
    if cost:
        items.append(
            (
                "Cost (est.)",
                fmt_cost(answer.cost_usd),
                "Tokens \u00d7 the model's listed price per million tokens. \u2014 when the price or the token counts are unknown; "
                "$0 for models on your own computer.",
            )
        )
    with st.container(horizontal=True, wrap=True, gap="medium", key=key):
        for label, value, help_text in items:
            st.metric(label, value, help=help_text, width="content")


def metrics_table(answer: Answer, *, cost: bool = True) -> None:
    """The same figures as ``metrics_row``, as a compact two-column table for narrow columns."""
    m = answer.metrics
    tps = m.tokens_per_s
    rows = [
        ("Latency", fmt_seconds(m.latency_s)),
        ("First token", fmt_seconds(m.ttft_s)),
        ("Tokens in / out", f"{fmt_tokens(m.prompt_tokens)} / {fmt_tokens(m.completion_tokens)}"),
        *([("Thinking tokens", fmt_tokens(m.reasoning_tokens))] if m.reasoning_tokens else []),
        ("Speed", "\u2014" if tps is None else f"{tps:.1f} tokens/s"),
    ]
    if cost:
        rows.append(("Cost (est.)", fmt_cost(answer.cost_usd)))
    st.markdown("| Measure | Value |\n|---|---|\n" + "\n".join(f"| {name} | {value} |" for name, value in rows))


def metrics_caption(answer: Answer) -> str:
    m = answer.metrics
    bits = [f"{providers.label(answer.provider)} \u00b7 {answer.model}"]
    bits.append(f"latency {fmt_seconds(m.latency_s)}")
    bits.append(f"first token {fmt_seconds(m.ttft_s)}")
    bits.append(f"tokens {fmt_tokens(m.prompt_tokens)} in / {fmt_tokens(m.completion_tokens)} out")
    if m.reasoning_tokens:
        bits.append(f"{fmt_tokens(m.reasoning_tokens)} of them thinking")
    if m.tokens_per_s:
        bits.append(f"{m.tokens_per_s:.1f} tokens/s")
    if answer.cost_usd is not None:
        bits.append(f"{fmt_cost(answer.cost_usd)} (est.)")
    return " \u00b7 ".join(bits)


def answer_notes(answer: Answer, *, hide_fallbacks: bool = False) -> None:
    """Who answered instead (fallbacks), retries, stops and cut-offs, in plain words. ``hide_fallbacks``:
    a blind comparison before the vote says only that another model stood in."""
    if answer.fallbacks and hide_fallbacks:
        st.caption("Another model stood in for this slot's model; you will see which after your vote.")
    for provider, model, reason in [] if hide_fallbacks else answer.fallbacks:
        st.info(
            f"Answered by {providers.label(answer.provider)} ({answer.model}) because "
            f"{providers.label(provider)} ({model}) failed: {reason}.",
            icon=":material/alt_route:",
        )
    if answer.waits:
        st.caption(f"The app waited and retried {answer.waits} time(s) before this answer.")
    if answer.stopped:
        st.caption("Stopped by you; the answer so far is kept.")
    extra = answer.extra
    if extra.get("thought_out") and not answer.stopped:
        st.warning(
            f"{answer.model or 'The model'} spent all {extra['thought_out']:,} tokens thinking and wrote no answer, even after the "
            "app asked again with more room. Retry with more tokens, or choose a lower reasoning effort.",
            icon=":material/psychology:",
        )
    elif answer.finish_reason == "length" and not answer.stopped:
        st.caption("The answer reached \u201cmax new tokens\u201d and was cut off; raise it for longer answers.")
    for note in extra.get("notes") or []:  # what was changed to fit the model, and why
        st.caption(note)
    if extra.get("cached"):
        st.caption(
            "Answered from the cache: you asked exactly this before with deterministic settings, so nothing was sent and no quota was spent."
        )
    if extra.get("reasoning"):
        with st.expander("The model's reasoning"):
            st.text(extra["reasoning"])
    if "score" in extra:
        st.caption(f"Confidence score: {float(extra['score']):.2f} (1 = certain)")


def error_panel(error: dict[str, Any], *, key: str, settings_link: bool = True, again: str = "press Run again") -> None:
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
            st.caption(f"This is usually temporary: {again} to retry.")
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


def council_leaderboard(key: str) -> None:
    """Per model, across the council runs in History: runs, wins (best average rank) and average rank."""
    from council.runs import bias

    try:
        rows = bias.leaderboard(library.council_transcripts(person=person_id()))
    except library.StorageError as exc:
        st.caption(str(exc))
        return
    if not rows:
        st.caption("Run a council: each run whose reviews could be read adds its models here (wins and average rank).")
        return
    table = pd.DataFrame([{"Model": r["model"], "Wins": r["wins"], "Runs": r["runs"], "Average rank": r["avg_rank"]} for r in rows])
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "Wins": st.column_config.NumberColumn(help="Runs where this model's answer had the best average rank."),
            "Average rank": st.column_config.NumberColumn(format="%.2f", help="1 = ranked best by the other members."),
        },
        key=key,
    )


EXPORT_FORMATS = (("CSV", "csv", "text/csv"), ("JSON", "json", "application/json"), ("Markdown", "md", "text/markdown"))


def export_row(
    caption: str, builders: Sequence[Callable[[Any], str]], record: Any, *, stem: str, key: str, blocked: str | None = None
) -> None:
    """A caption and one download button per format (CSV, JSON, Markdown), each built from ``record`` by the
    matching builder; ``blocked`` disables them all with that reason (e.g. a blind comparison before the vote)."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(caption)
        for (label, ext, mime), build in zip(EXPORT_FORMATS, builders, strict=True):
            st.download_button(
                label,
                data="" if blocked else build(record),
                file_name=f"{stem}.{ext}",
                mime=mime,
                key=f"btn_{key}_export_{ext}",
                icon=":material/download:",
                disabled=blocked is not None,
                help=blocked,
            )


def code_for(provider: str, request: Any, *, title: str, tabs: bool = True) -> None:
    """curl and Python (httpx) that send exactly ``request``, in an expander: the token as an environment
    variable, never its value; for the bundled model, the Python that runs it directly."""
    from council.runs import snippets

    with st.expander(title):
        try:
            code = snippets.for_request(provider, request, connection())
        except Exception as exc:
            st.caption(providers.as_provider_error(exc).user_message)
            return
        if code.token_env:
            st.caption(f"Set {code.token_env} in your shell first; the code never holds your token.")
        if not code.curl:
            st.caption("The bundled model runs inside the app, so there is no web request: this Python code runs it directly.")
            st.code(code.python, language="python")
        elif tabs:
            curl_tab, python_tab = st.tabs(["curl", "Python (httpx)"])
            curl_tab.code(code.curl, language="bash")
            python_tab.code(code.python, language="python")
        else:
            st.code(code.curl, language="bash")
            st.code(code.python, language="python")


def follow_up(prefix: str, title: str, label: str, button: str, on_click: Any, *, placeholder: str, help: str) -> None:
    """A follow-up box under a finished run: its heading, the text box (``{prefix}_follow``) and the button."""
    st.subheader(title, anchor=False)
    bound(st.text_area, label, f"{prefix}_follow", "", height=80, placeholder=placeholder, help=help)
    st.button(button, key=f"btn_{prefix}_follow", on_click=on_click, type="primary", icon=":material/forum:")


def take_follow_up(prefix: str) -> str:
    """The follow-up's text, taken from its box (which empties); '' when there is none."""
    text = (widget_value(f"{prefix}_follow") or "").strip()
    put(f"{prefix}_follow", "")
    return text
