"""Regenerate the README's screenshots (docs/screenshots/*.png) from the browser tests.

The end-to-end tests drive the real app against loopback fakes; with COUNCIL_SCREENSHOTS set they
save a screenshot at the moment each page shows what the README describes. Needs Chromium
(apt-get install -y chromium) and the bundled model.

    python docs/make_screenshots.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "docs" / "screenshots"


def main() -> int:
    env = {**os.environ, "COUNCIL_SCREENSHOTS": str(FOLDER), "CI": "true"}  # CI: a missing part fails, not skips
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "e2e", "tests/e2e"], cwd=ROOT, env=env)
    if result.returncode == 0:
        print("Screenshots in", FOLDER.relative_to(ROOT), ":", ", ".join(sorted(p.name for p in FOLDER.glob("*.png"))))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
