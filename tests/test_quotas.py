"""Quotas: estimates with sources, warnings at 80%, refusal before sending at 100%, fallback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters import errors
from adapters.errors import RateLimitInfo
from council.facts import quotas
from council.storage.usage import LedgerRow, ledger


def fill(provider: str, n: int, cost: float = 0.0) -> None:
    ledger().record([LedgerRow(provider, "m", "playground", "ok", 200, cost_usd=cost, ts=datetime.now(UTC)) for _ in range(n)])


def test_defaults_are_sourced_estimates():
    hf = quotas.DEFAULTS["huggingface"]
    # no free monthly credits any more (the pricing page's later copy): the budget is the user's to set
    assert hf.usd_per_month is None and "no free monthly credits" in hf.source and "1,000 requests/day" in hf.note
    assert quotas.DEFAULTS["gemini"].requests_per_day == 20 and quotas.DEFAULTS["groq"].requests_per_day == 1000
    for quota in quotas.DEFAULTS.values():
        assert quota.source and quota.as_of


def test_user_settings_override_and_zero_means_no_limit():
    assert quotas.effective("groq", {"groq": {"requests_per_day": 5, "usd_per_month": None}}).requests_per_day == 5
    assert quotas.effective("groq", {"groq": {"requests_per_day": None, "usd_per_month": None}}).requests_per_day is None
    assert quotas.effective("ollama", {}).requests_per_day is None


@pytest.mark.parametrize(("used", "level"), [(0, "ok"), (7, "ok"), (8, "warn"), (9, "warn"), (10, "exhausted"), (12, "exhausted")])
def test_levels_by_requests(used, level):
    fill("groq", used)
    state = quotas.state("groq", quotas.Quota(requests_per_day=10), ledger())
    assert state.level == level
    assert f"{used} of 10 requests today (est.)" in state.describe()


def test_money_per_month_counts_too():
    fill("huggingface", 2, cost=0.045)
    budget = quotas.effective("huggingface", {"huggingface": {"usd_per_month": 0.10}})  # a budget the user set
    state = quotas.state("huggingface", budget, ledger())
    assert state.fraction == pytest.approx(0.9) and state.level == "warn"
    assert "$0.09 of $0.10 this month (est.)" in state.describe()


def test_the_providers_own_count_is_shown_and_used():
    reported = RateLimitInfo(limit_requests=100, remaining_requests=5)
    state = quotas.state("groq", quotas.Quota(requests_per_day=1000), ledger(), reported)
    assert state.level == "warn" and state.describe().startswith("5 requests left (reported by the provider)")


def test_refusal_is_a_quota_error_in_plain_words():
    fill("gemini", 20)
    with pytest.raises(errors.QuotaExhaustedError, match="The request was not sent") as info:
        quotas.guard({}, ledger())(type("T", (), {"provider": "gemini"})())
    assert "Google Gemini" in info.value.user_message and not info.value.retryable


@pytest.mark.local_model
def test_quota_transitions_in_the_playground(fake_groq, monkeypatch, bundled_model):
    from tests.helpers import PROVIDER_KEYS as KEYS
    from tests.helpers import history, send, settings_token, shown_text, start

    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    at = settings_token(start(), "groq", KEYS["groq"])
    at.number_input(key="w_quota_groq_requests_per_day").set_value(10).run()
    fill("groq", 7)
    at.switch_page("pages/playground.py").run()
    at.selectbox(key="w_pg_provider").set_value("groq").run()
    at.number_input(key="w_pg_max_new_tokens").set_value(8).run()
    send(at, "one")  # 7 -> 8 of 10: 80%
    assert history(at)[-1]["meta"]["provider"] == "groq"
    assert "Close to your quota" in shown_text(at) and "8 of 10 requests today (est.)" in shown_text(at)
    assert any("Quota at 80%" in t.value for t in at.toast)
    fill("groq", 2)  # 10 of 10
    sent_before = len(fake_groq.requests_to("chat"))
    send(at, "two")
    refused = history(at)[-1]["meta"]["error"]
    assert refused["kind"] == "quota" and "was not sent" in refused["message"]
    assert len(fake_groq.requests_to("chat")) == sent_before  # refused before it was sent
    at.toggle(key="w_pg_fallback").set_value(True).run()
    send(at, "three")
    answer = history(at)[-1]
    assert answer["meta"]["provider"] == "local" and answer["content"].strip()
    assert "because Groq" in shown_text(at) and "credits or quota used up" in shown_text(at)
    assert len(fake_groq.requests_to("chat")) == sent_before


def test_credit_figures_live_in_one_data_file():
    """The Troubleshooting entry, the 402 advice and the Costs page read Hugging Face's plans from
    council/facts/data/plans.toml; no code file carries a credit figure."""
    import re
    from pathlib import Path

    from council.facts import plans
    from council.facts.troubleshooting import BY_ID

    assert plans.credits_sentence() in BY_ID["credits"].means
    assert "free accounts get no included credits" in plans.credits_sentence() and "$2 of compute credits" in plans.credits_sentence()
    root = Path(__file__).resolve().parents[1]
    for path in [*root.glob("adapters/*.py"), *root.glob("council/**/*.py"), *root.glob("pages/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\$0\.10 (?:a|per) month|PRO \$2\b", text), path.name
