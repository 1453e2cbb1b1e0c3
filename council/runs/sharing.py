"""Links that share a run — a Playground conversation or a council transcript — never a token.

Making a link is the act of sharing. Two kinds:

- **signed** (``s1.``): on a team deployment (a shared database) with a server secret, the link names the
  stored run, its kind and an expiry, signed with HMAC-SHA256 under the secret. It opens for people signed
  in to that deployment until it expires; a link whose name, kind or date was changed opens nothing.
- **carried** (``r1.``): otherwise the link carries the run itself, compressed — checked for size, with a
  plain message when the run is too long for a link.

No Streamlit: the page passes the secret (``COUNCIL_SECRET`` or Streamlit's secrets) and says the words.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

PARAM = "share"  # the query parameter a shared run travels in
KINDS = ("playground", "council")
MAX_LINK_CHARS = 7000  # a carried link longer than this may not survive being pasted into chat or email
DEFAULT_DAYS = 30


class LinkError(ValueError):
    """A link that opens nothing, in plain words: why, and what to do."""


@dataclass(frozen=True)
class Opened:
    kind: str  # "playground" or "council"
    record: dict[str, Any] | None  # a carried run (None: a signed link — read ``run_id`` from the store)
    run_id: int | None = None
    expires: float | None = None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def carried(kind: str, record: dict[str, Any]) -> str:
    """The run itself in the link (raises LinkError when it is too long for one)."""
    _check_kind(kind)
    raw = zlib.compress(json.dumps({"k": kind, "r": record}, separators=(",", ":"), ensure_ascii=False).encode(), 9)
    value = "r1." + _b64(raw)
    if len(value) > MAX_LINK_CHARS:
        raise LinkError(
            f"This {_words(kind)} is too long to travel in a link ({len(value):,} characters; a link holds {MAX_LINK_CHARS:,}). "
            "Download it as JSON and send the file instead \u2014 or, on a team deployment with a server secret, links name the "
            "stored run and have no length limit."
        )
    return value


def signed(kind: str, run_id: int, secret: str, *, days: float = DEFAULT_DAYS, now: float | None = None) -> str:
    """A link naming the stored run, valid for ``days``, signed with the server's secret."""
    _check_kind(kind)
    if not secret:
        raise LinkError("No server secret is set, so a link cannot be signed.")
    expires = int((now if now is not None else time.time()) + days * 86400)
    body = f"{kind}.{run_id}.{expires}"
    return f"s1.{body}.{_signature(body, secret)}"


def read(value: str, secret: str = "", *, now: float | None = None) -> Opened:
    """What a link holds — or LinkError saying why it opens nothing (changed, expired, unreadable)."""
    value = (value or "").strip()
    if value.startswith("s1."):
        parts = value.split(".")
        if len(parts) != 5:
            raise LinkError("This link is incomplete (part of it was lost when it was copied): ask for it again.")
        _, kind, run_id, expires, signature = parts
        if not value.isascii():
            raise LinkError("This link is not one the app made: it opens nothing.")
        if not secret:
            raise LinkError("This link was signed by a team deployment whose secret this server does not have: open it there.")
        if not hmac.compare_digest(signature, _signature(f"{kind}.{run_id}.{expires}", secret)):
            raise LinkError(
                "This link was changed after it was made (its signature does not match), so it opens nothing. Ask for it again."
            )
        if not (run_id.isdigit() and expires.isdigit()) or kind not in KINDS:
            raise LinkError("This link is not one the app made: it opens nothing.")
        if int(expires) < (now if now is not None else time.time()):
            day = datetime.fromtimestamp(int(expires), UTC).strftime("%Y-%m-%d")
            raise LinkError(
                f"This link expired on {day} (links last {DEFAULT_DAYS} days unless the server says otherwise). Ask for a new one."
            )
        return Opened(kind, None, int(run_id), float(expires))
    if value.startswith("r1."):
        if len(value) > MAX_LINK_CHARS * 2:
            raise LinkError("This link is far longer than any the app makes: it opens nothing.")
        try:
            data = json.loads(zlib.decompress(_unb64(value[3:]), bufsize=1 << 16).decode())
        except (ValueError, zlib.error, UnicodeDecodeError):
            raise LinkError("This link was damaged (part of it is missing or changed), so it opens nothing. Ask for it again.") from None
        if not isinstance(data, dict) or data.get("k") not in KINDS or not isinstance(data.get("r"), dict):
            raise LinkError("This link is not one the app made: it opens nothing.")
        return Opened(data["k"], data["r"])
    raise LinkError("This is not a link to a shared run: it opens nothing.")


def _signature(body: str, secret: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")


def _words(kind: str) -> str:
    return {"playground": "conversation", "council": "council run"}[kind]
