"""Loopback stand-in for the Slack Web API, for integration tests.

It is a real HTTP server (not a mock) so that both in-process ``slack_sdk.WebClient``
instances (``base_url=fake.api_url``) and separate processes (e.g. gunicorn reading
``SLACK_API_URL``) can talk to it. Every request is recorded as a :class:`Call`, with the
status it was answered with; answers can be scripted per method (HTTP failures, Slack errors,
dropped answers, short pages, body overrides).

Routes:
  * ``/api/<method>``   Slack Web API methods (token required)
  * ``/response/<any>`` response_url posts, recorded as method ``"response_url"``
  * ``/upload/<id>``    files upload URLs, recorded as method ``"upload"``
"""

from __future__ import annotations

import contextlib
import email.policy
import json
import math
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.slack_workspace import Workspace, answer, maybe_json
from tests.waiting import pause

__all__ = ["Call", "SlackFake"]

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

RESPONSE_URL_METHOD = "response_url"
UPLOAD_METHOD = "upload"


@dataclass
class Call:
    """One recorded HTTP request, so tests can assert on what the app sent."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    path: str = ""
    body: bytes = field(default=b"", repr=False)
    status: int | None = None  # the HTTP status it was answered with; 0: the answer was lost

    def json_param(self, name: str) -> Any:
        """Return param ``name`` parsed from JSON if it is a string (form-encoded ``blocks``,
        ``view``...), else as is; ``None`` if absent; the raw string if it is not JSON."""
        return maybe_json(self.params.get(name))

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup (HTTP header names are case-insensitive)."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    remaining: int
    skip: int = 0  # calls to let through before failing


@dataclass
class _ErrorRule:
    error: str
    when: dict[str, str] | None

    def matches(self, params: dict[str, Any]) -> bool:
        if not self.when:
            return True
        for key, expected in self.when.items():
            if key not in params:
                return False
            actual = params[key]
            if actual != expected and str(actual) != str(expected):
                return False
        return True


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: dict[str, Any], status: int = 200, **headers: str) -> _Reply:
        return cls(status, json.dumps(data).encode("utf-8"), JSON_CONTENT_TYPE, dict(headers))


LOST = _Reply(0, b"", "")  # the answer a lost call gets: none


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Parse multipart/form-data (slack_sdk uses it when files are attached)."""
    raw = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    message = BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    params: dict[str, Any] = {}
    if not message.is_multipart():
        return params
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        if part.get_filename() is not None:
            params[str(name)] = payload
        else:
            params[str(name)] = payload.decode("utf-8", errors="replace")
    return params


def parse_params(query: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    content_type = ""
    for key, value in headers.items():
        if key.lower() == "content-type":
            content_type = value
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return params
    if media_type == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            data = None
        if isinstance(data, dict):
            params.update(data)
    elif media_type == "multipart/form-data":
        params.update(_parse_multipart(content_type, body))
    elif media_type in ("application/x-www-form-urlencoded", ""):
        text = body.decode("utf-8", errors="replace")
        params.update(parse_qsl(text, keep_blank_values=True))
    return params


def has_token(headers: dict[str, str], params: dict[str, Any]) -> bool:
    """Whether the call carries a token: bot/user (xox…) or app-level (xapp-)."""
    for key, value in headers.items():
        # bot and user tokens (xox…), and the app-level token apps.connections.open takes
        if key.lower() == "authorization" and value.startswith(("Bearer xox", "Bearer xapp-")):
            return True
    token = params.get("token")
    return isinstance(token, str) and token.startswith("xox")


class Script:
    """Answers a test scripted: HTTP failures to come, persistent errors, replaced bodies."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self._failures: dict[str, list[_Failure]] = {}
        self._lost: dict[str, int] = {}  # method -> how many answers to drop after acting
        # method -> (calls allowed per window, window in seconds, counted per channel)
        self._limits: dict[str, tuple[int, float, bool]] = {}
        self._delays: dict[str, float] = {}  # method -> seconds each answer takes
        self._page_sizes: dict[str, int] = {}  # method -> most items one page holds
        # (method, channel or "") -> monotonic times of recent calls
        self._seen: dict[tuple[str, str], list[float]] = {}
        self._error_rules: dict[str, list[_ErrorRule]] = {}
        self._overrides: dict[str, dict[str, Any]] = {}

    def clear(self) -> None:
        with self._lock:
            self._lost.clear()
            self._page_sizes.clear()
            self._failures.clear()
            self._error_rules.clear()
            self._overrides.clear()

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        retry_after: int | None = None,
        times: int = 1,
        skip: int = 0,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (after letting ``skip`` through) fail at
        the HTTP level, like Slack's rate limiter (429 + JSON) or gateway (5xx + HTML). Queued
        FIFO with earlier scripts."""
        if times < 1:
            raise ValueError("times must be >= 1")
        failure = _Failure(status, retry_after, times, skip)
        with self._lock:
            self._failures.setdefault(method, []).append(failure)

    def error_for(self, method: str, error: str, *, when: dict[str, str] | None = None) -> None:
        """Persistently answer HTTP 200 ``{"ok": false, "error": error}`` for calls to
        ``method`` whose params contain all of ``when``. The latest matching rule wins."""
        with self._lock:
            self._error_rules.setdefault(method, []).append(
                _ErrorRule(error, dict(when) if when else None)
            )

    def set_response(self, method: str, data: dict[str, Any]) -> None:
        """Persistently replace the success body of ``method`` with ``{"ok": True, **data}``."""
        with self._lock:
            self._overrides[method] = dict(data)

    def take_failure(self, method: str) -> _Reply | None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            if failure.skip > 0:
                failure.skip -= 1
                return None
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.pop(0)
        extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        if failure.status == 429:
            return _Reply.json({"ok": False, "error": "ratelimited"}, status=429, **extra)
        try:
            phrase = HTTPStatus(failure.status).phrase
        except ValueError:
            phrase = "Error"
        html = f"<html><body><h1>{failure.status} {phrase}</h1></body></html>"
        return _Reply(failure.status, html.encode("utf-8"), "text/html; charset=utf-8", extra)

    def slow(self, method: str, seconds: float) -> None:
        """Take ``seconds`` over every answer to ``method`` (after acting on it); more than
        the client's timeout makes the answer arrive too late, as if lost."""
        with self._lock:
            self._delays[method] = seconds

    def delay_of(self, method: str) -> float:
        with self._lock:
            return self._delays.get(method, 0.0)

    def short_pages(self, method: str, size: int) -> None:
        """Answer at most ``size`` items per page of ``method`` whatever ``limit`` asks, as
        Slack may ("fewer than the requested number of items may be returned"): a client
        must follow ``next_cursor``, not count on one page."""
        if size < 1:
            raise ValueError("size must be >= 1")
        with self._lock:
            self._page_sizes[method] = size

    def paged(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with ``limit`` cut to ``method``'s page size, if one is set."""
        with self._lock:
            size = self._page_sizes.get(method)
        if size is None:
            return params
        try:
            asked = int(params.get("limit") or size)
        except (TypeError, ValueError):
            return params  # the method answers a bad limit as Slack does
        return {**params, "limit": min(asked, size)}

    def rate_limit(
        self, method: str, per_minute: int, *, seconds: float = 60.0, per_channel: bool = False
    ) -> None:
        """Answer ``method`` like Slack's rate limiter past ``per_minute`` calls in any
        ``seconds`` (Tier 2: 20, Tier 3: 50, Tier 4: 100 per 60 s; ``chat.postMessage``:
        about 1 per second per channel, ``per_channel=True``): 429 with the whole seconds to
        wait in Retry-After. Tests of pacing shorten ``seconds`` as lantern's pace is scaled."""
        with self._lock:
            self._limits[method] = (per_minute, seconds, per_channel)

    def over_limit(self, method: str, now: float, channel: str = "") -> _Reply | None:
        """A 429 when this call is over ``method``'s limit, else None (the call counts)."""
        with self._lock:
            if method not in self._limits:
                return None
            limit, seconds, per_channel = self._limits[method]
            key = (method, channel if per_channel else "")
            recent = [t for t in self._seen.get(key, []) if now - t < seconds]
            if len(recent) >= limit:
                self._seen[key] = recent
                wait = max(1, math.ceil(seconds - (now - recent[0])))
                body = {"ok": False, "error": "ratelimited"}
                return _Reply.json(body, status=429, **{"Retry-After": str(wait)})
            self._seen[key] = [*recent, now]
            return None

    def lose_next(self, method: str, times: int = 1) -> None:
        """Act on the next ``times`` calls to ``method`` (a post is made) but drop the answer:
        the connection closes without a response, as when it breaks on the way back."""
        with self._lock:
            self._lost[method] = self._lost.get(method, 0) + times

    def take_lost(self, method: str) -> bool:
        """Whether this call's answer is to be dropped (counts one down)."""
        with self._lock:
            left = self._lost.get(method, 0)
            if left:
                self._lost[method] = left - 1
            return left > 0

    def scripted(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """A scripted error or replaced body for this call, or None for the default answer."""
        with self._lock:
            rules = list(self._error_rules.get(method, []))
            override = self._overrides.get(method)
        for rule in reversed(rules):
            if rule.matches(params):
                return {"ok": False, "error": rule.error}
        return None if override is None else {"ok": True, **override}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default backlog of 5 stalls bursts of parallel clients

    def __init__(self, fake: SlackFake) -> None:
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Keep stderr clean: dropped connections are normal, anything else is recorded."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError, BrokenPipeError)):
            return
        self.fake._record_error(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP layer; all Slack behaviour lives in SlackFake._dispatch."""

    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    server: _Server
    server_version = "SlackFake/1.0"
    disable_nagle_algorithm = True  # avoid 40 ms delayed-ACK stalls on keep-alive replies

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.sockets_lock:
                self.server.open_sockets.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; test output should stay clean."""

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # consume optional trailers up to the blank line
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        body = self._read_body()
        headers = dict(self.headers.items())
        try:
            reply = self.server.fake._dispatch(self.path, headers, body)
        except Exception:  # a bug in the fake must surface, not hang the client
            self.server.fake._record_error(traceback.format_exc())
            reply = _Reply.json({"ok": False, "error": "fake_internal_error"}, status=500)
        if reply is LOST:  # the answer never arrives
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)
        self.wfile.flush()


class SlackFake(Workspace, Script):
    """In-process HTTP server that answers like the Slack Web API and records every call.

    The workspace it answers about (users, groups, channels, history, reactions) is its
    :class:`Workspace` state; the failures and errors a test asks for are its :class:`Script`.
    """

    def __init__(self, team_id: str = "T0TEST", bot_user_id: str = "U0BOT") -> None:
        super().__init__(team_id, bot_user_id)
        self.calls: list[Call] = []
        self.errors: list[str] = []  # tracebacks of exceptions raised inside the fake
        Script.__init__(self, self.lock)  # scripted answers (fail_next, error_for, slow…)
        self._arrived = threading.Condition(self._lock)  # notified on every recorded call
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SlackFake:
        """Bind an ephemeral loopback port and serve on a daemon thread."""
        if self._server is not None:
            raise RuntimeError("SlackFake already started")
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-fake",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections so nothing is served afterwards."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = None
        self._thread = None
        server.shutdown()
        with server.sockets_lock:
            sockets = list(server.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SlackFake:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/`` — the root all routes hang off."""
        if self._server is None:
            raise RuntimeError("SlackFake is not started")
        host, port = self._server.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        return f"http://{host}:{port}/"

    @property
    def api_url(self) -> str:
        """Value for ``WebClient(base_url=...)`` / ``SLACK_API_URL`` (trailing slash)."""
        return f"{self.base_url}api/"

    @property
    def response_url_base(self) -> str:
        """Prefix for fake ``response_url`` values; POSTs below it are recorded."""
        return f"{self.base_url}response/"

    # ------------------------------------------------------------------ inspection

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls to ``method``, in arrival order."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``count`` calls to ``method`` arrived (work may happen on other threads
        or processes); raise AssertionError naming the methods seen otherwise."""

        def arrived() -> bool:
            return sum(1 for c in self.calls if c.method == method) >= count

        with self._arrived:
            if not self._arrived.wait_for(arrived, timeout):
                seen = [c.method for c in self.calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method!r} within {timeout}s, "
                    f"got {sum(1 for m in seen if m == method)}; methods seen: {seen}"
                )
        return self.calls_to(method)

    def reset(self) -> None:
        """Forget calls and scripted answers (fixture data like ``users`` is kept)."""
        with self._lock:
            self.calls.clear()
            self.errors.clear()
        Script.clear(self)

    # ------------------------------------------------------------------ internals

    def _record_error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    def _dispatch(self, raw_path: str, headers: dict[str, str], body: bytes) -> _Reply:
        """Record the request, then answer it; the call keeps the status it was answered with."""
        parts = urlsplit(raw_path)
        path = parts.path
        params = parse_params(parts.query, headers, body)
        if path.startswith("/api/"):
            method = path[len("/api/") :]
        elif path.startswith("/response/"):
            method = RESPONSE_URL_METHOD
        elif path.startswith("/upload/"):
            method = UPLOAD_METHOD
        else:
            method = path
        call = Call(method, params, headers, time.monotonic(), path=path, body=body)
        with self._arrived:
            self.calls.append(call)
            self._arrived.notify_all()
        reply = self._answer(call)
        with self._lock:
            call.status = reply.status  # 0 when the answer is dropped (LOST)
        return reply

    def _answer(self, call: Call) -> _Reply:
        """Scripted failure > auth > error rule > body."""
        method, path, params = call.method, call.path, call.params
        failure = self.take_failure(method) or self.over_limit(
            method, call.at, str(params.get("channel") or "")
        )
        if failure is not None:
            return failure

        if method in (RESPONSE_URL_METHOD, UPLOAD_METHOD):
            return _Reply(200, b"OK" if method == UPLOAD_METHOD else b"ok", "text/plain")
        if not path.startswith("/api/") or not method:
            return _Reply.json({"ok": False, "error": "unknown_path"}, status=404)
        if not has_token(call.headers, params):
            return _Reply.json({"ok": False, "error": "not_authed"})

        scripted = self.scripted(method, params)
        if scripted is not None:
            return _Reply.json(scripted)
        answered = answer(self, method, self.paged(method, params), self.base_url)
        if self.take_lost(method):
            return LOST
        if delay := self.delay_of(method):
            pause(delay)  # the fake Slack's own latency
        return _Reply.json(answered)
