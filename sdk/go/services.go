package kaine

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

// Ping checks the gateway is up (GET /v1/ping); it needs no key.
func (c *Client) Ping(ctx context.Context) (*Ping, error) {
	var out Ping
	if err := c.get(ctx, "/v1/ping", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Me is the account and key making the call (GET /v1/me).
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var out Me
	if err := c.get(ctx, "/v1/me", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Usage is the account's 30-day usage against its cap (GET /v1/usage).
func (c *Client) Usage(ctx context.Context) (*Usage, error) {
	var out Usage
	if err := c.get(ctx, "/v1/usage", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Providers lists the providers, their state and prices, and the routing
// rules (GET /v1/providers).
func (c *Client) Providers(ctx context.Context) (*ProvidersStatus, error) {
	var out ProvidersStatus
	if err := c.get(ctx, "/v1/providers", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// LLM calls a model through Kaine's router (POST /v1/llm).
func (c *Client) LLM(ctx context.Context, p LLMParams) (*LLMAnswer, error) {
	var out LLMAnswer
	if err := c.post(ctx, "/v1/llm", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// LeadsService is the account's CRM (/v1/leads).
type LeadsService struct{ c *Client }

// List lists the leads, newest first (GET /v1/leads).
func (s *LeadsService) List(ctx context.Context, p LeadListParams) (*LeadList, error) {
	q := limitQuery(nil, p.Limit)
	if p.Status != "" {
		if q == nil {
			q = url.Values{}
		}
		q.Set("status", string(p.Status))
	}
	var out LeadList
	if err := s.c.get(ctx, "/v1/leads", q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create adds a lead (POST /v1/leads).
func (s *LeadsService) Create(ctx context.Context, lead LeadCreate) (*Lead, error) {
	var out Lead
	if err := s.c.post(ctx, "/v1/leads", lead, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update changes a lead's status, notes or both (PATCH /v1/leads/{id}).
func (s *LeadsService) Update(ctx context.Context, id int64, patch LeadPatch) (*Lead, error) {
	var out Lead
	if err := s.c.do(ctx, http.MethodPatch, "/v1/leads/"+strconv.FormatInt(id, 10), nil, patch, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// LandingPagesService generates landing pages (/v1/landing-pages).
type LandingPagesService struct{ c *Client }

// Create writes a page from a brief and publishes it (POST
// /v1/landing-pages).
func (s *LandingPagesService) Create(ctx context.Context, brief LandingPageRequest) (*LandingPage, error) {
	var out LandingPage
	if err := s.c.post(ctx, "/v1/landing-pages", brief, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// VideosService starts and follows video jobs (/v1/videos).
type VideosService struct{ c *Client }

// Create starts a job (POST /v1/videos); it answers status queued.
func (s *VideosService) Create(ctx context.Context, req VideoRequest) (*Video, error) {
	var out Video
	if err := s.c.post(ctx, "/v1/videos", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get is a job's state (GET /v1/videos/{id}).
func (s *VideosService) Get(ctx context.Context, id string) (*Video, error) {
	if id == "" {
		return nil, errors.New("kaine: Videos.Get needs a video id")
	}
	var out Video
	if err := s.c.get(ctx, "/v1/videos/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WorkflowsService lists the account's runs (/v1/workflows).
type WorkflowsService struct{ c *Client }

// List lists the runs, newest first (GET /v1/workflows).
func (s *WorkflowsService) List(ctx context.Context, p WorkflowListParams) (*WorkflowList, error) {
	var out WorkflowList
	if err := s.c.get(ctx, "/v1/workflows", limitQuery(nil, p.Limit), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AgentsService is the agent catalog and its runs (/v1/agents).
type AgentsService struct{ c *Client }

// List is the catalog (GET /v1/agents).
func (s *AgentsService) List(ctx context.Context) (*AgentList, error) {
	var out AgentList
	if err := s.c.get(ctx, "/v1/agents", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Run runs an agent on a goal (POST /v1/agents/run): the run once ended,
// or with Async the run just started (status running).
func (s *AgentsService) Run(ctx context.Context, req AgentRunRequest) (*AgentRun, error) {
	var out AgentRun
	if err := s.c.post(ctx, "/v1/agents/run", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRun is a run step by step (GET /v1/agents/runs/{id}).
func (s *AgentsService) GetRun(ctx context.Context, id int64) (*AgentRun, error) {
	var out AgentRun
	if err := s.c.get(ctx, "/v1/agents/runs/"+strconv.FormatInt(id, 10), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// OutboxService lists what the account's agents sent (/v1/outbox).
type OutboxService struct{ c *Client }

// List lists the messages, newest first (GET /v1/outbox).
func (s *OutboxService) List(ctx context.Context, p OutboxListParams) (*OutboxList, error) {
	var out OutboxList
	if err := s.c.get(ctx, "/v1/outbox", limitQuery(nil, p.Limit), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// KnowledgeService is the documents the account's agents search
// (/v1/knowledge).
type KnowledgeService struct{ c *Client }

// List lists the documents newest first, without their text (GET
// /v1/knowledge).
func (s *KnowledgeService) List(ctx context.Context, p KnowledgeListParams) (*KnowledgeList, error) {
	var out KnowledgeList
	if err := s.c.get(ctx, "/v1/knowledge", limitQuery(nil, p.Limit), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Search searches the documents, one hit per document with its best
// passage (GET /v1/knowledge?q=).
func (s *KnowledgeService) Search(ctx context.Context, p KnowledgeSearchParams) (*KnowledgeSearch, error) {
	if p.Query == "" {
		return nil, errors.New("kaine: Knowledge.Search needs a query")
	}
	q := limitQuery(url.Values{"q": {p.Query}}, p.Limit)
	var out KnowledgeSearch
	if err := s.c.get(ctx, "/v1/knowledge", q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Add stores a document (POST /v1/knowledge).
func (s *KnowledgeService) Add(ctx context.Context, doc KnowledgeRequest) (*KnowledgeDocumentAnswer, error) {
	var out KnowledgeDocumentAnswer
	if err := s.c.post(ctx, "/v1/knowledge", doc, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get is one document with its text (GET /v1/knowledge/{id}).
func (s *KnowledgeService) Get(ctx context.Context, id int64) (*KnowledgeDocumentAnswer, error) {
	var out KnowledgeDocumentAnswer
	if err := s.c.get(ctx, "/v1/knowledge/"+strconv.FormatInt(id, 10), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete removes a document and its index (DELETE /v1/knowledge/{id}).
func (s *KnowledgeService) Delete(ctx context.Context, id int64) error {
	var out OK
	return s.c.do(ctx, http.MethodDelete, "/v1/knowledge/"+strconv.FormatInt(id, 10), nil, nil, &out)
}
