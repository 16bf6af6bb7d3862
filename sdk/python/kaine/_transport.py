"""HTTP for the client: one connection per call (http.client), retries, timeouts."""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .errors import KaineError

__all__ = ["Transport", "Answer", "OpenStream"]

_IDEMPOTENT = frozenset({"GET", "DELETE", "HEAD", "OPTIONS"})
_BACKOFF_BASE = 0.5
_BACKOFF_CAP = 8.0
_READ_CHUNK = 64 * 1024


@dataclass
class Answer:
    """A successful answer, its body read."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def request_id(self) -> str | None:
        return self.headers.get("X-Request-Id")


@dataclass
class OpenStream:
    """A successful answer whose body is still to be read."""

    status: int
    headers: http.client.HTTPMessage
    response: http.client.HTTPResponse
    connection: http.client.HTTPConnection
    sock: socket.socket | None

    @property
    def request_id(self) -> str | None:
        return self.headers.get("X-Request-Id")

    def set_timeout(self, seconds: float) -> None:
        if self.sock is not None:
            try:
                self.sock.settimeout(max(seconds, 0.001))
            except OSError:
                pass

    def close(self) -> None:
        try:
            self.response.close()
        finally:
            self.connection.close()


@dataclass
class _Failure:
    """An error answer, and whether the gateway allows a retry (X-Should-Retry)."""

    error: KaineError
    may_retry: bool


class _NetworkError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds, or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(seconds, 0.0)


def backoff(attempt: int) -> float:
    """The wait before retry number attempt+1 when the answer gave no
    Retry-After: 0.5 s, 1 s, 2 s, … (at most 8 s), plus up to half again of jitter."""
    base = min(_BACKOFF_BASE * (2**attempt), _BACKOFF_CAP)
    return base + random.uniform(0, base / 2)


class Transport:
    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str,
        timeout: float,
        max_retries: int,
        user_agent: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"base_url must be an http or https URL, not {base_url!r}")
        self.api_key = api_key
        self.base_url = base_url
        self.timeout = float(timeout)
        self.max_retries = max(int(max_retries), 0)
        self.user_agent = user_agent
        self.sleep = sleep
        self._scheme = parsed.scheme
        self._host = parsed.hostname
        self._port = parsed.port
        self._prefix = parsed.path.rstrip("/")
        self._ssl: ssl.SSLContext | None = ssl.create_default_context() if parsed.scheme == "https" else None

    # ---- one attempt ----

    def _connection(self) -> http.client.HTTPConnection:
        if self._scheme == "https":
            return http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout, context=self._ssl)
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _target(self, path: str, query: Mapping[str, Any] | None) -> str:
        target = self._prefix + path
        if query:
            items = [(k, _query_value(v)) for k, v in query.items() if v is not None]
            if items:
                target += "?" + urllib.parse.urlencode(items)
        return target

    def _headers(self, body: bytes | None, accept: str) -> dict[str, str]:
        headers = {"Accept": accept, "User-Agent": self.user_agent}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def _once(
        self, method: str, target: str, body: bytes | None, accept: str, stream: bool
    ) -> Answer | OpenStream | _Failure:
        deadline = time.monotonic() + self.timeout
        conn = self._connection()
        keep_open = False
        try:
            try:
                conn.request(method, target, body=body, headers=self._headers(body, accept))
                sock = conn.sock  # kept: getresponse drops it from conn when the answer closes the connection
                _set_deadline(sock, deadline)
                resp = conn.getresponse()
            except (TimeoutError, socket.timeout) as e:
                raise _NetworkError("timeout", f"no answer within {self.timeout:g} s") from e
            except (OSError, http.client.HTTPException) as e:
                raise _NetworkError("connection_error", f"{type(e).__name__}: {e}") from e
            status = resp.status
            if stream and 200 <= status < 300:
                keep_open = True
                return OpenStream(status, resp.headers, resp, conn, sock)
            try:
                chunks = []
                while not resp.isclosed():
                    _set_deadline(sock, deadline)
                    chunk = resp.read(_READ_CHUNK)
                    if not chunk:
                        break
                    chunks.append(chunk)
                raw = b"".join(chunks)
            except (TimeoutError, socket.timeout) as e:
                raise _NetworkError("timeout", f"the answer was not read within {self.timeout:g} s") from e
            except (OSError, http.client.HTTPException) as e:
                raise _NetworkError("connection_error", f"{type(e).__name__}: {e}") from e
            if 200 <= status < 300:
                return Answer(status, resp.headers, raw)
            retry_after = None
            if status in (429, 503):
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            err = KaineError.from_body(
                status, raw, request_id=resp.headers.get("X-Request-Id"), retry_after=retry_after
            )
            return _Failure(err, resp.headers.get("X-Should-Retry", "").strip().lower() != "false")
        finally:
            if not keep_open:
                conn.close()

    # ---- with retries ----

    def _retryable(self, method: str, failure: _Failure) -> bool:
        err = failure.error
        if err.status == 429:  # but a cap stays reached
            return failure.may_retry and err.code != "usage_cap_reached"
        if err.status == 503 and err.code == "store_unavailable":
            return True
        return err.status >= 500 and method in _IDEMPOTENT

    def _call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None,
        json_body: Any,
        accept: str,
        stream: bool,
    ) -> Answer | OpenStream:
        target = self._target(path, query)
        body = None if json_body is None else json.dumps(json_body, separators=(",", ":")).encode("utf-8")
        attempt = 0
        while True:
            try:
                out = self._once(method, target, body, accept, stream)
            except _NetworkError as e:
                if method in _IDEMPOTENT and attempt < self.max_retries:
                    self.sleep(backoff(attempt))
                    attempt += 1
                    continue
                raise KaineError(0, e.code, e.message) from e.__cause__
            if not isinstance(out, _Failure):
                return out
            if attempt < self.max_retries and self._retryable(method, out):
                wait = out.error.retry_after
                self.sleep(wait if wait is not None else backoff(attempt))
                attempt += 1
                continue
            raise out.error

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> tuple[Any, Answer]:
        """Make a call and decode its JSON answer."""
        answer = self._call(method, path, query=query, json_body=json_body, accept="application/json", stream=False)
        assert isinstance(answer, Answer)
        try:
            data = json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise KaineError(
                answer.status,
                "invalid_response",
                f"the answer is not JSON: {e}",
                request_id=answer.request_id,
                body=answer.body.decode("utf-8", "replace"),
            ) from e
        return data, answer

    def open_stream(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json_body: Any = None,
        accept: str = "text/event-stream, application/json",
    ) -> OpenStream:
        """Make a call whose successful answer is read as it comes. An error
        answer is read and retried as its method allows; nothing is retried
        once a successful answer came, so a body is never read twice."""
        out = self._call(method, path, query=query, json_body=json_body, accept=accept, stream=True)
        assert isinstance(out, OpenStream)
        return out


def _set_deadline(sock: socket.socket | None, deadline: float) -> None:
    if sock is None:
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise socket.timeout("timed out")
    try:
        sock.settimeout(remaining)
    except OSError:
        pass  # the answer is read to its end and its socket closed


def _query_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
