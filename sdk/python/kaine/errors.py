"""The one error type of the SDK."""

from __future__ import annotations

import json
from typing import Any, Mapping

__all__ = ["KaineError", "STATUS_OF_CODE"]

# Each of Kaine's error codes has one fixed HTTP status (openapi.yaml, ErrorCode).
# Used to give an error that arrives inside a stream (whose HTTP status was
# already 200) the status its code has.
STATUS_OF_CODE: Mapping[str, int] = {
    "missing_fields": 400,
    "invalid_json": 400,
    "invalid_field": 400,
    "invalid_provider": 400,
    "missing_api_key": 401,
    "invalid_api_key": 401,
    "revoked_api_key": 401,
    "insufficient_scope": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "body_too_large": 413,
    "usage_cap_reached": 429,
    "rate_limit_exceeded": 429,
    "provider_error": 500,
    "generation_failed": 500,
    "internal_error": 500,
    "store_unavailable": 503,
    "client_closed_request": 499,
}


class KaineError(Exception):
    """Any failure of a call: an error answer of the gateway, an answer the SDK
    cannot read, or a network failure.

    Attributes:
        status: the HTTP status (0 when no answer came: a network error or a timeout).
        code: ``detail.error`` of the error body (``rate_limit_exceeded``,
            ``insufficient_scope``, …); ``http_<status>`` when the body is not
            Kaine's error shape; ``connection_error`` / ``timeout`` when no
            answer came; ``invalid_response`` when a successful answer lacks a
            field the contract requires; ``stream_interrupted`` when a stream
            ended without its ``done`` event; ``export_incomplete`` when an
            audit export ended before its summary line.
        message: ``detail.message``, or a description of what went wrong.
        request_id: the answer's ``X-Request-Id`` header, when there was an answer.
        retry_after: the ``Retry-After`` seconds, on a 429 or a 503 that gave one.
        docs: ``detail.docs``, when given.
        body: the raw error body (decoded JSON, or text), when there was one.
    """

    status: int
    code: str
    message: str
    request_id: str | None
    retry_after: float | None
    docs: str | None
    body: Any

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
        docs: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after
        self.docs = docs
        self.body = body

    def __reduce__(self) -> tuple[Any, ...]:
        state = {k: getattr(self, k) for k in ("request_id", "retry_after", "docs", "body")}
        return (self.__class__, (self.status, self.code, self.message), state)

    def __str__(self) -> str:
        s = f"{self.status} {self.code}: {self.message}" if self.status else f"{self.code}: {self.message}"
        if self.request_id:
            s += f" (request {self.request_id})"
        return s

    def __repr__(self) -> str:
        return (
            f"KaineError(status={self.status!r}, code={self.code!r}, message={self.message!r}, "
            f"request_id={self.request_id!r}, retry_after={self.retry_after!r})"
        )

    @classmethod
    def from_body(
        cls,
        status: int,
        raw: bytes | str | Any,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> KaineError:
        """Build the error of an answer from its body: Kaine's
        ``{"detail":{"error","message","docs"}}`` (also found beside a front's
        own error object), else code ``http_<status>``."""
        parsed: Any = raw
        text = ""
        if isinstance(raw, (bytes, bytearray)):
            text = bytes(raw).decode("utf-8", "replace")
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
        elif isinstance(raw, str):
            text = raw
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
        detail = parsed.get("detail") if isinstance(parsed, dict) else None
        if isinstance(detail, dict) and isinstance(detail.get("error"), str) and detail["error"]:
            message = detail.get("message")
            docs = detail.get("docs")
            if status == 0:
                status = STATUS_OF_CODE.get(detail["error"], 500)
            return cls(
                status,
                detail["error"],
                message if isinstance(message, str) else detail["error"],
                request_id=request_id,
                retry_after=retry_after,
                docs=docs if isinstance(docs, str) else None,
                body=parsed,
            )
        snippet = " ".join(text.split())[:200]
        message = f"HTTP {status}" + (f": {snippet}" if snippet else "")
        return cls(
            status,
            f"http_{status}",
            message,
            request_id=request_id,
            retry_after=retry_after,
            body=parsed if parsed is not None else text,
        )
