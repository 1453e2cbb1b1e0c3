"""Two answers side by side, word by word: what only the first says, what only the second says, and how
alike they are — Python's ``difflib`` over words (whitespace kept), never a hand-written algorithm."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from council.untrusted import markdown_inline

SAME, REMOVED, ADDED = "same", "removed", "added"
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    op: str  # SAME, REMOVED (only in the first) or ADDED (only in the second)
    text: str


def word_diff(first: str, second: str) -> list[Piece]:
    """The two texts as runs of shared, removed and added words (whitespace travels with its words)."""
    a, b = _WORDS.findall(first), _WORDS.findall(second)
    out: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(Piece(SAME, "".join(a[i1:i2])))
            continue
        if tag in ("replace", "delete"):
            out.append(Piece(REMOVED, "".join(a[i1:i2])))
        if tag in ("replace", "insert"):
            out.append(Piece(ADDED, "".join(b[j1:j2])))
    return [p for p in out if p.text]


def similarity(first: str, second: str) -> float:
    """How alike two answers are, 0 to 1, over their words (difflib's ratio)."""
    a, b = first.split(), second.split()
    if not a and not b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def diff_markdown(first: str, second: str) -> str:
    """The diff as safe Markdown: words only in the first ~~struck through~~, words only in the second
    **in bold** — marked by more than colour; every word escaped as the model's text (``council.untrusted``)."""
    out = []
    last = SAME
    for piece in word_diff(first, second):
        words = piece.text.strip()
        lead = " " if piece.text[:1].isspace() or (last == REMOVED and piece.op == ADDED) else ""  # a swap reads as two words
        last = piece.op
        tail = " " if piece.text[-1:].isspace() and words else ""
        if not words:
            out.append(" ")
        elif piece.op == SAME:
            out.append(lead + markdown_inline(words) + tail)
        elif piece.op == REMOVED:
            out.append(f"{lead}~~{markdown_inline(words)}~~{tail}")
        else:
            out.append(f"{lead}**{markdown_inline(words)}**{tail}")
    return "".join(out)
