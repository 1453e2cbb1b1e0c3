"""Plotly figures shared by the Usage and Costs pages: one fixed colour per provider everywhere,
titles that say the finding, axis labels with units, hover details."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from council.runs.providers import label, specs

# One colour per provider, on every chart, declared with each provider (Okabe–Ito, readable for colour-blind people).
PROVIDER_COLORS: dict[str, str] = {s.label: s.colour for s in specs()}


def _style(fig: go.Figure) -> go.Figure:
    fig.update_layout(margin={"l": 10, "r": 10, "t": 60, "b": 10}, legend_title_text="Provider", hovermode="x unified")
    return fig


def requests_per_day(rows: list[tuple]) -> go.Figure:
    df = pd.DataFrame(rows, columns=["day", "provider", "requests", "errors"])
    df["provider"] = df["provider"].map(label)
    top = df.groupby("provider")["requests"].sum().sort_values(ascending=False)
    total = int(df["requests"].sum())
    title = f"{total:,} request{'' if total == 1 else 's'}; most to {top.index[0]} ({int(top.iloc[0]):,})"
    fig = px.bar(df, x="day", y="requests", color="provider", color_discrete_map=PROVIDER_COLORS, title=title, hover_data=["errors"])
    fig.update_layout(barmode="stack", xaxis_title="Day (UTC)", yaxis_title="Requests")
    return _style(fig)


def errors_by_kind(rows: list[tuple], kind_names: dict[str, str]) -> go.Figure:
    df = pd.DataFrame(rows, columns=["provider", "kind", "count"])
    df["provider"] = df["provider"].map(label)
    df["error"] = df["kind"].map(lambda k: kind_names.get(k, k))
    totals = df.groupby("error")["count"].sum().sort_values(ascending=False)
    title = f"Most common error: {totals.index[0].lower()} ({int(totals.iloc[0]):,} of {int(totals.sum()):,})"
    fig = px.bar(df, x="count", y="error", color="provider", orientation="h", color_discrete_map=PROVIDER_COLORS, title=title)
    fig.update_layout(barmode="stack", xaxis_title="Failed requests", yaxis_title="", yaxis={"categoryorder": "total ascending"})
    return _style(fig)


def latency(rows: list[tuple]) -> go.Figure:
    """A dot at the median, a whisker to the 95th percentile, per provider and model."""
    df = pd.DataFrame(rows, columns=["provider", "model", "timed", "p50", "p95"])
    df["provider"] = df["provider"].map(label)
    df["name"] = df["provider"] + " \u00b7 " + df["model"]
    df["spread"] = df["p95"] - df["p50"]
    df = df.sort_values("p50", ascending=False)
    fastest = df.iloc[-1]
    title = f"Fastest at the median: {fastest['name']} (\u2264 {fastest['p50']:g} s)"
    fig = px.scatter(
        df,
        x="p50",
        y="name",
        color="provider",
        error_x="spread",
        error_x_minus=[0] * len(df),
        color_discrete_map=PROVIDER_COLORS,
        title=title,
        hover_data={"timed": True, "p95": True, "spread": False, "name": False},
        labels={"p50": "median (s)", "p95": "95th percentile (s)", "timed": "timed requests"},
    )
    fig.update_traces(marker={"size": 12})
    fig.update_layout(
        xaxis_title="Latency: dot = median, whisker = 95th percentile (s, bucket bounds)", yaxis_title="", hovermode="closest"
    )
    return _style(fig)


def tokens_and_cost(rows: list[tuple]) -> go.Figure:
    df = pd.DataFrame(rows, columns=["day", "provider", "prompt_tokens", "completion_tokens", "cost_usd"])
    df["provider"] = df["provider"].map(label)
    df["tokens"] = df["prompt_tokens"] + df["completion_tokens"]
    title = f"{int(df['tokens'].sum()):,} tokens for ${df['cost_usd'].sum():.4f} (est.)"
    fig = px.bar(
        df, x="day", y="tokens", color="provider", color_discrete_map=PROVIDER_COLORS, title=title, hover_data={"cost_usd": ":.4f"}
    )
    cost = df.groupby("day", as_index=False)["cost_usd"].sum()
    fig.add_scatter(x=cost["day"], y=cost["cost_usd"], name="Cost (USD, est.)", yaxis="y2", mode="lines+markers", line={"color": "#000000"})
    fig.update_layout(
        barmode="stack",
        xaxis_title="Day (UTC)",
        yaxis_title="Tokens (in + out)",
        yaxis2={"title": "Cost (USD, est.)", "overlaying": "y", "side": "right", "showgrid": False},
    )
    return _style(fig)


def quota_gauge(name: str, share: float, text: str) -> go.Figure:
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
    return fig
