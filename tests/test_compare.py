"""Compare: slots stream concurrently (as the fakes saw it), a failing slot stays in its column,
the bundled model's slots take turns, Stop keeps what arrived, blind voting hides identities until
the vote, and exports, snippets and shared links never hold a token."""

from __future__ import annotations

import asyncio
import json

import pytest

from adapters import GenerationParams
from council.runs import compare, exports
from council.runs.compare import SlotRun, SlotSpec
from council.runs.providers import Connection
from council.runs.resilience import RetryLayer
from council.settings import RetrySettings
from council.storage import history, votes
from council.storage.usage import ledger
from pages.widgets import CUSTOM
from tests.fakes import gemini_server, hf_server, openai_server
from tests.fakes.server import Reply
from tests.helpers import answers_text, open_compare, shown_text, start
from tests.helpers import run_compare as run

KEYS = {
    "huggingface": "hf_CompareCanary0123456789abcdef",
    "openai": "sk-CompareCanary0123456789abcdef",
    "groq": "gsk_CompareCanary0123456789abcdef",
    "gemini": "AIzaCompareCanary0123456789abcdefghij",
}
ENV = {"huggingface": "HUGGINGFACE_TOKEN", "openai": "OPENAI_API_KEY", "groq": "GROQ_API_KEY", "gemini": "GEMINI_API_KEY"}
MODELS = {"huggingface": "fake/echo", "openai": "gpt-4o-mini", "groq": "openai/gpt-oss-20b", "gemini": "gemini-2.5-flash"}
ROUTE = {"huggingface": "chat", "openai": "chat", "groq": "chat", "gemini": "stream"}


@pytest.fixture
def fakes(monkeypatch, hf_env, fake_openai, fake_groq, fake_gemini):
    """Every remote provider on its loopback fake, with a key in the environment, and one shared journal."""
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    monkeypatch.setenv("GEMINI_BASE_URL", fake_gemini.url)
    for provider, key in KEYS.items():
        monkeypatch.setenv(ENV[provider], key)
    by_provider = {"huggingface": hf_env, "openai": fake_openai, "groq": fake_groq, "gemini": fake_gemini}
    journal: list = []
    for name, fake in by_provider.items():
        fake.journal, fake.name = journal, name
    return by_provider, journal


def slow(reply: Reply, seconds: float) -> Reply:
    """The same reply, its pieces spread over about ``seconds``."""
    reply.gap_s = seconds / max(1, len(reply.pieces or []))
    return reply


def stream_for(provider: str, words: list[str]) -> Reply:
    if provider == "huggingface":
        return hf_server.chat_stream(MODELS[provider], words)
    if provider == "gemini":
        return gemini_server.gemini_stream(words)
    return openai_server.chat_stream(MODELS[provider], words, groq=provider == "groq")


def script_speeds(fakes_by_provider, seconds: dict[str, float]) -> None:
    for provider, duration in seconds.items():
        words = [f"{provider}-says", " one", " two", " three", " four", " five."]
        fakes_by_provider[provider].enqueue(ROUTE[provider], slow(stream_for(provider, words), duration))


def generation_events(journal) -> list[tuple[str, str]]:
    return [(event, name) for event, name, route in journal if route in ("chat", "stream")]


# ---- the page --------------------------------------------------------------------------------


def test_four_slots_stream_at_once_and_every_answer_arrives(fakes):
    by_provider, journal = fakes
    script_speeds(by_provider, {"huggingface": 1.2, "openai": 0.4, "groq": 0.8, "gemini": 0.6})
    at = open_compare([(p, MODELS[p]) for p in ("huggingface", "openai", "groq", "gemini")])
    journal.clear()  # (the model pickers' list requests are not what this test is about)
    rec = run(at)
    events = generation_events(journal)
    opened = [name for event, name in events if event == "open"]
    first_done = next(i for i, (event, _) in enumerate(events) if event == "done")
    assert sorted(opened) == ["gemini", "groq", "huggingface", "openai"]
    assert all(event == "open" for event, _ in events[:first_done]) and first_done == 4  # all four open before any finished
    assert [s["answered_by"]["provider"] for s in rec["slots"]] == ["huggingface", "openai", "groq", "gemini"]
    for slot, provider in zip(rec["slots"], ("huggingface", "openai", "groq", "gemini"), strict=True):
        assert slot["output"].startswith(f"{provider}-says one two") and slot.get("error") is None
        assert slot["metrics"]["latency_s"] > 0 and slot["metrics"]["ttft_s"] is not None
    tables = [m.value for m in at.markdown if m.value.startswith("| Measure | Value |")]
    assert len(tables) == 4 and all("| Latency |" in t and "| Speed |" in t and "| Cost (est.) |" in t for t in tables)
    rows = [r for r in ledger().recent() if r["kind"] == "compare"]
    assert sorted(r["provider"] for r in rows) == ["gemini", "groq", "huggingface", "openai"]
    assert all(r["outcome"] == "ok" for r in rows)
    assert history.recent()[0].kind == "compare"


def test_a_slot_failing_with_429_keeps_its_error_while_the_others_finish(fakes):
    by_provider, _ = fakes
    script_speeds(by_provider, {"openai": 0.3, "groq": 0.3, "gemini": 0.3})
    slots = [("huggingface", "fake/rate-limited"), ("openai", MODELS["openai"]), ("groq", MODELS["groq"]), ("gemini", MODELS["gemini"])]
    at = open_compare(slots, retry_max_wait_s=5.0)  # the fake asks for 7 s: more than the cap, so no waiting
    rec = run(at)
    failed, *others = rec["slots"]
    assert failed["error"]["kind"] == "rate_limit" and failed["output"] == ""
    assert all(s["output"] and s.get("error") is None for s in others)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "rate-limiting you" in errors[0], errors
    assert sum("| Latency |" in m.value for m in at.markdown) == 3  # the failed slot shows its panel, not empty metrics


def test_a_fallback_answer_says_who_really_answered(fakes):
    at = open_compare(
        [("huggingface", "fake/credits"), ("openai", MODELS["openai"])],
        fallback_order=["groq", "local"],
    )
    at.toggle(key="w_cmp_fallback").set_value(True).run()
    rec = run(at)
    slot = rec["slots"][0]
    assert slot["answered_by"]["provider"] == "groq" and slot["fallbacks"][0]["provider"] == "huggingface"
    assert "Answered by Groq" in shown_text(at)


def test_blind_mode_hides_the_models_until_the_vote(fakes):
    at = open_compare([("openai", MODELS["openai"]), ("gemini", MODELS["gemini"])])
    at.toggle(key="w_cmp_blind").set_value(True).run()
    rec = run(at)
    assert [h.value for h in at.subheader if h.value.startswith("Answer")] == ["Answer A", "Answer B"]
    shown = answers_text(at)
    assert "OpenAI" not in shown and "Google Gemini" not in shown and "Model hidden until you vote" in shown
    assert "Cost (est.)" not in shown  # a price would give the provider away
    assert "Code (curl, Python)" not in shown
    assert all(b.disabled for b in at.get("download_button"))  # the exports name the models
    assert set(rec["order"]) == {0, 1}
    at.button(key="btn_cmp_vote_a").click().run()
    rec = at.session_state["cmp_result"]
    winner = compare.contestant(rec.slots[rec.order[0]])
    assert rec.vote["outcome"] == "A"
    shown = answers_text(at)
    assert "OpenAI" in shown and "Gemini" in shown and "You voted: A was best." in shown_text(at)
    (vote,) = votes.all_votes()
    assert vote.outcome == "A" and vote.contestants["A"] == winner
    (board,) = [d.value for d in at.dataframe if "Elo" in d.value.columns]
    assert list(board["Model"]) == [winner, compare.contestant(rec.slots[rec.order[1]])] and list(board["Wins"]) == [1, 0]
    assert history.recent()[0].payload["vote"]["outcome"] == "A"


def test_apply_parameters_to_all_slots(fakes):
    at = open_compare([("openai", MODELS["openai"]), ("groq", MODELS["groq"]), ("gemini", MODELS["gemini"])])
    at.slider(key="w_cmp1_temperature").set_value(0.25).run()
    at.number_input(key="w_cmp1_max_new_tokens").set_value(99).run()
    at.button(key="btn_cmp_apply_all_1").click().run()
    for i in (0, 2):
        assert at.slider(key=f"w_cmp{i}_temperature").value == 0.25
        assert at.number_input(key=f"w_cmp{i}_max_new_tokens").value == 99


def test_invalid_slot_sends_nothing_and_says_which_slot(fakes):
    _, journal = fakes
    at = open_compare([("openai", MODELS["openai"]), ("groq", "../../etc/passwd")])
    journal.clear()
    at.text_area(key="w_cmp_prompt").input("Hello").run()
    at.button(key="btn_cmp_run").click().run()
    assert generation_events(journal) == []
    assert "Slot 2:" in shown_text(at) and "cmp_result" not in at.session_state


def test_a_shared_link_opens_the_same_slots_and_prompt(fakes):
    specs = [
        SlotSpec("openai", "gpt-4o-mini", "chat", GenerationParams(temperature=0.3, max_new_tokens=64)),
        SlotSpec("huggingface", "fake/echo", "chat", GenerationParams(temperature=1.1, top_k=20, stop=("END",))),
        SlotSpec("local", "SmolLM2-135M-Instruct", "chat", GenerationParams(seed=7)),
    ]
    value = compare.share_value("What is 2+2?", "Be brief.", specs)
    at = start()
    at.switch_page("pages/compare.py")
    at.query_params[compare.SHARE_PARAM] = value
    at.run()
    assert not at.exception, at.exception
    assert "Opened a shared comparison of 3 models" in shown_text(at)
    assert at.number_input(key="w_cmp_count").value == 3
    assert at.text_area(key="w_cmp_prompt").value == "What is 2+2?"
    assert at.selectbox(key="w_cmp0_provider").value == "openai"
    assert at.selectbox(key="w_cmp1_model").value == CUSTOM and at.text_input(key="w_cmp1_custom_model").value == "fake/echo"
    assert at.slider(key="w_cmp1_temperature").value == 1.1 and at.number_input(key="w_cmp1_top_k").value == 20
    assert at.text_area(key="w_cmp1_stop").value == "END" and at.text_input(key="w_cmp2_seed").value == "7"


def test_a_damaged_shared_link_is_explained():
    at = start()
    at.switch_page("pages/compare.py")
    at.query_params[compare.SHARE_PARAM] = "not-a-link"
    at.run()
    assert not at.exception
    assert "This shared link could not be opened" in shown_text(at)


def test_a_comparison_reopens_from_history(fakes):
    at = open_compare([("openai", MODELS["openai"]), ("groq", MODELS["groq"])])
    rec = run(at, "Reopen me")
    at.switch_page("pages/history.py").run()
    run_id = history.recent()[0].id
    assert "Compare \u00b7 2 models" in shown_text(at)
    at.button(key=f"btn_history_open_{run_id}").click().run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert at.session_state["cmp_result"].to_dict()["slots"] == rec["slots"]
    assert at.text_area(key="w_cmp_prompt").value == "Reopen me"


# ---- the fan-out itself ----------------------------------------------------------------------


def _runs(specs, conn, texts: dict[int, list[str]] | None = None, **hooks) -> list[SlotRun]:
    messages = compare.messages_for("Hello", "")
    runs = []
    for i, spec in enumerate(specs):
        seen = texts.setdefault(i, []) if texts is not None else []
        runs.append(
            SlotRun(
                compare.targets_for(spec, conn, messages),
                RetryLayer(RetrySettings(1, 5.0)),
                seen.append,
                on_queued=hooks.get("on_queued", {}).get(i),
            )
        )
    return runs


def _conn() -> Connection:
    return Connection(tokens=dict(KEYS), base_urls={}, visitor_is_local=True)


async def test_stop_keeps_what_arrived_and_every_slot_is_in_the_ledger(fakes):
    by_provider, _ = fakes
    script_speeds(by_provider, {"openai": 3.0, "groq": 3.0})
    specs = [SlotSpec("openai", MODELS["openai"]), SlotSpec("groq", MODELS["groq"])]
    texts: dict[int, list[str]] = {}
    task = asyncio.create_task(compare.fan_out(_runs(specs, _conn(), texts)))
    while not (texts.get(0) and texts.get(1)):
        await asyncio.sleep(0.02)
    task.cancel()  # what Stop does to the page's script
    with pytest.raises(asyncio.CancelledError):
        await task
    assert all(texts[i][-1] for i in (0, 1))
    rows = [r for r in ledger().recent() if r["kind"] == "compare"]
    assert sorted((r["provider"], r["outcome"]) for r in rows) == [("groq", "stopped"), ("openai", "stopped")]


@pytest.mark.local_model
async def test_slots_on_the_bundled_model_take_turns(bundled_model):
    params = GenerationParams(max_new_tokens=8, temperature=0.0)
    specs = [SlotSpec("local", "SmolLM2-135M-Instruct", "chat", params), SlotSpec("local", "SmolLM2-135M-Instruct", "chat", params)]
    queued: list[int] = []
    runs = _runs(specs, _conn(), on_queued={0: lambda: queued.append(0), 1: lambda: queued.append(1)})
    results = await compare.fan_out(runs)
    assert queued == [1]  # the second slot waited for the first
    assert all(r.text.strip() and r.error is None for r in results)


# ---- exports, snippets and links hold no token -----------------------------------------------


async def test_exports_and_links_hold_no_token(fakes):
    specs = [SlotSpec(p, MODELS[p], "chat", GenerationParams(temperature=0.5)) for p in ("huggingface", "openai", "groq", "gemini")]
    runs = _runs(specs, _conn())
    results = await compare.fan_out(runs)
    slots = [compare.slot_record(i, spec, result) for i, (spec, result) in enumerate(zip(specs, results, strict=True))]
    rec = compare.record("Hello", "Be kind.", slots, blind=False)
    outputs = {
        "csv": exports.comparison_csv(rec),
        "json": exports.comparison_json(rec),
        "markdown": exports.comparison_markdown(rec),
        "link": compare.share_value("Hello", "Be kind.", specs),
    }
    from council.runs import snippets
    from council.runs.turns import make_request

    for spec in specs:
        code = snippets.for_request(
            spec.provider, make_request(spec.model_id, spec.task, compare.messages_for("Hello", ""), spec.params), _conn()
        )
        outputs[f"snippet-{spec.provider}"] = code.curl + code.python
        assert code.token_env and f"${code.token_env}" in code.curl
    for name, text in outputs.items():
        for key in KEYS.values():
            assert key not in text, name
    decoded = compare.read_share(outputs["link"])
    assert [s.provider for s in decoded.slots] == list(MODELS) and decoded.slots[0].params.temperature == 0.5
    rows = list(csv_rows(outputs["csv"]))
    assert [r["provider"] for r in rows] == list(MODELS) and all(r["output"] for r in rows)
    assert json.loads(outputs["json"])["slots"][1]["answered_by"] == {"provider": "openai", "model": "gpt-4o-mini"}
    assert "| 1 | huggingface/fake/echo |" in outputs["markdown"]


def csv_rows(text: str):
    import csv
    import io

    return csv.DictReader(io.StringIO(text))


@pytest.mark.parametrize(
    ("slots", "words"),
    [
        ([{"provider": "nobody", "model": "x"}] * 2, "does not know"),
        ([{"provider": "huggingface", "model": "../../etc/passwd"}] * 2, "Slot 1"),
        ([{"provider": "openai", "model": "gpt-4o-mini", "params": {"temperature": 9}}] * 2, "out of range"),
        ([{"provider": "openai", "model": "gpt-4o-mini", "task": "../admin"}] * 2, "task"),
        ([{"provider": "openai", "model": "gpt-4o-mini"}], "fewer than two"),
    ],
)
def test_hostile_shared_links_are_refused(slots, words):
    import base64
    import zlib

    raw = zlib.compress(json.dumps({"v": 1, "prompt": "hi", "system": "", "slots": slots}).encode())
    with pytest.raises(compare.ShareError, match=words):
        compare.read_share(base64.urlsafe_b64encode(raw).decode())


def test_a_prompt_too_long_for_a_link_says_to_export_instead():
    specs = [SlotSpec("local", "m"), SlotSpec("local", "m")]
    with pytest.raises(compare.ShareError, match="JSON export"):
        compare.share_value("x" * (compare.SHARE_MAX_PROMPT + 1), "", specs)


# ---- votes and the leaderboard ---------------------------------------------------------------


def test_pairwise_results_of_a_vote():
    two = {"A": "p/one", "B": "p/two"}
    assert votes.pairwise(two, "B") == [("p/two", "p/one", 1.0)]
    assert votes.pairwise(two, votes.TIE) == [("p/one", "p/two", 0.5)]
    four = {"A": "a", "B": "b", "C": "c", "D": "d"}
    assert votes.pairwise(four, "C") == [("c", "a", 1.0), ("c", "b", 1.0), ("c", "d", 1.0)]
    assert len(votes.pairwise(four, votes.ALL_BAD)) == 6
    assert votes.pairwise({"A": "same", "B": "same"}, "A") == []  # the same model twice: no contest


def test_leaderboard_elo_and_win_rate():
    votes.cast({"A": "x", "B": "y"}, "A")
    votes.cast({"A": "y", "B": "x"}, "B")
    votes.cast({"A": "x", "B": "z"}, votes.TIE)
    board = {s.model: s for s in votes.leaderboard(votes.all_votes())}
    assert board["x"].battles == 3 and board["x"].wins == 2 and board["x"].ties == 1 and board["x"].win_rate == pytest.approx(2 / 3)
    assert board["y"].losses == 2 and board["y"].elo < 1000 < board["x"].elo
    first = 1000 + 32 * (1 - 0.5)  # x beats y from equal ratings: +16
    assert board["x"].elo > first and round(board["x"].elo + board["y"].elo + board["z"].elo) == 3000  # Elo is zero-sum
    assert [s.model for s in votes.leaderboard(votes.all_votes())] == ["x", "z", "y"]


def test_a_vote_must_name_an_answer():
    with pytest.raises(votes.VoteError):
        votes.cast({"A": "x", "B": "y"}, "C")
    with pytest.raises(votes.VoteError):
        votes.cast({"A": "x"}, "A")


def test_a_prompt_too_long_for_a_slots_model_is_refused_before_sending():
    from adapters import errors

    long_prompt = "word " * 9000  # about 11,000 tokens (est.): more than the bundled model's 8,192
    spec = SlotSpec("local", "SmolLM2-135M-Instruct", "chat", GenerationParams(max_new_tokens=64))
    with pytest.raises(errors.ContextLengthError, match="Nothing was sent"):
        compare.targets_for(spec, _conn(), compare.messages_for(long_prompt, ""))
