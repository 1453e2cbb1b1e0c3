"""What the Hugging Face adapter adds on top of a raw httpx POST, per call.

Both sides send the same chat request to the same loopback fake (run in its own process, so the
server does not share this process's interpreter), reuse one client for the whole run, and read
the answer's text. Blocks of calls alternate between the two so that machine noise hits both.
Goal: under 1 ms added at the median.

    python benchmarks/adapter_overhead.py [--calls 500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters import ChatRequest, GenerationParams, Message, create_adapter  # noqa: E402

TOKEN = "hf_benchmarkToken0123456789"
MODEL = "fake/echo"
BLOCK = 25


def start_fake() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "tests.fakes.hf_server"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    url = process.stdout.readline().strip()
    return process, url


async def main(calls: int) -> None:
    process, url = start_fake()
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            adapter = create_adapter("huggingface", token=TOKEN, base_url=url, hub_url=url, client=client)
            request = ChatRequest(MODEL, (Message("user", "Say hello."),), GenerationParams(max_new_tokens=32, temperature=0.5))
            payload = {"model": MODEL, "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 32, "temperature": 0.5}
            headers = {"Authorization": f"Bearer {TOKEN}"}

            async def raw() -> str:
                response = await client.post(f"{url}/v1/chat/completions", json=payload, headers=headers)
                response.raise_for_status()
                return response.json()["choices"][0]["message"]["content"]

            async def through_adapter() -> str:
                return (await adapter.complete(request)).text

            assert await raw() == await through_adapter()  # same work on both sides
            for _ in range(50):  # warm up connections and code paths
                await raw()
                await through_adapter()

            times: dict[str, list[float]] = {"raw": [], "adapter": []}
            done = 0
            while done < calls:
                for name, call in (("raw", raw), ("adapter", through_adapter)):
                    for _ in range(BLOCK):
                        start = time.perf_counter()
                        await call()
                        times[name].append(time.perf_counter() - start)
                done += BLOCK
    finally:
        process.terminate()
        process.wait()

    raw_median = statistics.median(times["raw"]) * 1000
    adapter_median = statistics.median(times["adapter"]) * 1000
    print(f"calls per side:          {len(times['raw'])}")
    print(f"raw httpx POST, median:  {raw_median:.3f} ms")
    print(f"adapter.complete median: {adapter_median:.3f} ms")
    print(f"added at the median:     {adapter_median - raw_median:+.3f} ms (goal: < 1 ms)")
    print(f"ratio adapter/raw:       {adapter_median / raw_median:.3f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="20 calls: seconds (the test suite runs this)")
    args = parser.parse_args()
    asyncio.run(main(20 if args.quick else args.calls))
