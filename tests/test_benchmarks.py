"""Benchmarks cannot rot unseen: each runs here in its quick mode (small sizes, seconds) and must finish
and print its table. (The figures themselves are the benchmark's to judge, at full size.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.processes import ROOT


@pytest.mark.e2e
def test_the_page_scale_benchmark_runs(chromium_path):
    done = subprocess.run([sys.executable, "benchmarks/page_scale.py", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("page") and {line.split()[0] for line in lines[1:]} >= {"Usage", "History", "Council", "Compare"}
