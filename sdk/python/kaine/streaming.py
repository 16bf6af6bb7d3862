"""Reading a POST /v1/llm stream (server-sent events) as Delta and Done objects."""

from __future__ import annotations

import http.client
import json
import socket
from types import TracebackType
from typing import Iterator

from ._decode import DecodeError, decode
from ._transport import OpenStream
from .errors import KaineError
from .types import Delta, Done

__all__ = ["LlmStream"]

_MAX_LINE = 8 * 1024 * 1024


class LlmStream:
    """An LLM answer as it is written: iterate it for :class:`~kaine.Delta`
    pieces of text, then one :class:`~kaine.Done` summary, after which the
    iteration ends. An ``error`` event (a failure after text was sent) raises
    :class:`~kaine.KaineError`, as does a stream cut before its ``done``.

    The call is made when the stream is created, so an error answered before
    any text (a refused key, a 429 after its retries, a bad body) raises from
    :meth:`kaine.Client.llm_stream` itself. Use it as a context manager, or
    read it to its end, to release the connection; :meth:`close` leaves early.

    Attributes:
        request_id: the call's ``X-Request-Id``.
        provider, model: the ``X-Kaine-Provider`` and ``X-Kaine-Model`` headers.
        text: the text received so far.
        done: the summary, once received.
    """

    request_id: str | None
    provider: str | None
    model: str | None
    text: str
    done: Done | None

    def __init__(self, stream: OpenStream, timeout: float) -> None:
        self._stream = stream
        self._timeout = timeout
        self._closed = False
        self.request_id = stream.request_id
        self.provider = stream.headers.get("X-Kaine-Provider")
        self.model = stream.headers.get("X-Kaine-Model")
        self.text = ""
        self.done = None
        content_type = (stream.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        self._events: Iterator[Delta | Done] = (
            self._read_sse() if content_type == "text/event-stream" else self._read_json()
        )

    def __iter__(self) -> LlmStream:
        return self

    def __next__(self) -> Delta | Done:
        return next(self._events)

    def __enter__(self) -> LlmStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and release the connection (the gateway bills what it sent)."""
        if not self._closed:
            self._closed = True
            self._stream.close()

    def until_done(self) -> Done:
        """Read the rest of the stream and return its summary."""
        for _ in self:
            pass
        assert self.done is not None
        return self.done

    # ---- reading ----

    def _error(self, code: str, message: str) -> KaineError:
        return KaineError(self._stream.status, code, message, request_id=self.request_id)

    def _read_json(self) -> Iterator[Delta | Done]:
        """A streamed call that ended before any text is answered as plain JSON."""
        try:
            try:
                self._stream.set_timeout(self._timeout)
                raw = self._stream.response.read()
                done = decode(Done, json.loads(raw.decode("utf-8")))
            except (TimeoutError, socket.timeout) as e:
                raise KaineError(0, "timeout", f"no answer within {self._timeout:g} s", request_id=self.request_id) from e
            except (OSError, http.client.HTTPException) as e:
                raise KaineError(0, "connection_error", f"{type(e).__name__}: {e}", request_id=self.request_id) from e
            except (UnicodeDecodeError, ValueError) as e:  # DecodeError is a ValueError
                raise self._error("invalid_response", f"the answer is not an LlmAnswer: {e}") from e
            if done.text:
                self.text = done.text
                yield Delta(text=done.text)
            self.done = done
            yield done
        finally:
            self.close()

    def _read_sse(self) -> Iterator[Delta | Done]:
        resp = self._stream.response
        try:
            event, data = "", []
            while True:
                try:
                    self._stream.set_timeout(self._timeout)
                    line = resp.readline(_MAX_LINE)
                except (TimeoutError, socket.timeout) as e:
                    raise KaineError(
                        0, "timeout", f"no event within {self._timeout:g} s", request_id=self.request_id
                    ) from e
                except (OSError, http.client.HTTPException, ValueError) as e:
                    raise self._error("stream_interrupted", f"the stream broke: {type(e).__name__}: {e}") from e
                if not line:
                    break
                text = line.decode("utf-8", "replace").rstrip("\r\n")
                if text:
                    if text.startswith(":"):
                        continue  # a comment
                    name, _, value = text.partition(":")
                    if value.startswith(" "):
                        value = value[1:]
                    if name == "event":
                        event = value
                    elif name == "data":
                        data.append(value)
                    continue
                if not data:
                    event = ""
                    continue
                item = self._dispatch(event or "message", "\n".join(data))
                event, data = "", []
                if item is not None:
                    yield item
                    if isinstance(item, Done):
                        return
            raise self._error("stream_interrupted", "the stream ended before its done event")
        finally:
            self.close()

    def _dispatch(self, event: str, data: str) -> Delta | Done | None:
        if event == "error":
            err = KaineError.from_body(0, data, request_id=self.request_id)
            if err.code == "http_0":  # not Kaine's error shape
                err = KaineError(self._stream.status, "stream_error", f"error event: {data[:200]}",
                                 request_id=self.request_id, body=err.body)
            raise err
        if event not in ("delta", "done"):
            return None  # an event this SDK does not know
        try:
            payload = json.loads(data)
        except ValueError as e:
            raise self._error("invalid_response", f"the {event} event is not JSON: {e}") from e
        if event == "delta":
            piece = payload.get("text") if isinstance(payload, dict) else None
            if not isinstance(piece, str):
                raise self._error("invalid_response", "a delta event without text")
            self.text += piece
            return Delta(text=piece)
        try:
            done = decode(Done, payload)
        except DecodeError as e:
            raise self._error("invalid_response", f"the done event is not an LlmAnswer: {e}") from e
        self.done = done
        return done

