"""Costs: today's prices with their sources, the original guide's table beside them, live catalog
prices, and what a workload would cost per month on each model."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from council.facts import pricing, quotas
from council.facts.registry import Status, load_registry
from council.runs import providers
from pages import widgets as W
from pages.widgets import charts

W.require_app_navigation()
st.title("Costs")
st.caption("Prices are USD per million tokens (about 750,000 words), from dated sources. Every estimate says \u201cest.\u201d.")

priced = [e for e in load_registry() if e.status != Status.NOT_SERVED and e.price_in_per_m is not None]
left, right = st.columns([3, 2])
with left:
    st.header("Prices today")
    table = pd.DataFrame(
        [
            {
                "Provider": providers.label(e.provider),
                "Model": e.model_id,
                "Input ($/1M)": e.price_on()[0],  # today's price (a dated step counts from its day)
                "Output ($/1M)": e.price_on()[1],
                "Price change": pricing.step_note(e) or "\u2014",
                "Source": W.fmt_source(e.price_source),
                "As of": e.price_as_of or "\u2014",
            }
            for e in priced
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        key="costs_prices",
        column_config={
            "Model": st.column_config.TextColumn(width="medium"),
            "Input ($/1M)": st.column_config.NumberColumn(format="$%.3f", help="USD per million input tokens."),
            "Output ($/1M)": st.column_config.NumberColumn(format="$%.3f", help="USD per million output tokens."),
            "Price change": st.column_config.TextColumn(width="medium", help="A price change the source has dated."),
            "Source": st.column_config.TextColumn(width="medium", help="Where the price comes from (hover for all of it)."),
        },
    )
with right:
    st.header("As stated in the original guide")
    guide = pd.DataFrame(pricing.guide_cost_table()).rename(
        columns={"provider": "Provider", "cost_per_1m": "Cost per 1M tokens", "rate_limit": "Rate limit", "notes": "Notes"}
    )
    st.dataframe(guide, hide_index=True, key="costs_guide")
    st.caption(pricing.guide_today_note())

catalog = providers.label(providers.CATALOG)
st.header(f"Live {catalog} prices")
if providers.is_configured(providers.CATALOG, W.connection()):
    found = W.live_list(providers.CATALOG, "costs")
    live = [e for e in (found.rows if found else []) if e.price_in_per_m is not None]
    if live:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Model": e.model_id,
                        "Input ($/1M)": e.price_in_per_m,
                        "Output ($/1M)": e.price_out_per_m,
                        "Context (tokens)": e.context_window,
                        "Served by": e.notes,
                    }
                    for e in live
                ]
            ),
            hide_index=True,
            key="costs_live",
        )
        priced += live
    else:
        st.caption(f"{catalog} listed no prices just now.")
else:
    st.caption(f"Paste a {catalog} token in Settings to see its live prices (the cheapest provider's price per model).")

st.header("What would my workload cost?")
cols = st.columns(4)
requests_per_day = W.bound(
    cols[0].number_input, "Requests per day", "cost_requests", 100, min_value=1, step=10, help="More requests cost proportionally more."
)
input_tokens = W.bound(
    cols[1].number_input,
    "Input tokens per request",
    "cost_in",
    500,
    min_value=1,
    step=50,
    help="The prompt and conversation sent each time; longer conversations cost more.",
)
output_tokens = W.bound(
    cols[2].number_input,
    "Output tokens per request",
    "cost_out",
    300,
    min_value=1,
    step=50,
    help="The answer's length; output usually costs more per token than input.",
)
days = W.bound(cols[3].number_input, "Days", "cost_days", 30, min_value=1, max_value=366, help="How long the workload runs.")
work = pricing.Workload(float(requests_per_day), float(input_tokens), float(output_tokens), int(days))
rows = []
for e in priced:
    cost = pricing.workload_cost_for(e, work) or 0.0
    covered = quotas.free_tier_covers(e.provider, work.requests_per_day, cost * 30 / work.days)
    even = pricing.break_even_requests_per_day(e.price_in_per_m, e.price_out_per_m, work)
    rows.append(
        {
            "Provider": providers.label(e.provider),
            "Model": e.model_id,
            "Cost (USD, est.)": round(cost, 4),
            "Free tier covers it": {True: "yes", False: "no", None: "unknown"}[covered],
            "Endpoint cheaper above (requests/day)": f"{round(even):,}" if even else "\u2014 (free per token)",
            "Price change": pricing.step_note(e) or "\u2014",
        }
    )
result = pd.DataFrame(rows).sort_values("Cost (USD, est.)")
log_scale = W.bound(
    st.toggle,
    "Logarithmic scale",
    "cost_log",
    True,
    help="On: small and large costs both stay readable; off: bar lengths are proportional to cost.",
)
paid = result[result["Cost (USD, est.)"] > 0]
cheapest = paid.iloc[0] if len(paid) else result.iloc[0]
figure = px.bar(
    result,
    x="Cost (USD, est.)",
    y="Model",
    color="Provider",
    orientation="h",
    color_discrete_map=charts.PROVIDER_COLORS,
    log_x=bool(log_scale) and len(paid) > 0,
    title=charts.title(
        f"Cheapest paid option: {cheapest['Model']}",
        f"{charts.money(float(cheapest['Cost (USD, est.)']))} for {work.requests:,.0f} requests over {work.days} days (est.)",
    ),
    hover_data=["Free tier covers it", "Endpoint cheaper above (requests/day)"],
)
figure.update_layout(
    xaxis_title=f"Cost over {work.days} days (USD, est.)",
    yaxis_title="",
    yaxis={"categoryorder": "total descending", "automargin": True},
    legend={"title": {"text": "Provider"}, "orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
    height=max(360, 140 + 26 * len(result)),
)
# dollars on the axis: on a log scale, one tick per power of ten ($0.01, $0.1, $1, …), never "4 5 6 … 10"
figure.update_xaxes(tickformat="$~g", dtick=1 if log_scale and len(paid) else None, automargin=True)
free = len(result) - len(paid)
summary = (
    f"{len(result)} models priced for this workload; the cheapest paid is {cheapest['Model']} at "
    + (
        f"{charts.money(float(cheapest['Cost (USD, est.)']))}, the dearest {paid.iloc[-1]['Model']} at "
        f"{charts.money(float(paid.iloc[-1]['Cost (USD, est.)']))}"
        if len(paid)
        else "$0"
    )
    + (f"; {free} cost nothing per token" if free else "")
    + " (est.; every figure is in the table below)."
)
charts.show(charts.Chart(figure, summary), "chart_workload")
st.dataframe(
    result,
    hide_index=True,
    key="costs_workload",
    column_config={
        "Model": st.column_config.TextColumn(width="medium"),
        "Cost (USD, est.)": st.column_config.NumberColumn(format="$%.2f", help=f"What the workload costs over {work.days} days (est.)."),
        "Endpoint cheaper above (requests/day)": st.column_config.TextColumn(
            width="medium", help="Above this many requests a day a dedicated endpoint running all month would be cheaper."
        ),
        "Price change": st.column_config.TextColumn(width="medium"),
    },
)
st.caption(pricing.endpoint_note())
