"""Council reviews that always parse, a chairman that synthesises, and agreement that means something
with three members: structured reviews (a JSON schema where the model supports it, a llama.cpp grammar
for the bundled model, free text otherwise), each provider's request body against its fake, the
fallbacks to text, prompt-echo detection, and the agreement measure on hand-made rankings."""

from __future__ import annotations

import json
import random

import pytest

from adapters.simulator import Scenario
from council.facts import capabilities
from council.runs import deliberation, routing
from council.runs.council_estimate import OFFLINE_BUDGET
from council.runs.council_prompts import echoes_prompt
from council.runs.deliberation import Context, kept_points
from council.runs.providers import Connection
from council.runs.ranking import agreement, read_review, review_grammar, review_schema
from council.runs.records import Review, Transcript
from council.runs.routing import Member
from council.settings import RetrySettings
from tests.fakes.server import json_reply
from tests.helpers import PROVIDER_KEYS

ANTHROPIC_KEY = "sk-ant-api03-ReviewKey0123456789abcdef"


@pytest.fixture
def fakes(monkeypatch, fake_openai, fake_groq, fake_gemini, fake_ollama, fake_anthropic):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    monkeypatch.setenv("GEMINI_BASE_URL", fake_gemini.url)
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    tokens = {**PROVIDER_KEYS, "anthropic": ANTHROPIC_KEY}
    return {
        "openai": fake_openai,
        "groq": fake_groq,
        "gemini": fake_gemini,
        "ollama": fake_ollama,
        "anthropic": fake_anthropic,
    }, Connection(tokens=tokens, base_urls={})


def _ctx(conn: Connection) -> Context:
    return Context(conn, settings=RetrySettings(2, 5.0), rng=random.Random(11))


def _review_bodies(fake, route: str) -> list[dict]:
    return [s.body for s in fake.requests_to(route) if "Rank answers" in json.dumps(s.body) or "FINAL RANKING" in json.dumps(s.body)]


# ---- what each model is asked for ----------------------------------------------------------------


def test_capabilities_say_how_each_model_is_asked():
    assert capabilities.structured_output("local", "SmolLM2-135M-Instruct") == "grammar"
    assert capabilities.structured_output("openai", "gpt-4o-mini") == "schema"
    assert capabilities.structured_output("gemini", "gemini-2.5-flash") == "schema"
    assert capabilities.structured_output("ollama", "llama3.2") == "schema"
    assert capabilities.structured_output("ollama", "gpt-oss:120b-cloud") == "text"  # cloud models: no structured output
    assert capabilities.structured_output("groq", "openai/gpt-oss-20b") == "schema"  # the registry row says so
    assert capabilities.structured_output("groq", "qwen/qwen3-32b") == "text"  # best effort only: not trusted
    assert capabilities.structured_output("anthropic", "claude-haiku-4-5") == "text"
    assert capabilities.structured_output("huggingface", "openai/gpt-oss-20b") == "text"


async def test_each_provider_gets_its_own_structured_output_field(fakes):
    by_provider, conn = fakes
    members = [
        Member("openai", "gpt-4o-mini"),
        Member("groq", "openai/gpt-oss-20b"),
        Member("gemini", "gemini-2.5-flash"),
        Member("ollama", "llama3.2"),
        Member("anthropic", "claude-haiku-4-5"),
    ]
    transcript = await deliberation.deliberate("Is a tomato a fruit?", "fact-checking", "best", members, members[0], _ctx(conn))
    t = transcript.to_dict()
    methods = {r["reviewer"]["provider"]: r["method"] for r in t["stage2"]}
    assert methods == {"openai": "schema", "groq": "schema", "gemini": "schema", "ollama": "schema", "anthropic": "text"}
    assert all(r["parsed"] for r in t["stage2"] if r["method"] == "schema")
    for r in t["stage2"]:
        assert r["reviewer_label"] not in r["order"] and sorted(r["ranking"] or r["order"]) == sorted(r["order"])
        if r["method"] == "schema":
            assert set(r["reasons"]) == set(r["order"])  # one reason per answer it saw
    openai_reviews = [b for b in _review_bodies(by_provider["openai"], "chat") if "response_format" in b]
    assert len(openai_reviews) == 2  # each review asked in both orders
    openai_review = openai_reviews[0]
    schema = openai_review["response_format"]
    assert schema["type"] == "json_schema" and schema["json_schema"]["strict"] is True
    assert schema["json_schema"]["schema"]["required"] == ["ranking", "reasons"]
    assert schema["json_schema"]["schema"]["additionalProperties"] is False
    groq_review = next(b for b in _review_bodies(by_provider["groq"], "chat") if "response_format" in b)
    assert groq_review["response_format"]["json_schema"]["name"] == "council_review"
    gemini_review = next(s.body for s in by_provider["gemini"].requests_to("stream") if "responseJsonSchema" in json.dumps(s.body))
    config = gemini_review["generationConfig"]
    assert config["responseMimeType"] == "application/json" and config["responseJsonSchema"]["type"] == "object"
    ollama_reviews = [s.body for s in by_provider["ollama"].requests_to("chat") if "format" in s.body]
    enums = sorted(r["format"]["properties"]["ranking"]["items"]["enum"] for r in ollama_reviews)
    assert enums == sorted([t["stage2"][3]["order"], t["stage2"][3]["swap"]["order"]])  # as shown, and reversed
    anthropic_review = _review_bodies(by_provider["anthropic"], "messages")[0]
    assert "FINAL RANKING" in anthropic_review["messages"][0]["content"] and "response_format" not in anthropic_review
    assert isinstance(t["consensus"], dict) and t["final"]["text"]


async def test_a_review_that_is_not_valid_json_is_asked_again_in_free_text(fakes):
    by_provider, conn = fakes
    fake = by_provider["openai"]
    from tests.fakes.openai_server import chat_stream

    members = [Member("openai", "gpt-4o-mini"), Member("openai", "gpt-5-mini")]
    t = deliberation.new_transcript("Q", "general", "fast", members, members[0])

    original = fake.default

    def garbled_reviews(route, path, headers, body):
        if route == "chat" and isinstance(body, dict) and "response_format" in body:
            return chat_stream(body["model"], ["This", " is", " not", " JSON."])
        return original(route, path, headers, body)

    fake.default = garbled_reviews
    transcript = await deliberation.deliberate("Why?", "general", "fast", members, members[0], _ctx(conn), transcript=t)
    t = transcript.to_dict()
    assert [r["method"] for r in t["stage2"]] == ["text", "text"]  # retried as free text
    asked = [s.body for s in fake.requests_to("chat")]
    assert sum("response_format" in b for b in asked) == 2 and sum("FINAL RANKING" in json.dumps(b) for b in asked) == 2


async def test_a_model_that_refuses_the_structured_form_is_asked_in_text(fakes):
    by_provider, conn = fakes
    fake = by_provider["groq"]
    refusal = json_reply(
        400,
        {
            "error": {
                "message": "response_format json_schema is not supported",
                "type": "invalid_request_error",
                "code": "invalid_request_error",
            }
        },
    )
    original = fake.default

    def refuse(route, path, headers, body):
        if route == "chat" and isinstance(body, dict) and "response_format" in body:
            return refusal
        return original(route, path, headers, body)

    fake.default = refuse
    members = [Member("groq", "openai/gpt-oss-20b"), Member("openai", "gpt-4o-mini")]
    transcript = await deliberation.deliberate("Why?", "general", "fast", members, members[1], _ctx(conn))
    t = transcript.to_dict()
    groq_review = next(r for r in t["stage2"] if r["reviewer"]["provider"] == "groq")
    assert groq_review["method"] == "text" and groq_review["error"] is None


# ---- the bundled model, for real -------------------------------------------------------------------


@pytest.mark.local_model
@pytest.mark.parametrize(
    ("question", "both_orders"),
    # two kinds of question (reasoning, creative); one asks in both orders. More questions: benchmarks/offline_council.py
    [("Why is the sky blue?", True), ("Write a haiku about the sea.", False)],
)
async def test_every_offline_review_parses_under_the_grammar(question, both_orders, bundled_model):
    plan = routing.choose(routing.detect(question).task, "best", [])  # nothing reachable: the bundled model's personas
    assert len(plan.members) == 4 and plan.offline
    ctx = Context(Connection(tokens={}, base_urls={}), rng=random.Random(5), both_orders=both_orders)
    transcript = await deliberation.deliberate(question, "general", "best", plan.members, plan.chairman, ctx, budget=OFFLINE_BUDGET)
    t = transcript.to_dict()
    assert len(t["stage2"]) == 4
    for r in t["stage2"]:
        passes = [r, r["swap"]] if both_orders else [r]  # the reversed order goes under the same grammar
        for p in passes:
            assert p["method"] == "grammar" and p["parsed"], p["text"]
            assert sorted(p["ranking"]) == sorted(p["order"]) and r["reviewer_label"] not in p["ranking"]  # a permutation, no self-vote
    assert t["consensus"] is not None and isinstance(t["consensus"]["value"], float)
    final = t["final"]
    assert (final["text"].strip() and not echoes_prompt(final["text"])) or final["method"] == "top_ranked"


# ---- the pieces ------------------------------------------------------------------------------------


def test_the_grammar_admits_only_permutations_of_what_the_reviewer_saw():
    from itertools import permutations

    grammar = review_grammar(["A", "C", "D"])
    orders = next(line for line in grammar.splitlines() if line.startswith("ranking ::="))
    assert orders.count('"["') == len(list(permutations("ACD"))) == 6
    assert '"\\"B\\""' not in grammar  # the reviewer's own label (B) is not among them


def test_reading_a_structured_review():
    order = ["A", "C"]
    assert read_review('{"ranking": ["C", "A"], "reasons": {"A": "vague", "C": "exact"}}', order) == (
        ["C", "A"],
        {"A": "vague", "C": "exact"},
        True,
    )
    assert read_review('{"ranking": ["C", "C"], "reasons": {}}', order)[2] is False  # not a permutation
    assert read_review('{"ranking": ["C", "A"], "reasons": {"A": "cut mid', order)[:2:2] == (["C", "A"],)  # cut: the ranking survives
    assert read_review("I like C best.", order)[2] is False
    schema = review_schema(order)
    assert schema["properties"]["ranking"]["items"]["enum"] == order and schema["properties"]["reasons"]["required"] == order


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("The answer to this question is:", True),
        ("You are the chair of a council of models. Members answered a question", True),
        ("Answer 2 is the best because it explains scattering.", True),
        ("Using the best points of these answers, the sky is blue.", True),
        ("", True),
        ("Paris.", False),
        ("The sky looks blue because air scatters short blue wavelengths of sunlight more than red ones.", False),
    ],
)
def test_prompt_echo_detection(text, echo):
    assert echoes_prompt(text) is echo


def test_reciting_a_reviewers_reason_is_an_echo():
    reason = "The sky is blue because of a process that is so simple yet"
    assert echoes_prompt(f"Here it is. {reason}, said the reviewer.", [reason])
    assert not echoes_prompt("Rayleigh scattering makes the sky blue.", [reason])


def _review(label: str, ranking: list[str]) -> dict:
    return {"reviewer_label": label, "ranking": ranking, "order": ranking, "parsed": True}


def test_agreement_with_three_members_where_pairwise_tau_is_undefined():
    # each ranks the two others; nobody ranks the same pair, so pairwise tau has nothing to compare
    agree = agreement([_review("A", ["B", "C"]), _review("B", ["A", "C"]), _review("C", ["A", "B"])])
    assert agree["pairwise_tau"] is None
    # A saw B, C: the others gave B rank 2 (C's review) and C rank 2 (B's review): tied, says nothing;
    # B saw A, C: the others gave A rank 1 (C's) and C rank 2 (A's): B ranked A above C too, agrees;
    # C saw A, B: the others gave A rank 1 (B's) and B rank 1 (A's): tied again
    assert agree["per_reviewer"] == {"A": 0.0, "B": 1.0, "C": 0.0} and agree["value"] == pytest.approx(0.333, abs=1e-3)


def test_agreement_when_everyone_reverses_everyone():
    reviews = [_review("A", ["B", "C", "D"]), _review("B", ["A", "C", "D"]), _review("C", ["D", "B", "A"]), _review("D", ["C", "B", "A"])]
    agree = agreement(reviews)
    assert -1.0 <= agree["value"] <= 1.0 and agree["method"] == "leave-one-out Kendall tau"
    same = [_review("A", ["B", "C", "D"]), _review("B", ["A", "C", "D"]), _review("C", ["A", "B", "D"]), _review("D", ["A", "B", "C"])]
    assert agreement(same)["value"] == 1.0 and agreement(same)["pairwise_tau"] == 1.0
    assert agreement([_review("A", ["B", "C"])]) is None  # one review: nothing to compare with


def test_kept_points_names_the_answers_whose_words_the_final_answer_uses():
    answers = {
        "A": "Rayleigh scattering favours shorter wavelengths, so blue dominates.",
        "B": "Oceans reflect their colour upwards into the atmosphere.",
    }
    assert kept_points("Shorter wavelengths scatter more (Rayleigh scattering), so blue dominates the sky.", answers) == ["A"]


async def test_a_chairman_that_recites_its_prompt_is_asked_again_then_shown_honestly(fakes):
    by_provider, conn = fakes
    fake = by_provider["openai"]
    from tests.fakes.openai_server import chat_stream

    echo = ["Using", " the", " best", " points", " of", " these", " answers,", " write", " one", " clear", " answer."]
    original = fake.default
    chair_calls = []

    def reciting_chair(route, path, headers, body):
        text = json.dumps(body)
        if route == "chat" and isinstance(body, dict) and ("Using the best points" in text or "Notes:" in text):
            chair_calls.append(body)
            return chat_stream(body["model"], echo)
        return original(route, path, headers, body)

    fake.default = reciting_chair
    members = [Member("openai", "gpt-4o-mini"), Member("openai", "gpt-5-mini")]
    transcript = await deliberation.deliberate("Why?", "general", "fast", members, members[0], _ctx(conn))
    t = transcript.to_dict()
    assert len(chair_calls) == 2 and chair_calls[1]["messages"][0]["content"].startswith("Notes:")  # then asked plainly
    final = t["final"]
    assert final["method"] == "top_ranked" and final["tries"] == 2 and "recited its instructions" in final["note"]
    best = t["aggregate"][0]["label"]
    assert final["text"] == next(e["text"] for e in t["stage1"] if e["label"] == best)


# ---- the bias panel --------------------------------------------------------------------------------


def _planted_transcript() -> dict:
    """Four members; every reviewer puts whatever it was shown first in first place (planted position
    bias), and D — the longest answer — happens to be shown first most often."""
    members = [
        Member("openai", "gpt-4o-mini"),
        Member("groq", "openai/gpt-oss-20b"),
        Member("openai", "gpt-4o-mini"),
        Member("gemini", "g"),
    ]
    t = deliberation.new_transcript("Q", "general", "best", members, members[0]).to_dict()
    texts = {"A": "short", "B": "a bit longer answer", "C": "mid length one", "D": "the longest answer of all of them, by far, with detail"}
    t["stage1"] = [
        {"label": lbl, "provider": m.provider, "model": m.model, "text": texts[lbl], "latency_s": 1.0, "error": None, "fallback_from": None}
        for lbl, m in zip("ABCD", members, strict=True)
    ]
    orders = {"A": ["D", "C", "B"], "B": ["D", "A", "C"], "C": ["A", "D", "B"], "D": ["B", "C", "A"]}
    t["stage2"] = [
        {
            "reviewer_label": lbl,
            "order": order,
            "ranking": list(order),
            "parsed": True,
            "method": "schema",
            "reasons": {},
            "text": "",
            "error": None,
        }
        for lbl, order in orders.items()
    ]
    from council.runs.ranking import aggregate

    t["aggregate"] = aggregate([(e["label"], e["provider"], e["model"]) for e in t["stage1"]], t["stage2"])
    return t


def test_the_bias_panel_finds_a_planted_position_bias():
    from council.runs import bias

    t = _planted_transcript()
    figures = bias.panel(t)
    assert figures["position"] == {"first_shown_won": 4, "reviews": 4, "share": 1.0, "chance": 0.333}
    assert figures["length"]["tau"] > 0  # D, the longest, was shown first twice and wins
    # D is the council's favourite (average rank 1.33); D itself did not see D, so its favourite is A (2.0)
    assert {label: (h["favourite"], h["placed"]) for label, h in figures["harshness"].items()} == {
        "A": ("D", 1),
        "B": ("D", 1),
        "C": ("D", 2),
        "D": ("A", 3),
    }
    # A and C are the same model (gpt-4o-mini): A saw C and C saw A
    mine = figures["self_preference"]
    assert mine["measurable"] and set(mine["by_reviewer"]) == {"A", "C"}
    assert mine["by_reviewer"]["C"] == {"sibling": "A", "own_rank": 1, "others_rank": 2.5}


def test_asked_in_both_orders_a_reviewer_that_always_picks_the_first_shown_yields_no_net_preference():
    from council.runs import bias
    from council.runs.ranking import aggregate, positions

    t = _planted_transcript()  # every reviewer ranks in the order it was shown
    for r in t["stage2"]:
        r["swap"] = {"order": r["order"][::-1], "ranking": r["order"][::-1], "parsed": True, "method": "schema", "reasons": {}}
    seats = [(e["label"], e["provider"], e["model"]) for e in t["stage1"]]
    t["aggregate"] = aggregate(seats, t["stage2"])
    assert {a["avg_rank"] for a in t["aggregate"]} == {2.0}  # every answer tied: nothing won for being read first
    figures = bias.panel(t)
    assert figures["position"]["first_shown_won"] == 8 and figures["position"]["reviews"] == 8  # each order alone: all first
    assert figures["position"]["after_swap"] == {"first_shown_won": 0, "reviews": 4, "share": 0.0}
    said = " ".join(bias.describe(figures))
    assert "won 8 of 8 single-order reviews" in said and "it won 0 of 4 (0%): the council's ranking no longer follows the order" in said
    # a reviewer that prefers D whichever order it reads keeps D first; a swap that did not parse leaves the first order
    honest = {
        "order": ["A", "B", "D"],
        "ranking": ["D", "A", "B"],
        "parsed": True,
        "swap": {"order": ["D", "B", "A"], "ranking": ["D", "B", "A"], "parsed": True},
    }
    assert positions(honest) == {"D": 1.0, "A": 2.5, "B": 2.5}
    assert positions(honest | {"swap": {"parsed": False, "ranking": []}}) == {"D": 1.0, "A": 2.0, "B": 3.0}


def test_a_review_in_both_orders_is_written_as_the_contract_says_and_older_ones_read_back():
    from council.runs.ranking import kept_ranking, passes, ranking_words

    first = Review("C", "openai", "gpt-5", order=["A", "B", "D"], ranking=["D", "A", "B"], parsed=True, method="schema")
    first.swap = Review("C", "openai", "gpt-5", order=["D", "B", "A"], ranking=["D", "B", "A"], parsed=True, method="schema")
    d = first.to_dict()
    assert d["order"] == ["A", "B", "D"] and d["orders"] == [["A", "B", "D"], ["D", "B", "A"]]
    assert d["rankings"] == [["D", "A", "B"], ["D", "B", "A"]] and d["positions"] == {"D": 1.0, "A": 2.5, "B": 2.5}
    assert d["ranking"] == ["D", "A", "B"] and d["parsed"]  # A and B tie: they keep the order first shown
    assert ranking_words(d) == "D > A = B" and ranking_words(first.swap.to_dict()) == "D > B > A"
    back = Review.from_dict(json.loads(json.dumps(d)))
    assert back.ranking == ["D", "A", "B"] and back.swap.ranking == ["D", "B", "A"] and back.to_dict() == d
    # the first order unread, the reversed one read: the council counts what it could read
    first.ranking, first.parsed = [], False
    d = first.to_dict()
    assert d["rankings"] == [[], ["D", "B", "A"]] and d["parsed"] and d["ranking"] == ["D", "B", "A"]
    assert Review.from_dict(d).parsed is False and Review.from_dict(d).to_dict() == d
    # one order only: `orders` holds it, `ranking` is what the reviewer said
    single = Review("C", "openai", "gpt-5", order=["B", "A"], ranking=["A", "B"], parsed=True).to_dict()
    assert single["orders"] == [["B", "A"]] and single["rankings"] == [["A", "B"]] and single["ranking"] == ["A", "B"]
    assert "swap" not in single and "positions" not in single
    # a review saved before `orders`/`rankings` (its `ranking` the first order's, the reversed one under `swap`)
    older = {
        "reviewer_label": "C",
        "order": ["A", "B"],
        "ranking": ["A", "B"],
        "parsed": True,
        "swap": {"order": ["B", "A"], "ranking": ["B", "A"], "parsed": True},
    }
    assert [p["ranking"] for p in passes(older)] == [["A", "B"], ["B", "A"]] and kept_ranking(older) == ["A", "B"]
    again = Review.from_dict(older).to_dict()
    assert again["rankings"] == [["A", "B"], ["B", "A"]] and again["positions"] == {"A": 1.5, "B": 1.5}


async def test_the_council_asks_each_review_in_both_orders_and_counts_only_what_both_agree_on():
    from council.runs import deliberation, exports, routing
    from council.runs.council_estimate import Budget, estimate

    conn = Connection(tokens={}, base_urls={}, visitor_is_local=True, simulator=Scenario("ok", tokens_per_s=2000.0))
    members = routing.offline_members(3, routing.SIMULATOR, routing.SIMULATOR_MODEL)  # it ranks in the order shown
    chair = routing.offline_chair(routing.SIMULATOR, routing.SIMULATOR_MODEL)
    t = await deliberation.deliberate("Explain tides.", "general", "balanced", members, chair, deliberation.Context(conn), budget=Budget())
    assert t.requests == 3 + 2 * 3 + t.final.tries and estimate("Explain tides.", members, chair, Budget()).requests == 3 + 2 * 3 + 1
    for review in t.to_dict()["stage2"]:
        # DESIGN.md: the first order in `order`, all of them in `orders`, what each said in `rankings`, and the
        # combined `ranking` — a permutation of `order`
        assert review["orders"] == [review["order"], review["order"][::-1]]
        assert review["rankings"] == review["orders"]  # it ranked each order as shown
        assert review["parsed"] and sorted(review["ranking"]) == sorted(review["order"])
        assert review["swap"]["order"] == review["order"][::-1] and review["swap"]["ranking"] == review["swap"]["order"]
        assert set(review["positions"].values()) == {1.5}  # first in one order, last in the other
    assert {a["avg_rank"] for a in t.aggregate} == {1.5} and t.bias["position"]["after_swap"]["first_shown_won"] == 0
    assert t.bias["position"]["first_shown_won"] == t.bias["position"]["reviews"] == 6  # each order on its own: always the first
    assert t.consensus["value"] == 0  # every review ties every pair once both orders are kept: no agreement to claim
    markdown = exports.transcript_markdown(t)
    assert "Ranking kept from both orders: " + " = ".join(t.stage2[0].order) in markdown and "Asked in both orders (saw " in markdown
    again = Transcript.from_dict(json.loads(exports.transcript_json(t)))  # the swap reads back
    assert again.stage2[0].swap is not None and again.to_dict()["stage2"] == t.to_dict()["stage2"]
    assert again.stage2[0].ranking == again.stage2[0].order  # the first order's own ranking, not the kept one
    one = await deliberation.deliberate(
        "Explain tides.", "general", "balanced", members, chair, deliberation.Context(conn, both_orders=False), budget=Budget()
    )
    assert one.requests == 3 + 3 + one.final.tries and estimate("Explain tides.", members, chair, Budget(), both_orders=False).requests == 7
    assert all(r.swap is None for r in one.stage2) and "after_swap" not in one.bias["position"]


async def test_a_chairman_cut_at_its_token_limit_is_said_in_the_transcript_and_its_markdown():
    from council.runs import deliberation, exports, routing
    from council.runs.council_estimate import Budget

    conn = Connection(tokens={}, base_urls={}, visitor_is_local=True, simulator=Scenario("ok", tokens_per_s=2000.0))
    members = routing.offline_members(2, routing.SIMULATOR, routing.SIMULATOR_MODEL)
    chair = routing.offline_chair(routing.SIMULATOR, routing.SIMULATOR_MODEL)
    t = await deliberation.deliberate(
        "Explain tides.", "general", "balanced", members, chair, deliberation.Context(conn), budget=Budget(final=5)
    )
    assert t.to_dict()["final"]["cut_off"] is True and t.final.answer.finish_reason == "length"
    assert "This answer reached the chairman's token limit and was cut off." in exports.transcript_markdown(t)


def test_self_preference_is_not_measured_when_every_member_is_the_same_model():
    from council.runs import bias

    t = _planted_transcript()
    for e in t["stage1"]:
        e["provider"], e["model"] = "local", "SmolLM2-135M-Instruct"
    assert bias.self_preference(t["stage2"], t["stage1"])["measurable"] is False


def test_the_council_leaderboard_across_runs():
    from council.runs import bias

    first = _planted_transcript()
    second = _planted_transcript()
    second["aggregate"] = [dict(a) for a in second["aggregate"]]
    board = bias.leaderboard([first, second, {"aggregate": []}])
    assert board[0]["wins"] == 2 and board[0]["runs"] >= 2
    assert all(set(row) == {"model", "runs", "wins", "avg_rank"} for row in board)


def test_the_council_page_shows_the_bias_panel_and_the_leaderboard():
    from council import library
    from tests.helpers import shown_text, start

    t = _planted_transcript()
    t["consensus"] = agreement(t["stage2"])
    from council.runs import bias

    t["bias"] = bias.panel(t)
    t["label_map"] = {e["label"]: f"{e['provider']}:{e['model']}" for e in t["stage1"]}
    library.save_run("council", "Q", t)
    at = start()
    at.session_state["council_transcript"] = Transcript.from_dict(t)
    at.switch_page("pages/council.py").run()
    text = shown_text(at)
    assert "Can these reviews be trusted?" in text and "the answer shown first won 4 of 4 reviews (100%; chance alone: 33%)" in text
    assert "Reviewers favour what they read first." in text
    assert "Self-preference: A ranked its sibling C" in text and "C ranked its sibling A 1 (others: 2.5)" in text
    boards = [d.value for d in at.dataframe if "Wins" in d.value.columns]  # the council leaderboard, from History
    assert boards and boards[0]["Wins"].sum() >= 1


async def test_the_routers_live_list_says_which_models_take_structured_output(hf_env, monkeypatch):
    """The Hugging Face router lists supports_structured_output per serving provider: a router model
    whose every live provider takes it is asked with a schema; the registry alone would say text."""
    from council.facts import availability

    conn = Connection(tokens={"huggingface": "hf_ReviewRouter0123456789abc"}, base_urls={})
    rows = (await availability.live_list("huggingface", conn)).rows
    assert capabilities.structured_output("huggingface", "openai/gpt-oss-120b") == "text"  # registry and spec alone
    assert capabilities.structured_output("huggingface", "openai/gpt-oss-120b", rows) == "schema"  # groq serves it, with schema
    assert capabilities.structured_output("huggingface", "fake/echo", rows) == "text"  # its provider does not say
    members = [Member("huggingface", "openai/gpt-oss-120b"), Member("huggingface", "fake/echo")]
    transcript = await deliberation.deliberate("Why?", "general", "fast", members, members[1], _ctx(conn))
    t = transcript.to_dict()
    methods = {r["reviewer"]["model"]: (r["method"], r["parsed"]) for r in t["stage2"]}
    assert methods["openai/gpt-oss-120b"] == ("schema", True)
    assert methods["fake/echo"][0] == "text"
    sent = [s.body for s in hf_env.requests_to("chat") if "response_format" in s.body]
    assert len(sent) == 1 and sent[0]["model"] == "openai/gpt-oss-120b"


def test_openrouter_live_rows_say_it_by_supported_parameters():
    from council.facts.registry import ModelEntry

    rows = [
        ModelEntry("openrouter", "openai/gpt-oss-20b:free", extra={"supported_parameters": ["max_tokens", "response_format"]}),
        ModelEntry("openrouter", "anthropic/claude-haiku-4.5", extra={"supported_parameters": ["max_tokens", "temperature"]}),
    ]
    assert capabilities.structured_output("openrouter", "openai/gpt-oss-20b:free", rows) == "schema"
    assert capabilities.structured_output("openrouter", "anthropic/claude-haiku-4.5", rows) == "text"


def test_two_members_give_no_bias_figures_to_misread():
    """With two members each reviewer sees one answer: no position or harshness figure (it would read 100%)."""
    from council.runs import bias

    reviews = [_review("A", ["B"]), _review("B", ["A"])]
    aggregate = [{"label": "A", "avg_rank": 1.0}, {"label": "B", "avg_rank": 1.0}]
    assert bias.position_bias(reviews) is None and bias.harshness(reviews, aggregate) == {}


def test_the_council_page_shows_each_review_in_both_orders_and_what_they_kept():
    from council.runs import bias
    from tests.helpers import shown_text, start

    t = _planted_transcript()  # every reviewer ranks in the order it was shown, in both orders
    for r in t["stage2"]:
        r["swap"] = {"order": r["order"][::-1], "ranking": r["order"][::-1], "parsed": True, "method": "schema", "reasons": {}}
    t["consensus"] = agreement(t["stage2"])
    t["bias"] = bias.panel(t)
    t["label_map"] = {e["label"]: f"{e['provider']}:{e['model']}" for e in t["stage1"]}
    at = start()
    at.session_state["council_transcript"] = Transcript.from_dict(t)
    at.switch_page("pages/council.py").run()
    first = t["stage2"][0]
    title = next(e.label for e in at.expander if e.label.startswith(f"Review by {first['reviewer_label']}"))
    assert "ranking (kept from both orders): " + " = ".join(first["order"]) in title  # every place tied: no preference
    text = shown_text(at)
    assert f"**As shown** (saw {', '.join(first['order'])})" in text
    assert f"**Asked again with the answers reversed** (saw {', '.join(first['order'][::-1])})" in text
    assert "Places kept (the mean of both orders; 1 = best): " in text and "only what both orders agree on counts" in text
    assert not at.exception
