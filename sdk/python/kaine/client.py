"""The Kaine client."""

from __future__ import annotations

import os
import urllib.parse
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping, TypeVar

from ._decode import DecodeError, decode, encode
from ._transport import Answer, Transport
from .errors import KaineError
from .export import AuditExport, AuditExportCsv
from .streaming import LlmStream
from .types import (
    OK,
    AgentList,
    AgentRun,
    AgentRunRequest,
    AuditList,
    AuditRecord,
    KnowledgeDocumentAnswer,
    KnowledgeList,
    KnowledgeRequest,
    KnowledgeSearch,
    LandingPage,
    LandingPageRequest,
    Lead,
    LeadCreate,
    LeadList,
    LeadPatch,
    LlmAnswer,
    LlmRequest,
    Me,
    OutboxList,
    Ping,
    ProvidersStatus,
    Usage,
    Video,
    VideoRequest,
    WorkflowList,
)

__all__ = ["Client", "DEFAULT_BASE_URL", "__version__"]

__version__ = "0.1.0"
DEFAULT_BASE_URL = "https://keine.tech"

T = TypeVar("T")


class Client:
    """A client of the Kaine v1 API.

    Args:
        api_key: the key (``kn_live_…``); else ``KAINE_API_KEY``.
        base_url: the gateway; else ``KAINE_BASE_URL``, else ``https://keine.tech``.
        timeout: seconds each attempt of a call may take (a stream: each wait for an event).
        max_retries: how many times a call is retried: a 429, or a 503
            ``store_unavailable``, for any call; another 5xx, or a network error
            before any answer, for GET and DELETE only. The wait is the answer's
            ``Retry-After``, else an exponential backoff from 0.5 s with jitter.

    Every method raises :class:`~kaine.KaineError` on failure.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("KAINE_API_KEY") or None
        if base_url is None:
            base_url = os.environ.get("KAINE_BASE_URL") or DEFAULT_BASE_URL
        self._t = Transport(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            user_agent=f"kaine-python/{__version__}",
        )
        self.leads = Leads(self)
        self.landing_pages = LandingPages(self)
        self.videos = Videos(self)
        self.workflows = Workflows(self)
        self.agents = Agents(self)
        self.outbox = Outbox(self)
        self.knowledge = Knowledge(self)

    @property
    def api_key(self) -> str | None:
        return self._t.api_key

    @property
    def base_url(self) -> str:
        return self._t.base_url

    @property
    def timeout(self) -> float:
        return self._t.timeout

    @property
    def max_retries(self) -> int:
        return self._t.max_retries

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r}, timeout={self.timeout!r}, max_retries={self.max_retries!r})"

    # ---- plumbing ----

    def _call(
        self,
        cls: type[T],
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> T:
        data, answer = self._t.request(method, path, query=query, json_body=body)
        return _decode_answer(cls, data, answer)

    # ---- account ----

    def ping(self) -> Ping:
        """``GET /v1/ping``: the gateway is up (needs no key)."""
        return self._call(Ping, "GET", "/v1/ping")

    def me(self) -> Me:
        """``GET /v1/me``: the account and key making the call."""
        return self._call(Me, "GET", "/v1/me")

    def usage(self) -> Usage:
        """``GET /v1/usage``: the 30-day usage against the cap (``.status``)."""
        return self._call(Usage, "GET", "/v1/usage")

    def audit(
        self,
        limit: int | None = None,
        endpoint: str | None = None,
        *,
        before: int | None = None,
        key_id: int | None = None,
        status: int | None = None,
        provider: str | None = None,
        model: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> AuditList:
        """``GET /v1/audit``: a page of the account's audit records, newest first.

        Every filter narrows the listing: ``endpoint`` (a path, e.g. ``/v1/llm``),
        ``key_id``, ``status`` (the HTTP status answered), ``provider``, ``model``
        (its catalog id), ``since`` (at or after) and ``until`` (before): an
        aware :class:`~datetime.datetime` or an RFC 3339 string. A listing given
        ``since`` or ``until`` is newest first by timestamp, then id. The
        listing goes on while the answer has ``next_before``: send it as
        ``before`` with the same filters, or use :meth:`audit_all`.
        """
        query = {"limit": limit, "before": before,
                 **_audit_filter(endpoint, key_id, status, provider, model, since, until)}
        return self._call(AuditList, "GET", "/v1/audit", query=query)

    def audit_all(
        self,
        limit: int | None = None,
        endpoint: str | None = None,
        *,
        before: int | None = None,
        key_id: int | None = None,
        status: int | None = None,
        provider: str | None = None,
        model: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> Iterator[AuditRecord]:
        """Every record of a listing, newest first, page after page: :meth:`audit`,
        then again with ``before`` set to each answer's ``next_before`` until an
        answer has none. ``limit`` is the size of each page (a page may come
        short, even empty, and the listing still go on); each page is a call
        of its own, with its own retries.

        ::

            for r in client.audit_all(endpoint="/v1/llm", since="2026-11-01T00:00:00Z"):
                print(r.timestamp, r.cost_usd)
        """
        while True:
            page = self.audit(limit, endpoint, before=before, key_id=key_id, status=status, provider=provider,
                              model=model, since=since, until=until)
            yield from page.records
            if page.next_before is None:
                return
            if page.next_before == before:
                raise KaineError(200, "invalid_response", f"GET /v1/audit answered next_before {before}, "
                                 "the before it was sent: the listing does not move")
            before = page.next_before

    def audit_export(
        self,
        endpoint: str | None = None,
        *,
        key_id: int | None = None,
        status: int | None = None,
        provider: str | None = None,
        model: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> AuditExport:
        """``GET /v1/audit/export`` as NDJSON: an iterator of every
        :class:`~kaine.AuditRecord` the filters (as :meth:`audit`'s) match, read
        as they come; after the end, ``.summary`` is the count and the cost.
        A body cut before its summary line raises :class:`~kaine.KaineError`
        ``export_incomplete``.

        ::

            with client.audit_export(since="2026-11-01T00:00:00Z") as export:
                for r in export:
                    ...
            print(export.summary.count, export.summary.cost_usd)
        """
        return AuditExport(self._export("ndjson", endpoint, key_id, status, provider, model, since, until),
                           self._t.timeout)

    def audit_export_csv(
        self,
        endpoint: str | None = None,
        *,
        key_id: int | None = None,
        status: int | None = None,
        provider: str | None = None,
        model: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> AuditExportCsv:
        """``GET /v1/audit/export`` as CSV, its bytes as the gateway writes them:
        a file-like object (``read``) and an iterator of chunks; after the end,
        ``.summary``. A body cut before its summary line raises
        :class:`~kaine.KaineError` ``export_incomplete``.

        ::

            with client.audit_export_csv(since="2026-11-01T00:00:00Z") as export, open("audit.csv", "wb") as f:
                shutil.copyfileobj(export, f)
        """
        return AuditExportCsv(self._export("csv", endpoint, key_id, status, provider, model, since, until),
                              self._t.timeout)

    def _export(
        self,
        format: str,
        endpoint: str | None,
        key_id: int | None,
        status: int | None,
        provider: str | None,
        model: str | None,
        since: datetime | str | None,
        until: datetime | str | None,
    ) -> Any:
        query = {**_audit_filter(endpoint, key_id, status, provider, model, since, until), "format": format}
        accept = "text/csv" if format == "csv" else "application/x-ndjson"
        return self._t.open_stream("GET", "/v1/audit/export", query=query, accept=accept)

    # ---- LLM ----

    def providers(self) -> ProvidersStatus:
        """``GET /v1/providers``: the providers, their models and prices, and the routing rules."""
        return self._call(ProvidersStatus, "GET", "/v1/providers")

    def llm(
        self,
        prompt: str,
        *,
        system: str | None = None,
        task_type: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        provider: str | None = None,
        model: str | None = None,
        byo_key: str | None = None,
        byo_provider: str | None = None,
        **extra: Any,
    ) -> LlmAnswer:
        """``POST /v1/llm``: call a model through Kaine's router. ``extra``
        fields are sent as they are (for fields newer than this SDK)."""
        body = _llm_body(prompt, system, task_type, max_tokens, temperature, provider, model, byo_key, byo_provider,
                         extra, stream=False)
        return self._call(LlmAnswer, "POST", "/v1/llm", body=body)

    def llm_stream(
        self,
        prompt: str,
        *,
        system: str | None = None,
        task_type: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        provider: str | None = None,
        model: str | None = None,
        byo_key: str | None = None,
        byo_provider: str | None = None,
        **extra: Any,
    ) -> LlmStream:
        """``POST /v1/llm`` with ``"stream": true``: an iterator of
        :class:`~kaine.Delta` (``.text``) ending with one :class:`~kaine.Done`
        summary; an ``error`` event raises :class:`~kaine.KaineError`.

        ::

            for event in client.llm_stream("Write a haiku"):
                if isinstance(event, kaine.Delta):
                    print(event.text, end="")
                else:
                    print("\\n", event.tokens_out, event.cost_usd)
        """
        body = _llm_body(prompt, system, task_type, max_tokens, temperature, provider, model, byo_key, byo_provider,
                         extra, stream=True)
        return LlmStream(self._t.open_stream("POST", "/v1/llm", json_body=body), self._t.timeout)


class _Resource:
    def __init__(self, client: Client) -> None:
        self._client = client


class Leads(_Resource):
    """The account's leads: ``client.leads``."""

    def list(self, status: str | None = None, limit: int | None = None) -> LeadList:
        """``GET /v1/leads``, newest first; ``status`` is new, contacted, booked or complete."""
        return self._client._call(LeadList, "GET", "/v1/leads", query={"status": status, "limit": limit})

    def create(
        self,
        *,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        company: str | None = None,
        source: str | None = None,
        status: str | None = None,
        notes: str | None = None,
    ) -> Lead:
        """``POST /v1/leads``: a new lead (``name`` or ``email`` is required)."""
        req = LeadCreate(name=name, email=email, phone=phone, company=company, source=source, status=status,
                         notes=notes)
        return self._client._call(Lead, "POST", "/v1/leads", body=encode(req))

    def update(self, id: int, *, status: str | None = None, notes: str | None = None) -> Lead:
        """``PATCH /v1/leads/{id}``: change the status, the notes (replaced) or both."""
        req = LeadPatch(status=status, notes=notes)
        return self._client._call(Lead, "PATCH", f"/v1/leads/{_id(id)}", body=encode(req))


class LandingPages(_Resource):
    """Generated landing pages: ``client.landing_pages``."""

    def create(
        self,
        business_name: str,
        description: str,
        *,
        client_email: str | None = None,
        industry: str | None = None,
        tone: str | None = None,
    ) -> LandingPage:
        """``POST /v1/landing-pages``: write and publish a page from a brief."""
        req = LandingPageRequest(business_name=business_name, description=description, client_email=client_email,
                                 industry=industry, tone=tone)
        return self._client._call(LandingPage, "POST", "/v1/landing-pages", body=encode(req))


class Videos(_Resource):
    """Video generation jobs: ``client.videos``."""

    def create(
        self,
        prompt: str,
        *,
        image_url: str | None = None,
        duration: int | None = None,
        provider: str | None = None,
    ) -> Video:
        """``POST /v1/videos``: start a job (``provider`` higgsfield, runway, kling or fal)."""
        req = VideoRequest(prompt=prompt, image_url=image_url, duration=duration, provider=provider)
        return self._client._call(Video, "POST", "/v1/videos", body=encode(req))

    def get(self, id: str) -> Video:
        """``GET /v1/videos/{id}``: the job's state (``vid_…``)."""
        return self._client._call(Video, "GET", f"/v1/videos/{_id(id)}")


class Workflows(_Resource):
    """The account's runs: ``client.workflows``."""

    def list(self, limit: int | None = None) -> WorkflowList:
        """``GET /v1/workflows``, newest first: Kaine's runs and an n8n instance's."""
        return self._client._call(WorkflowList, "GET", "/v1/workflows", query={"limit": limit})


class Agents(_Resource):
    """The agent catalog and agent runs: ``client.agents``."""

    def list(self) -> AgentList:
        """``GET /v1/agents``: the catalog."""
        return self._client._call(AgentList, "GET", "/v1/agents")

    def run(self, agent_name: str, goal: str, *, async_: bool | None = None) -> AgentRun:
        """``POST /v1/agents/run``: run an agent on a goal; with ``async_=True``
        the answer comes at once (status ``running``): follow it with :meth:`get_run`."""
        req = AgentRunRequest(agent_name=agent_name, goal=goal, async_=async_)
        return self._client._call(AgentRun, "POST", "/v1/agents/run", body=encode(req))

    def get_run(self, id: int) -> AgentRun:
        """``GET /v1/agents/runs/{id}``: a run, step by step."""
        return self._client._call(AgentRun, "GET", f"/v1/agents/runs/{_id(id)}")


class Outbox(_Resource):
    """The messages the account's agents sent or queued: ``client.outbox``."""

    def list(self, limit: int | None = None) -> OutboxList:
        """``GET /v1/outbox``, newest first."""
        return self._client._call(OutboxList, "GET", "/v1/outbox", query={"limit": limit})


class Knowledge(_Resource):
    """Documents the account's agents search: ``client.knowledge``."""

    def list(self, limit: int | None = None) -> KnowledgeList:
        """``GET /v1/knowledge``: the documents newest first, without their text."""
        return self._client._call(KnowledgeList, "GET", "/v1/knowledge", query={"limit": limit})

    def search(self, q: str, limit: int | None = None) -> KnowledgeSearch:
        """``GET /v1/knowledge?q=``: a BM25 search, one hit per document."""
        return self._client._call(KnowledgeSearch, "GET", "/v1/knowledge", query={"q": q, "limit": limit})

    def add(self, title: str, text: str, *, source: str | None = None) -> KnowledgeDocumentAnswer:
        """``POST /v1/knowledge``: store a document."""
        req = KnowledgeRequest(title=title, text=text, source=source)
        return self._client._call(KnowledgeDocumentAnswer, "POST", "/v1/knowledge", body=encode(req))

    def get(self, id: int) -> KnowledgeDocumentAnswer:
        """``GET /v1/knowledge/{id}``: one document, with its text."""
        return self._client._call(KnowledgeDocumentAnswer, "GET", f"/v1/knowledge/{_id(id)}")

    def delete(self, id: int) -> OK:
        """``DELETE /v1/knowledge/{id}``: remove a document and its index."""
        return self._client._call(OK, "DELETE", f"/v1/knowledge/{_id(id)}")


# ---- helpers ----


def _audit_filter(
    endpoint: str | None,
    key_id: int | None,
    status: int | None,
    provider: str | None,
    model: str | None,
    since: datetime | str | None,
    until: datetime | str | None,
) -> dict[str, Any]:
    return {"endpoint": endpoint, "key_id": key_id, "status": status, "provider": provider, "model": model,
            "since": _rfc3339("since", since), "until": _rfc3339("until", until)}


def _rfc3339(name: str, v: datetime | str | None) -> str | None:
    """A time filter as the gateway reads it: an aware datetime in UTC, a string as it is."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, datetime):
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError(f"{name} is a naive datetime: give it a timezone (e.g. datetime.now(timezone.utc))")
        return v.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    raise TypeError(f"{name} must be a datetime or an RFC 3339 string, not {type(v).__name__}")


def _id(v: int | str) -> str:
    return urllib.parse.quote(str(v), safe="")


def _decode_answer(cls: type[T], data: Any, answer: Answer) -> T:
    try:
        return decode(cls, data)
    except DecodeError as e:
        raise KaineError(
            answer.status,
            "invalid_response",
            f"the answer is not a {cls.__name__}: {e}",
            request_id=answer.request_id,
            body=data,
        ) from e


def _llm_body(
    prompt: str,
    system: str | None,
    task_type: str | None,
    max_tokens: int | None,
    temperature: float | None,
    provider: str | None,
    model: str | None,
    byo_key: str | None,
    byo_provider: str | None,
    extra: Mapping[str, Any],
    *,
    stream: bool,
) -> dict[str, Any]:
    if "stream" in extra:
        raise TypeError("pass no stream argument: use llm() or llm_stream()")
    req = LlmRequest(prompt=prompt, system=system, task_type=task_type, max_tokens=max_tokens,
                     temperature=temperature, provider=provider, model=model, byo_key=byo_key,
                     byo_provider=byo_provider, stream=True if stream else None)
    body = encode(req)
    body.update({k: v for k, v in extra.items() if v is not None})
    return body
