"""Benchmarks cannot rot unseen: each runs here in its quick mode (small sizes, seconds) and must finish
and print its figures. (The figures themselves are the benchmark's to judge, at full size.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.processes import ROOT


def quick(script: str, timeout: int = 300) -> list[str]:
    done = subprocess.run([sys.executable, f"benchmarks/{script}", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


def test_adapter_overhead():
    assert any(line.startswith("ratio adapter/raw:") for line in quick("adapter_overhead.py"))


def test_compare_fanout():
    assert any(line.startswith("ratio=") for line in quick("compare_fanout.py"))


def test_ledger_writers():
    assert quick("ledger_writers.py")[0].startswith("sqlite_rows=200 ")


def test_usage_scale():
    assert any(line.startswith("ratio=") for line in quick("usage_scale.py"))


@pytest.mark.local_model
def test_local_tokens_per_s(bundled_model):
    assert any(line.startswith("median of paired ratios:") for line in quick("local_tokens_per_s.py"))


@pytest.mark.local_model
@pytest.mark.timeout(600)
def test_offline_council(bundled_model):
    """It crashed once unnoticed: its free-text baseline stood in for a function that had gained an argument."""
    lines = quick("offline_council.py", timeout=600)
    assert any(line.startswith("grammar: mean wall time") for line in lines) and any(line.startswith("ratio wall time") for line in lines)


@pytest.mark.e2e
def test_page_scale(chromium_path):
    lines = quick("page_scale.py")
    assert lines[0].startswith("page") and {line.split()[0] for line in lines[1:]} >= {"Usage", "History", "Council", "Compare"}


def test_prompt_sets():
    lines = quick("prompt_sets.py")
    assert any(line.startswith("ratio=") for line in lines) and any(line.startswith("peak_kib ") for line in lines)
