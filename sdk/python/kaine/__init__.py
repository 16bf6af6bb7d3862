"""Kaine: the Python SDK of the Kaine LLM gateway's v1 API (standard library only).

::

    import kaine

    client = kaine.Client()  # KAINE_API_KEY, KAINE_BASE_URL (default https://keine.tech)
    answer = client.llm("Write a 1-line product description for an AI scheduler", task_type="summarize")
    print(answer.text, answer.cost_usd)
"""

from __future__ import annotations

from .client import DEFAULT_BASE_URL, Agents, Client, Knowledge, LandingPages, Leads, Outbox, Videos, Workflows, __version__
from .errors import KaineError
from .export import AuditExport, AuditExportCsv
from .streaming import LlmStream
from .types import (
    OK,
    Agent,
    AgentCritique,
    AgentList,
    AgentRun,
    AgentRunRequest,
    AgentStep,
    AgentToolCall,
    AuditExportSummary,
    AuditList,
    AuditRecord,
    Delta,
    Done,
    KnowledgeDocument,
    KnowledgeDocumentAnswer,
    KnowledgeHit,
    KnowledgeList,
    KnowledgeRequest,
    KnowledgeSearch,
    LandingPage,
    LandingPageRequest,
    Lead,
    LeadCreate,
    LeadList,
    LeadPatch,
    LiveModels,
    LlmAnswer,
    LlmRequest,
    Me,
    ModelStatus,
    OutboxList,
    OutboxMessage,
    Ping,
    Price,
    ProvidersStatus,
    ProviderStatus,
    Rates,
    RouteStep,
    RoutingStatus,
    Usage,
    UsageStatus,
    Video,
    VideoRequest,
    WorkflowList,
    WorkflowRun,
)

__all__ = [
    "Client", "KaineError", "LlmStream", "AuditExport", "AuditExportCsv", "DEFAULT_BASE_URL", "__version__",
    "Leads", "LandingPages", "Videos", "Workflows", "Agents", "Outbox", "Knowledge",
    "Ping", "OK", "Me", "Usage", "UsageStatus", "AuditList", "AuditRecord", "AuditExportSummary",
    "LlmRequest", "LlmAnswer", "Delta", "Done",
    "ProvidersStatus", "ProviderStatus", "LiveModels", "ModelStatus", "Rates", "Price", "RoutingStatus", "RouteStep",
    "Lead", "LeadList", "LeadCreate", "LeadPatch", "LandingPageRequest", "LandingPage", "VideoRequest", "Video",
    "WorkflowList", "WorkflowRun",
    "AgentList", "Agent", "AgentRunRequest", "AgentRun", "AgentToolCall", "AgentStep", "AgentCritique",
    "KnowledgeRequest", "KnowledgeDocument", "KnowledgeDocumentAnswer", "KnowledgeList", "KnowledgeSearch",
    "KnowledgeHit", "OutboxList", "OutboxMessage",
]
