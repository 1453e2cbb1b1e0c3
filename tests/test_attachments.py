"""Images and documents with a prompt: made ready before sending (EXIF gone, downscaled, every bad file
refused in words with nothing sent), what each model can read (each layer), each protocol's own shape
over loopback HTTP against fakes that check it as the provider does, a text-only model never sent an
image, a 400 learned, a PDF as a file or as its text, the window check, the simulator's scenarios and
``ask --attach``."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from PIL import Image

from adapters import Attachment, GenerationParams, Message
from adapters import errors as err
from adapters.simulator import Scenario
from council import library
from council.__main__ import main
from council.facts import capabilities
from council.runs import attachments as A
from council.runs import service
from council.runs.providers import Connection
from council.runs.resilience import RetryLayer
from council.settings import RetrySettings
from council.storage import learned

KEYS = {
    "openai": "sk-AttachCanary0123456789abcdef",
    "groq": "gsk_AttachCanary0123456789abcdef",
    "anthropic": "sk-ant-api03-AttachCanary0123456789",
    "gemini": "AIzaAttachCanary0123456789abcdefghij",
}


def photo(width: int = 3000, height: int = 2000, fmt: str = "JPEG") -> bytes:
    """A phone photo: large, with a camera maker and a GPS position in its EXIF."""
    img = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (52.0, 13.0, 22.0), 3: "E", 4: (13.0, 24.0, 0.0)}
    buf = io.BytesIO()
    img.save(buf, fmt, exif=exif.tobytes())
    return buf.getvalue()


def pdf(pages: list[str]) -> bytes:
    """A small real PDF with one line of text a page."""
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(f'{3 + 2 * i} 0 R' for i in range(len(pages)))}] /Count {len(pages)} >>",
    ]
    font = 3 + 2 * len(pages)
    for i, text in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R /Resources << /Font << /F1 {font} 0 R >> >> >>"
        )
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objs.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode() + b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    return out + f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


# ---- made ready before sending -----------------------------------------------------------------------


def test_a_phone_photo_loses_its_exif_and_is_downscaled():
    raw = photo()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the GPS position is there going in
    a = A.prepare(raw, "IMG_0001.JPG")
    sent = Image.open(io.BytesIO(a.data))
    assert a.mime == "image/jpeg" and a.kind == "image" and (a.width, a.height) == (1568, 1045) == sent.size
    assert dict(sent.getexif()) == {} and b"PhoneMaker" not in a.data  # nothing of the camera's, nor where it was


def test_a_small_png_keeps_its_size_and_a_gif_goes_as_a_still():
    buf = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 255, 128)).save(buf, "PNG")
    a = A.prepare(buf.getvalue(), "icon.png")
    assert (a.mime, a.width, a.height) == ("image/png", 40, 30)
    gif = io.BytesIO()
    Image.new("P", (20, 20)).save(gif, "GIF")
    assert A.prepare(gif.getvalue(), "anim.gif").mime == "image/png"


def test_a_pdf_keeps_its_pages_and_text():
    a = A.prepare(pdf(["The invoice total is 42 euros.", "Page two says hello."]), "invoice.pdf")
    assert (a.mime, a.pages) == ("application/pdf", 2) and "42 euros" in a.text and "Page two" in a.text
    as_text = A.as_text(a)
    assert as_text.kind == "text" and as_text.text == a.text and as_text.pages == 2


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello")
    return buf.getvalue()


def _encrypted() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf(["Secret."]))))
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def docx_file(paragraphs: list[str], table: list[list[str]]) -> bytes:
    """A real Word document: paragraphs, then a table."""
    from docx import Document

    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    grid = doc.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_a_word_document_goes_as_its_paragraphs_and_tables():
    doc = A.prepare(docx_file(["Minutes of the meeting.", "Budget approved."], [["Item", "Cost"], ["Chairs", "120"]]), "minutes.docx")
    assert (doc.kind, doc.name, doc.data) == ("text", "minutes.docx", b"")
    assert doc.text == "Minutes of the meeting.\nBudget approved.\nItem | Cost\nChairs | 120"


def _bomb() -> bytes:
    buf = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buf, "PNG")  # 81 megapixels, a few KB on disk
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "said"),
    [
        (_zip(), "holiday.png", "holiday.png is named an image but its bytes are not a PNG, JPEG, WebP or GIF image"),
        (b"not a pdf at all", "report.pdf", "report.pdf is named a PDF but is not one"),
        (_encrypted(), "locked.pdf", "locked.pdf is encrypted (password-protected)"),
        (b"%PDF-1.4\ngarbage", "broken.pdf", "broken.pdf is a damaged PDF"),
        (_bomb(), "bomb.png", "bomb.png has too many pixels to open safely"),
        (b"caf\xe9", "notes.txt", "notes.txt is not UTF-8 text"),
        (b"x" * (A.MAX_FILE_BYTES + 1), "huge.txt", "huge.txt is 20.0 MB; a file may be at most 20 MB"),
        (b"MZ\x90\x00", "setup.exe", "setup.exe is not a file the app can send"),
        (b"plain words", "letter.docx", "letter.docx is named a Word document but its bytes are not one"),
        (_zip(), "broken.docx", "broken.docx is a damaged Word document"),
    ],
    ids=["zip-named-png", "not-a-pdf", "encrypted", "broken", "bomb", "not-utf8", "too-large", "program", "not-docx", "broken-docx"],
)
def test_a_bad_file_is_refused_in_one_sentence(data, name, said):
    with pytest.raises(A.AttachmentError) as caught:
        A.prepare(data, name)
    assert said in str(caught.value)


def test_too_many_files_are_refused():
    with pytest.raises(A.AttachmentError, match="6 files are attached; at most 5"):
        A.prepare_all([(b"hello", f"{i}.txt") for i in range(6)])


# ---- what a model can read ---------------------------------------------------------------------------


def test_what_a_model_reads_comes_from_the_most_trusted_layer(monkeypatch):
    assert capabilities.reads("anthropic", "claude-sonnet-4-5") == capabilities.Reads(True, True, "Anthropic's rules for its models")
    assert capabilities.reads("gemini", "gemini-2.5-flash").images is True
    assert capabilities.reads("groq", "openai/gpt-oss-120b").images is False  # the example
    assert capabilities.reads("local", "SmolLM2-135M-Instruct").images is False
    assert capabilities.reads("openai", "gpt-4o-mini") == capabilities.Reads(True, True, "OpenAI's rules for its models")
    assert capabilities.reads("openai-compatible", "my-local-model").images is None  # nothing knows: send, and learn
    # the data package, where it says so: it prices image input for the model
    assert capabilities.reads("gemini", "gemini-3.8-live").source.endswith("(google: gemini-3.8-live): an image input price")
    # the live list outranks the rules: OpenRouter's input modalities, Ollama's /api/show
    rows = {
        "openrouter": [{"model_id": "x/vl", "extra": {"input_modalities": ["text", "image", "file"]}}],
        "ollama": [{"model_id": "llava:latest", "extra": {"capabilities": ["completion", "vision"]}}],
        "huggingface": [  # the router's list: its architecture's input modalities
            {"model_id": "Qwen/Qwen3-VL-8B-Instruct", "extra": {"input_modalities": ["text", "image"]}},
            {"model_id": "acme/llava-but-text-only", "extra": {"input_modalities": ["text"]}},
        ],
    }
    monkeypatch.setattr(capabilities.json_files, "live_rows", lambda provider: (rows.get(provider, []), 1_765_000_000))
    assert capabilities.reads("openrouter", "x/vl") == capabilities.Reads(True, True, "OpenRouter's live list (2025-12-06)")
    assert capabilities.reads("ollama", "llava:latest").images is True
    assert capabilities.reads("huggingface", "Qwen/Qwen3-VL-8B-Instruct").images is True
    assert capabilities.reads("huggingface", "acme/llava-but-text-only").images is False  # the list outranks the name rules
    # what was met in use outranks everything
    learned.remember("gemini", "gemini-2.5-flash", text_only=True)
    assert capabilities.reads("gemini", "gemini-2.5-flash").images is False


# ---- each protocol's shape, over loopback HTTP ------------------------------------------------------


@pytest.fixture
def wired(monkeypatch, fake_openai, fake_groq, fake_anthropic, fake_gemini, fake_ollama):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("GEMINI_BASE_URL", fake_gemini.url)
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    return Connection(tokens=dict(KEYS), base_urls={}, visitor_is_local=True)


async def _ask(conn: Connection, provider: str, model: str, *attached: Attachment):
    messages = [Message("user", "What is in this?", attachments=attached)]
    targets = service.plan(provider, model, messages, GenerationParams(max_new_tokens=64), conn)
    return await service.run(targets, RetryLayer(RetrySettings(1, 1.0)), lambda _t: None, kind="playground")


async def test_an_image_goes_in_each_protocols_own_shape(wired, fake_openai, fake_anthropic, fake_gemini, fake_ollama, monkeypatch):
    image = A.prepare(photo(800, 600), "photo.jpg")
    result = await _ask(wired, "openai", "gpt-4o-mini", image)
    assert result.error is None and "(saw image_url)" in result.text
    (part,) = [p for p in fake_openai.requests_to("chat")[-1].body["messages"][0]["content"] if p["type"] == "image_url"]
    assert part["image_url"]["url"].startswith("data:image/jpeg;base64,")
    result = await _ask(wired, "anthropic", "claude-sonnet-4-5", image)
    assert result.error is None and "(saw image)" in result.text
    blocks = fake_anthropic.requests_to("messages")[-1].body["messages"][0]["content"]
    assert [b["type"] for b in blocks] == ["image", "text"] and blocks[0]["source"]["media_type"] == "image/jpeg"  # images first
    result = await _ask(wired, "gemini", "gemini-2.5-flash", image)
    assert result.error is None and "(saw image/jpeg)" in result.text
    from tests.fakes import ollama_server

    monkeypatch.setitem(ollama_server.SHOWN, "llava:latest", {"capabilities": ["completion", "vision"], "model_info": {}})
    result = await _ask(wired, "ollama", "llava:latest", image)
    assert result.error is None and "(saw 1 image(s))" in result.text
    sent = fake_ollama.requests_to("chat")[-1].body["messages"][0]
    assert sent["images"][0] == image.base64 and not sent["images"][0].startswith("data:")


async def test_a_pdf_goes_as_a_file_where_the_model_reads_pdfs_and_as_its_text_elsewhere(wired, fake_openai, fake_groq, fake_anthropic):
    doc = A.prepare(pdf(["The invoice total is 42 euros."]), "invoice.pdf")
    result = await _ask(wired, "openai", "gpt-4o-mini", doc)
    assert result.error is None and "(saw file)" in result.text
    (part,) = [p for p in fake_openai.requests_to("chat")[-1].body["messages"][0]["content"] if p["type"] == "file"]
    assert part["file"]["filename"] == "invoice.pdf" and part["file"]["file_data"].startswith("data:application/pdf;base64,")
    await _ask(wired, "anthropic", "claude-sonnet-4-5", doc)
    assert fake_anthropic.requests_to("messages")[-1].body["messages"][0]["content"][0]["type"] == "document"
    result = await _ask(wired, "groq", "openai/gpt-oss-20b", doc)  # reads text only: the PDF's text goes
    assert result.error is None
    parts = fake_groq.requests_to("chat")[-1].body["messages"][0]["content"]
    assert [p["type"] for p in parts] == ["text", "text"] and parts[1]["text"].startswith("[invoice.pdf]\nThe invoice total is 42 euros.")


async def test_a_text_only_model_is_never_sent_an_image(wired, fake_groq):
    image = A.prepare(photo(100, 100), "photo.jpg")
    with pytest.raises(err.InputNotSupportedError) as caught:
        await _ask(wired, "groq", "openai/gpt-oss-120b", image)
    assert "openai/gpt-oss-120b reads text only" in str(caught.value) and "pick a model marked \U0001f441" in str(caught.value)
    assert fake_groq.requests_to("chat") == []  # nothing was sent


async def test_when_nothing_knows_a_models_sight_its_own_facts_are_asked_before_an_image_is_sent(wired, fake_ollama, monkeypatch):
    from tests.fakes import ollama_server

    image = A.prepare(photo(64, 64), "photo.jpg")
    monkeypatch.setitem(ollama_server.SHOWN, "my-vlm:latest", {"capabilities": ["completion", "vision"], "model_info": {}})
    assert capabilities.reads("ollama", "llama3.2:latest").images is None and capabilities.reads("ollama", "my-vlm:latest").images is None
    result = await _ask(wired, "ollama", "llama3.2:latest", image)  # /api/show lists no "vision": text only, nothing sent
    assert (
        isinstance(result.error, err.InputNotSupportedError)
        and "llama3.2:latest reads text only (Ollama says so" in result.error.user_message
    )
    assert fake_ollama.requests_to("chat") == [] and len(fake_ollama.requests_to("show")) == 1
    assert capabilities.reads("ollama", "llama3.2:latest").images is False  # remembered: the next one is refused before asking
    result = await _ask(wired, "ollama", "my-vlm:latest", image)  # it lists "vision": the image goes
    assert result.error is None and "(saw 1 image(s))" in result.text
    monkeypatch.setitem(ollama_server.SHOWN, "odd:latest", {})  # facts that say nothing: sent, and the answer teaches the app
    await _ask(wired, "ollama", "odd:latest", image)
    assert len(fake_ollama.requests_to("chat")) == 2


async def test_a_400_saying_no_images_is_learned_and_the_next_image_is_refused_before_sending(wired, fake_server, monkeypatch):
    monkeypatch.setenv("COUNCIL_OPENAI_COMPATIBLE_URL", fake_server.url + "/v1")
    image = A.prepare(photo(100, 100), "photo.jpg")
    assert capabilities.reads("openai-compatible", "text-only-model").images is None  # nothing knew
    result = await _ask(wired, "openai-compatible", "text-only-model", image)
    assert isinstance(result.error, err.InputNotSupportedError) and result.error.status == 400
    assert capabilities.reads("openai-compatible", "text-only-model").images is False  # remembered
    sent = len(fake_server.requests_to("chat"))
    with pytest.raises(err.InputNotSupportedError):
        await _ask(wired, "openai-compatible", "text-only-model", image)
    assert len(fake_server.requests_to("chat")) == sent


async def test_the_bundled_model_reads_a_documents_text_offline(bundled_model):
    doc = A.prepare(b"The secret word is avocado.", "note.txt")
    conn = Connection(tokens={}, base_urls={})
    targets = service.plan(
        "local",
        "SmolLM2-135M-Instruct",
        [Message("user", "What is the secret word?", attachments=(doc,))],
        GenerationParams(max_new_tokens=16),
        conn,
    )
    assert targets[0].request.messages[0].text_with_documents.endswith("[note.txt]\nThe secret word is avocado.")
    result = await service.run(targets, RetryLayer(RetrySettings(1, 1.0)), lambda _t: None, kind="playground")
    assert result.error is None and result.text.strip()
    with pytest.raises(err.InputNotSupportedError, match="SmolLM2-135M-Instruct reads text only"):
        service.plan(
            "local",
            "SmolLM2-135M-Instruct",
            [Message("user", "What is this?", attachments=(A.prepare(photo(50, 50), "p.jpg"),))],
            GenerationParams(),
            conn,
        )


def test_a_long_document_is_checked_against_the_window_before_sending():
    doc = A.prepare(("A long line of the report. " * 20_000).encode(), "report.txt")  # ~135,000 tokens (est.)
    with pytest.raises(err.ContextLengthError, match="Nothing was sent"):
        service.plan(
            "groq",
            "openai/gpt-oss-20b",
            [Message("user", "Summarise", attachments=(doc,))],
            GenerationParams(max_new_tokens=100),
            Connection(tokens=dict(KEYS), base_urls={}),
        )


async def test_the_simulator_plays_an_image_refused_and_a_request_too_large():
    image = A.prepare(photo(100, 100), "photo.jpg")
    for scenario, kind in (("image_refused", err.InputNotSupportedError), ("too_large", err.BadRequestError)):
        conn = Connection(tokens={}, base_urls={}, simulator=Scenario(scenario, tokens_per_s=2000.0))
        result = await _ask(conn, "simulator", "sim-echo", image)
        assert isinstance(result.error, kind)
    result = await _ask(Connection(tokens={}, base_urls={}, simulator=Scenario("ok", tokens_per_s=2000.0)), "simulator", "sim-echo", image)
    assert "Attached: photo.jpg (an image, 100\u00d7100 px)" in result.text


def test_ask_attach_sends_the_file_and_refuses_a_bad_one(tmp_path, capsys, wired, fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEYS["openai"])
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(photo(640, 480))
    assert main(["ask", "What is in this photo?", "--model", "openai:gpt-4o-mini", "--attach", str(picture), "--json"]) == 0
    assert "(saw image_url)" in json.loads(capsys.readouterr().out)["text"]
    fake = tmp_path / "fake.png"
    fake.write_bytes(_zip())
    assert main(["ask", "What is this?", "--attach", str(fake)]) == 2
    assert "fake.png is named an image but its bytes are not" in capsys.readouterr().err


def test_ask_council_attach_seats_only_models_that_read_the_image(tmp_path, capsys, wired, fake_openai, fake_groq, monkeypatch):
    from council.facts.registry import load_registry
    from council.runs import routing

    picture = tmp_path / "photo.jpg"
    picture.write_bytes(photo(320, 240))
    # named seats: a text-only one is refused before anything is sent, in the page's words
    argv = ["ask", "What is in this photo?", "--council", "--attach", str(picture)]
    assert main([*argv, "--members", "openai:gpt-4o-mini,groq:openai/gpt-oss-120b", "--chairman", "openai:gpt-4o-mini"]) == 2
    said = capsys.readouterr().err
    assert "openai/gpt-oss-120b reads text only" in said and "Nothing was sent" in said
    assert fake_openai.requests_to("chat") == [] and fake_groq.requests_to("chat") == []
    # seated by the mode: offline only the bundled model is reachable, and it reads text only
    assert main(argv) == 2 and "SmolLM2-135M-Instruct reads text only" in capsys.readouterr().err
    # with tokens, the mode seats only models that can read the image
    candidates = [e for e in load_registry() if e.provider in ("openai", "groq") and e.task == "chat"]
    seen = routing.able_to_see(candidates, [A.prepare(photo(32, 32), "x.jpg")])
    assert "openai/gpt-oss-120b" not in {e.model_id for e in seen} and "gpt-4o-mini" in {e.model_id for e in seen}
    assert routing.able_to_see(candidates, [A.prepare(pdf(["text"]), "a.pdf")]) == candidates  # a PDF is read by all, as text


# ---- the Playground ----------------------------------------------------------------------------------


def test_the_playground_sends_an_image_keeps_it_with_the_conversation_and_resends_it_when_reopened(wired, fake_openai, monkeypatch):
    from council.storage import history as saved
    from tests.helpers import send, shown_text, start

    monkeypatch.setenv("OPENAI_API_KEY", KEYS["openai"])
    image = A.prepare(photo(800, 600), "photo.jpg")
    at = start()
    at.selectbox(key="w_pg_provider").set_value("groq").run()
    at.selectbox(key="w_pg_model").set_value("openai/gpt-oss-120b").run()
    at.session_state["pg_attached"] = [image]  # what the uploader's on_change leaves (AppTest cannot upload)
    at.run()
    assert "openai/gpt-oss-120b reads text only \u2014 pick a model marked \U0001f441, or remove the image." in shown_text(at)
    send(at, "What is in this photo?")
    assert "Fix these before running" in shown_text(at) and at.session_state["pg_history"] == []  # nothing was sent
    at.selectbox(key="w_pg_provider").set_value("openai").run()
    at.selectbox(key="w_pg_model").set_value("gpt-4o-mini").run()
    send(at, "What is in this photo?")
    turn = at.session_state["pg_history"][-1]
    assert turn.answer.error is None and "(saw image_url)" in turn.content
    assert at.session_state["pg_history"][0].attachments == (image,) and not at.session_state.get("pg_attached")
    run = saved.recent()[0]
    (ref,) = run.payload["turns"][0]["files"]
    assert ref["sha256"] == A.digest(image.data) and "data" not in ref  # the record names the file; its bytes are kept once
    assert library.read_file(ref["sha256"]) == image.data and library.read_file(ref["sha256"], person="someone else") is None
    # reopened from History, the image is in the conversation again and goes with it
    fresh = start()
    fresh.switch_page("pages/history.py").run()
    fresh.button(key=f"btn_history_open_{run.id}").click().run()
    fresh.switch_page("pages/playground.py").run()
    assert fresh.session_state["pg_history"][0].attachments[0].data == image.data
    before = len(fake_openai.requests_to("chat"))
    send(fresh, "And what colour is it?")
    first = fake_openai.requests_to("chat")[before].body["messages"][0]["content"]
    assert [p["type"] for p in first] == ["text", "image_url"]


def test_a_snippet_reads_the_attached_file_from_disk():
    from council.runs import snippets
    from council.runs.turns import make_request

    image = A.prepare(photo(300, 200), "photo.jpg")
    request = make_request("gpt-4o-mini", "chat", [Message("user", "What is it?", (image,))], GenerationParams(max_new_tokens=10))
    code = snippets.for_request("openai", request, Connection(tokens={"openai": KEYS["openai"]}, base_urls={}))
    assert image.base64 not in code.curl and image.base64 not in code.python  # never the file's base64 on screen
    assert "base64 -w0 photo.jpg" in code.curl and "pathlib.Path(name).read_bytes()" in code.python
    assert KEYS["openai"] not in code.curl + code.python


# ---- Compare -----------------------------------------------------------------------------------------


def test_compare_sends_one_attachment_to_every_slot_and_a_text_only_slot_says_so_in_its_column(wired, fake_openai, fake_groq, monkeypatch):
    from council.runs import exports
    from tests.helpers import open_compare, run_compare

    monkeypatch.setenv("OPENAI_API_KEY", KEYS["openai"])
    monkeypatch.setenv("GROQ_API_KEY", KEYS["groq"])
    image = A.prepare(photo(400, 300), "photo.jpg")
    at = open_compare([("openai", "gpt-4o-mini"), ("groq", "openai/gpt-oss-20b")])
    at.session_state["cmp_attached"] = [image]  # what the uploader's on_change leaves (AppTest cannot upload)
    at.run()
    rec = run_compare(at, "What is in this photo?")
    first, second = rec["slots"]
    assert "(saw image_url)" in first["output"] and first.get("error") is None  # it saw the image
    assert second["error"]["kind"] == "input_not_supported" and "reads text only" in second["error"]["message"]  # said in its column
    assert fake_groq.requests_to("chat") == []  # and nothing was sent to it
    assert rec["files"][0]["name"] == "photo.jpg" and "photo.jpg (image, 400\u00d7300 px)" in exports.comparison_markdown(rec)
    assert at.session_state.get("cmp_attached")  # still attached: the same comparison can run again
    # the JSON export names the file; with the toggle on it carries the file itself
    shown = at.session_state["cmp_result"]
    assert "data_base64" not in json.loads(exports.comparison_json(shown))["files"][0]
    at.toggle(key="cmp_embed_files").set_value(True).run()
    assert not at.exception, at.exception
    assert [b.proto.label for b in at.get("download_button")].count("JSON") == 1
    assert json.loads(exports.comparison_json(shown, embed=True))["files"][0]["data_base64"] == image.base64
    from council.runs.records import Comparison

    later = Comparison("And now?", "", [], earlier=[shown])  # a follow-up: the file went with the first prompt
    assert json.loads(exports.comparison_json(later, embed=True))["turns"][0]["files"][0]["data_base64"] == image.base64


def test_the_model_picker_marks_models_that_read_images():
    from tests.helpers import start

    at = start()
    at.selectbox(key="w_pg_provider").set_value("groq").run()
    labels = {o.split(" (")[0]: o for o in at.selectbox(key="w_pg_model").options}
    assert "\U0001f441" not in labels["openai/gpt-oss-120b"]  # reads text only
    at.selectbox(key="w_pg_provider").set_value("anthropic").run()
    assert all("\U0001f441" in o for o in at.selectbox(key="w_pg_model").options if "Custom" not in o)  # every Claude model sees


# ---- the Council -------------------------------------------------------------------------------------


def test_the_council_page_refuses_text_only_seats_and_every_seat_sees_the_material():
    from council.runs import routing
    from tests.helpers import shown_text, start

    image = A.prepare(photo(200, 100), "chart.jpg")
    at = start()
    at.switch_page("pages/council.py").run()
    at.session_state["council_attached"] = [image]
    at.text_area(key="w_council_question").input("What does this chart show?").run()
    assert "SmolLM2-135M-Instruct reads text only" in shown_text(at)  # offline, the bundled model seats it: said before Run
    at.button(key="btn_council_run").click().run()
    assert "Fix these before running" in shown_text(at) and "council_transcript" not in at.session_state
    seats = [m.key for m in routing.offline_members(2, routing.SIMULATOR, routing.SIMULATOR_MODEL)]
    at.session_state["council_members"] = seats
    at.session_state["council_chair"] = routing.offline_chair(routing.SIMULATOR, routing.SIMULATOR_MODEL).key
    at.session_state["council_members_edited"] = True
    at.run()
    at.button(key="btn_council_run").click().run()
    assert not at.exception, at.exception
    t = at.session_state["council_transcript"]
    assert t.attachments == (image,) and t.to_dict()["files"][0]["name"] == "chart.jpg"
    assert all("Attached: chart.jpg" in s.answer.text for s in t.stage1)  # every member saw it
    assert "Asked about (every member, reviewer and the chairman saw them)" in shown_text(at)
    assert "chart.jpg (200\u00d7100)" in [c for i in at.get("image") for c in i.captions]  # in place, as a thumbnail
    # the JSON names the file; on request it carries it too
    from council.runs import exports

    named = json.loads(exports.transcript_json(t))["files"][0]
    assert named["sha256"] == A.digest(image.data) and "data_base64" not in named
    assert json.loads(exports.transcript_json(t, embed=True))["files"][0]["data_base64"] == image.base64
    # reopened from History: the image is back in place, and attached again to ask again
    fresh = start()
    fresh.switch_page("pages/history.py").run()
    fresh.button(key=f"btn_history_open_{at.session_state['council_run_id']}").click().run()
    fresh.switch_page("pages/council.py").run()
    assert not fresh.exception, fresh.exception
    assert fresh.session_state["council_transcript"].attachments[0].data == image.data
    assert [a.name for a in fresh.session_state["council_attached"]] == ["chart.jpg"]


def test_a_request_heavier_than_the_provider_takes_is_refused_before_sending(wired, fake_groq):
    import os

    noise = Image.frombytes("RGB", (1568, 1568), os.urandom(1568 * 1568 * 3))  # does not compress
    buf = io.BytesIO()
    noise.save(buf, "PNG")
    heavy = A.prepare(buf.getvalue(), "noise.png")
    assert len(heavy.base64) > 4 * 1024 * 1024  # more than Groq takes in one request
    with pytest.raises(err.BadRequestError, match=r"more than Groq takes in one request \(4 MB\)\. Nothing was sent"):
        service.plan(
            "groq",
            "meta-llama/llama-4-scout-17b-16e-instruct",
            [Message("user", "What is this?", attachments=(heavy,))],
            GenerationParams(),
            wired,
        )
    assert fake_groq.requests_to("chat") == []
    doc = A.prepare(pdf(["A short page."]), "small.pdf")  # a PDF for a text-only model goes as its text: it weighs nothing
    service.plan("groq", "openai/gpt-oss-20b", [Message("user", "Summarise", attachments=(doc,))], GenerationParams(), wired)


# ---- what an attachment costs before Run -------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "rule", "tokens"),
    [
        ((1024, 1024), "tiles-512", 765),  # OpenAI's worked example: 4 tiles of 512 px after the short side goes to 768
        ((2048, 4096), "tiles-512", 1105),  # fitted into 2048, then 768 × 1536: 6 tiles
        ((384, 300), "tiles-768", 258),  # Gemini: one 258-token image up to 384 px a side
        ((1600, 900), "tiles-768", 1548),  # else 258 a 768 px tile: 3 × 2
        ((1000, 750), "pixels", 1000),  # Anthropic: width × height / 750
        ((1000, 750), "", 1000),  # no published rule: the pixel rule, a fair guess
    ],
)
def test_an_images_tokens_follow_each_providers_published_rule(size, rule, tokens):
    assert A.image_tokens(*size, rule) == tokens


def test_the_estimate_before_run_counts_attachments_by_each_providers_rule(monkeypatch):
    from council.runs import council_estimate
    from council.runs.routing import Member
    from council.runs.turns import estimated_tokens

    image = A.prepare(photo(1024, 1024, "PNG"), "square.png")
    doc = A.prepare(pdf(["Quarterly revenue grew by four percent."] * 2), "report.pdf")
    ask = [Message("user", "What is this?", attachments=(image,))]
    base = estimated_tokens([Message("user", "What is this?")])
    assert estimated_tokens(ask, "openai") - base == 765 and estimated_tokens(ask, "gemini") - base == 258 * 4
    assert estimated_tokens(ask, "anthropic") - base == A.image_tokens(1024, 1024, "pixels") == 1399
    assert (A.rule_words("openai"), A.rule_words("groq")) == ("OpenAI's published rule", "a guess from its pixels")
    # a council: every member, reviewer and the chairman get the material, each counted by its provider's rule
    members = [Member("openai", "gpt-4o-mini"), Member("anthropic", "claude-sonnet-4-6")]
    budget = council_estimate.Budget()
    plain = council_estimate.estimate("What is this?", members, members[0], budget)
    seen = council_estimate.estimate("What is this?", members, members[0], budget, (image,))
    assert seen.tokens_in - plain.tokens_in == 765 * 2 + 1399 * 2 + 765  # two answers, two reviews, the chairman
    # a PDF goes as a file to a model that reads PDFs, as its text to one that does not
    read = council_estimate.estimate(
        "?", [Member("openai", "gpt-4o-mini"), Member("groq", "openai/gpt-oss-120b")], members[0], budget, (doc,)
    )
    bare = council_estimate.estimate("?", [Member("openai", "gpt-4o-mini"), Member("groq", "openai/gpt-oss-120b")], members[0], budget)
    as_file, as_text = A.estimated_tokens(doc, "openai"), A.estimated_tokens(A.as_text(doc), "groq")
    assert as_file > as_text and read.tokens_in - bare.tokens_in == 3 * as_file + 2 * as_text


def test_the_attach_box_says_what_an_image_will_take_on_the_chosen_model(monkeypatch):
    from tests.helpers import shown_text, start

    monkeypatch.setenv("OPENAI_API_KEY", KEYS["openai"])
    at = start()
    at.selectbox(key="w_pg_provider").set_value("openai").run()
    at.selectbox(key="w_pg_model").set_value("gpt-4o-mini").run()
    at.session_state["pg_attached"] = [A.prepare(photo(1024, 1024, "PNG"), "square.png")]
    at.run()
    assert "about 765 tokens for the image (est., OpenAI's published rule)" in shown_text(at)


# ---- prompt sets: files for every prompt, and the files a set names, on the page ---------------------


def test_a_prompt_set_on_the_page_takes_one_attachment_for_every_prompt_and_the_files_its_rows_name():
    from council.runs import batch, exports
    from council.storage import prompt_sets as store
    from tests.helpers import shown_text, start
    from tests.test_prompt_sets import _wait_for

    shared = A.prepare(photo(300, 200, "PNG"), "logo.png")
    named = A.prepare(photo(64, 48, "PNG"), "green.png")
    at = start()
    at.switch_page("pages/prompt_sets.py").run()
    at.session_state["ps_rows"] = [
        {"id": "1", "prompt": "What colour is this?", "attachment": "green.png"},
        {"id": "2", "prompt": "And the logo alone?"},
    ]
    at.session_state["ps_attached"] = [shared]  # what the uploaders' on_change leave (AppTest cannot upload)
    at.run()
    at.selectbox(key="w_ps0_provider").set_value("simulator").run()
    assert not at.exception, at.exception
    assert "0 of 1 named files given; still needed: green.png." in shown_text(at)
    assert "Upload the files the set names in its attachment column (green.png)" in shown_text(at)
    assert at.button(key="btn_ps_run").disabled  # nothing runs without the row's file
    at.session_state["ps_named_ready"] = {"green.png": named}
    at.run()
    assert "1 of 1 named files given." in shown_text(at) and not at.button(key="btn_ps_run").disabled
    at.button(key="btn_ps_run").click().run()
    assert not at.exception, at.exception
    run_id = at.session_state["ps_run_id"]
    _wait_for(run_id)  # the server's worker reads the files back from the file store, by their hashes
    cells = store.cells(run_id)
    assert (
        "logo.png (an image, 300\u00d7200 px)" in cells[(0, 0)]["text"] and "green.png (an image, 64\u00d748 px)" in cells[(0, 0)]["text"]
    )
    assert "logo.png" in cells[(1, 0)]["text"] and "green.png" not in cells[(1, 0)]["text"]
    run = store.load_run(run_id)
    assert "data" not in json.dumps(run.plan["shared_files"]) and library.read_file(A.digest(shared.data)) == shared.data
    doc = batch.document(batch.Plan.from_dict(run.plan), cells)
    assert [r.get("files") for r in doc["rows"]] == [["logo.png", "green.png"], ["logo.png"]]  # the exports name them
    rows = list(csv.DictReader(io.StringIO(exports.prompt_set_csv(doc))))
    assert [r["files"] for r in rows] == ["logo.png; green.png", "logo.png"]
    assert "Attached: logo.png, green.png" in exports.prompt_set_markdown(doc)
