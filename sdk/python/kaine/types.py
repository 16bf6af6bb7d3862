"""The API's answer and request types, named and shaped after openapi.yaml's schemas.

Answers are frozen dataclasses built from the JSON tolerantly: unknown fields
are ignored, and a field the schema requires is a field without a default here
(its absence is a :class:`~kaine.KaineError` with code ``invalid_response``).
A field the schema leaves optional defaults to ``None``. Enumerations are kept
as plain ``str`` so that a value a newer gateway adds does not break an older SDK.
Amounts of money are USD floats, times are RFC 3339 strings as the gateway sends them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    # Account
    "Ping", "OK", "Me", "Usage", "UsageStatus",
    # Audit
    "AuditList", "AuditRecord", "AuditExportSummary",
    # LLM
    "LlmRequest", "LlmAnswer", "Delta", "Done",
    "ProvidersStatus", "ProviderStatus", "LiveModels", "ModelStatus", "Rates", "Price",
    "RoutingStatus", "RouteStep",
    # Leads
    "Lead", "LeadList", "LeadCreate", "LeadPatch",
    # Landing pages
    "LandingPageRequest", "LandingPage",
    # Videos
    "VideoRequest", "Video",
    # Workflows
    "WorkflowList", "WorkflowRun",
    # Agents
    "AgentList", "Agent", "AgentRunRequest", "AgentRun", "AgentToolCall", "AgentStep", "AgentCritique",
    # Knowledge
    "KnowledgeRequest", "KnowledgeDocument", "KnowledgeDocumentAnswer", "KnowledgeList",
    "KnowledgeSearch", "KnowledgeHit",
    # Outbox
    "OutboxList", "OutboxMessage",
]


# ---- Account ----


@dataclass(frozen=True, kw_only=True)
class Ping:
    ok: bool
    version: str


@dataclass(frozen=True, kw_only=True)
class OK:
    ok: bool


@dataclass(frozen=True, kw_only=True)
class Me:
    user_id: int
    username: str
    email: str
    scopes: list[str]
    """``read``, ``write``."""
    key_id: int


@dataclass(frozen=True, kw_only=True)
class UsageStatus:
    tier: str
    cap_usd: float
    used_usd: float
    remaining_usd: float
    percent: int
    blocked: bool
    reserved_usd: float


@dataclass(frozen=True, kw_only=True)
class Usage:
    status: UsageStatus


# ---- Audit ----


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    id: int
    key_id: int
    request_id: str
    endpoint: str
    method: str
    status: int
    provider: str | None = None
    model: str | None = None
    tokens_in: int
    tokens_out: int
    cost_usd: float
    latency_ms: int
    error: str | None = None
    resource: str | None = None
    note: str | None = None
    timestamp: str


@dataclass(frozen=True, kw_only=True)
class AuditList:
    records: list[AuditRecord]
    count: int
    next_before: int | None = None
    """The ``before`` of the next page; ``None`` when the listing is done."""


@dataclass(frozen=True, kw_only=True)
class AuditExportSummary:
    """An audit export's last line: how many records it held, and their cost in all."""

    count: int
    cost_usd: float


# ---- LLM ----


@dataclass(kw_only=True)
class LlmRequest:
    prompt: str
    system: str | None = None
    task_type: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    provider: str | None = None
    model: str | None = None
    stream: bool | None = None
    byo_key: str | None = None
    byo_provider: str | None = None


@dataclass(frozen=True, kw_only=True)
class LlmAnswer:
    ok: bool
    text: str | None = None
    """The model's text (left out of a stream's ``done`` event)."""
    provider: str
    model: str
    upstream_model: str
    tokens_in: int
    tokens_out: int
    cost_usd: float
    usage_estimated: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Delta:
    """A piece of a streamed answer's text."""

    text: str


@dataclass(frozen=True, kw_only=True)
class Done(LlmAnswer):
    """The end of a stream: the ``done`` event's summary (the LlmAnswer fields;
    ``text`` is ``None`` unless the gateway answered the stream as one JSON answer)."""


@dataclass(frozen=True, kw_only=True)
class Rates:
    input_usd: float
    output_usd: float
    cache_read_usd: float | None = None
    cache_write_usd: float | None = None
    cache_write_1h_usd: float | None = None


@dataclass(frozen=True, kw_only=True)
class Price:
    from_: str | None = field(default=None, metadata={"json": "from"})
    """The day the price applies from (JSON ``from``)."""
    input_usd: float
    output_usd: float
    cache_read_usd: float | None = None
    cache_write_usd: float | None = None
    cache_write_1h_usd: float | None = None
    long_prompt_tokens: int | None = None
    long_prompt: Rates | None = None


@dataclass(frozen=True, kw_only=True)
class ModelStatus:
    id: str
    aliases: list[str] | None = None
    kind: str | None = None
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    cache_read_usd_per_mtok: float
    cache_write_usd_per_mtok: float
    cache_write_1h_usd_per_mtok: float
    long_prompt_tokens: int | None = None
    long_prompt: Rates | None = None
    next_price: Price | None = None
    retires: str | None = None
    retired: bool | None = None
    replacement: str | None = None


@dataclass(frozen=True, kw_only=True)
class LiveModels:
    checked_at: str
    error: str | None = None
    unpriced: list[str]
    unserved: list[str]


@dataclass(frozen=True, kw_only=True)
class ProviderStatus:
    name: str
    protocol: str
    configured: bool
    available: bool
    breaker: str
    models: list[ModelStatus]
    unpriced: str
    live_models: LiveModels | None = None


@dataclass(frozen=True, kw_only=True)
class RouteStep:
    model: str
    provider: str
    available: bool


@dataclass(frozen=True, kw_only=True)
class RoutingStatus:
    auto: str
    cheap_task_types: list[str]
    cheap_route: list[RouteStep]
    default_route: list[RouteStep]
    byok_fee_usd: float


@dataclass(frozen=True, kw_only=True)
class ProvidersStatus:
    providers: list[ProviderStatus]
    routing: RoutingStatus


# ---- Leads ----


@dataclass(frozen=True, kw_only=True)
class Lead:
    id: int
    name: str
    email: str
    phone: str
    company: str
    source: str
    status: str
    """``new``, ``contacted``, ``booked`` or ``complete``."""
    notes: str
    created_at: str
    updated_at: str


@dataclass(frozen=True, kw_only=True)
class LeadList:
    leads: list[Lead]
    count: int


@dataclass(kw_only=True)
class LeadCreate:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    source: str | None = None
    status: str | None = None
    notes: str | None = None


@dataclass(kw_only=True)
class LeadPatch:
    status: str | None = None
    notes: str | None = None


# ---- Landing pages ----


@dataclass(kw_only=True)
class LandingPageRequest:
    business_name: str
    description: str
    client_email: str | None = None
    industry: str | None = None
    tone: str | None = None


@dataclass(frozen=True, kw_only=True)
class LandingPage:
    ok: bool
    url: str
    filename: str


# ---- Videos ----


@dataclass(kw_only=True)
class VideoRequest:
    prompt: str
    image_url: str | None = None
    duration: int | None = None
    provider: str | None = None


@dataclass(frozen=True, kw_only=True)
class Video:
    ok: bool
    video_id: str
    status: str
    """``queued``, ``running``, ``succeeded`` or ``failed``."""
    provider: str
    video_url: str | None = None
    error: str | None = None
    duration: int
    cost_usd: float
    created_at: str
    finished_at: str | None


# ---- Workflows ----


@dataclass(frozen=True, kw_only=True)
class WorkflowRun:
    id: str
    source: str
    """``n8n`` or ``kaine``."""
    name: str
    status: str
    started_at: str | None
    finished_at: str | None
    url: str | None = None
    steps: int | None = None


@dataclass(frozen=True, kw_only=True)
class WorkflowList:
    workflows: list[WorkflowRun]
    count: int
    warning: str | None = None


# ---- Agents ----


@dataclass(frozen=True, kw_only=True)
class Agent:
    name: str
    description: str
    allowed_tools: list[str]
    complexity_tier: str
    use_extended_thinking: bool


@dataclass(frozen=True, kw_only=True)
class AgentList:
    agents: list[Agent]
    count: int


@dataclass(kw_only=True)
class AgentRunRequest:
    agent_name: str
    goal: str
    async_: bool | None = field(default=None, metadata={"json": "async"})


@dataclass(frozen=True, kw_only=True)
class AgentToolCall:
    name: str
    input: Any
    """The model's input (a dict as a rule), or a string of its clipped text."""
    output: str | None = None
    error: str | None = None
    refused: bool | None = None


@dataclass(frozen=True, kw_only=True)
class AgentStep:
    critique: bool | None = None
    text: str | None = None
    tool_calls: list[AgentToolCall] | None = None
    provider: str | None = None
    model: str | None = None
    cost_usd: float
    tokens_in: int
    tokens_out: int


@dataclass(frozen=True, kw_only=True)
class AgentCritique:
    verdict: str
    critique: str | None = None
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class AgentRun:
    ok: bool
    agent_name: str
    run_id: int
    status: str
    """``running``, ``completed``, ``failed``, ``stopped_cap`` or ``stopped_step_limit``."""
    summary: str
    error: str | None = None
    steps: int
    tool_calls: list[AgentToolCall]
    revised: bool
    cost_usd: float
    tokens_in: int
    tokens_out: int
    goal: str | None = None
    history: list[AgentStep] | None = None
    critiques: list[AgentCritique] | None = None
    created_at: str | None = None
    finished_at: str | None = None


# ---- Knowledge ----


@dataclass(kw_only=True)
class KnowledgeRequest:
    title: str
    text: str
    source: str | None = None


@dataclass(frozen=True, kw_only=True)
class KnowledgeDocument:
    id: int
    title: str
    text: str | None = None
    source: str | None = None
    created_at: str


@dataclass(frozen=True, kw_only=True)
class KnowledgeDocumentAnswer:
    ok: bool
    id: int
    title: str
    text: str
    source: str | None = None
    created_at: str


@dataclass(frozen=True, kw_only=True)
class KnowledgeList:
    documents: list[KnowledgeDocument]
    count: int


@dataclass(frozen=True, kw_only=True)
class KnowledgeHit:
    doc_id: int
    title: str
    snippet: str
    score: float


@dataclass(frozen=True, kw_only=True)
class KnowledgeSearch:
    hits: list[KnowledgeHit]
    count: int


# ---- Outbox ----


@dataclass(frozen=True, kw_only=True)
class OutboxMessage:
    id: int
    channel: str
    """``email``, ``sms``, ``phone`` or ``booking_link``."""
    to: str
    subject: str | None = None
    body: str
    status: str
    """``sent``, ``queued_unconfigured`` or ``failed``."""
    error: str | None = None
    provider_id: str | None = None
    run_id: int | None = None
    agent_name: str | None = None
    created_at: str


@dataclass(frozen=True, kw_only=True)
class OutboxList:
    messages: list[OutboxMessage]
    count: int
