"""The Usage & quota page on seeded data: numbers right, charts present with their findings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from council.storage.usage import MODEL_LIST, TOKEN_CHECK, LedgerRow, ledger
from tests.helpers import history, shown_text, start


def seed() -> None:
    now = datetime.now(UTC)
    rows = []
    for day in range(3):
        ts = now - timedelta(days=day)
        rows += [LedgerRow("groq", "openai/gpt-oss-20b", "playground", "ok", 200, 0.4, 0.1, 100, 50, 0.001, ts=ts) for _ in range(4)]
        rows += [LedgerRow("huggingface", "acme/m", "playground", "rate_limit", 429, 0.2, ts=ts)]
    rows += [LedgerRow("huggingface", "acme/m", "check", "auth", 401, 0.1, ts=now) for _ in range(6)]
    rows += [LedgerRow("local", "SmolLM2-135M-Instruct", "playground", "ok", 200, 2.5, 0.3, 40, 60, 0.0, ts=now)]
    rows += [LedgerRow("openai", "gpt-4o-mini", "playground", "ok", 200, 1.0, ts=now - timedelta(days=60))]  # outside 30 days
    # housekeeping: model lists and token checks (one refused), counted apart from model answers
    rows += [LedgerRow("groq", MODEL_LIST, "check", "ok", 200, 0.05, ts=now) for _ in range(3)]
    rows += [
        LedgerRow("openai", TOKEN_CHECK, "check", "ok", 200, 0.05, ts=now),
        LedgerRow("openai", TOKEN_CHECK, "check", "auth", 401, 0.05, ts=now),
    ]
    ledger().record(rows)


def open_usage():
    at = start()
    at.switch_page("pages/usage.py").run()
    assert not at.exception
    return at


def test_empty_state_teaches():
    at = open_usage()
    assert "No requests in these dates yet" in shown_text(at)
    assert any(link.label == "Ask something in the Playground" for link in at.get("page_link"))


def test_seeded_numbers_and_charts():
    seed()
    at = open_usage()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Model requests"] == "22"  # 12 groq + 3 + 6 hf + 1 local (the 60-day-old one is outside)
    assert metrics["Failed"] == "9 (41%)"
    assert metrics["Tokens"] == f"{12 * 150 + 100:,}"
    assert metrics["Cost (est.)"] == "$0.012"
    assert "Not counted above: 5 housekeeping calls (token checks, model lists, Hub searches)." in shown_text(at)
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    titles = [spec["layout"]["title"]["text"] for spec in specs if "text" in spec["layout"].get("title", {})]
    assert "22 model requests<br><sup>most to Groq (12)</sup>" in titles
    assert "Most common error: the token was not accepted<br><sup>6 of 9 failed requests</sup>" in titles
    assert "Fastest at the median<br><sup>Hugging Face \u00b7 acme/m (\u2264 0.1 s)</sup>" in titles
    latency = next(s for s in specs if s["layout"]["title"]["text"].startswith("Fastest"))
    assert not [y for trace in latency["data"] for y in trace["y"] if "(model list)" in y or "(token check)" in y]
    assert "1,900 tokens<br><sup>for $0.012 (est.)</sup>" in titles
    tokens = next(s for s in specs if s["layout"]["title"]["text"].startswith("1,900 tokens"))
    money_axis = tokens["layout"]["yaxis2"]
    assert money_axis["tickprefix"] == "$" and money_axis["rangemode"] == "nonnegative"  # never a negative cost, no "μ"
    assert all(spec["layout"]["legend"]["orientation"] == "h" for spec in specs if "legend" in spec["layout"])  # under the plot
    requests_chart = next(s for s in specs if s["layout"].get("title", {}).get("text", "").startswith("22 model requests"))
    assert requests_chart["layout"]["yaxis"]["title"]["text"] == "Model requests"
    assert {trace["name"] for trace in requests_chart["data"]} == {"Groq", "Hugging Face", "Bundled model (offline)"}
    assert "7 of 7 requests to Hugging Face failed" in shown_text(at)  # today: 1 rate limit + 6 auth
    table = at.dataframe[0].value
    assert len(table) == 28 and set(table["Outcome"]) >= {"answered", "The token was not accepted (401)", "Too many requests (429)"}
    at.toggle(key="w_usage_housekeeping").set_value(True).run()  # one click away
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Requests"] == "27" and metrics["Failed"] == "10 (37%)"
    assert "Not counted above" not in shown_text(at)


def test_quota_gauge_and_alert(monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_usagePageKey0123456789abc")
    ledger().record([LedgerRow("groq", "m", "playground", "ok", 200, ts=datetime.now(UTC)) for _ in range(9)])
    at = start()
    at.session_state["quotas"] = {"groq": {"requests_per_day": 10, "usd_per_month": None}}
    at.switch_page("pages/usage.py").run()
    gauges = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if json.loads(c.proto.spec)["data"][0].get("type") == "indicator"]
    assert len(gauges) == 1 and gauges[0]["data"][0]["value"] == 90.0
    assert "Groq is at 90% of its quota: 9 of 10 requests today (est.)" in shown_text(at)


def test_real_use_of_the_bundled_model_shows_up(bundled_model):
    from tests.helpers import send

    at = start()
    at.number_input(key="w_pg_max_new_tokens").set_value(8).run()
    send(at, "Hello")
    at.switch_page("pages/usage.py").run()
    metrics = {m.label: m.value for m in at.metric}
    answer = history(at)[-1]["meta"]["metrics"]
    assert metrics["Model requests"] == "1" and metrics["Failed"] == "0 (0%)" and metrics["Cost (est.)"] == "$0"
    assert metrics["Tokens"] == f"{answer['prompt_tokens'] + answer['completion_tokens']:,}"
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]
    assert "1 model request<br><sup>most to Bundled model (offline) (1)</sup>" in titles
