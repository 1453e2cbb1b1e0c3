"""Streamed tokens per second: the local adapter against raw llama-cpp-python.

Both generate from the same loaded model, with the same prompt, chat template, sampling settings
and seed, streaming, on the same thread (llama.cpp's OpenMP keeps a thread team per calling
thread, so a baseline on another thread would compete with the adapter's team); runs alternate. Tokens per second = streamed pieces / time
from the request to the last piece. Goal: the adapter keeps at least 0.95x of the raw speed.

    python benchmarks/local_tokens_per_s.py [--runs 9] [--tokens 128]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters import (  # noqa: E402
    ChatRequest,
    GenerationParams,
    Message,
    create_adapter,
    local_runtime,
)

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Write a short story about a lighthouse keeper."},
]


def raw_run(model, tokens: int) -> tuple[int, float]:
    model.reset()
    start = time.perf_counter()
    pieces = 0
    for part in model.create_chat_completion(messages=MESSAGES, stream=True, max_tokens=tokens, temperature=0.7, seed=7):
        if part["choices"][0]["delta"].get("content"):
            pieces += 1
    return pieces, time.perf_counter() - start


async def adapter_run(adapter, tokens: int) -> tuple[int, float]:
    request = ChatRequest(
        local_runtime.BUNDLED_MODEL_ID,
        tuple(Message(m["role"], m["content"]) for m in MESSAGES),
        GenerationParams(max_new_tokens=tokens, temperature=0.7, seed=7),
    )
    start = time.perf_counter()
    pieces = 0
    async for chunk in adapter.stream(request):
        if chunk.text:
            pieces += 1
    return pieces, time.perf_counter() - start


def main(runs: int, tokens: int) -> None:
    status = local_runtime.status()
    if not status.ready:
        sys.exit(f"the bundled model is not available: {status.message}")
    adapter = create_adapter("local")
    model = local_runtime.load_model(local_runtime.model_path())  # the same cached instance the adapter uses
    local_runtime.on_generation_thread(raw_run, model, 16)  # warm up
    asyncio.run(adapter_run(adapter, 16))
    rates: dict[str, list[float]] = {"raw": [], "adapter": []}
    for _ in range(runs):
        n, t = local_runtime.on_generation_thread(raw_run, model, tokens)
        rates["raw"].append(n / t)
        n, t = asyncio.run(adapter_run(adapter, tokens))
        rates["adapter"].append(n / t)
    raw_rate = statistics.median(rates["raw"])
    adapter_rate = statistics.median(rates["adapter"])
    print(f"runs per side:              {runs} (up to {tokens} tokens each)")
    print(f"raw llama-cpp-python:       {raw_rate:.1f} tokens/s (median)")
    print(f"local adapter:              {adapter_rate:.1f} tokens/s (median)")
    paired = statistics.median(a / r for r, a in zip(rates["raw"], rates["adapter"], strict=True))
    print(f"ratio of medians:           {adapter_rate / raw_rate:.3f}x")
    print(f"median of paired ratios:    {paired:.3f}x (goal: >= 0.95x; pairs cancel the machine's drift)")
    print("per run (raw / adapter):   " + ", ".join(f"{r:.0f}/{a:.0f}" for r, a in zip(rates["raw"], rates["adapter"], strict=True)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--quick", action="store_true", help="one run of 16 tokens: seconds (the test suite runs this)")
    args = parser.parse_args()
    main(1 if args.quick else args.runs, 16 if args.quick else args.tokens)
