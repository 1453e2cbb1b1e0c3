"""The real-browser harness: ``streamlit run app.py`` on a free port with a private data folder and
the loopback Hugging Face fake, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import missing
from tests.fakes.hf_server import FakeHuggingFace
from tests.processes import streamlit_app

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="session")
def e2e_fake() -> Iterator[FakeHuggingFace]:
    with FakeHuggingFace() as fake:
        yield fake


@pytest.fixture(scope="session")
def app_url(e2e_fake, tmp_path_factory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("e2e-log") / "streamlit.log"
    data = tmp_path_factory.mktemp("e2e-data")
    with streamlit_app(log, COUNCIL_DATA_DIR=str(data), HF_ROUTER_URL=e2e_fake.url, HF_ENDPOINT=e2e_fake.url) as url:
        yield url


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
