"""Reading GET /v1/audit/export as it comes: NDJSON as AuditRecord objects, CSV as bytes.

An export ends with a summary line; one that ends without it was cut, and is a
:class:`~kaine.KaineError` with code ``export_incomplete``, never a shorter export.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from types import TracebackType
from typing import Callable, Iterator

from ._decode import DecodeError, decode
from ._transport import OpenStream
from .errors import KaineError
from .types import AuditExportSummary, AuditRecord

__all__ = ["AuditExport", "AuditExportCsv"]

_MAX_LINE = 8 * 1024 * 1024
_READ_CHUNK = 64 * 1024
_MAX_SUMMARY_LINE = 128
_CSV_SUMMARY = re.compile(rb"# count=(\d+) cost_usd=(-?\d+(?:\.\d+)?)\r?")


class _Export:
    """What both formats share: the open answer, its timeout per read, its errors."""

    request_id: str | None
    summary: AuditExportSummary | None

    def __init__(self, stream: OpenStream, timeout: float) -> None:
        self._stream = stream
        self._timeout = timeout
        self._closed = False
        self.request_id = stream.request_id
        self.summary = None

    def __enter__(self) -> _Export:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and release the connection."""
        if not self._closed:
            self._closed = True
            self._stream.close()

    def _error(self, code: str, message: str) -> KaineError:
        return KaineError(self._stream.status, code, f"GET /v1/audit/export: {message}", request_id=self.request_id)

    def _incomplete(self, after: str, why: str) -> KaineError:
        return self._error("export_incomplete", f"the export ended after {after}, before its summary line ({why}): "
                                                "it is incomplete")

    def _read_with(self, read: Callable[[], bytes], after: Callable[[], str]) -> bytes:
        """One read of the body, its wait bounded by the timeout."""
        try:
            self._stream.set_timeout(self._timeout)
            return read()
        except (TimeoutError, socket.timeout) as e:
            raise self._incomplete(after(), f"no data within {self._timeout:g} s") from e
        except (OSError, http.client.HTTPException, ValueError) as e:
            if self._closed:
                raise self._incomplete(after(), "closed") from e
            raise self._incomplete(after(), f"the body broke: {type(e).__name__}: {e}") from e


class AuditExport(_Export):
    """An NDJSON export: iterate it for :class:`~kaine.AuditRecord` objects, read
    as the gateway streams them; after the end, :attr:`summary` is its last
    line (:class:`~kaine.AuditExportSummary`). A body that ends before that
    line raises :class:`~kaine.KaineError` ``export_incomplete``.

    The call is made when the export is created, so a refusal (a bad filter,
    a 429 after its retries) raises from :meth:`kaine.Client.audit_export`
    itself. Use it as a context manager, or read it to its end, to release
    the connection; :meth:`close` leaves early.

    Attributes:
        request_id: the export's ``X-Request-Id``.
        count: the records read so far.
        summary: the summary line, once read.
    """

    count: int

    def __init__(self, stream: OpenStream, timeout: float) -> None:
        super().__init__(stream, timeout)
        self.count = 0
        self._records = self._read()

    def __iter__(self) -> AuditExport:
        return self

    def __next__(self) -> AuditRecord:
        return next(self._records)

    def __enter__(self) -> AuditExport:
        return self

    def _read(self) -> Iterator[AuditRecord]:
        resp = self._stream.response
        after = lambda: f"{self.count} records"  # noqa: E731
        try:
            while True:
                line = self._read_with(lambda: resp.readline(_MAX_LINE), after)
                if not line:
                    break
                if not line.endswith(b"\n"):
                    if len(line) >= _MAX_LINE:
                        raise self._error("invalid_response", f"a line longer than {_MAX_LINE} bytes")
                    break  # the body ended inside a line
                text = line.strip()
                if not text:
                    continue
                try:
                    obj = json.loads(text)
                except (UnicodeDecodeError, ValueError) as e:
                    raise self._error("invalid_response", f"a line is not JSON: {e}") from e
                if isinstance(obj, dict) and "summary" in obj:
                    try:
                        summary = decode(AuditExportSummary, obj["summary"])
                    except DecodeError as e:
                        raise self._error("invalid_response", f"the summary is not one: {e}") from e
                    if summary.count != self.count:
                        raise self._error("invalid_response",
                                          f"the summary counts {summary.count} records, {self.count} came")
                    self.summary = summary
                    return
                try:
                    record = decode(AuditRecord, obj)
                except DecodeError as e:
                    raise self._error("invalid_response", f"a line is not an AuditRecord: {e}") from e
                self.count += 1
                yield record
            raise self._incomplete(after(), "the body ended")
        finally:
            self.close()


class AuditExportCsv(_Export):
    """A CSV export, as the gateway writes it: a header row, a row a record,
    last the line ``# count=N cost_usd=X``. Read it like a binary file
    (:meth:`read`, e.g. ``shutil.copyfileobj(export, f)``) or iterate it for
    its chunks of bytes as they come; after the end, :attr:`summary` is its
    last line. A body that ends before that line raises
    :class:`~kaine.KaineError` ``export_incomplete``, after the bytes that came.

    As :class:`AuditExport`, the call is made at once; close it, or use it
    as a context manager, when you stop early.
    """

    def __init__(self, stream: OpenStream, timeout: float) -> None:
        super().__init__(stream, timeout)
        self._tail = _CsvTail()
        self._buf = b""
        self._ended = False
        self._failure: KaineError | None = None

    def __iter__(self) -> Iterator[bytes]:
        if self._buf:
            chunk, self._buf = self._buf, b""
            yield chunk
        while chunk := self._chunk():
            yield chunk

    def __enter__(self) -> AuditExportCsv:
        return self

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all that is left when negative or ``None``);
        ``b""`` only at the end of a whole export."""
        if size is None or size < 0:
            out, self._buf = self._buf, b""
            return out + b"".join(iter(self._chunk, b""))
        while not self._buf:
            self._buf = self._chunk()
            if not self._buf:
                return b""
        out, self._buf = self._buf[:size], self._buf[size:]
        return out

    def _chunk(self) -> bytes:
        """The next bytes of the body; ``b""`` at the end of a whole export."""
        if self._failure is not None:
            raise self._failure
        if self._ended:
            return b""
        resp = self._stream.response
        rows = lambda: f"{max(self._tail.lines - 1, 0)} rows"  # noqa: E731 (less the header)
        try:
            data = self._read_with(lambda: resp.read1(_READ_CHUNK), rows)
            if data:
                self._tail.write(data)
                return data
            summary = self._tail.summary()
            if summary is None:
                raise self._incomplete(rows(), "the body ended")
            records = self._tail.lines - 2  # less the header and the summary
            if summary.count != records:
                raise self._error("invalid_response", f"the summary counts {summary.count} records, {records} rows came")
        except KaineError as e:
            self._failure = e
            self.close()
            raise
        self.summary = summary
        self._ended = True
        self.close()
        return b""


class _CsvTail:
    """Follows a CSV as it is read, to know its last line: a newline inside a
    quoted cell does not end a line, so no cell can pass for the summary."""

    def __init__(self) -> None:
        self.in_quotes = False
        self.line = b""  # the start of the line under way
        self.long = False
        self.last = b""  # the start of the last whole line
        self.last_long = False
        self.lines = 0  # whole lines so far

    def write(self, data: bytes) -> None:
        for i, piece in enumerate(data.split(b"\n")):
            if i > 0:  # a newline came before this piece
                if self.in_quotes:
                    self._add(b"\n")
                else:
                    self.last, self.last_long = self.line, self.long
                    self.line, self.long = b"", False
                    self.lines += 1
            self._add(piece)
            if piece.count(b'"') % 2:
                self.in_quotes = not self.in_quotes

    def _add(self, b: bytes) -> None:
        room = _MAX_SUMMARY_LINE - len(self.line)
        if len(b) > room:
            self.long = True
            b = b[:max(room, 0)]
        self.line += b

    def summary(self) -> AuditExportSummary | None:
        if self.line or self.long or self.in_quotes or not self.lines or self.last_long:
            return None
        m = _CSV_SUMMARY.fullmatch(self.last)
        if m is None:
            return None
        return AuditExportSummary(count=int(m[1]), cost_usd=float(m[2]))
