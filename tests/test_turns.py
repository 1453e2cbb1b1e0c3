"""The one turn service: a reasoning model's stream (every chunk carries its thinking as an extra) is
cached like any other — a deterministic answer comes back from the cache without a request, a sampled
one is never kept."""

from __future__ import annotations

import pytest

from adapters import GenerationParams
from council.runs import compare, turns
from council.runs.compare import SlotSpec
from council.runs.providers import Connection
from council.runs.resilience import RetryLayer
from council.settings import RetrySettings, data_dir
from council.storage.response_cache import ResponseCache

KEY = "sk-ant-TurnCanary0123456789abcdef"


@pytest.fixture
def thinker(monkeypatch, fake_anthropic):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    return fake_anthropic


async def ask(params: GenerationParams, cache: ResponseCache) -> turns.TurnResult:
    conn = Connection(tokens={"anthropic": KEY}, base_urls={}, visitor_is_local=True)
    spec = SlotSpec("anthropic", "claude-thinker", "chat", params)
    targets = compare.targets_for(spec, conn, compare.messages_for("Why is the sky blue?", ""))
    return await turns.stream_turn(targets, RetryLayer(RetrySettings(1, 5.0)), lambda _: None, cache=cache)


def cached_keys(cache: ResponseCache) -> list[str]:
    with cache.store.read() as db:
        return [row[0] for row in db.execute("SELECT key FROM answers").fetchall()]


async def test_a_deterministic_answer_from_a_thinking_model_comes_from_the_cache(thinker):
    cache = ResponseCache(data_dir() / "cache.sqlite3")
    first = await ask(GenerationParams(temperature=0.0, max_new_tokens=2048), cache)
    assert first.error is None and first.extra.get("reasoning")  # it thought, and the thinking came as extras
    second = await ask(GenerationParams(temperature=0.0, max_new_tokens=2048), cache)
    assert second.extra.get("cached") and second.text == first.text
    assert len(thinker.requests_to("messages")) == 1  # the second answer was not asked for
    assert cached_keys(cache) != ["reasoning"] and len(cached_keys(cache)) == 1


async def test_a_sampled_answer_from_a_thinking_model_is_never_cached(thinker):
    cache = ResponseCache(data_dir() / "cache.sqlite3")
    await ask(GenerationParams(temperature=0.7, max_new_tokens=2048), cache)
    second = await ask(GenerationParams(temperature=0.7, max_new_tokens=2048), cache)
    assert not second.extra.get("cached") and len(thinker.requests_to("messages")) == 2
    assert cached_keys(cache) == []
