"""A reasoning model in a real browser, against the OpenAI fake that keeps its rules (temperature other
than 1 and max_tokens refused, hidden reasoning spent from max_completion_tokens first): with the
app's defaults gpt-5-mini answers at the first request, the parameter panel says why temperature is
off, and the answer says what the app changed and how many tokens went on thinking."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import no_exception_box, send_in_playground
from tests.helpers import PROVIDER_KEYS

pytestmark = pytest.mark.e2e


def test_gpt_5_mini_answers_with_the_defaults(page, e2e_fakes):
    openai = e2e_fakes["openai"]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Settings").click()
    page.get_by_role("tab", name="OpenAI").click()
    field = page.get_by_role("textbox", name="OpenAI token")
    field.fill(PROVIDER_KEYS["openai"])
    field.press("Enter")
    page.get_by_role("tabpanel").filter(has=field).get_by_text("Using the token you pasted").wait_for()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Playground").click()
    page.get_by_role("heading", name="Playground").wait_for()
    page.get_by_test_id("stSelectbox").filter(has_text="Provider").click()
    page.get_by_role("option", name="OpenAI", exact=True).click()
    page.get_by_text("models from OpenAI's live list").wait_for()
    page.get_by_test_id("stSelectbox").filter(has_text="Model").click()
    page.get_by_role("option", name="gpt-5-mini").first.click()
    page.get_by_text("gpt-5-mini always uses temperature 1; it is not sent.").first.wait_for()
    before = len(openai.requests_to("chat"))
    send_in_playground(page, "Say hello.")
    answer = page.get_by_test_id("stChatMessage").filter(has_text="Hi from gpt-5-mini.")
    answer.first.wait_for(timeout=30_000)
    page.get_by_text("gpt-5-mini does not take temperature (it uses its own); 0.7 was not sent.").first.wait_for()
    assert "thinking" in page.get_by_test_id("stMetric").filter(has_text="Tokens out").first.inner_text()
    sent = [s.body for s in openai.requests_to("chat")[before:]]
    assert len(sent) == 1 and "temperature" not in sent[0] and sent[0]["max_completion_tokens"] >= 2048
    no_exception_box(page)
