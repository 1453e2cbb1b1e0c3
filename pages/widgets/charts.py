"""Plotly figures shared by the Usage and Costs pages: one fixed colour per provider everywhere,
titles that say the finding, axis labels with units, hover details — and a one-line text summary under
each, which a screen reader reads (a chart's picture says nothing to it) and which never leans on colour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from council.runs.providers import label, specs

# One colour per provider, on every chart, declared with each provider (Okabe–Ito, readable for colour-blind people).
PROVIDER_COLORS: dict[str, str] = {s.label: s.colour for s in specs()}


@dataclass(frozen=True)
class Chart:
    figure: go.Figure
    summary: str  # what the chart shows, in one line of words (read aloud; also what it says without colour)


def show(chart: Chart, key: str, where: Any = st) -> None:
    """The chart, then its summary as text right under it."""
    where.plotly_chart(chart.figure, key=key)
    where.caption(f"Chart, in words: {chart.summary}")


def _listed(pairs: list[tuple[str, str]], most: int = 6) -> str:
    shown = [f"{name} {value}" for name, value in pairs[:most]]
    return ", ".join(shown) + (f" and {len(pairs) - most} more" if len(pairs) > most else "")


def _style(fig: go.Figure) -> go.Figure:
    """Titles that fit (a second line in a smaller font for the details), the legend under the plot
    (never over the data), axis labels that are never clipped."""
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 70, "b": 90},
        # under the plot, in the figure's own bottom margin: never over the data or an axis title
        legend={"title": {"text": "Provider"}, "orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
        hovermode="x unified",
    )
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def title(finding: str, detail: str = "") -> str:
    """A chart title: the finding, then its details on a second, smaller line (so neither is cut)."""
    return finding + (f"<br><sup>{detail}</sup>" if detail else "")


def money(usd: float) -> str:
    """Dollars with sensible precision: "$12.16", "$0.034", "$0.00012", "$0"."""
    if usd <= 0:
        return "$0"
    if usd >= 1:
        return f"${usd:,.2f}"
    digits = 2
    while usd < 10 ** (-digits) and digits < 8:
        digits += 1
    return f"${usd:.{digits + 1}f}".rstrip("0").rstrip(".")


def money_axis(largest: float) -> dict:
    """A dollar axis that starts at $0 (a cost is never negative) with as many decimals as its values need."""
    digits = 2
    while largest and largest < 10 ** (-digits) * 10 and digits < 8:
        digits += 1
    axis = {"tickprefix": "$", "tickformat": f",.{digits}f", "rangemode": "nonnegative"}
    return axis | ({"range": [0, largest * 1.15]} if largest > 0 else {})  # from $0 to a little above the most


def requests_per_day(rows: list[tuple], noun: str = "request") -> Chart:
    df = pd.DataFrame(rows, columns=["day", "provider", "requests", "errors"])
    df["provider"] = df["provider"].map(label)
    top = df.groupby("provider")["requests"].sum().sort_values(ascending=False)
    total = int(df["requests"].sum())
    heading = title(f"{total:,} {noun}{'' if total == 1 else 's'}", f"most to {top.index[0]} ({int(top.iloc[0]):,})")
    fig = px.bar(df, x="day", y="requests", color="provider", color_discrete_map=PROVIDER_COLORS, title=heading, hover_data=["errors"])
    fig.update_layout(barmode="stack", xaxis_title="Day (UTC)", yaxis_title=noun.capitalize() + "s")
    fig.update_xaxes(type="category")  # one bar a day, labelled by its date (not clock times between two days)
    days = sorted(str(d) for d in df["day"].unique())
    when = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    summary = f"{total:,} {noun}{'' if total == 1 else 's'} on {when}, by provider: " + _listed(
        [(str(p), f"{int(n):,}") for p, n in top.items()]
    )
    return Chart(_style(fig), summary + ".")


def errors_by_kind(rows: list[tuple], kind_names: dict[str, str]) -> Chart:
    df = pd.DataFrame(rows, columns=["provider", "kind", "count"])
    df["provider"] = df["provider"].map(label)
    df["error"] = df["kind"].map(lambda k: kind_names.get(k, k))
    totals = df.groupby("error")["count"].sum().sort_values(ascending=False)
    heading = title(f"Most common error: {totals.index[0].lower()}", f"{int(totals.iloc[0]):,} of {int(totals.sum()):,} failed requests")
    fig = px.bar(df, x="count", y="error", color="provider", orientation="h", color_discrete_map=PROVIDER_COLORS, title=heading)
    fig.update_layout(barmode="stack", xaxis_title="Failed requests", yaxis_title="", yaxis={"categoryorder": "total ascending"})
    summary = f"{int(totals.sum()):,} failed requests, by kind: " + _listed([(str(k).lower(), f"{int(n):,}") for k, n in totals.items()])
    return Chart(_style(fig), summary + ".")


def latency(rows: list[tuple]) -> Chart:
    """A dot at the median, a whisker to the 95th percentile, per provider and model."""
    df = pd.DataFrame(rows, columns=["provider", "model", "timed", "p50", "p95"])
    df["provider"] = df["provider"].map(label)
    df["name"] = df["provider"] + "<br>" + df["model"]  # two short lines: a row label that is never clipped
    df["spread"] = df["p95"] - df["p50"]
    df = df.sort_values("p50", ascending=False)
    fastest = df.iloc[-1]
    fig = px.scatter(
        df,
        x="p50",
        y="name",
        color="provider",
        error_x="spread",
        error_x_minus=[0] * len(df),
        color_discrete_map=PROVIDER_COLORS,
        title=title("Fastest at the median", f"{fastest['provider']} \u00b7 {fastest['model']} (\u2264 {fastest['p50']:g} s)"),
        hover_data={"timed": True, "p95": True, "spread": False, "name": False},
        labels={"p50": "median (s)", "p95": "95th percentile (s)", "timed": "timed requests"},
    )
    fig.update_traces(marker={"size": 12})
    fig.update_layout(xaxis_title="Latency (s)", yaxis_title="", hovermode="closest")
    fig.add_annotation(  # what the marks mean, in a line that fits any width
        text="dot = median, whisker = 95th percentile",
        xref="paper",
        yref="paper",
        x=1,
        y=1.02,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font={"size": 11},
    )
    fig.update_layout(height=max(320, 110 + 60 * len(df)))
    fastest_first = df.sort_values("p50")
    summary = "Median latency, fastest first (95th percentile in brackets): " + _listed(
        [(f"{r.provider} {r.model}", f"{r.p50:g} s ({r.p95:g} s)") for r in fastest_first.itertuples()]
    )
    return Chart(_style(fig), summary + ".")


def tokens_and_cost(rows: list[tuple]) -> Chart:
    """Tokens a day by provider; the cost a day as a line on its own dollar axis — only when something cost
    money (an axis from $0.00 to $0.94 over nothing spent would mislead)."""
    df = pd.DataFrame(rows, columns=["day", "provider", "prompt_tokens", "completion_tokens", "cost_usd"])
    df["provider"] = df["provider"].map(label)
    df["tokens"] = df["prompt_tokens"] + df["completion_tokens"]
    df["cost"] = df["cost_usd"].map(money)
    spent = float(df["cost_usd"].sum())
    fig = px.bar(
        df,
        x="day",
        y="tokens",
        color="provider",
        color_discrete_map=PROVIDER_COLORS,
        title=title(f"{int(df['tokens'].sum()):,} tokens", f"for {money(spent)} (est.)" if spent > 0 else "at no cost (est.)"),
        hover_data={"cost": True},
    )
    fig.update_layout(barmode="stack", xaxis_title="Day (UTC)", yaxis_title="Tokens (in + out)")
    if spent > 0:
        cost = df.groupby("day", as_index=False)["cost_usd"].sum()
        fig.add_scatter(
            x=cost["day"],
            y=cost["cost_usd"],
            name="Cost (USD, est.)",
            yaxis="y2",
            mode="lines+markers",
            line={"color": "#000000"},
            hovertemplate="%{y:$.6f}<extra>Cost (est.)</extra>",
        )
        fig.update_layout(
            yaxis2={
                "title": "Cost (USD, est.)",
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                **money_axis(float(cost["cost_usd"].max())),
            },
        )
    fig.update_xaxes(type="category")  # one bar a day, labelled by its date
    by_provider = df.groupby("provider")[["tokens", "cost_usd"]].sum().sort_values("tokens", ascending=False)
    summary = (
        f"{int(df['prompt_tokens'].sum()):,} tokens in and {int(df['completion_tokens'].sum()):,} out, "
        f"{'for ' + money(spent) if spent > 0 else 'at no cost'} (est.), by provider: "
        + _listed([(str(p), f"{int(r.tokens):,} tokens, {money(float(r.cost_usd))}") for p, r in by_provider.iterrows()])
    )
    return Chart(_style(fig), summary + ".")


def quota_gauge(name: str, share: float, text: str) -> Chart:
    color = "#D55E00" if share >= 1 else "#E69F00" if share >= 0.8 else "#009E73"
    fig = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=round(share * 100, 1),
            number={"suffix": "%"},
            title={"text": f"{name}<br><sub>{text}</sub>"},
            gauge={
                "axis": {"range": [0, 100]},
                "bar": {"color": color},
                "threshold": {"line": {"color": "#000000", "width": 2}, "value": 80},
            },
        )
    )
    fig.update_layout(height=230, margin={"l": 20, "r": 20, "t": 70, "b": 10})
    state = "used up" if share >= 1 else "nearly used up" if share >= 0.8 else "in use"
    return Chart(fig, f"{name}: {share:.0%} of the quota {state} ({text}).")
