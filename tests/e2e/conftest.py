"""The real-browser harness: ``streamlit run app.py`` on a free port with a private data folder and
loopback fakes for every remote provider (Hugging Face router and Hub, OpenAI, Groq, Gemini,
Ollama), driven by Playwright in Debian's Chromium.

With ``COUNCIL_SCREENSHOTS=<folder>`` the tests also save the screenshots the README shows
(``python docs/make_screenshots.py`` runs them that way)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import missing
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.hf_server import FakeHuggingFace
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.openai_server import FakeOpenAI
from tests.processes import streamlit_app

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="session")
def e2e_fake() -> Iterator[FakeHuggingFace]:
    with FakeHuggingFace() as fake:
        yield fake


@pytest.fixture(scope="session")
def e2e_fakes(e2e_fake) -> Iterator[dict[str, object]]:
    """Every remote provider's fake (keys are pasted by the tests that need them)."""
    with FakeOpenAI("openai") as openai, FakeOpenAI("groq") as groq, FakeGemini() as gemini, FakeOllama() as ollama:
        yield {"huggingface": e2e_fake, "openai": openai, "groq": groq, "gemini": gemini, "ollama": ollama}


@pytest.fixture(scope="session")
def app_data(tmp_path_factory) -> Path:
    """The data folder of the app the browser tests share."""
    return tmp_path_factory.mktemp("e2e-data")


@pytest.fixture(autouse=True)
def saved_settings_start_fresh(request) -> None:
    """Each browser test starts from the default settings: a test that saves one (the simulator's scenario, a
    parameter) must not change what the next test's new session loads from the shared data folder."""
    if "app_url" in request.fixturenames:
        folder = request.getfixturevalue("app_data")
        for name in ("settings.toml", "host.toml"):
            (folder / name).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def app_url(e2e_fakes, app_data, tmp_path_factory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("e2e-log") / "streamlit.log"
    data = app_data
    hf = e2e_fakes["huggingface"]
    env = {
        "COUNCIL_DATA_DIR": str(data),
        "HF_ROUTER_URL": hf.url,
        "HF_ENDPOINT": hf.url,
        "OPENAI_BASE_URL": e2e_fakes["openai"].url + "/v1",
        "GROQ_BASE_URL": e2e_fakes["groq"].url + "/openai/v1",
        "GEMINI_BASE_URL": e2e_fakes["gemini"].url,
    }
    with streamlit_app(log, **env) as url:
        yield url


@contextlib.contextmanager
def app_with_hf_token(hf_fake: FakeHuggingFace, tmp_path_factory, name: str, token: str) -> Iterator[str]:
    """Another app process, with a Hugging Face token in its environment (as a user's .env gives it)."""
    log = tmp_path_factory.mktemp(f"e2e-{name}-log") / "streamlit.log"
    data = tmp_path_factory.mktemp(f"e2e-{name}-data")
    env = {"COUNCIL_DATA_DIR": str(data), "HF_ROUTER_URL": hf_fake.url, "HF_ENDPOINT": hf_fake.url, "HUGGINGFACE_TOKEN": token}
    with streamlit_app(log, **env) as url:
        yield url


@contextlib.contextmanager
def shared_comparison(browser, app: str, question: str, slots: list) -> Iterator[object]:
    """A page of its own (1400 × 1400) opened on Compare from a share link for ``slots``, closed afterwards."""
    from council.runs import compare

    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{app}/compare?{compare.SHARE_PARAM}={compare.share_value(question, '', slots)}")
        page.get_by_text(f"Opened a shared comparison of {len(slots)} models").wait_for()
        yield page
    finally:
        context.close()


@contextlib.contextmanager
def page_at(browser, url: str, width: int, height: int = 1000, heading: str = "Playground") -> Iterator[object]:
    """A page of its own at ``width`` px, on ``url`` (the Playground, the landing page, unless it opens another
    page, whose ``heading`` is waited for), closed afterwards."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        page.get_by_role("heading", name=heading).first.wait_for()
        yield page
    finally:
        context.close()


def settled(page) -> None:
    """The app has finished its script run (no "Running…" status, nothing stale left): a click now is not lost
    in a rerun."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && !document.querySelector('[data-stale=\"true\"]')"
    )


def no_exception_box(page) -> None:
    assert page.get_by_test_id("stException").count() == 0


def send_in_playground(page, text: str) -> None:
    """Type ``text`` in the Playground's message box and send it with Ctrl+Enter (as a user does)."""
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Control+Enter")


def countdown_then_answer(page, in_bar: str, answer: str) -> None:
    """The Playground's countdown bar shows (with ``in_bar``), one retry is reported, and the answer
    holds ``answer``."""
    bar = page.get_by_test_id("stProgress").filter(has_text="retrying in")
    bar.first.wait_for(timeout=15_000)
    assert in_bar in bar.first.inner_text()
    page.get_by_text("The app waited and retried 1 time(s) before this answer.").wait_for(timeout=30_000)
    assert answer in page.get_by_test_id("stChatMessage").nth(1).inner_text()


def ask_in_playground(page, text: str, max_new_tokens: int) -> None:
    """Set the answer length, then send ``text``."""
    field = page.get_by_role("spinbutton", name="Max new tokens (tokens)")
    field.fill(str(max_new_tokens))
    field.press("Enter")
    send_in_playground(page, text)


def shot(page, name: str) -> None:
    """Save a README screenshot when the run was asked to (COUNCIL_SCREENSHOTS=<folder>)."""
    folder = os.environ.get("COUNCIL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(400)  # let the last redraw settle
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.fixture(scope="session")
def browser(chromium_path) -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(app_url)
    pg.get_by_test_id("stApp").wait_for()
    yield pg
    context.close()


# Streamlit marks an element of the previous run that this run has not drawn again data-stale="true"
# (shown faded). While a new run streams, none may be left: the previous answers are gone at once.
STALE = """() => [...document.querySelectorAll('[data-stale="true"]')]
    .filter((e) => e.offsetParent !== null && e.innerText.trim())
    .map((e) => e.innerText.trim().slice(0, 80))"""


def stale_texts(page) -> list[str]:
    return page.evaluate(STALE)
