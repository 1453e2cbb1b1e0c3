"""The chaos run: 1,000 requests through the retry layer to three fakes — an OpenAI-compatible
server (SSE with ``[DONE]``), Ollama (NDJSON) and Gemini (SSE without ``[DONE]``) — each answering
every attempt with a fault drawn from a seeded generator in its own protocol's words (error
statuses, cut streams, slow streams, garbage bodies, HTML gateway pages, empty answers), or an
address that refuses connections. Repeatable (the fault depends on the request and the attempt, not
on timing): no unhandled exception, and exactly one ledger row per attempt — as many as the fakes
saw plus the refused ones."""

from __future__ import annotations

import asyncio
import random
import threading
from typing import Any

from adapters import GenerationParams, Message, create_adapter
from council.runs import service
from council.runs.resilience import Attribution, RetryLayer, Target
from council.runs.turns import make_request
from council.settings import RetrySettings
from council.storage.usage import ledger
from tests.fakes import gemini_server, ollama_server, openai_server
from tests.fakes.gemini_server import FakeGemini, gemini_stream, google_error
from tests.fakes.ollama_server import FakeOllama, chat_lines
from tests.fakes.openai_server import FakeOpenAI, chat_stream
from tests.fakes.server import Reply, json_reply, text_reply
from tests.processes import free_port

SEED = 20261126
REQUESTS = 1000
BATCH = 50
FAULTS = ("ok", "ok", "ok", "slow", "cut", "429", "500", "503", "502-html", "garbage", "empty", "refused")
PROTOCOLS = ("openai-compatible", "ollama", "gemini")  # request i goes to PROTOCOLS[i % 3]
GEMINI_KEY = "AIzaChaosKey0123456789abcdefghijk"
HTML_502 = text_reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
WORDS = ["cut", " short", " here", " now", " really"]


def fault_for(index: int, attempt: int) -> str:
    return random.Random(f"{SEED}:{index}:{attempt}").choice(FAULTS)


def slow(reply: Reply) -> Reply:
    reply.gap_s = 0.01
    return reply


def openai_fault(fault: str, model: str) -> Reply:
    return {
        "ok": lambda: chat_stream(model, ["All", " good."]),
        "slow": lambda: slow(chat_stream(model, ["slow", " but", " sure."])),
        "cut": lambda: chat_stream(model, WORDS, cut_after=2),
        "429": lambda: json_reply(
            429, {"error": {"message": "Rate limit reached", "type": "requests", "code": None}}, {"Retry-After": "1"}
        ),
        "500": lambda: openai_server.ERRORS["500"],
        "503": lambda: openai_server.ERRORS["503"],
        "garbage": lambda: Reply(200, {"Content-Type": "application/json"}, b"<<<this is not json>>>"),
        "empty": lambda: Reply(200, {"Content-Type": "text/event-stream"}, pieces=[b"data: [DONE]\n\n"]),
    }.get(fault, lambda: HTML_502)()


def ollama_fault(fault: str, model: str) -> Reply:
    return {
        "ok": lambda: chat_lines(model, ["All", " good."]),
        "slow": lambda: slow(chat_lines(model, ["slow", " but", " sure."])),
        "cut": lambda: chat_lines(model, WORDS, cut_after=2),
        "429": lambda: json_reply(429, {"error": "too many requests"}, {"Retry-After": "1"}),
        "500": lambda: ollama_server.ERRORS["500"],
        "503": lambda: ollama_server.ERRORS["503"],
        "garbage": lambda: Reply(200, {"Content-Type": "application/x-ndjson"}, b"<<<this is not json>>>\n"),
        "empty": lambda: Reply(200, {"Content-Type": "application/x-ndjson"}, pieces=[]),
    }.get(fault, lambda: HTML_502)()


def gemini_fault(fault: str, model: str) -> Reply:
    return {
        "ok": lambda: gemini_stream(["All", " good."]),
        "slow": lambda: slow(gemini_stream(["slow", " but", " sure."])),
        "cut": lambda: gemini_stream(WORDS, cut_after=2),
        "429": lambda: gemini_server.ERRORS["429-bare"],
        "500": lambda: google_error(500, "An internal error has occurred. Please retry.", "INTERNAL"),
        "503": lambda: gemini_server.ERRORS["503"],
        "garbage": lambda: Reply(200, {"Content-Type": "text/event-stream"}, pieces=[b"data: <<<this is not json>>>\n\n"]),
        "empty": lambda: Reply(200, {"Content-Type": "text/event-stream"}, pieces=[]),
    }.get(fault, lambda: HTML_502)()


class Attempts:
    """Counts the attempts each request has made (shared by the three fakes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[int, int] = {}

    def next(self, text: str) -> tuple[int, int]:
        index = int(text.split("-")[1])
        with self._lock:
            self._counts[index] = self._counts.get(index, 0) + 1
            return index, self._counts[index]


class Chaos:
    """Mixin for a protocol's fake: attempt k of request i on ``chaos_route`` is answered with
    ``fault_for(i, k)`` in that protocol's words; other routes answer as the plain fake does."""

    chaos_route = "chat"

    def __init__(self, attempts: Attempts, *args: Any) -> None:
        super().__init__(*args)
        self.attempts = attempts

    def prompt(self, body: Any) -> str:
        return body["messages"][-1]["content"]

    def fault(self, fault: str, body: Any) -> Reply:
        raise NotImplementedError

    def default(self, route: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        if route != self.chaos_route:
            return super().default(route, path, headers, body)
        index, attempt = self.attempts.next(self.prompt(body))
        return self.fault(fault_for(index, attempt), body)


class ChaosServer(Chaos, FakeOpenAI):
    def fault(self, fault: str, body: Any) -> Reply:
        return openai_fault(fault, body["model"])


class ChaosOllama(Chaos, FakeOllama):
    def fault(self, fault: str, body: Any) -> Reply:
        return ollama_fault(fault, body["model"])


class ChaosGemini(Chaos, FakeGemini):
    chaos_route = "stream"

    def prompt(self, body: Any) -> str:
        return body["contents"][-1]["parts"][0]["text"]

    def fault(self, fault: str, body: Any) -> Reply:
        return gemini_fault(fault, "gemini-2.5-flash")


async def _one(index: int, urls: dict[str, str], refused_url: str, layer: RetryLayer) -> Attribution:
    """One request to its protocol's fake; its target refuses connections when its first attempt's fault says so."""
    protocol = PROTOCOLS[index % len(PROTOCOLS)]
    url = refused_url if fault_for(index, 1) == "refused" else urls[protocol]
    adapter = create_adapter(protocol, token=GEMINI_KEY if protocol == "gemini" else None, base_url=url)
    model = {"openai-compatible": "chaos-model", "ollama": "llama3.2", "gemini": "gemini-2.5-flash"}[protocol]
    request = make_request(model, "chat", [Message("user", f"chaos-{index}")], GenerationParams(max_new_tokens=16))
    attribution = Attribution()
    await service.run([Target(adapter, request)], layer, lambda text: None, kind="chaos", attribution=attribution)
    return attribution


async def test_a_thousand_requests_through_random_faults():
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    layer = RetryLayer(RetrySettings(3, 5.0), sleep=no_sleep, rng=random.Random(SEED))
    refused_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    attempts = Attempts()
    with ChaosServer(attempts, "server") as server, ChaosOllama(attempts) as ollama, ChaosGemini(attempts) as gemini:
        urls = {"openai-compatible": server.url + "/v1", "ollama": ollama.url, "gemini": gemini.url}
        attributions: list[Attribution] = []
        for start in range(0, REQUESTS, BATCH):
            attributions += await asyncio.gather(*(_one(i, urls, refused_url, layer) for i in range(start, start + BATCH)))
        seen = {
            name: len(fake.requests_to(route))
            for name, fake, route in (("server", server, "chat"), ("ollama", ollama, "chat"), ("gemini", gemini, "stream"))
        }
    total = sum(len(a.attempts) for a in attributions)
    refused = sum(len(a.attempts) for i, a in enumerate(attributions) if fault_for(i, 1) == "refused")
    assert len(attributions) == REQUESTS and refused > 0 and all(seen.values())
    assert (total, refused, seen) == (
        1909,
        252,
        {"server": 529, "ollama": 567, "gemini": 561},
    )  # the faults follow the seed, not the timing
    assert ledger().count() == total  # exactly one row per attempt
    assert sum(seen.values()) + refused == total  # each attempt reached a fake or was refused: none lost, none invented
    outcomes = {t.outcome for a in attributions for t in a.attempts}
    assert {"ok", "rate_limit", "unavailable"} <= outcomes
    assert {t.provider for a in attributions for t in a.attempts} == set(PROTOCOLS)
    assert waits and max(waits) <= 5.0  # server hints honoured within the cap, never slept through
