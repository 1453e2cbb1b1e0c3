"""Compare's fan-out: do six slots streaming at once take as long as the slowest one alone?

Six loopback fakes (Hugging Face router, OpenAI, Groq, Gemini, Ollama, a key-less OpenAI-compatible
server — each speaking its own wire format) run in a separate process; every answer streams 20
text chunks spread over 1.0 s. Through the code path the Compare page uses (``compare.targets_for``,
one ``RetryLayer`` per slot, ``compare.fan_out``, ledger writes included), the script times each
slot alone, then the first four together, then all six, in the same run, and prints

    slots=4 ratio=<wall time of four together / the slowest of those four alone>
    slots=6 ratio=<...>
    ratio=<the six-slot figure>

Each figure is the median of ``--rounds`` runs. Goal: ratio <= 1.10.

    python benchmarks/compare_fanout.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNKS = 20
SECONDS = float(os.environ.get("BENCH_ANSWER_S", "1.0"))  # how long each fake answer takes (other benchmarks set it)
WORDS = [f" w{i}" for i in range(CHUNKS)]
SLOTS = [  # provider, model, token
    ("huggingface", "fake/echo", "hf_benchmarkToken0123456789"),
    ("openai", "gpt-4o-mini", "sk-benchmarkKey0123456789"),
    ("groq", "openai/gpt-oss-20b", "gsk_benchmarkKey0123456789"),
    ("gemini", "gemini-2.5-flash", "AIzaBenchmarkKey0123456789abcdefghij"),
    ("ollama", "llama3.2", None),
    ("openai-compatible", "my-local-model", None),
]


# ---- the fakes, in their own process -------------------------------------------------------


def serve() -> None:
    """Start the six paced fakes; print their URLs as one JSON line; serve until stdin closes."""
    from tests.fakes import gemini_server, hf_server, ollama_server, openai_server

    def paced(reply):
        reply.gap_s = SECONDS / max(1, len(reply.pieces or []))
        return reply

    class HF(hf_server.FakeHuggingFace):
        def default(self, route, path, headers, body):
            if route == "chat":
                return paced(hf_server.chat_stream(body["model"], WORDS))
            return super().default(route, path, headers, body)

    class OpenAI(openai_server.FakeOpenAI):
        def default(self, route, path, headers, body):
            if route == "chat":
                return paced(openai_server.chat_stream(body["model"], WORDS, groq=self.flavour == "groq"))
            return super().default(route, path, headers, body)

    class Gemini(gemini_server.FakeGemini):
        def default(self, route, path, headers, body):
            if route == "stream":
                return paced(gemini_server.gemini_stream(WORDS))
            return super().default(route, path, headers, body)

    class Ollama(ollama_server.FakeOllama):
        def default(self, route, path, headers, body):
            if route == "chat":
                return paced(ollama_server.chat_lines(body["model"], WORDS))
            return super().default(route, path, headers, body)

    fakes = {
        "huggingface": HF(),
        "openai": OpenAI("openai"),
        "groq": OpenAI("groq"),
        "gemini": Gemini(),
        "ollama": Ollama(),
        "openai-compatible": OpenAI("server"),
    }
    for fake in fakes.values():
        fake.start()
    print(json.dumps({name: fake.url for name, fake in fakes.items()}), flush=True)
    sys.stdin.read()  # until the parent goes away
    for fake in fakes.values():
        fake.stop()


def start_fakes() -> tuple[subprocess.Popen, dict[str, str]]:
    process = subprocess.Popen([sys.executable, __file__, "--serve"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return process, json.loads(process.stdout.readline())


# ---- the measurement ---------------------------------------------------------------------------


def point_at(urls: dict[str, str]) -> None:
    os.environ.update(
        HF_ROUTER_URL=urls["huggingface"],
        HF_ENDPOINT=urls["huggingface"],
        OPENAI_BASE_URL=urls["openai"] + "/v1",
        GROQ_BASE_URL=urls["groq"] + "/openai/v1",
        GEMINI_BASE_URL=urls["gemini"],
        OLLAMA_HOST=urls["ollama"],
        COUNCIL_OPENAI_COMPATIBLE_URL=urls["openai-compatible"] + "/v1",
    )


async def wall_time(slots: list[tuple[str, str, str | None]]) -> float:
    """One comparison of ``slots``, built and run exactly as the Compare page does."""
    from adapters import GenerationParams
    from council.runs import compare
    from council.runs.providers import Connection
    from council.runs.resilience import RetryLayer
    from council.settings import RetrySettings

    conn = Connection(tokens={p: t for p, _, t in slots if t}, base_urls={}, visitor_is_local=True)
    messages = compare.messages_for("Count to twenty.", "")
    texts: dict[int, str] = {}
    runs = []
    for i, (provider, model, _) in enumerate(slots):
        spec = compare.SlotSpec(provider, model, "chat", GenerationParams(temperature=0.7, max_new_tokens=64))

        def on_text(full: str, i: int = i) -> None:
            texts[i] = full

        runs.append(compare.SlotRun(compare.targets_for(spec, conn, messages), RetryLayer(RetrySettings()), on_text))
    start = time.perf_counter()
    results = await compare.fan_out(runs)
    elapsed = time.perf_counter() - start
    for result in results:
        if result.error is not None or result.text.count(" w") != CHUNKS:
            raise SystemExit(f"a slot did not answer in full: {result.provider} {result.error!r} {result.text!r}")
    return elapsed


def run_async(coro):
    """Like the page: a fresh event loop per comparison, in a thread of its own."""
    out: dict = {}

    def target() -> None:
        out["value"] = asyncio.run(coro)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return out["value"]


def main(rounds: int) -> None:
    process, urls = start_fakes()
    try:
        point_at(urls)
        os.environ["COUNCIL_DATA_DIR"] = tempfile.mkdtemp(prefix="compare-fanout-")
        run_async(wall_time(SLOTS))  # warm up: imports, first connections, the ledger file
        alone: dict[str, list[float]] = {p: [] for p, _, _ in SLOTS}
        together: dict[int, list[float]] = {4: [], 6: []}
        for _ in range(rounds):
            for slot in SLOTS:
                alone[slot[0]].append(run_async(wall_time([slot])))
            for n in together:
                together[n].append(run_async(wall_time(SLOTS[:n])))
    finally:
        process.stdin.close()
        process.wait(10)

    solo = {p: statistics.median(times) for p, times in alone.items()}
    for provider, seconds in solo.items():
        print(f"alone  {provider:<18} {seconds:.3f} s")
    ratios = {}
    for n, times in together.items():
        slowest = max(solo[p] for p, _, _ in SLOTS[:n])
        wall = statistics.median(times)
        ratios[n] = wall / slowest
        print(f"together slots={n}: {wall:.3f} s (slowest alone {slowest:.3f} s)")
    for n, ratio in ratios.items():
        print(f"slots={n} ratio={ratio:.3f}")
    print(f"ratio={ratios[6]:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="one round: seconds (the test suite runs this)")
    args = parser.parse_args()
    if args.serve:
        serve()
    else:
        main(1 if args.quick else args.rounds)
