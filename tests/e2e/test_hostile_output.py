"""Hostile model output in a real browser: a provider streams a script tag, an image with an
onerror handler, a javascript: link and a Markdown image pointing at a second loopback server —
in the Playground, Compare and the Council. No script runs and the second server receives no
request, while the answer streams and after it is drawn."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adapters import GenerationParams
from council.runs import compare
from council.runs.compare import SlotSpec
from tests.e2e.conftest import app_with_hf_token, send_in_playground
from tests.fakes.hf_server import chat_stream

pytestmark = [pytest.mark.e2e]

TOKEN = "hf_E2eHostileToken0123456789ab"


class Tracker:
    """A second loopback server that only counts requests (an image would fetch from it)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        tracker = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                tracker.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(scope="module")
def tracker() -> Iterator[Tracker]:
    t = Tracker()
    yield t
    t.server.shutdown()


def hostile_words(tracker: Tracker) -> list[str]:
    return [
        "Here ",
        "<script>window.__pwned = 'script'</script> ",
        f"<img src=x onerror=\"window.__pwned='img'; fetch('{tracker.url}/img-onerror')\"> ",
        "[click me](javascript:window.__pwned='link') ",
        f"![tracking pixel]({tracker.url}/pixel.png) ",
        f'<iframe src="{tracker.url}/frame"></iframe> ',
        "done.",
    ]


def hostile_reply(tracker: Tracker, model: str):
    reply = chat_stream(model, hostile_words(tracker))
    reply.gap_s = 0.05  # slow enough that the page is drawn many times while it streams
    return reply


@pytest.fixture(scope="module")
def hostile_app(e2e_fake, tmp_path_factory) -> Iterator[str]:
    with app_with_hf_token(e2e_fake, tmp_path_factory, "hostile", TOKEN) as url:
        yield url


def watch(page, seconds: float) -> None:
    """Sample the page while it streams: no script may have run at any moment."""
    deadline = page.evaluate("Date.now()") + seconds * 1000
    while page.evaluate("Date.now()") < deadline:
        assert page.evaluate("window.__pwned ?? null") is None
        page.wait_for_timeout(50)


def assert_clean(page, tracker: Tracker) -> None:
    assert page.evaluate("window.__pwned ?? null") is None
    assert page.evaluate("document.querySelectorAll('.stApp script:not([src]), .stApp iframe, .stApp img[onerror]').length") == 0
    assert not [a for a in page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)") if a.startswith("javascript:")]
    assert tracker.hits == []
    assert page.get_by_test_id("stException").count() == 0


@pytest.fixture
def fresh_page(browser, hostile_app):
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    yield page
    context.close()


def test_the_playground_draws_hostile_output_as_text(fresh_page, hostile_app, e2e_fake, tracker):
    page = fresh_page
    page.goto(f"{hostile_app}/?")
    page.get_by_test_id("stSelectbox").filter(has_text="Provider").click()
    page.get_by_role("option", name="Hugging Face").click()
    page.get_by_text("models from Hugging Face's live list").wait_for()
    e2e_fake.enqueue("chat", hostile_reply(tracker, "openai/gpt-oss-120b"))
    send_in_playground(page, "Say something nasty")
    watch(page, 1.0)
    page.get_by_test_id("stMetric").first.wait_for()
    page.get_by_test_id("stChatMessage").nth(1).get_by_text("done.", exact=False).first.wait_for()  # the whole answer, drawn as text
    assert_clean(page, tracker)


def test_compare_draws_hostile_output_as_text(fresh_page, hostile_app, e2e_fake, tracker):
    page = fresh_page
    slots = [
        SlotSpec("huggingface", "acme/one", "chat", GenerationParams(temperature=0.7)),
        SlotSpec("huggingface", "acme/two", "chat", GenerationParams(temperature=0.7)),
    ]
    for model in ("acme/one", "acme/two"):
        e2e_fake.enqueue("chat", hostile_reply(tracker, model))
    page.goto(f"{hostile_app}/compare?{compare.SHARE_PARAM}={compare.share_value('Be nasty.', '', slots)}")
    page.get_by_text("Opened a shared comparison of 2 models").wait_for()
    page.get_by_role("button", name="Run").click()
    watch(page, 1.0)
    page.get_by_text("Export this comparison").wait_for()
    assert_clean(page, tracker)


def test_the_council_draws_hostile_output_as_text(fresh_page, hostile_app, e2e_fake, tracker):
    page = fresh_page
    page.goto(f"{hostile_app}/council")
    page.get_by_role("textbox", name="Question", exact=True).fill("Be nasty, all of you.")
    page.get_by_test_id("stButtonGroup").get_by_text("Fast", exact=True).click()
    page.get_by_text("Before you run: 5 requests").wait_for()
    for _ in range(5):  # two answers, two reviews, one synthesis
        e2e_fake.enqueue("chat", hostile_reply(tracker, "acme/any"))
    page.get_by_role("button", name="Run").click()
    watch(page, 1.5)
    page.get_by_text("The council's answer").wait_for(timeout=90_000)
    page.get_by_text("Stage 2").first.click()
    assert_clean(page, tracker)
