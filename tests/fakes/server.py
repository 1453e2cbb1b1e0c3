"""A loopback HTTP server for protocol fakes: real sockets in a thread, replies written byte by
byte (whole bodies, or streams piece by piece with flushes, optionally cut mid-stream).

A fake subclasses ``FakeServer`` with ``route(path)`` and ``default(route, path, headers, body)``;
tests script exact replies with ``enqueue(route, *replies)`` and read what the fake saw in ``seen``.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted HTTP reply. ``pieces`` are written one by one (a stream); ``cut`` drops the
    connection before the stream is finished."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    pieces: list[bytes] | None = None
    cut: bool = False
    gap_s: float = 0.002
    delay_s: float = 0.0
    hold: threading.Event | None = None  # wait for this before answering (concurrency tests)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload).encode())


def text_reply(status: int, text: str, content_type: str = "text/plain") -> Reply:
    return Reply(status, {"Content-Type": content_type}, text.encode())


def stream_reply(
    pieces: list[bytes], content_type: str = "text/event-stream", *, cut: bool = False, headers: dict[str, str] | None = None
) -> Reply:
    return Reply(200, {"Content-Type": content_type, **(headers or {})}, pieces=pieces, cut=cut)


def sse(payload: Any, *, space: bool = True, crlf: bool = False) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    end = "\r\n\r\n" if crlf else "\n\n"
    return f"data:{' ' if space else ''}{data}{end}".encode()


def split(piece: bytes) -> list[bytes]:
    """One event written in two writes (a client must join them)."""
    return [piece[: len(piece) // 2], piece[len(piece) // 2 :]]


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # like a real server's backlog: a burst of connections is queued, not refused

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client closing its kept-alive connection is normal; anything else is printed as usual."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class FakeServer:
    """``with SomeFake() as fake:`` → ``fake.url`` serves the protocol on 127.0.0.1."""

    def __init__(self) -> None:
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.seen: list[Seen] = []
        self.open_now = 0
        self.max_open = 0
        self.calls_per_model: dict[str, int] = defaultdict(int)
        # Shared between fakes by a test that needs the order of events across servers:
        # ("open" | "done", self.name, route), appended as requests arrive and as replies end.
        self.journal: list[tuple[str, str, str]] | None = None
        self.name = type(self).__name__
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def setup(self) -> None:
                super().setup()
                # every write goes out at once, as a real server's would (no Nagle/delayed-ACK stalls)
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                fake._handle(self, None)

            do_HEAD = do_GET

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                fake._handle(self, body)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    # ---- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- what a subclass provides -------------------------------------------------------------

    def route(self, path: str) -> str:
        raise NotImplementedError

    def default(self, route: str, path: str, headers: dict[str, str], body: Any) -> Reply:
        raise NotImplementedError

    # ---- scripting ----------------------------------------------------------------------------

    def enqueue(self, route: str, *replies: Reply) -> None:
        """Replies for ``route`` (or ``any``), used in order before the default behaviour."""
        with self._lock:
            self._scripts[route].extend(replies)

    def requests_to(self, route: str) -> list[Seen]:
        return [s for s in self.seen if self.route(s.path) == route]

    def count_call(self, model: str) -> int:
        with self._lock:
            self.calls_per_model[model] += 1
            return self.calls_per_model[model]

    # ---- serving ------------------------------------------------------------------------------

    def _next_script(self, route: str) -> Reply | None:
        with self._lock:
            for key in (route, "any"):
                if self._scripts[key]:
                    return self._scripts[key].popleft()
        return None

    def _handle(self, handler: BaseHTTPRequestHandler, body: Any) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        path = handler.path
        route = self.route(path)
        with self._lock:
            self.seen.append(Seen(handler.command, path, headers, body))
            self.open_now += 1
            self.max_open = max(self.max_open, self.open_now)
            if self.journal is not None:
                self.journal.append(("open", self.name, route))
        try:
            reply = self._next_script(route) or self.default(route, path, headers, body)
            if reply.hold is not None:
                reply.hold.wait(10)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            _write(handler, reply)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
        finally:
            with self._lock:
                self.open_now -= 1
                if self.journal is not None:
                    self.journal.append(("done", self.name, route))


def _write(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    handler.send_response(reply.status)
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    if reply.pieces is None:
        body = reply.body or b""
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)
        handler.wfile.flush()
        return
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("Cache-Control", "no-cache")
    handler.end_headers()
    handler.wfile.flush()
    for piece in reply.pieces:
        handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        handler.wfile.flush()
        if reply.gap_s:
            time.sleep(reply.gap_s)
    if reply.cut:
        handler.close_connection = True
        handler.wfile.flush()
        handler.connection.shutdown(socket.SHUT_RDWR)  # drop the connection mid-stream: no terminating chunk
        return
    handler.wfile.write(b"0\r\n\r\n")
    handler.wfile.flush()


def serve_forever(fake: FakeServer) -> None:
    """``python -m tests.fakes.<name>``: print the URL, serve until interrupted."""
    import contextlib

    with fake:
        print(fake.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


def instance_of(schema: dict) -> Any:
    """A value that satisfies ``schema`` (the subset structured output uses), as a model keeping to a
    requested JSON schema returns: objects with every required property, arrays of an enum as that
    enum in order (a ranking: the order shown), strings as a short sentence."""
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties") or {}
        return {name: instance_of(props.get(name) or {}) for name in schema.get("required") or props}
    if kind == "array":
        items = schema.get("items") or {}
        return list(items["enum"]) if "enum" in items else [instance_of(items)]
    if "enum" in schema:
        return schema["enum"][0]
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    return "Clear and correct."


def split_words(text: str) -> list[str]:
    """A JSON answer in streamed pieces (joined, they are the whole text)."""
    parts = text.split(" ")
    return [p if i == 0 else " " + p for i, p in enumerate(parts)]
