"""The tokens the app holds, so that no text it shows, logs or stores can carry one.

Adapters register the token they are given; the app registers every token it learns of (pasted,
from the environment or ``.env``). ``scrub`` masks those, and token-shaped strings even when
unregistered. Typed errors scrub their own message and detail: a server may echo the token it was
sent ("Incorrect API key provided: …"), and that text reaches error panels, History and the ledger.
"""

from __future__ import annotations

import re
import threading

TOKEN_SHAPES = re.compile(
    r"(hf_[A-Za-z0-9]{8,}|sk-[A-Za-z0-9_-]{8,}|gsk_[A-Za-z0-9]{8,}|AIza[0-9A-Za-z_-]{20,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,})"
)
REDACTED = "[redacted]"
_MIN_LENGTH = 8  # shorter values are no real token and would mask ordinary words (a dummy key "ollama")

_known: set[str] = set()
_lock = threading.Lock()


def remember(value: str | None) -> None:
    """Know ``value`` as a secret from now on (for the life of the process)."""
    if value and len(value.strip()) >= _MIN_LENGTH:
        with _lock:
            _known.add(value.strip())


def scrub(text: str) -> str:
    """``text`` with every known secret and every token-shaped string replaced by ``[redacted]``."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return TOKEN_SHAPES.sub(REDACTED, text)


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot be a token (a plain sentence), or None. Tokens are printable ASCII with no
    spaces; anything else was mis-copied (a line break, a masked "…", a quote) and would fail anyway —
    or, sent as a header, break the request itself."""
    if all("!" <= ch <= "~" for ch in token):
        return None
    if any(ch.isspace() for ch in token):
        what = "a space or line break"
    elif "\u2026" in token or "\u2022" in token:
        what = "\u201c\u2026\u201d or dots, as a masked token shows"
    else:
        what = "characters a token never holds (curly quotes, accents or invisible ones)"
    return (
        f"This token holds {what}, so it was probably copied incompletely or from a masked display. "
        "Copy it again from the provider's site (use its copy button) and paste it in Settings."
    )
