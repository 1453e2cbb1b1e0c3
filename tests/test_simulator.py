"""The QA simulator: each scenario raises the typed error a real provider's answer maps to (and
the retry layer treats it as it would), it is labelled in the pickers, and it never reaches the
usage figures; Troubleshooting opens each error in it; and a QA person walking each scenario in the
Playground sees its message, its countdown (the waits the page drew) or the fallback."""

from __future__ import annotations

import asyncio

import pytest

from adapters import ChatRequest, GenerationParams, Message, create_adapter, errors
from adapters.simulator import SCENARIOS, Scenario, reset_loading
from council.runs import providers
from council.runs.resilience import RetryLayer, Target
from council.settings import RetrySettings
from council.storage.usage import ledger
from tests.helpers import history, send, shown_text, start

REQUEST = ChatRequest("sim-echo", (Message("user", "Hello?"),), GenerationParams(max_new_tokens=40))


def sim(name: str, **kw) -> object:
    reset_loading()
    return create_adapter("simulator", scenario=Scenario(name, **({"tokens_per_s": 500.0} | kw)))


@pytest.mark.parametrize(
    ("name", "error", "status", "retryable"),
    [
        ("auth", errors.AuthError, 401, False),
        ("credits", errors.QuotaExhaustedError, 402, False),
        ("gone", errors.EndpointGoneError, 410, False),
        ("garbage", errors.ProviderUnavailableError, None, True),
        ("loading", errors.ModelLoadingError, 503, True),
        ("rate_limit", errors.RateLimitError, 429, True),
    ],
)
async def test_each_error_scenario_raises_what_a_provider_would(name, error, status, retryable):
    with pytest.raises(error) as caught:
        async for _ in sim(name).stream(REQUEST):
            pass
    assert caught.value.status == status and caught.value.retryable is retryable and caught.value.user_message


async def test_a_cut_stream_keeps_what_arrived():
    seen = []
    with pytest.raises(errors.ProviderUnavailableError, match="cut"):
        async for chunk in sim("cut").stream(REQUEST):
            seen.append(chunk.text)
    assert seen and "".join(seen).startswith("This is the QA simulator")


async def test_the_retry_layer_waits_out_a_short_retry_after_and_falls_back_past_the_cap():
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    layer = RetryLayer(RetrySettings(4, 10.0), sleep=sleep)
    done = await layer.complete([Target(sim("rate_limit", retry_after_s=3.0), REQUEST)])
    assert done.text.startswith("This is the QA simulator") and waits == [3.0]
    with pytest.raises(errors.RateLimitError):  # 30 s is beyond the 10 s cap: no sleeping through it
        await layer.complete([Target(sim("rate_limit", retry_after_s=30.0), REQUEST)])
    assert waits == [3.0]


async def test_loading_answers_once_the_model_is_warm():
    adapter = sim("loading", loading_s=0.3)
    layer = RetryLayer(RetrySettings(8, 10.0))
    done = await layer.complete([Target(adapter, REQUEST)])
    assert done.text and adapter.attempts >= 2


async def test_a_slow_stream_is_slow():
    adapter = sim("slow", tokens_per_s=20.0)
    start = asyncio.get_running_loop().time()
    async for _ in adapter.stream(ChatRequest("sim-echo", (Message("user", "x"),), GenerationParams(max_new_tokens=6))):
        pass
    assert asyncio.get_running_loop().time() - start >= 0.25  # 6 tokens at 20/s


def test_every_scenario_is_described():
    assert set(SCENARIOS) >= {"ok", "loading", "rate_limit", "auth", "credits", "gone", "cut", "slow", "garbage"}


def test_the_simulator_is_labelled_and_never_counted_as_a_real_provider():
    conn = providers.Connection(tokens={}, base_urls={})
    assert "QA simulator" in providers.label("simulator")
    assert "simulator" in providers.available_providers() and "simulator" not in providers.configured_providers(conn)


def _pick_simulator(at, scenario: str, **settings):
    at.switch_page("pages/settings.py").run()
    at.selectbox(key="w_sim_name").set_value(scenario).run()
    for field, value in settings.items():
        at.number_input(key=f"w_sim_{field}").set_value(value).run()
    at.switch_page("pages/playground.py").run()
    at.selectbox(key="w_pg_provider").set_value("simulator").run()
    assert "QA simulator" in at.selectbox(key="w_pg_provider").format_func("simulator")


def test_qa_walks_an_error_path_in_the_playground_without_any_usage():
    at = start()
    _pick_simulator(at, "auth")
    send(at, "Hello")
    assert "The token was not accepted" in shown_text(at)
    links = [link.proto for link in at.get("page_link") if link.proto.label == "What this means and what to do"]
    assert links and links[0].query_string == "entry=auth"
    _pick_simulator(at, "rate_limit", retry_after_s=1.0)
    send(at, "Hello again")
    assert history(at)[-1]["content"].startswith("This is the QA simulator")
    assert "waited and retried 1 time" in shown_text(at)
    rows = ledger().recent()
    assert not [r for r in rows if r["provider"] == "simulator"], rows  # never real usage


def test_troubleshooting_opens_an_error_in_the_simulator():
    at = start()
    at.switch_page("pages/troubleshooting.py").run()
    at.button(key="btn_trouble_sim_gone").click().run()
    at.switch_page("pages/playground.py").run()
    assert at.selectbox(key="w_pg_provider").value == "simulator"
    assert at.session_state["simulator"]["name"] == "gone"
    send(at, "Hello")
    answer = history(at)[-1]
    assert answer["meta"]["error"]["kind"] == "gone" and answer["meta"]["error"]["status"] == 410
    # the error panel itself, not the sidebar chip ("scenario: gone") that is always there
    assert any(e.value.startswith("**That endpoint no longer exists** \u2014") and "HTTP 410" in e.value for e in at.main.error)


# ---- every error path, as a QA person walks it in the Playground ------------------------------

QA_PATHS = [  # scenario, its settings, words on the screen, waits the countdown showed (kind, from the server)
    ("ok", {}, "This is the QA simulator (ok)", []),
    ("slow", {"tokens_per_s": 200.0}, "This is the QA simulator (slow)", []),
    ("loading", {"loading_s": 0.3}, "This is the QA simulator (loading)", [("loading", True)]),
    ("rate_limit", {"retry_after_s": 1.0}, "waited and retried 1 time", [("rate_limit", True)]),
    ("auth", {}, "The token was not accepted", []),
    ("credits", {}, "Credits or quota used up", []),
    ("gone", {}, "That endpoint no longer exists", []),
    ("cut", {}, "The partial answer is kept", []),
    ("garbage", {}, "could not read", [("unavailable", False)] * 3),
]


@pytest.mark.parametrize(("scenario", "settings", "words", "waits"), QA_PATHS, ids=[p[0] for p in QA_PATHS])
def test_qa_sees_the_right_message_or_countdown_for_each_scenario(monkeypatch, scenario, settings, words, waits):
    import pages.widgets.live as W

    if scenario == "garbage":  # three backoffs of 1-5 s: skip the waiting (the countdown is tested below)
        monkeypatch.setattr(W, "countdown", lambda placeholder, reason: _instant)
    reset_loading()
    at = start()
    _pick_simulator(at, scenario, **settings)
    send(at, f"Walk the {scenario} path")
    assert words in shown_text(at), shown_text(at)
    assert [(w["kind"], w["from_server"]) for w in at.session_state["pg_waits"]] == waits
    assert not [r for r in ledger().recent() if r["provider"] == "simulator"]


async def _instant(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.mark.local_model
def test_qa_sees_a_fallback_when_the_wait_is_beyond_the_cap(bundled_model):
    at = start()
    at.session_state["retry_max_wait_s"] = 5.0
    _pick_simulator(at, "rate_limit", retry_after_s=30.0)
    at.toggle(key="w_pg_fallback").set_value(True).run()
    at.number_input(key="w_pg_max_new_tokens").set_value(8).run()
    send(at, "Fall back, please")
    answer = history(at)[-1]
    assert answer["meta"]["provider"] == "local" and answer["content"].strip()
    assert "because QA simulator" in shown_text(at) and at.session_state["pg_waits"] == []


async def test_the_countdown_counts_down_with_the_reason():
    import pages.widgets as W

    class Placeholder:
        def __init__(self) -> None:
            self.drawn: list[tuple[float, str]] = []
            self.emptied = False

        def progress(self, value: float, text: str) -> None:
            self.drawn.append((value, text))

        def empty(self) -> None:
            self.emptied = True

    placeholder = Placeholder()
    await W.countdown(placeholder, lambda: "429 Too Many Requests (attempt 1 of 4)")(1.2)
    assert placeholder.drawn[0][1] == "429 Too Many Requests (attempt 1 of 4) \u2014 retrying in 1 s"
    assert placeholder.drawn[-1][1].endswith("retrying in 0 s") and len(placeholder.drawn) >= 5  # redrawn every 0.2 s
    assert [v for v, _ in placeholder.drawn] == sorted(v for v, _ in placeholder.drawn) and placeholder.emptied


# ---- the council on simulator seats ------------------------------------------------------------


def _sim_council(name: str):
    import random

    from council.runs import routing
    from council.runs.deliberation import Context

    conn = providers.Connection(tokens={}, base_urls={}, simulator=Scenario(name, tokens_per_s=2000.0))
    members = routing.offline_members(4, routing.SIMULATOR, routing.SIMULATOR_MODEL)
    chair = routing.offline_chair(routing.SIMULATOR, routing.SIMULATOR_MODEL)
    return members, chair, Context(conn, settings=RetrySettings(1, 5.0), rng=random.Random(3))


async def test_a_council_of_simulator_seats_walks_all_three_stages_without_quota():
    from council.runs import deliberation

    members, chair, ctx = _sim_council("ok")
    transcript = await deliberation.deliberate("Why is the sky blue?", "general", "best", members, chair, ctx)
    t = transcript.to_dict()
    assert [e["provider"] for e in t["stage1"]] == ["simulator"] * 4 and all(e["text"] for e in t["stage1"])
    assert len(t["stage2"]) == 4 and all(r["parsed"] for r in t["stage2"])  # it follows the ranking format
    for review in t["stage2"]:
        assert review["ranking"] == review["order"]  # in the order it was shown them
    assert all(a["avg_rank"] is not None for a in t["aggregate"]) and t["consensus"] is not None
    assert t["final"]["text"].startswith("This is the QA simulator") and t["cost_usd"] == 0
    assert ledger().count() == 0  # never real usage


async def test_a_council_whose_seats_all_fail_says_so():
    from council.runs import deliberation

    members, chair, ctx = _sim_council("auth")
    transcript = await deliberation.deliberate("Hello?", "general", "balanced", members, chair, ctx)
    t = transcript.to_dict()
    assert all(e["error"]["kind"] == "auth" for e in t["stage1"]) and t["final"] is None and "at least two" in t["note"]


def test_the_council_page_offers_labelled_simulator_seats():
    at = start()
    at.switch_page("pages/council.py").run()
    picker = at.multiselect(key="w_council_members")
    seats = [key for key in picker.options if "QA simulator" in key]
    assert seats and all(seat.startswith("QA simulator (no real model) \u00b7 sim-echo (") for seat in seats)
    sim_keys = [f"simulator:sim-echo ({name})" for name in ("The analyst", "The storyteller", "The skeptic")]
    at.text_area(key="w_council_question").input("Is a tomato a fruit?").run()
    picker.set_value(sim_keys).run()
    at.selectbox(key="w_council_chair").set_value("simulator:sim-echo (The chair)").run()
    at.button(key="btn_council_run").click().run()
    assert not at.exception, at.exception
    t = at.session_state["council_transcript"].to_dict()
    assert {m["provider"] for m in t["members"]} == {"simulator"} and t["final"]["text"]
    # three members: no two reviewers rank the same pair, yet the leave-one-out agreement is defined
    assert all(r["method"] == "schema" and r["parsed"] for r in t["stage2"]) and isinstance(t["consensus"]["value"], float)
    assert any(m.value.startswith("**Agreement ") and "averaged over the reviewers" in m.value for m in at.markdown)
    assert not [r for r in ledger().recent() if r["provider"] == "simulator"]
