"""HTTP plumbing shared by every remote adapter: clients, timeouts, token safety, error bodies.

- One SSL context per process (building one costs ~20 ms), handed to every client.
- One ``httpx.AsyncClient`` per event loop: each Streamlit script run has its own loop, and a
  client belongs to the loop that made it.
- Redirects are never followed (a token must not cross to another host), and a token is sent
  over plain http only to a loopback host.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import ipaddress
import json
import re
import ssl
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from adapters import errors

DEFAULT_CONNECT_TIMEOUT_S = 10.0
DEFAULT_READ_TIMEOUT_S = 120.0


@functools.lru_cache(maxsize=1)
def ssl_context() -> ssl.SSLContext:
    """The process's one SSL context (certifi's bundle, as httpx uses by default)."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def make_timeout(connect_s: float | None = None, read_s: float | None = None) -> httpx.Timeout:
    read = read_s or DEFAULT_READ_TIMEOUT_S
    return httpx.Timeout(connect=connect_s or DEFAULT_CONNECT_TIMEOUT_S, read=read, write=read, pool=read)


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1, as a dual-stack server reports a local browser
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def check_base_url(base_url: str, *, provider: str, has_token: bool) -> str:
    """Validate a base URL before anything is sent to it; return it without a trailing slash."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise errors.BadRequestError(
            "The base URL must start with http:// or https:// and name a host. Fix it in Settings.",
            provider=provider,
        )
    if parts.username or parts.password:
        raise errors.BadRequestError(
            "The base URL must not hold a user name or password. Put the token in its own field in Settings.",
            provider=provider,
        )
    if has_token and parts.scheme == "http" and not is_loopback(parts.hostname):
        raise errors.BadRequestError(
            "This base URL uses plain http to a host that is not this computer, so your token would "
            "travel unencrypted. Use https:// (or a local address such as http://localhost).",
            provider=provider,
        )
    return base_url.strip().rstrip("/")


def path_segment(model_id: str) -> str:
    """Percent-encode a model id for use in a URL path (``owner/name`` keeps its slash)."""
    return quote(model_id, safe="/:")


class ClientPool:
    """One ``httpx.AsyncClient`` per running event loop, made on first use."""

    def __init__(self, timeout: httpx.Timeout, client: httpx.AsyncClient | None = None) -> None:
        self._timeout = timeout
        self._injected = client
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = weakref.WeakKeyDictionary()

    def get(self) -> httpx.AsyncClient:
        if self._injected is not None:
            return self._injected
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(
                timeout=self._timeout,
                verify=ssl_context(),
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": "ai-council-playground"},
            )
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        """Close the client of the running loop (clients of finished loops are dropped)."""
        if self._injected is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()


# --------------------------------------------------------------------------- error bodies


@dataclass(frozen=True)
class ErrorBody:
    """What an error response said, whatever family its body belongs to (see the reference §0)."""

    message: str = ""
    code: str = ""  # OpenAI `code`, Google `status`/reason, TGI `error_type`, HF X-Error-Code
    type: str = ""
    is_html: bool = False
    data: Any = None


_TAG = re.compile(r"<[^>]+>")


def parse_error_body(content: bytes, headers: Mapping[str, str]) -> ErrorBody:
    text = content.decode("utf-8", errors="replace").strip()
    ctype = headers.get("content-type", "").lower()
    if "html" in ctype or text[:15].lower().startswith(("<!doctype", "<html")):
        title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
        message = (title.group(1) if title else _TAG.sub(" ", text)).strip()
        return ErrorBody(message=" ".join(message.split())[:200], is_html=True)
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return ErrorBody(message=headers.get("x-error-message") or text[:500])
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]  # Gemini's array-wrapped error
    message, code, type_ = "", "", ""
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict):
            message = str(err.get("message") or "")
            code = str(err.get("code") or "")
            type_ = str(err.get("type") or err.get("status") or "")
            for detail in err.get("details") or []:
                if isinstance(detail, dict) and detail.get("reason"):
                    code = str(detail["reason"])
        elif isinstance(err, list):
            message = "; ".join(str(e) for e in err)
        elif err is not None:
            message = str(err)
        type_ = type_ or str(data.get("error_type") or "")
        if not message:
            message = str(data.get("error_description") or data.get("message") or "")
            if not message and isinstance(data.get("errors"), list):
                message = "; ".join(str(e.get("message", e)) for e in data["errors"] if e)
    message = message or headers.get("x-error-message", "")
    code = code or headers.get("x-error-code", "")
    return ErrorBody(message=message[:1000], code=code, type=type_, data=data)


# --------------------------------------------------------------------------- rate-limit headers

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def parse_duration(value: str) -> float | None:
    """``2m59.56s`` / ``6m0s`` / ``12ms`` / ``1s`` / ``7.66`` → seconds."""
    value = value.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    total, pos = 0.0, 0
    factor = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    for match in _DURATION.finditer(value):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * factor[match.group(2)]
        pos = match.end()
    return total if pos == len(value) and pos else None


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def _ietf_ratelimit(headers: Mapping[str, str]) -> tuple[int | None, float | None]:
    """IETF draft ``RateLimit: "api";r=0;t=55`` → (remaining, reset seconds)."""
    raw = headers.get("ratelimit")
    if not raw:
        return None, None
    fields = dict(part.strip().split("=", 1) for part in raw.split(";") if "=" in part)
    reset = fields.get("t")
    return _int(fields.get("r")), (float(reset) if reset and reset.replace(".", "", 1).isdigit() else None)


def parse_rate_limit(headers: Mapping[str, str]) -> errors.RateLimitInfo | None:
    """Read ``x-ratelimit-*`` (OpenAI, Groq) and the IETF ``RateLimit`` header (HF Hub)."""
    get = headers.get
    remaining, reset = _ietf_ratelimit(headers)
    policy = get("ratelimit-policy", "")
    quota = re.search(r"q=(\d+)", policy)
    info = errors.RateLimitInfo(
        limit_requests=_int(get("x-ratelimit-limit-requests")) or (int(quota.group(1)) if quota else None),
        remaining_requests=_int(get("x-ratelimit-remaining-requests")) if remaining is None else remaining,
        reset_requests_s=parse_duration(get("x-ratelimit-reset-requests", "")) if reset is None else reset,
        limit_tokens=_int(get("x-ratelimit-limit-tokens")),
        remaining_tokens=_int(get("x-ratelimit-remaining-tokens")),
        reset_tokens_s=parse_duration(get("x-ratelimit-reset-tokens", "")),
    )
    return info if any(v is not None for v in vars(info).values()) else None


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from ``retry-after-ms``, ``Retry-After`` (seconds or HTTP date), or ``RateLimit`` t=."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value) if value else None
            if when is not None:
                return max(0.0, when.timestamp() - time.time())
    return _ietf_ratelimit(headers)[1]


_RETRY_IN_TEXT = re.compile(r"(?:try again|retry) in ((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)", re.I)


def retry_hint_in_text(message: str) -> float | None:
    """``Please try again in 4.77s`` / ``9m38.016s`` / ``Please retry in 38.86s`` → seconds."""
    match = _RETRY_IN_TEXT.search(message)
    return parse_duration(match.group(1)) if match else None


# --------------------------------------------------------------------------- status → error

CONTEXT_PATTERNS = re.compile(
    r"must be <=|must have less than|maximum context length|context length|context_length_exceeded"
    r"|input token count|too many tokens|exceed context window|reduce the length",
    re.I,
)


def error_fields(provider: str, model: str, status: int, body: ErrorBody, headers: Mapping[str, str]) -> dict[str, Any]:
    """What every typed error of an HTTP answer carries besides its message."""
    return {"provider": provider, "model": model, "status": status, "rate_limit": parse_rate_limit(headers), "detail": body.message}


# A text-only model sent an image: OpenAI "Invalid content type. image_url is only supported by certain
# models.", "image input is not supported", vLLM/llama.cpp "does not support image input", Ollama "this model
# is missing data required for image input"
IMAGE_REFUSED = re.compile(
    r"image_url is only supported|image input is not supported|does not support (?:image|vision|multimodal)|"
    r"missing data required for image input|images? (?:are|is) not supported|invalid content type",
    re.I,
)


def error_for_status(
    status: int,
    body: ErrorBody,
    headers: Mapping[str, str],
    *,
    provider: str,
    model: str,
) -> errors.ProviderError:
    """The generic mapping from an HTTP status to a typed error; adapters refine it first."""
    kw = error_fields(provider, model, status, body, headers)
    if body.is_html:
        return errors.ProviderUnavailableError(
            f"The provider answered with a web page instead of a model answer (HTTP {status}: "
            f"{body.message or 'gateway error'}). This is usually a temporary outage: try again in a minute.",
            **kw,
        )
    if 300 <= status < 400:
        return errors.ProviderUnavailableError(
            "The provider tried to redirect the request elsewhere. The app does not follow redirects, "
            "so your token never leaves its provider. Check the base URL in Settings.",
            **kw,
        )
    if status == 401:
        return errors.AuthError(**kw)
    if status == 402:
        return errors.QuotaExhaustedError(**kw)
    if status == 403:
        return errors.AccessDeniedError(**kw)
    if status == 404:
        return errors.ModelNotFoundError(**kw)
    if status == 410:
        return errors.EndpointGoneError(**kw)
    if status == 413:
        return errors.ContextLengthError(**kw)
    if status == 429:
        wait = parse_retry_after(headers) or retry_hint_in_text(body.message)
        return errors.RateLimitError(retry_after=wait, **kw)
    if status in (400, 422) and CONTEXT_PATTERNS.search(body.message):
        return errors.ContextLengthError(**kw)
    if status in (400, 422) and IMAGE_REFUSED.search(body.message):
        return errors.InputNotSupportedError(**kw)
    if 400 <= status < 500:
        return errors.BadRequestError(**kw)
    return errors.ProviderUnavailableError(**kw)


def transport_error(exc: Exception, *, provider: str, model: str, streaming: bool = False) -> errors.ProviderError:
    """A connection-level failure (refused, timed out, cut) as a typed error in plain words."""
    kw = {"provider": provider, "model": model, "detail": type(exc).__name__}
    if isinstance(exc, httpx.ConnectTimeout):
        msg = "The provider did not accept the connection in time. Check your network, or try again."
    elif isinstance(exc, httpx.ConnectError):
        msg = (
            "Could not connect to the provider (connection refused or host not found). Check your "
            "network and the base URL in Settings; for a local server, check that it is running."
        )
    elif isinstance(exc, httpx.ReadTimeout):
        msg = (
            "The provider stopped sending for longer than the read timeout"
            + (" in the middle of the answer" if streaming else "")
            + ". Try again, or raise the read timeout in Settings."
        )
    elif isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        msg = "The connection was cut before the answer was complete. The partial answer is kept; try again."
    else:
        msg = "The request to the provider failed at the network level. Try again in a moment."
    return errors.ProviderUnavailableError(msg, **kw)


def cut_stream_error(*, provider: str, model: str) -> errors.ProviderError:
    return errors.ProviderUnavailableError(
        "The answer stopped before the provider said it was finished (the stream was cut). The partial answer is kept; try again.",
        provider=provider,
        model=model,
        detail="stream ended early",
    )


def garbled_error(*, provider: str, model: str, what: str = "") -> errors.ProviderError:
    return errors.ProviderUnavailableError(
        "The provider sent a reply the app could not read (malformed data). This is usually temporary: try again, or switch provider.",
        provider=provider,
        model=model,
        detail=what[:200],
    )
