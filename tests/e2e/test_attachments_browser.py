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


def test_a_screenshot_pasted_from_the_clipboard_is_attached(page):
    """What a person does with a screenshot: Ctrl+V into the paste box (a real paste event carrying a PNG)."""
    buf = io.BytesIO()
    Image.new("RGB", (200, 120), (20, 120, 220)).save(buf, "PNG")
    page.get_by_text("Attach images or documents").click()
    box = page.get_by_test_id("stChatInputTextArea").first
    box.click()
    box.evaluate(
        """(el, bytes) => {
            const file = new File([new Uint8Array(bytes)], 'image.png', {type: 'image/png'});
            const data = new DataTransfer();
            data.items.add(file);
            el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        list(buf.getvalue()),
    )
    page.get_by_test_id("stFileChip").first.wait_for()  # the browser holds the pasted file in the box
    send = page.get_by_test_id("stChatInputSubmitButton").first
    page.wait_for_function(  # the file has reached the server (the box sends only then)
        "() => { const b = document.querySelector('[data-testid=\"stChatInputSubmitButton\"]'); return b && !b.disabled; }"
    )
    send.click()
    page.get_by_text("pasted-1.png (200\u00d7120)").first.wait_for()  # made ready and shown beside the prompt
    assert page.get_by_test_id("stException").count() == 0


@pytest.mark.local_model
def test_a_pdf_in_compare_goes_as_a_file_to_a_model_that_reads_pdfs_and_as_text_to_a_text_only_slot(
    browser, app_url, bundled_model, tmp_path
):
    from adapters import GenerationParams
    from council.runs.compare import SlotSpec
    from tests.e2e.conftest import shared_comparison
    from tests.test_attachments import pdf

    report = tmp_path / "report.pdf"
    report.write_bytes(pdf(["Revenue grew by four percent in the third quarter."]))
    slots = [
        SlotSpec("simulator", "sim-echo", "chat", GenerationParams(max_new_tokens=64)),
        SlotSpec("local", "SmolLM2-135M-Instruct", "chat", GenerationParams(temperature=0.0, max_new_tokens=16)),
    ]
    with shared_comparison(browser, app_url, "What does the report say?", slots) as page:
        page.get_by_text("Attach images or documents").click()
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(report))
        page.get_by_text("report.pdf \u00b7 1 page", exact=False).first.wait_for()
        page.get_by_text("report.pdf goes to SmolLM2-135M-Instruct as its text", exact=False).first.wait_for()  # said before Run
        page.get_by_role("textbox", name="Prompt", exact=True).press("Control+Enter")
        page.get_by_text("Export this comparison").wait_for()
        first = page.evaluate("() => document.querySelector('.st-key-cmp_answer_0')?.innerText ?? ''")
        second = page.evaluate("() => document.querySelector('.st-key-cmp_answer_1')?.innerText ?? ''")
        assert "Attached: report.pdf (a PDF, 1 page(s))" in first  # as a file, to the model that reads PDFs
        assert "Latency" in second and "reads text only" not in second  # the text-only slot answered from the text
        assert page.get_by_test_id("stException").count() == 0
        shot(page, "compare-attachment")
