"""Costs: dated prices, the guide's own table labelled as such, the workload estimator's arithmetic."""

from __future__ import annotations

import json

import pytest

from council.facts import pricing, quotas
from tests.helpers import shown_text, start


def test_workload_arithmetic_by_hand():
    work = pricing.Workload(100, 1000, 500, 30)  # 3,000 requests
    assert pricing.workload_cost(0.15, 0.60, work) == pytest.approx(3000 * (1000 * 0.15 + 500 * 0.60) / 1e6)  # $1.35
    # endpoint: $0.60/h * 720 h = $432 a month = $14.40 a day; one request costs $0.00045 -> 32,000 requests/day
    assert pricing.break_even_requests_per_day(0.15, 0.60, work) == pytest.approx(14.40 / 0.00045)
    assert pricing.break_even_requests_per_day(0.0, 0.0, work) is None


def test_free_tiers():
    assert quotas.free_tier_covers("gemini", 20, 0.5) is True and quotas.free_tier_covers("gemini", 21, 0.5) is False
    # no free monthly credits on Hugging Face any more (data/plans.toml): no free tier covers a paid workload
    assert quotas.free_tier_covers("huggingface", 10, 0.05) is False
    assert quotas.free_tier_covers("openai", 1, 0.01) is False
    assert quotas.free_tier_covers("local", 10_000, 0) is True


def test_guide_table_is_kept_and_labelled():
    rows = pricing.guide_cost_table()
    assert rows[0] == {"provider": "HuggingFace", "cost_per_1m": "$0.00", "rate_limit": "~1000/day", "notes": "Free tier"}


def test_the_costs_page(hf_env):
    at = start()
    at.switch_page("pages/costs.py").run()
    assert not at.exception
    text = shown_text(at)
    assert "As stated in the original guide" in text and "Paste a Hugging Face token" in text
    prices = at.dataframe[0].value
    row = prices[prices["Model"] == "gpt-4o-mini"].iloc[0]
    assert (row["Input ($/1M)"], row["Output ($/1M)"], row["As of"]) == (0.15, 0.60, "2026-11-29")
    assert row["Source"].startswith("genai-prices") and row["Price change"] == "\u2014"
    flash = prices[prices["Model"] == "gemini-3.8-flash"].iloc[0]
    assert flash["Price change"] == "from 2027-01-01: $1.5 / $7.5 per 1M"  # the data package's dated step
    at.number_input(key="w_cost_requests").set_value(100).run()
    at.number_input(key="w_cost_in").set_value(1000).run()
    at.number_input(key="w_cost_out").set_value(500).run()
    workload = at.dataframe[-1].value
    mini = workload[workload["Model"] == "gpt-4o-mini"].iloc[0]
    assert mini["Cost (USD, est.)"] == pytest.approx(1.35) and mini["Free tier covers it"] == "no"
    assert mini["Endpoint cheaper above (requests/day)"] == "32,000"
    local = workload[workload["Model"] == "SmolLM2-135M-Instruct"].iloc[0]
    assert local["Cost (USD, est.)"] == 0 and local["Free tier covers it"] == "yes"
    (figure,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert figure["layout"]["title"]["text"].startswith("Cheapest paid option: openai/gpt-oss-20b<br><sup>$")
    assert figure["layout"]["xaxis"]["type"] == "log"


def test_live_router_prices_with_a_token(hf_env):
    from tests.helpers import paste_token

    at = start()
    paste_token(at, "hf_CostsToken0123456789abcdef")
    at.switch_page("pages/costs.py").run()
    live = at.dataframe[2].value
    assert list(live["Model"]) == ["openai/gpt-oss-120b"] and live.iloc[0]["Input ($/1M)"] == 0.15
