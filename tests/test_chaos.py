"""The chaos run: 1,000 requests through the retry layer to a fake that answers each attempt with a
fault drawn from a seeded generator (error statuses, cut streams, slow streams, garbage bodies,
HTML gateway pages, empty answers) or to an address that refuses connections. Repeatable (the
fault depends on the request and the attempt, not on timing): no unhandled exception, and exactly
one ledger row per attempt — as many as the fake saw plus the refused ones."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from adapters import GenerationParams, Message, create_adapter
from council.resilience import Attribution, RetryLayer, Target
from council.settings import RetrySettings
from council.turns import make_request, stream_turn
from council.usage import ledger, record_call
from tests.fakes.openai_server import ERRORS, FakeOpenAI, chat_stream
from tests.fakes.server import Reply, json_reply, text_reply
from tests.processes import free_port

SEED = 20261126
REQUESTS = 1000
BATCH = 50
FAULTS = ("ok", "ok", "ok", "slow", "cut", "429", "500", "503", "502-html", "garbage", "empty", "refused")


def fault_for(index: int, attempt: int) -> str:
    return random.Random(f"{SEED}:{index}:{attempt}").choice(FAULTS)


class ChaosFake(FakeOpenAI):
    """A key-less OpenAI-compatible server whose answer to attempt k of request i is ``fault_for(i, k)``."""

    def __init__(self) -> None:
        super().__init__("server")
        self.attempts: dict[int, int] = {}

    def default(self, route: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        index = int(str(body["messages"][-1]["content"]).split("-")[1])
        with self._lock:
            self.attempts[index] = self.attempts.get(index, 0) + 1
            attempt = self.attempts[index]
        fault = fault_for(index, attempt)
        model = body["model"]
        if fault == "slow":
            reply = chat_stream(model, ["slow", " but", " sure."])
            reply.gap_s = 0.01
            return reply
        if fault == "cut":
            return chat_stream(model, ["cut", " short", " here", " now", " really"], cut_after=2)
        if fault == "429":
            return json_reply(429, {"error": {"message": "Rate limit reached", "type": "requests", "code": None}}, {"Retry-After": "1"})
        if fault in ("500", "503"):
            return ERRORS[fault]
        if fault == "502-html":
            return text_reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
        if fault == "garbage":
            return Reply(200, {"Content-Type": "application/json"}, b"<<<this is not json>>>")
        if fault == "empty":
            return Reply(200, {"Content-Type": "text/event-stream"}, pieces=[b"data: [DONE]\n\n"])
        return chat_stream(model, ["All", " good."])  # "ok" (and "refused", which never reaches here)


async def _one(index: int, fake_url: str, refused_url: str, layer: RetryLayer) -> Attribution:
    """One request; its target refuses connections when its first attempt's fault says so."""
    url = refused_url if fault_for(index, 1) == "refused" else fake_url
    adapter = create_adapter("openai-compatible", base_url=url + "/v1")
    request = make_request("chaos-model", "chat", [Message("user", f"chaos-{index}")], GenerationParams(max_new_tokens=16))
    attribution = Attribution()
    result = None
    try:
        result = await stream_turn([Target(adapter, request)], layer, lambda text: None, attribution)
    finally:
        record_call("chaos", attribution, result.usage if result else None)
        await adapter.aclose()
    return attribution


async def test_a_thousand_requests_through_random_faults():
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    layer = RetryLayer(RetrySettings(3, 5.0), sleep=no_sleep, rng=random.Random(SEED))
    refused_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with ChaosFake() as fake:
        attributions: list[Attribution] = []
        for start in range(0, REQUESTS, BATCH):
            attributions += await asyncio.gather(*(_one(i, fake.url, refused_url, layer) for i in range(start, start + BATCH)))
        seen = len(fake.requests_to("chat"))
    attempts = sum(len(a.attempts) for a in attributions)
    refused = sum(len(a.attempts) for i, a in enumerate(attributions) if fault_for(i, 1) == "refused")
    assert len(attributions) == REQUESTS and refused > 0
    assert (attempts, refused, seen) == (1769, 252, 1517)  # the same every run: the faults follow the seed, not the timing
    assert ledger().count() == attempts  # exactly one row per attempt
    assert seen + refused == attempts  # each attempt reached the fake or was refused: none lost, none invented
    outcomes = {t.outcome for a in attributions for t in a.attempts}
    assert {"ok", "rate_limit", "unavailable"} <= outcomes
    assert waits and max(waits) <= 5.0  # server hints honoured within the cap, never slept through
