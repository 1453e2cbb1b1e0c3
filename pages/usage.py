"""Usage & quota: what was asked of which provider, what failed, how fast, what it cost, and how
much of each quota is left. Every number comes from the ledger's roll-ups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from council import library
from council.runs import providers
from pages import widgets as W
from pages.widgets import charts

W.require_app_navigation()


def _recent_table(recent: list[dict], people: dict[str, str] | None, names: dict[str, str]) -> pd.DataFrame:
    """The recent requests, in few enough columns to read whole at 1400 px: the provider joins the model, the HTTP
    status and the provider stood in for join the outcome, the token counts share one column."""

    def outcome(row: dict) -> str:
        said = "answered" if row["outcome"] == "ok" else names.get(row["outcome"], row["outcome"])
        if row["outcome"] != "ok" and row.get("status") is not None:
            said += f" ({int(row['status'])})"
        return said + (f", for {providers.label(row['fallback_from'])}" if row.get("fallback_from") else "")

    table = pd.DataFrame(
        {
            "When (UTC)": pd.to_datetime([r["ts"] for r in recent]),
            "Model": [f"{providers.label(r['provider'])} \u00b7 {r['model']}" for r in recent],
            "Where": [r["kind"] for r in recent],
            "Outcome": [outcome(r) for r in recent],
            "Latency (s)": [r["latency_s"] for r in recent],
            "First token (s)": [r["ttft_s"] for r in recent],
            "Tokens in / out": [_tokens(r) for r in recent],
            "Cost (USD, est.)": [r["cost_usd"] for r in recent],
        }
    )
    if people:
        table.insert(1, "Who", [people.get(r["person"], r["person"]) for r in recent])
    return table


def _tokens(row: dict) -> str:
    """ "12 / 340 (200 thinking)": in / out, where the provider said."""
    said = [row.get("prompt_tokens"), row.get("completion_tokens")]
    if all(n is None for n in said):
        return "\u2014"
    text = " / ".join("?" if n is None else f"{int(n):,}" for n in said)
    thinking = row.get("reasoning_tokens")
    return text + (f" ({int(thinking):,} thinking)" if thinking else "")


st.title("Usage & quota")

today = datetime.now(UTC).date()
picked = st.date_input(
    "Dates (UTC)",
    value=(today - timedelta(days=29), today),
    max_value=today,
    key="usage_range",
    help="Which days to show. The default is the last 30 days.",
)
if isinstance(picked, tuple):  # while a range is being picked, only its first day is known
    start, end = (picked[0], picked[-1]) if picked else (today, today)
else:
    start = end = picked

book = library.ledger()
people = book.people()
filters = st.container(horizontal=True, vertical_alignment="bottom")
who = None  # everyone
if not W.may_see_everyones_usage():
    who = W.person_id()  # the host keeps everyone's figures to itself unless it lets everyone see them
    st.caption("Your own usage: the host keeps everyone else's to itself.")
elif len(people) > 1 or W.signed_in():
    everyone = "Everyone"
    options = [everyone, *people]
    default = W.person_id() if W.signed_in() and W.person_id() in people else everyone
    picked_person = W.bound(
        filters.selectbox,
        "Whose usage",
        "usage_person",
        default,
        options=options,
        format_func=lambda p: p if p == everyone else people.get(p, p),
        help="Everyone who used this app's store, or one person (by their sign-in).",
    )
    who = None if picked_person == everyone else picked_person
housekeeping = W.bound(
    filters.toggle,
    "Include housekeeping calls",
    "usage_housekeeping",
    False,
    help="Off: the figures and charts count model answers only. On: token checks, model lists and Hub searches too "
    "(they generate nothing, and no request quota counts them).",
)
per_day = book.requests_by_day(start, end, housekeeping=housekeeping, person=who)
chores = book.housekeeping_calls(start, end, person=who)
W.quota_warnings()

if not per_day:
    st.info(
        "No requests in these dates yet. Every answer you ask for \u2014 in the Playground, or with "
        "\u201cpython -m council check\u201d \u2014 is counted here: requests, errors, speed and cost.",
        icon=":material/monitoring:",
    )
    st.page_link(W.PLAYGROUND_PAGE, label="Ask something in the Playground", icon=":material/chat:")
    if chores and not housekeeping:
        st.caption(
            f"{chores:,} housekeeping call{'' if chores == 1 else 's'} (token checks, model lists) in these dates: switch them on above to see them."
        )
else:
    costs = book.tokens_and_cost_by_day(start, end, person=who)
    requests = sum(r[2] for r in per_day)
    errors = sum(r[3] for r in per_day)
    tokens = sum(r[2] + r[3] for r in costs)
    spent = sum(r[4] for r in costs)
    with st.container(horizontal=True, wrap=True, gap="large", key="usage_totals"):
        st.metric(
            "Requests" if housekeeping else "Model requests",
            f"{requests:,}",
            width="content",
            help="Every request sent, retries and fallbacks included"
            + (", housekeeping calls too." if housekeeping else "; token checks and model lists are counted apart."),
        )
        st.metric("Failed", f"{errors:,} ({errors / requests:.0%})", width="content", help="Requests that ended in an error of any kind.")
        st.metric("Tokens", f"{tokens:,}", width="content", help="Input plus output tokens, where the provider said.")
        st.metric(
            "Cost (est.)",
            charts.money(spent),
            width="content",
            help="From the dated price list; unknown prices count as $0 here and are marked in Costs.",
        )
    if chores and not housekeeping:
        st.caption(
            f"Not counted above: {chores:,} housekeeping call{'' if chores == 1 else 's'} (token checks, model lists, Hub searches)."
        )

    saved = book.cache_savings(start, end)
    if saved:
        hits = sum(r[1] for r in saved)
        dollars = sum(r[2] for r in saved)
        per = ", ".join(f"{providers.label(p)} {n}" for p, n, _ in saved)
        st.caption(
            f"Answered from the response cache: {hits} request(s) not sent ({per}), about {W.fmt_cost(dollars)} and that much quota saved."
        )
    left, right = st.columns(2)
    charts.show(charts.requests_per_day(per_day, "request" if housekeeping else "model request"), "chart_requests", left)
    failures = book.errors_by_kind(start, end, housekeeping=housekeeping, person=who)
    if failures:
        charts.show(charts.errors_by_kind(failures, library.error_names()), "chart_errors", right)
    else:
        right.success("No failed requests in these dates.", icon=":material/check_circle:")
    left, right = st.columns(2)
    timings = [
        r for r in book.latency_percentiles(start, end, housekeeping=housekeeping, person=who) if r[3] is not None and r[4] is not None
    ]
    if timings:
        charts.show(charts.latency(timings), "chart_latency", left)
    charts.show(charts.tokens_and_cost(costs), "chart_tokens", right)

st.header("Quotas")
limited = W.quota_states()
if limited:
    cols = st.columns(min(4, len(limited)))
    for i, q in enumerate(limited):
        gauge = charts.quota_gauge(providers.label(q.provider), q.fraction or 0.0, q.describe())
        charts.show(gauge, f"gauge_{q.provider}", cols[i % len(cols)])
else:
    st.caption("No configured provider has a quota set. Quotas live in Settings.")

st.header("Alerts")
alerts = [
    f"{providers.label(q.provider)} is at {min(q.fraction or 0, 9.99):.0%} of its quota: {q.describe()}."
    for q in limited
    if q.level in ("warn", "exhausted")
]
alerts += [
    f"{day}: {errors} of {requests} requests to {providers.label(provider)} failed."
    for day, provider, errors, requests in book.error_spikes(start, end, person=who)
]
if alerts:
    for alert in alerts:
        st.warning(alert, icon=":material/notification_important:")
else:
    st.caption("Nothing needs your attention: no quota at 80% or more, and no day where 5 or more requests (a quarter or more) failed.")

st.header("Recent requests")
recent = book.recent(50, person=who)
if recent:
    several = len(people) > 1
    st.dataframe(
        _recent_table(recent, people if several else None, library.error_names()),
        hide_index=True,
        column_config={
            "When (UTC)": st.column_config.DatetimeColumn(format="MM-DD HH:mm:ss", width=110),
            "Who": st.column_config.TextColumn(width=80),
            "Model": st.column_config.TextColumn(width=120 if several else 200, help="The provider, then the model."),
            "Where": st.column_config.TextColumn(width=80),
            "Outcome": st.column_config.TextColumn(
                width=150,
                help="Answered, or the error (with the HTTP status the provider sent); \u201c, for\u201d and a provider's name: "
                "this model stood in for that provider, which had failed.",
            ),
            "Latency (s)": st.column_config.NumberColumn(format="%.2f", width=80),
            "First token (s)": st.column_config.NumberColumn(format="%.2f", width=95),
            "Tokens in / out": st.column_config.TextColumn(
                width=105,
                help="Input and output tokens, where the provider said; a reasoning model's hidden thinking is counted within "
                "the output (and billed as output).",
            ),
            "Cost (USD, est.)": st.column_config.NumberColumn(format="%.5f", width=100),
        },
        key="usage_recent",
    )
else:
    st.caption("No requests yet.")
