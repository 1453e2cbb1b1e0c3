"""Keep tokens out of logs: a redacting log-record factory and quiet HTTP loggers.

Every token the app learns of (pasted, from the environment or ``.env``) is registered here, and
token-shaped strings are masked even when unregistered.
"""

from __future__ import annotations

import logging
import re
import threading

_TOKEN_SHAPES = re.compile(
    r"(hf_[A-Za-z0-9]{8,}|sk-[A-Za-z0-9_-]{8,}|gsk_[A-Za-z0-9]{8,}|AIza[0-9A-Za-z_-]{20,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,})"
)
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False

REDACTED = "[redacted]"


def register_secret(value: str | None) -> None:
    """Remember a token so that it is masked wherever it might appear in a log."""
    if value and len(value.strip()) >= 6:
        with _lock:
            _secrets.add(value.strip())


def redact(text: str) -> str:
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPES.sub(REDACTED, text)


def install_log_redaction() -> None:
    """Redact every log record as it is made (all loggers, all handlers); quiet httpx/httpcore."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: keep the template only
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return record

    logging.setLogRecordFactory(factory)
    for name in ("httpx", "httpcore", "hpack", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
