"""Keep tokens out of logs: a redacting log-record factory and quiet HTTP loggers.

Every token the app learns of (pasted, from the environment or ``.env``) is registered in the one
registry of ``adapters.secrets`` (adapters register theirs too), and token-shaped strings are
masked even when unregistered.
"""

from __future__ import annotations

import logging
import threading

from adapters.secrets import REDACTED
from adapters.secrets import remember as register_secret
from adapters.secrets import scrub as redact

_lock = threading.Lock()
_installed = False

__all__ = ["REDACTED", "install_log_redaction", "redact", "register_secret"]


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
