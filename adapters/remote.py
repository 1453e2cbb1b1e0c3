"""What every adapter that talks HTTP shares: where to send (base URL from argument, environment
or default, checked before any token travels), auth headers, one client per event loop, POST and
streaming with every failure turned into a typed error.

Subclasses override small steps: ``auth_headers``, ``map_error``, ``whole_body_chunk``.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent

from adapters import errors
from adapters.base import Adapter, ChatRequest, Chunk, Completion
from adapters.http import (
    ClientPool,
    ErrorBody,
    check_base_url,
    error_for_status,
    garbled_error,
    make_timeout,
    parse_error_body,
    parse_rate_limit,
    transport_error,
)
from adapters.secrets import token_problem
from adapters.timing import Stopwatch


@dataclass(frozen=True)
class Prepared:
    """One request as it goes on the wire, minus the token: what snippets reproduce."""

    url: str
    json: dict[str, Any]
    stream: bool
    auth_header: str | None  # the header that carries the token (None: no token is sent)
    auth_prefix: str = ""  # e.g. "Bearer "
    method: str = "POST"
    headers: tuple[tuple[str, str], ...] = ()  # other headers the protocol needs (never a secret)


class RemoteAdapter(Adapter):
    default_base_url: str | None = None
    base_url_env: str = ""
    token_required = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "spec" in cls.__dict__ and cls.spec is not None:  # where to send, from the one declaration
            cls.default_base_url = cls.spec.default_base_url
            cls.base_url_env = cls.spec.base_url_env
            cls.token_required = cls.spec.token_required

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        self._token = (token or "").strip() or None
        url = base_url or (os.environ.get(self.base_url_env, "") if self.base_url_env else "") or self.default_base_url
        if not url:
            raise errors.BadRequestError(
                "No base URL is set for this provider. Enter the server's address in Settings.",
                provider=self.provider,
            )
        self.base_url = check_base_url(url, provider=self.provider, has_token=bool(self._token))
        self._pool = ClientPool(timeout or make_timeout(), client)

    # ---- headers and errors (override) ---------------------------------------------------------

    auth_header_name = "Authorization"
    auth_header_prefix = "Bearer "

    def auth_headers(self, token: str) -> dict[str, str]:
        return {self.auth_header_name: f"{self.auth_header_prefix}{token}"}

    def prepare(self, request: ChatRequest, *, stream: bool) -> Prepared:
        """URL and body for ``request`` (subclasses build them here, and only here)."""
        raise NotImplementedError

    def prepared(self, url: str, body: dict[str, Any], stream: bool) -> Prepared:
        has_token = self._token is not None
        return Prepared(
            url,
            body,
            stream,
            self.auth_header_name if has_token else None,
            self.auth_header_prefix if has_token else "",
            headers=tuple(self.protocol_headers().items()),
        )

    def protocol_headers(self) -> dict[str, str]:
        """Headers every request carries besides the token (a version, an app name); never a secret."""
        return {}

    def headers(self) -> dict[str, str]:
        if self.token_required and not self._token:
            raise self.missing_token_error()
        if not self._token:
            return self.protocol_headers()
        problem = token_problem(self._token)
        if problem:  # never put it in a header: it would fail, or break the request itself
            raise errors.AuthError(problem, provider=self.provider)
        return {**self.protocol_headers(), **self.auth_headers(self._token)}

    def missing_token_error(self) -> errors.ProviderError:
        return errors.TokenMissingError(
            "No token is set for this provider. Paste one in Settings, then press Verify.",
            provider=self.provider,
        )

    def map_error(self, status: int, body: ErrorBody, headers: Mapping[str, str], model: str) -> errors.ProviderError:
        return error_for_status(status, body, headers, provider=self.provider, model=model)

    def stream_error(self, payload: Mapping[str, Any], model: str) -> errors.ProviderError:
        """An error that arrived inside a 200 stream."""
        body = parse_error_body(json.dumps(payload).encode(), {})
        status = payload.get("error", {}).get("code") if isinstance(payload.get("error"), dict) else None
        return self.map_error(status if isinstance(status, int) else 500, body, {}, model)

    def whole_body_chunk(self, data: Any, model: str, rate_limit: Any) -> Chunk:
        """A server asked to stream that answered with one JSON body instead."""
        raise garbled_error(provider=self.provider, model=model, what=str(data)[:200])

    # ---- wire ----------------------------------------------------------------------------------

    async def _post(self, url: str, payload: Mapping[str, Any] | None, model: str, *, method: str = "POST") -> httpx.Response:
        headers = self.headers()
        try:
            response = await self._pool.get().request(method, url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_error(exc, provider=self.provider, model=model) from None
        if response.status_code != 200:
            raise self.map_error(response.status_code, parse_error_body(response.content, response.headers), response.headers, model)
        return response

    def _json(self, response: httpx.Response, model: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise garbled_error(provider=self.provider, model=model, what=response.text) from None

    async def post_for_completion(self, url: str, payload: Mapping[str, Any], model: str, parse: Callable[[Any], Completion]) -> Completion:
        """One non-streaming call: POST, parse, and stamp timing and rate-limit headers."""
        watch = Stopwatch()
        response = await self._post(url, payload, model)
        completion = parse(self._json(response, model))
        completion.latency_s = watch.elapsed()
        completion.ttft_s = completion.latency_s  # the whole answer arrives at once
        completion.rate_limit = parse_rate_limit(response.headers)
        return completion

    @asynccontextmanager
    async def _open_stream(self, url: str, payload: Mapping[str, Any], model: str, accept: str) -> AsyncIterator[httpx.Response]:
        """POST and yield the 200 response (still streaming); non-200 raises its typed error."""
        headers = {**self.headers(), "Accept": accept}
        async with self._pool.get().stream("POST", url, json=payload, headers=headers) as response:
            if response.status_code != 200:
                await response.aread()
                raise self.map_error(response.status_code, parse_error_body(response.content, response.headers), response.headers, model)
            yield response

    async def sse_events(self, url: str, payload: Mapping[str, Any], model: str) -> AsyncIterator[ServerSentEvent | Chunk]:
        """Yield the server's SSE events; a 200 JSON body (no stream) comes back as one Chunk."""
        try:
            async with self._open_stream(url, payload, model, "text/event-stream") as response:
                rate_limit = parse_rate_limit(response.headers)
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    await response.aread()
                    yield self.whole_body_chunk(self._json(response, model), model, rate_limit)
                    return
                if rate_limit:
                    yield Chunk(rate_limit=rate_limit)
                async for event in EventSource(response).aiter_sse():
                    yield event
        except httpx.HTTPError as exc:
            raise transport_error(exc, provider=self.provider, model=model, streaming=True) from None

    async def ndjson_lines(self, url: str, payload: Mapping[str, Any], model: str) -> AsyncIterator[Any]:
        """Yield one parsed JSON object per line of a newline-delimited JSON stream."""
        try:
            async with self._open_stream(url, payload, model, "application/x-ndjson") as response:
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    try:
                        yield json.loads(line)
                    except ValueError:
                        raise garbled_error(provider=self.provider, model=model, what=line) from None
        except httpx.HTTPError as exc:
            raise transport_error(exc, provider=self.provider, model=model, streaming=True) from None

    async def aclose(self) -> None:
        await self._pool.aclose()


def loads_event(data: str, adapter: Adapter, model: str) -> Any:
    """One event's JSON payload, or a typed "could not read" error."""
    try:
        return json.loads(data)
    except ValueError:
        raise garbled_error(provider=adapter.provider, model=model, what=data) from None
