"""The Council: routing, the ranking parser, shuffled anonymous review orders, aggregation and
consensus, fallbacks and failures against fakes, the estimate, and the whole flow offline on the
bundled model (CLI and page)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from council.facts.registry import ModelEntry
from council.runs import council_estimate, deliberation, exports, routing
from council.runs.council_estimate import Budget
from council.runs.deliberation import Context
from council.runs.providers import Connection
from council.runs.ranking import aggregate, consensus, kendall_tau, parse_ranking, review_orders
from council.runs.routing import Member
from council.settings import RetrySettings
from tests.helpers import shown_text, start

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"huggingface": "hf_CouncilCanary0123456789ab", "openai": "sk-CouncilCanary0123456789ab", "groq": "gsk_CouncilCanary0123456789ab"}


# ---- routing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "task"),
    [
        ("Fix this Python function: def f(x): return x +", "code"),
        ("Summarize the key points of this article", "summarization"),
        ("Is it true that goldfish have a three-second memory?", "fact-checking"),
        ("Write a poem about autumn", "creative"),
        ("What does the research literature say about sleep and memory?", "research"),
        ("How many weighings find the odd coin among twelve?", "reasoning"),
        ("What is 17 * 23?", "reasoning"),
        ("Hello there", "general"),
    ],
)
def test_rules_route_questions_and_say_why(question, task):
    found = routing.detect(question)
    assert found.task == task
    assert (found.reasons == []) == (task == "general")
    expected = "No rule matched, so the question is treated as general." if task == "general" else f"Routed to {task} because"
    assert found.explain().startswith(expected)


def _entry(provider, model, strengths=("general",), status="served", price=(1.0, 1.0), context=8192):
    return ModelEntry(provider, model, "chat", context, tuple(strengths), *price, status=status)


def test_members_suit_the_task_and_spread_over_providers():
    candidates = [
        _entry("huggingface", "hf-coder", ("code",)),
        _entry("huggingface", "hf-general"),
        _entry("groq", "groq-coder", ("code", "reasoning")),
        _entry("openai", "oa-writer", ("creative",)),
        _entry("gemini", "retired", ("code",), status="not_served"),
    ]
    plan = routing.choose("code", "balanced", candidates)
    assert not plan.offline and len(plan.members) == 3
    assert {m.model for m in plan.members[:2]} == {"hf-coder", "groq-coder"}  # the code models first, one per provider
    assert "retired" not in {m.model for m in plan.members}
    assert len(routing.choose("code", "fast", candidates).members) == 2
    assert len(routing.choose("code", "best", candidates).members) == 4


def test_with_nothing_reachable_the_council_sits_on_the_bundled_model():
    plan = routing.choose("creative", "balanced", [])
    assert plan.offline and {m.provider for m in plan.members} == {"local"}
    assert len({m.persona for m in plan.members}) == 3 and len({m.temperature for m in plan.members}) == 3
    assert plan.chairman.persona and "bundled model" in plan.why


def test_provider_model_splits_on_the_first_colon_only():
    assert routing.parse_member("huggingface:org/x:groq") == Member("huggingface", "org/x:groq")
    assert routing.parse_member("ollama:llama3.2:latest") == Member("ollama", "llama3.2:latest")
    with pytest.raises(ValueError):
        routing.parse_member("no-colon")


# ---- reviews -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ranking", "parsed"),
    [
        ("B is thorough; C is wrong.\n\nFINAL RANKING:\n1. Answer B\n2. Answer C\n3. Answer D", ["B", "C", "D"], True),
        ("**Final Ranking:**\n1) Response C\n2) Response B", ["C", "B"], True),
        ("Both fine.\nFINAL RANKING: Answer D, then Answer B", ["D", "B"], True),
        ("My ranking:\n1. Answer C\n2. Answer B\n3. Answer D", ["C", "B", "D"], True),  # the header is missing
        ("Answer B is better than Answer C because it is clearer.", [], False),  # prose only: not guessed at
        ("asdf qwer 1234 !!", [], False),
        ("", [], False),
        ("FINAL RANKING:\n1. Answer A\n2. Answer B\n3. Answer B\n4. Answer Z\n5. Answer C", ["B", "C"], True),  # own, repeated, unknown
    ],
)
def test_ranking_parser(text, ranking, parsed):
    assert parse_ranking(text, ["B", "C", "D"]) == (ranking, parsed)


@pytest.mark.parametrize("size", [2, 3, 4, 5, 6])
def test_each_reviewer_sees_the_others_in_its_own_shuffled_order(size):
    labels = list(deliberation.LABELS[:size])
    disagreements = 0
    for seed in range(40):
        orders = review_orders(labels, random.Random(seed))
        assert set(orders) == set(labels)
        for reviewer, order in orders.items():  # a permutation of the others' labels, never its own
            assert reviewer not in order and sorted(order) == sorted(x for x in labels if x != reviewer)
        if size >= 4:  # A and B both see C and D: shuffled separately, they sometimes read them in opposite orders
            a, b = orders["A"], orders["B"]
            disagreements += (a.index("C") < a.index("D")) != (b.index("C") < b.index("D"))
    if size >= 4:
        assert disagreements > 0


def test_orders_are_shuffled_not_fixed():
    firsts = {review_orders(list("ABCDE"), random.Random(seed))["A"][0] for seed in range(40)}
    assert len(firsts) >= 3  # the first answer a reviewer reads varies


def test_kendall_tau_aggregate_and_consensus():
    assert kendall_tau(["A", "B", "C"], ["A", "B", "C"]) == 1.0
    assert kendall_tau(["A", "B", "C"], ["C", "B", "A"]) == -1.0
    assert kendall_tau(["A", "B"], ["B", "C"]) is None  # one answer in common
    reviews = [
        {"parsed": True, "ranking": ["B", "C"]},  # by A
        {"parsed": True, "ranking": ["A", "C"]},  # by B
        {"parsed": False, "ranking": []},  # by C, unreadable
    ]
    agg = aggregate([("A", "p", "a"), ("B", "p", "b"), ("C", "p", "c")], reviews)
    assert [(a["label"], a["avg_rank"], a["votes"]) for a in agg] == [("A", 1.0, 1), ("B", 1.0, 1), ("C", 2.0, 2)]
    assert consensus(reviews) is None  # the two readable reviews share only one answer: no pair to compare
    assert consensus([reviews[0]]) is None
    four = [
        {"parsed": True, "ranking": ["B", "C", "D"]},
        {"parsed": True, "ranking": ["C", "B", "D"]},
        {"parsed": True, "ranking": ["B", "C"]},
    ]
    # pairs: (1,2) tau 1/3 over B,C,D; (1,3) tau 1 over B,C; (2,3) tau -1 over B,C → mean 1/9
    assert consensus(four) == pytest.approx((1 / 3 + 1 - 1) / 3)
    assert aggregate([("D", "p", "d")], reviews)[0]["avg_rank"] is None


def test_estimate_counts_members_reviewers_and_chairman():
    members = [Member("openai", "gpt-4o-mini"), Member("groq", "openai/gpt-oss-20b"), Member("local", "SmolLM2-135M-Instruct")]
    est = council_estimate.estimate("What is a council?", members, members[0], Budget(answer=100, review=50, final=200))
    assert est.requests == 10 and est.by_provider == {"openai": 4, "groq": 3, "local": 3}  # each review in two orders
    assert est.cost_usd is not None and est.cost_usd > 0 and est.tokens_out == 3 * 100 + 6 * 50 + 200
    once = council_estimate.estimate("What is a council?", members, members[0], Budget(answer=100, review=50, final=200), both_orders=False)
    assert once.requests == 7 and once.by_provider == {"openai": 3, "groq": 2, "local": 2}
    unknown = council_estimate.estimate("Q", [Member("huggingface", "fake/unpriced"), members[0]], members[0], Budget())
    assert unknown.cost_usd is None


# ---- against the fakes -------------------------------------------------------------------------


@pytest.fixture
def remote(monkeypatch, hf_env, fake_openai, fake_groq):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    return Connection(tokens=dict(KEYS), base_urls={}, visitor_is_local=True)


def _ctx(conn, fallback=("groq",)) -> Context:
    return Context(conn, fallback_order=fallback, settings=RetrySettings(3, 5.0), rng=random.Random(7))


async def test_a_rate_limited_member_falls_back_and_the_transcript_says_so(remote, hf_env):
    members = [Member("huggingface", "fake/rate-limited"), Member("openai", "gpt-4o-mini"), Member("openai", "gpt-5-mini")]
    transcript = await deliberation.deliberate("Why is the sky blue?", "reasoning", "balanced", members, members[1], _ctx(remote))
    t = transcript.to_dict()
    first = t["stage1"][0]
    assert first["provider"] == "groq" and first["error"] is None
    assert first["fallback_from"]["provider"] == "huggingface" and first["fallback_from"]["status"] == 429
    assert first["fallback_from"]["kind"] == "rate_limit" and "cap" in first["fallback_from"]["message"]
    stage1 = [r for r in hf_env.requests_to("chat") if "reviewing" not in json.dumps(r.body)]
    assert len(stage1) == 1  # Retry-After 7 s is beyond the 5 s cap: no waiting, straight to groq
    assert "huggingface 429 \u2192 answered by groq" in exports.transcript_markdown(transcript)
    assert t["final"]["text"] and t["requests"] == (2 + 1 + 1) + 2 * (2 + 1 + 1) + 1  # A's answer and reviews each took two


async def test_a_failed_member_is_shown_and_the_council_goes_on(remote):
    members = [Member("huggingface", "fake/missing"), Member("openai", "gpt-4o-mini"), Member("groq", "openai/gpt-oss-20b")]
    transcript = await deliberation.deliberate("Hello?", "general", "balanced", members, members[1], _ctx(remote, fallback=()))
    t = transcript.to_dict()
    failed = t["stage1"][0]
    assert failed["error"]["kind"] == "not_found" and failed["error"]["status"] == 404 and failed["text"] == ""
    assert [r["reviewer_label"] for r in t["stage2"]] == ["B", "C"]
    assert all("A" not in r["order"] for r in t["stage2"])
    assert t["final"]["text"] and t["final"]["error"] is None


async def test_with_fewer_than_two_answers_the_council_stops_after_stage_one(remote):
    members = [Member("huggingface", "fake/missing"), Member("huggingface", "fake/gone"), Member("openai", "gpt-4o-mini")]
    transcript = await deliberation.deliberate("Hello?", "general", "fast", members, members[2], _ctx(remote, fallback=()))
    t = transcript.to_dict()
    assert t["stage2"] == [] and t["final"] is None and "at least two" in t["note"]


async def test_the_transcript_contract(remote):
    members = [Member("openai", "gpt-4o-mini"), Member("groq", "openai/gpt-oss-20b"), Member("openai", "gpt-5-mini")]
    transcript = await deliberation.deliberate("Q?", "general", "balanced", members, members[0], _ctx(remote, fallback=()))
    t = transcript.to_dict()
    assert {
        "schema_version",
        "question",
        "task",
        "mode",
        "members",
        "stage1",
        "stage2",
        "aggregate",
        "consensus",
        "final",
        "requests",
        "cost_usd",
    } <= set(t)
    assert [m["label"] for m in t["members"]] == ["A", "B", "C"]
    assert set(t["stage1"][0]) >= {"label", "provider", "model", "text", "latency_s", "error", "fallback_from"}
    for r in t["stage2"]:
        assert set(r) >= {"reviewer_label", "reviewer", "order", "ranking", "parsed", "text", "latency_s", "error"}
        assert r["reviewer_label"] not in r["order"] and r["reviewer_label"] not in r["ranking"]
    assert set(t["aggregate"][0]) == {"label", "provider", "model", "avg_rank", "votes"}
    assert {"provider", "model", "text"} <= set(t["final"])
    text = json.dumps(t)
    assert all(key not in text for key in KEYS.values())


# ---- offline, end to end -----------------------------------------------------------------------


@pytest.mark.local_model
def test_the_cli_runs_an_offline_council_with_a_full_transcript(bundled_model, tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_API_KEY"))}
    result = subprocess.run(
        [sys.executable, "-m", "council", "ask", "Why do cats purr?", "--council", "--mode", "fast", "--json"],
        cwd=ROOT,
        env={**clean, "COUNCIL_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    t = json.loads(result.stdout)
    assert t["schema_version"] == 1 and t["task"] == "reasoning" and t["mode"] == "fast"
    assert [m["provider"] for m in t["members"]] == ["local", "local"] and all(m["persona"] for m in t["members"])
    assert all(e["text"] for e in t["stage1"]) and len(t["stage2"]) == 2 and t["final"]["text"]
    # two answers, two grammar-bound reviews (they always parse), and the chairman once — or twice, when its first
    # answer recited its instructions, which depends on the words this processor's arithmetic made
    assert t["final"]["tries"] in (1, 2) and all(r["method"] == "grammar" and r["parsed"] for r in t["stage2"])
    assert t["requests"] == 2 + 2 + t["final"]["tries"] and t["cost_usd"] == 0.0


@pytest.mark.local_model
def test_the_cli_asks_one_model(bundled_model, tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_API_KEY"))}
    result = subprocess.run(
        [sys.executable, "-m", "council", "ask", "Say hello.", "--json"],
        cwd=ROOT,
        env={**clean, "COUNCIL_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and json.loads(result.stdout)["text"].strip()
    bad = subprocess.run(
        [sys.executable, "-m", "council", "ask", "x", "--model", "nocolon"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and "provider:model" in bad.stderr


@pytest.mark.local_model
def test_the_page_runs_all_three_stages_offline(bundled_model):
    at = start()
    at.switch_page("pages/council.py").run()
    assert not at.exception
    at.text_area(key="w_council_question").input("Write a short poem about rain").run()
    assert "Routed to creative" in "\n".join(c.value for c in at.caption)
    assert any(c.value.startswith("Before you run: 10 requests") for c in at.caption)  # each review in two orders
    at.segmented_control(key="w_council_mode").set_value("fast").run()
    assert any(c.value.startswith("Before you run: 5 requests") for c in at.caption)
    at.button(key="btn_council_run").click().run()
    assert not at.exception, at.exception
    t = at.session_state["council_transcript"].to_dict()
    assert len(t["stage1"]) == 2 and len(t["stage2"]) == 2 and t["final"]["text"]
    assert at.get_by_key("council_final") is not None
    assert [b.label for b in at.get("download_button")] == ["Transcript (JSON)", "Transcript (Markdown)"]
    from council.storage import history

    assert history.recent()[0].kind == "council"


def test_the_estimate_shows_each_providers_quota_share(monkeypatch, hf_env, fake_groq):
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    monkeypatch.setenv("GROQ_API_KEY", KEYS["groq"])
    monkeypatch.setenv("HUGGINGFACE_TOKEN", KEYS["huggingface"])
    at = start()
    at.session_state["quotas"] = {"huggingface": {"usd_per_month": 0.5}}  # a monthly budget the user set
    at.switch_page("pages/council.py").run()
    at.text_area(key="w_council_question").input("Explain how recursion works, step by step").run()
    assert not at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("Before you run"))
    assert "10 requests" in caption and "Groq:" in caption and "requests left today" in caption
    assert "Hugging Face:" in caption and "left this month" in caption
    members = at.session_state["council_members"]
    assert {m.split(":", 1)[0] for m in members} == {"huggingface", "groq"}  # spread over both providers


def test_stop_before_any_answer_keeps_the_page_whole():
    """Stop in stage 1 before a member finished: the page says so (it used to divide by zero)."""
    t = deliberation.new_transcript("Why?", "general", "balanced", [Member("local", "m"), Member("local", "m")], Member("local", "m"))
    t.stopped_in_stage = 1
    at = start()
    at.session_state["council_transcript"] = t
    at.switch_page("pages/council.py").run()
    assert not at.exception, at.exception
    text = shown_text(at)
    assert "Stopped by you during stage 1" in text and "No member had finished answering yet" in text
    assert "Something went wrong inside the app itself" not in text  # app.py's net for a page that raised
