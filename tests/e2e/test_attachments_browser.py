"""Attachments in a real browser: an image attached in the Playground is shown beside the prompt, sent, shown
in the conversation and kept in History; a text-only model is refused before anything is sent."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.e2e]


def test_an_image_goes_with_a_playground_message_and_stays_in_the_conversation(page, tmp_path):
    picture = tmp_path / "red-square.png"
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (220, 20, 20)).save(buf, "PNG")
    picture.write_bytes(buf.getvalue())
    page.get_by_test_id("stSelectbox").filter(has_text="Provider").click()
    page.keyboard.type("QA simulator")
    page.get_by_role("option", name="QA simulator", exact=False).first.click()
    page.get_by_text("Attach images or documents").click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(picture))
    page.get_by_text("red-square.png (320\u00d7240)").first.wait_for()  # the thumbnail beside the prompt
    assert_accessible(page, "Playground with an image attached")
    box = page.get_by_label("Your message")
    box.fill("What is in this picture?")
    box.press("Control+Enter")
    page.get_by_text("Attached: red-square.png (an image, 320\u00d7240 px)", exact=False).first.wait_for()
    message = page.get_by_test_id("stChatMessage").first
    assert message.locator("img").count() == 1  # the image stays in the turn it was sent with
    shot(page, "playground-attachment")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="History").click()
    page.get_by_text("What is in this picture?", exact=False).first.wait_for()
    assert page.get_by_test_id("stException").count() == 0
