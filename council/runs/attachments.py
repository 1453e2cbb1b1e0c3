"""Files a person attaches to a prompt, made ready before anything is sent — or refused in one plain
sentence, with nothing sent.

- **Images** (PNG, JPEG, WebP, GIF) are opened by their bytes, never by their name (a ``.png`` that is a
  zip is refused), with Pillow's decompression-bomb guard; re-encoded, so that EXIF — a phone photo's
  GPS position — never leaves the computer; and downscaled to 1568 px on the long edge (what Anthropic
  would resize to anyway, and well inside Groq's 4 MB request).
- **PDFs** are read with pypdf (pure Python, maintained, no system library): an encrypted or broken one is
  refused; the page count and every page's text are kept, so a model that does not read PDFs natively
  gets the text, and the tokens it will take are known before Run.
- **Text documents** (plain text, Markdown, CSV) must be UTF-8; they are sent as text.
- **Word documents** (DOCX) are read with python-docx: their paragraphs and tables go as text.

``Attachment`` (``adapters.base``) is what leaves this module: the wire shape is the adapter's business.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import warnings
from collections.abc import Sequence

from adapters import PROVIDERS, Attachment, spec_for

logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged PDF is said to the person, in words, not logged

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 5
MAX_PIXELS = 50_000_000  # a larger image is a decompression bomb, refused before it is decoded
LONG_EDGE = 1568  # px: images are sent no larger (Anthropic's own limit before it resizes; cheaper everywhere)
MAX_PDF_PAGES = 300
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".csv", ".tsv", ".json", ".log")
ACCEPTED = ("png", "jpg", "jpeg", "webp", "gif", "pdf", "docx", "txt", "md", "markdown", "csv", "tsv", "json", "log")


class AttachmentError(ValueError):
    """A file that cannot be sent, in one sentence: which file, what is wrong, what to do."""


def digest(data: bytes) -> str:
    """The content hash a stored file is kept under (the same file is kept once)."""
    return hashlib.sha256(data).hexdigest()


def prepare(data: bytes, filename: str) -> Attachment:
    """One file ready for the wire (raises AttachmentError naming the file)."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "file"
    if len(data) > MAX_FILE_BYTES:
        raise AttachmentError(f"{name} is {len(data) / 1024 / 1024:.1f} MB; a file may be at most {MAX_FILE_BYTES // 1024 // 1024} MB.")
    if not data:
        raise AttachmentError(f"{name} is empty.")
    if data[:5] == b"%PDF-":
        return _pdf(data, name)
    if name.lower().endswith(".pdf"):
        raise AttachmentError(f"{name} is named a PDF but is not one: its bytes say otherwise. Attach the real file.")
    image = _image_format(data)
    if image is not None:
        return _image(data, name)
    if name.lower().endswith((".png", ".jpg", ".jpeg", ".webp", ".gif")):
        raise AttachmentError(f"{name} is named an image but its bytes are not a PNG, JPEG, WebP or GIF image. Attach the real file.")
    if name.lower().endswith(".docx"):
        return _docx(data, name)
    if name.lower().endswith(TEXT_SUFFIXES):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AttachmentError(f"{name} is not UTF-8 text. Save it as UTF-8 and attach it again.") from None
        return Attachment(name, "text/plain", text=text)
    raise AttachmentError(
        f"{name} is not a file the app can send: attach an image (PNG, JPEG, WebP, GIF), a PDF, a Word document (DOCX) or a text file."
    )


def prepare_all(files: Sequence[tuple[bytes, str]]) -> list[Attachment]:
    if len(files) > MAX_FILES:
        raise AttachmentError(f"{len(files)} files are attached; at most {MAX_FILES} go with one prompt. Remove some.")
    return [prepare(data, name) for data, name in files]


def _image_format(data: bytes) -> str | None:
    """The image format the bytes hold (PNG, JPEG, WEBP, GIF), read from the header only; None: not one."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.format if img.format in IMAGE_FORMATS else None
    except Image.DecompressionBombError:  # an image, and far too large: _image says so
        return "bomb"
    except Exception:  # not an image Pillow knows
        return None


def _image(data: bytes, name: str) -> Attachment:
    from PIL import Image

    bomb = AttachmentError(
        f"{name} has too many pixels to open safely (over {MAX_PIXELS // 1_000_000} megapixels). Attach a smaller image."
    )
    try:
        with warnings.catch_warnings():  # Pillow warns between its own limit and twice it; the check below decides
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))  # the header only, so far
        with img:
            if img.width * img.height > MAX_PIXELS:
                raise bomb
            fmt = img.format
            img.load()
            frame = img.copy()
    except AttachmentError:
        raise
    except Image.DecompressionBombError:
        raise bomb from None
    except Exception:
        raise AttachmentError(f"{name} is a damaged image that cannot be read. Attach it again, or another copy.") from None
    if max(frame.size) > LONG_EDGE:
        frame.thumbnail((LONG_EDGE, LONG_EDGE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if fmt == "JPEG":
        frame.convert("RGB").save(out, "JPEG", quality=90)  # a new file: no EXIF, no GPS
    elif fmt == "WEBP":
        frame.save(out, "WEBP", quality=90)
    elif fmt == "GIF":  # the first frame, as a still
        frame.convert("RGBA").save(out, "PNG")
        fmt = "PNG"
    else:
        frame.save(out, "PNG")
    return Attachment(name, IMAGE_FORMATS[fmt], out.getvalue(), width=frame.size[0], height=frame.size[1])


def _pdf(data: bytes, name: str) -> Attachment:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise AttachmentError(f"{name} is encrypted (password-protected). Save an unprotected copy and attach that.")
        pages = len(reader.pages)
        if pages > MAX_PDF_PAGES:
            raise AttachmentError(f"{name} has {pages} pages; at most {MAX_PDF_PAGES} go with one prompt. Attach the pages you need.")
        text = "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
    except AttachmentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise AttachmentError(f"{name} is a damaged PDF that cannot be read. Attach it again, or another copy.") from None
    return Attachment(name, "application/pdf", data, text=text, pages=pages)


def _docx(data: bytes, name: str) -> Attachment:
    """A Word document's paragraphs and tables (a row's cells joined by " | "), in the document's order."""
    from docx import Document
    from docx.table import Table

    if data[:4] != b"PK\x03\x04":
        raise AttachmentError(f"{name} is named a Word document but its bytes are not one. Attach the real file.")
    try:
        doc = Document(io.BytesIO(data))
        parts = []
        for block in doc.iter_inner_content():
            if isinstance(block, Table):
                parts += [" | ".join(cell.text.strip() for cell in row.cells) for row in block.rows]
            elif block.text.strip():
                parts.append(block.text.strip())
    except Exception:  # python-docx raises many kinds (a bad zip, a missing part, bad XML): one sentence for all
        raise AttachmentError(f"{name} is a damaged Word document that cannot be read. Attach it again, or save it as PDF.") from None
    text = "\n".join(parts).strip()
    if not text:
        raise AttachmentError(f"{name} holds no text to send. Attach a document with text in it.")
    return Attachment(name, "text/plain", text=text)


def as_text(attachment: Attachment) -> Attachment:
    """A PDF for a model that does not read PDFs: its extracted text, said as such."""
    if attachment.kind != "pdf":
        return attachment
    words = attachment.text or "(no text could be extracted: the PDF holds only images)"
    return Attachment(attachment.name, "text/plain", text=words, pages=attachment.pages)


def image_tokens(width: int, height: int, rule: str = "") -> int:
    """An image's input tokens by a provider's published rule: ``pixels`` (Anthropic: width × height / 750),
    ``tiles-512`` (OpenAI: fitted into 2048 px, the short side to 768, then 85 + 170 for each 512 px tile),
    ``tiles-768`` (Gemini: 258 up to 384 px a side, else 258 for each 768 px tile). No rule: the pixel rule,
    a fair guess."""
    w, h = max(1, width), max(1, height)
    if rule == "tiles-512":
        scale = min(1.0, 2048 / max(w, h))
        w, h = w * scale, h * scale
        scale = min(1.0, 768 / min(w, h))
        w, h = w * scale, h * scale
        return 85 + 170 * math.ceil(w / 512) * math.ceil(h / 512)
    if rule == "tiles-768":
        return 258 if w <= 384 and h <= 384 else 258 * math.ceil(w / 768) * math.ceil(h / 768)
    return max(1, math.ceil(w * h / 750))


def image_rule(provider: str) -> str:
    """The provider's published image-token rule ("" when it publishes none)."""
    return spec_for(provider).image_tokens if provider in PROVIDERS else ""


def estimated_tokens(attachment: Attachment, provider: str = "") -> int:
    """What an attachment will take of the context window (est.): a document's text at four characters a
    token; an image by the provider's published rule (``image_tokens``); a PDF read as a file, its text and
    an image of each page."""
    if attachment.kind == "image":
        return image_tokens(attachment.width or LONG_EDGE, attachment.height or LONG_EDGE, image_rule(provider))
    if attachment.kind == "pdf":  # read natively: text and an image of each page
        return len(attachment.text) // 4 + 258 * (attachment.pages or 1)
    return len(attachment.text) // 4 + 8


def rule_words(provider: str) -> str:
    """Where an image's token estimate comes from, in words."""
    return f"{spec_for(provider).label}'s published rule" if image_rule(provider) else "a guess from its pixels"
