// Types of @kaine/sdk. Every answer interface is named after, and follows
// field by field, the schema of the same name in the gateway's openapi.yaml.

// ---------------------------------------------------------------- client

export interface KaineOptions {
  /** The API key (`kn_live_…`); default `process.env.KAINE_API_KEY`. */
  apiKey?: string | null;
  /** The gateway; default `process.env.KAINE_BASE_URL`, else `https://keine.tech`. */
  baseURL?: string;
  /** Per attempt of a call (for a stream: the wait for each event). Default 60000. */
  timeoutMs?: number;
  /** How many times a retryable failure is tried again. Default 2. */
  maxRetries?: number;
  /** The fetch to use; default the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Headers sent on every call. */
  headers?: Record<string, string>;
}

/** Options of one call, beside its parameters. */
export interface RequestOptions {
  /** Cancels the call (it rejects with the signal's reason). */
  signal?: AbortSignal;
  /** This call's timeout, instead of the client's. */
  timeoutMs?: number;
  /** This call's retries, instead of the client's. */
  maxRetries?: number;
  /** Sent as `X-Request-Id` (1 to 128 of letters, digits, `-_.:`), naming the call's audit record. */
  requestId?: string;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

export declare const VERSION: string;
export declare const DEFAULT_BASE_URL: string;

export declare class Kaine {
  constructor(options?: KaineOptions);
  readonly apiKey: string | null;
  readonly baseURL: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;

  /** `GET /v1/ping` (no key). */
  ping(opts?: RequestOptions): Promise<Ping>;
  /** `GET /v1/me`. */
  me(opts?: RequestOptions): Promise<Me>;
  /** `GET /v1/usage`. */
  usage(opts?: RequestOptions): Promise<Usage>;
  /**
   * `GET /v1/audit`: a page of the audit log, newest first. The listing goes
   * on while the answer has `next_before`: send it as `before` with the same
   * filters, or use auditAll.
   */
  audit(params?: AuditParams, opts?: RequestOptions): Promise<AuditList>;
  /**
   * Every record of a listing, newest first: `audit(params)`, then again with
   * `before` set to each answer's `next_before` until an answer has none
   * (`limit` is the size of each page; a page may come short, even empty,
   * and the listing still go on).
   */
  auditAll(params?: AuditParams, opts?: RequestOptions): AsyncGenerator<AuditRecord, void, undefined>;
  /**
   * `GET /v1/audit/export` as NDJSON: every record the filters match, read as
   * it comes. Nothing is sent until it is iterated; a refusal then throws
   * from the iteration's start (after the retries of a GET).
   */
  auditExport(filter?: AuditFilter, opts?: RequestOptions): AuditExport;
  /** `GET /v1/audit/export` as CSV: the body's bytes as the gateway writes them. */
  auditExportCsv(filter?: AuditFilter, opts?: RequestOptions): AuditExportCsv;
  /** `GET /v1/providers`. */
  providers(opts?: RequestOptions): Promise<ProvidersStatus>;
  /** `POST /v1/llm` (a `stream` field is left out: see llmStream). */
  llm(params: LlmRequest, opts?: RequestOptions): Promise<LlmAnswer>;
  /**
   * `POST /v1/llm` with `"stream": true`. Nothing is sent until it is iterated
   * (or `finalAnswer()` is called).
   */
  llmStream(params: LlmRequest, opts?: RequestOptions): LlmStream;

  readonly leads: Leads;
  readonly landingPages: LandingPages;
  readonly videos: Videos;
  readonly workflows: Workflows;
  readonly agents: Agents;
  readonly outbox: Outbox;
  readonly knowledge: Knowledge;

  /** A raw call of the v1 API through the client's auth, timeout, retries and errors. */
  request<T = unknown>(
    method: string,
    path: string,
    options?: RequestOptions & { query?: Record<string, string | number | boolean | null | undefined>; body?: unknown },
  ): Promise<T>;
}
export default Kaine;

export interface Leads {
  /** `GET /v1/leads`, newest first. */
  list(params?: LeadListParams, opts?: RequestOptions): Promise<LeadList>;
  /** `POST /v1/leads` (`name` or `email` required). */
  create(lead: LeadCreate, opts?: RequestOptions): Promise<Lead>;
  /** `PATCH /v1/leads/{id}` (`status`, `notes` or both). */
  update(id: number, patch: LeadPatch, opts?: RequestOptions): Promise<Lead>;
}

export interface LandingPages {
  /** `POST /v1/landing-pages`. */
  create(brief: LandingPageRequest, opts?: RequestOptions): Promise<LandingPage>;
}

export interface Videos {
  /** `POST /v1/videos`: the job, `queued`. */
  create(request: VideoRequest, opts?: RequestOptions): Promise<Video>;
  /** `GET /v1/videos/{id}`. */
  get(id: string, opts?: RequestOptions): Promise<Video>;
}

export interface Workflows {
  /** `GET /v1/workflows`, newest first. */
  list(params?: LimitParams, opts?: RequestOptions): Promise<WorkflowList>;
}

export interface Agents {
  /** `GET /v1/agents`. */
  list(opts?: RequestOptions): Promise<AgentList>;
  /** `POST /v1/agents/run`: the run ended, or with `async: true` started (`running`). */
  run(request: AgentRunRequest, opts?: RequestOptions): Promise<AgentRun>;
  run(agent_name: string, goal: string, async?: boolean, opts?: RequestOptions): Promise<AgentRun>;
  run(agent_name: string, goal: string, opts?: RequestOptions): Promise<AgentRun>;
  /** `GET /v1/agents/runs/{id}`, with goal, history, critiques. */
  getRun(id: number, opts?: RequestOptions): Promise<AgentRun>;
}

export interface Outbox {
  /** `GET /v1/outbox`, newest first. */
  list(params?: LimitParams, opts?: RequestOptions): Promise<OutboxList>;
}

export interface Knowledge {
  /** `GET /v1/knowledge`, newest first, without their text. */
  list(params?: LimitParams, opts?: RequestOptions): Promise<KnowledgeList>;
  /** `GET /v1/knowledge?q=`: BM25 hits, one per document. */
  search(q: string, params?: LimitParams, opts?: RequestOptions): Promise<KnowledgeSearch>;
  /** `POST /v1/knowledge`. */
  add(doc: KnowledgeRequest, opts?: RequestOptions): Promise<KnowledgeDocumentAnswer>;
  /** `GET /v1/knowledge/{id}`, with its text. */
  get(id: number, opts?: RequestOptions): Promise<KnowledgeDocumentAnswer>;
  /** `DELETE /v1/knowledge/{id}`. */
  delete(id: number, opts?: RequestOptions): Promise<OK>;
}

export interface LimitParams {
  /** At least 1; a larger value than the route's maximum is clamped. */
  limit?: number;
}
/** What narrows the audit log, in a listing and an export alike. */
export interface AuditFilter {
  /** Only the records of this path, e.g. `/v1/llm`. */
  endpoint?: string;
  /** Only the records of calls made with this key. */
  key_id?: number;
  /** Only the records of calls answered with this HTTP status. */
  status?: number;
  /** Only the records of calls served by this provider, e.g. `openai`. */
  provider?: string;
  /** Only the records of calls served by this model (its catalog id). */
  model?: string;
  /** Only the records timestamped at or after this time (a Date, or an RFC 3339 string). A listing given `since` or `until` is newest first by timestamp, then id. */
  since?: Date | string;
  /** Only the records timestamped before this time (a Date, or an RFC 3339 string). */
  until?: Date | string;
}
export interface AuditParams extends AuditFilter, LimitParams {
  /** The `next_before` of the page before: the page after it. */
  before?: number;
}
export interface LeadListParams extends LimitParams {
  status?: LeadStatus;
}

// ---------------------------------------------------------------- errors

/** An `ErrorCode` of the contract. */
export type ErrorCode =
  | 'missing_fields'
  | 'invalid_json'
  | 'invalid_field'
  | 'invalid_provider'
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'revoked_api_key'
  | 'insufficient_scope'
  | 'not_found'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'usage_cap_reached'
  | 'rate_limit_exceeded'
  | 'provider_error'
  | 'generation_failed'
  | 'store_unavailable'
  | 'internal_error'
  | 'client_closed_request';

/** Codes the SDK gives a call that got no usable answer (status 0, or the answer's status). */
export type ClientErrorCode =
  | 'timeout'
  | 'connection_error'
  | 'invalid_response'
  | 'stream_interrupted'
  | 'stream_error'
  /** An audit export that ended before its summary line (status 200): it is incomplete. */
  | 'export_incomplete';

/**
 * Every failure of a call. `status` is the HTTP status (0 when no answer
 * came); `code` the answer's `detail.error`, `http_<status>` for a body not in
 * that shape, or a ClientErrorCode.
 */
export declare class KaineError extends Error {
  constructor(fields: {
    status: number;
    code: string;
    message: string;
    requestId?: string | null;
    retryAfter?: number | null;
    docs?: string | null;
    body?: unknown;
    headers?: Headers | null;
    cause?: unknown;
  });
  readonly name: 'KaineError';
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode | `http_${number}` | (string & {});
  /** `detail.message`. */
  readonly message: string;
  /** The answer's `X-Request-Id`. */
  readonly requestId: string | null;
  /** Seconds from `Retry-After`, on 429 and 503 answers that gave it. */
  readonly retryAfter: number | null;
  /** `detail.docs`. */
  readonly docs: string | null;
  /** The answer's body: parsed JSON, else its text. */
  readonly body: unknown;
  readonly headers: Headers | null;
}

export interface ErrorDetail {
  error: ErrorCode;
  message: string;
  docs: string;
}
/**
 * Every error Kaine answers outside the fronts: the contract's `Error`
 * schema, named ErrorBody so as not to shadow the global Error.
 */
export interface ErrorBody {
  detail: ErrorDetail;
}

// ---------------------------------------------------------------- stream

export interface LlmStreamDelta {
  type: 'delta';
  text: string;
}
/** The done event: the LlmAnswer fields without `text` (kept when a gateway sends it). */
export interface LlmStreamDone extends LlmStreamSummary {
  type: 'done';
}
export type LlmStreamSummary = Omit<LlmAnswer, 'text'> & { text?: string };
export type LlmStreamEvent = LlmStreamDelta | LlmStreamDone;

export declare class LlmStream implements AsyncIterable<LlmStreamEvent> {
  /** Iterable once: deltas, then one done; an `error` event throws KaineError. */
  [Symbol.asyncIterator](): AsyncIterator<LlmStreamEvent>;
  /** Reads what is left and answers the done summary with `text`, the deltas joined. */
  finalAnswer(): Promise<LlmAnswer>;
  /** The deltas' text so far. */
  readonly text: string;
  /** The done event's summary, once it came. */
  readonly summary: LlmStreamSummary | null;
  /** The answer's `X-Request-Id`, once it came. */
  readonly requestId: string | null;
  /** The answer's headers, once they came. */
  readonly headers: Headers | null;
}

// ---------------------------------------------------------------- account

export interface Ping {
  ok: true;
  version: 'v1';
}
export interface OK {
  ok: true;
}
export type Scope = 'read' | 'write';
export interface Me {
  user_id: number;
  username: string;
  email: string;
  scopes: Scope[];
  key_id: number;
}
export interface Usage {
  status: UsageStatus;
}
export interface UsageStatus {
  /** starter, pro, agency, developer, or one the operator added. */
  tier: string;
  cap_usd: number;
  used_usd: number;
  remaining_usd: number;
  /** 0–100, rounded down. */
  percent: number;
  blocked: boolean;
  /** Held by calls under way and unfinished video jobs. */
  reserved_usd: number;
}

// ---------------------------------------------------------------- audit

export interface AuditList {
  records: AuditRecord[];
  count: number;
  /** The `before` of the next page; absent when the listing is done. */
  next_before?: number;
}
/** An export's last line. */
export interface AuditExportSummary {
  count: number;
  cost_usd: number;
}

/**
 * An NDJSON export, iterable once. After the loop, `summary` is the export's
 * last line; a body that ends before it throws KaineError `export_incomplete`
 * (status 200), and a line that is not JSON `invalid_response`. Leaving the
 * loop early (`break`) closes the connection. `timeoutMs` bounds the wait for
 * the answer, then each wait for more of it.
 */
export declare class AuditExport implements AsyncIterable<AuditRecord> {
  [Symbol.asyncIterator](): AsyncIterator<AuditRecord>;
  /** The summary line, once it came. */
  readonly summary: AuditExportSummary | null;
  /** How many records came so far. */
  readonly count: number;
  /** The answer's `X-Request-Id`, once it came. */
  readonly requestId: string | null;
  /** The answer's headers, once they came. */
  readonly headers: Headers | null;
}

/**
 * A CSV export, iterable once for the body's bytes (a header row, a row a
 * record, last `# count=N cost_usd=X`), unchanged. After the end, `summary`
 * is that last line; a body that ends before it throws KaineError
 * `export_incomplete` after the bytes that came.
 */
export declare class AuditExportCsv implements AsyncIterable<Uint8Array> {
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
  /** The summary line, once the body ended after it. */
  readonly summary: AuditExportSummary | null;
  /** The answer's `X-Request-Id`, once it came. */
  readonly requestId: string | null;
  /** The answer's headers, once they came. */
  readonly headers: Headers | null;
}
export interface AuditRecord {
  id: number;
  key_id: number;
  request_id: string;
  endpoint: string;
  method: string;
  status: number;
  provider?: string;
  model?: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  latency_ms: number;
  error?: ErrorCode;
  resource?: string;
  note?: string;
  timestamp: string;
}

// ---------------------------------------------------------------- LLM

export interface LlmRequest {
  prompt: string;
  system?: string | null;
  task_type?: string | null;
  /** Default 1024, 1–200000. */
  max_tokens?: number | null;
  /** Default 0.7, 0–2. */
  temperature?: number | null;
  /** `auto` (default) or a configured provider's name. */
  provider?: string | null;
  /** A model alias or id. */
  model?: string | null;
  /** Set by llm() (false) and llmStream() (true) themselves. */
  stream?: boolean | null;
  byo_key?: string | null;
  byo_provider?: string | null;
}
export interface LlmAnswer {
  ok: true;
  text?: string;
  provider: string;
  model: string;
  upstream_model: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  usage_estimated?: boolean;
}

export interface ProvidersStatus {
  providers: ProviderStatus[];
  routing: RoutingStatus;
}
export interface ProviderStatus {
  name: string;
  protocol: 'anthropic' | 'gemini' | 'openai';
  configured: boolean;
  available: boolean;
  breaker: 'closed' | 'half-open' | 'open';
  models: ModelStatus[];
  /** `refuse`, `free` or `price_as <model>`. */
  unpriced: string;
  live_models?: LiveModels;
}
export interface LiveModels {
  checked_at: string;
  error?: string;
  unpriced: string[];
  unserved: string[];
}
export interface ModelStatus {
  id: string;
  aliases?: string[];
  kind?: 'embedding';
  input_usd_per_mtok: number;
  output_usd_per_mtok: number;
  cache_read_usd_per_mtok: number;
  cache_write_usd_per_mtok: number;
  cache_write_1h_usd_per_mtok: number;
  long_prompt_tokens?: number;
  long_prompt?: Rates;
  next_price?: Price;
  retires?: string;
  retired?: boolean;
  replacement?: string;
}
export interface Rates {
  input_usd: number;
  output_usd: number;
  cache_read_usd?: number;
  cache_write_usd?: number;
  cache_write_1h_usd?: number;
}
export interface Price {
  from?: string;
  input_usd: number;
  output_usd: number;
  cache_read_usd?: number;
  cache_write_usd?: number;
  cache_write_1h_usd?: number;
  long_prompt_tokens?: number;
  long_prompt?: Rates;
}
export interface RoutingStatus {
  auto: string;
  cheap_task_types: string[];
  cheap_route: RouteStep[];
  default_route: RouteStep[];
  byok_fee_usd: number;
}
export interface RouteStep {
  model: string;
  provider: string;
  available: boolean;
}

// ---------------------------------------------------------------- leads

export type LeadStatus = 'new' | 'contacted' | 'booked' | 'complete';
export interface Lead {
  id: number;
  name: string;
  email: string;
  phone: string;
  company: string;
  source: string;
  status: LeadStatus;
  notes: string;
  created_at: string;
  updated_at: string;
}
export interface LeadList {
  leads: Lead[];
  count: number;
}
/** `name` (not blank) or `email` is required. */
export interface LeadCreate {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  company?: string | null;
  source?: string | null;
  status?: LeadStatus | null;
  notes?: string | null;
}
/** `status`, `notes` or both. */
export interface LeadPatch {
  status?: LeadStatus | null;
  /** Replaces the lead's notes. */
  notes?: string | null;
}

// ---------------------------------------------------------------- landing pages

export interface LandingPageRequest {
  business_name: string;
  description: string;
  client_email?: string | null;
  industry?: string | null;
  tone?: string | null;
}
export interface LandingPage {
  ok: true;
  url: string;
  filename: string;
}

// ---------------------------------------------------------------- videos

export type VideoProvider = 'higgsfield' | 'runway' | 'kling' | 'fal';
export interface VideoRequest {
  prompt: string;
  image_url?: string | null;
  /** Seconds, default 6, 1–10. */
  duration?: number | null;
  /** Default higgsfield. */
  provider?: VideoProvider | null;
}
export type VideoStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export interface Video {
  ok: true;
  /** `vid_` and 16 hex digits. */
  video_id: string;
  status: VideoStatus;
  provider: VideoProvider;
  video_url?: string;
  error?: string;
  duration: number;
  cost_usd: number;
  created_at: string;
  finished_at: string | null;
}

// ---------------------------------------------------------------- workflows

export interface WorkflowList {
  workflows: WorkflowRun[];
  count: number;
  warning?: string;
}
export interface WorkflowRun {
  id: string;
  source: 'n8n' | 'kaine';
  name: string;
  status: 'queued' | 'running' | 'waiting' | 'success' | 'error' | 'canceled';
  started_at: string | null;
  finished_at: string | null;
  url?: string;
  steps?: number;
}

// ---------------------------------------------------------------- agents

export interface AgentList {
  agents: Agent[];
  count: number;
}
export interface Agent {
  name: string;
  description: string;
  allowed_tools: string[];
  complexity_tier: 'standard' | 'complex';
  use_extended_thinking: boolean;
}
export interface AgentRunRequest {
  agent_name: string;
  goal: string;
  async?: boolean | null;
}
export type AgentRunStatus = 'running' | 'completed' | 'failed' | 'stopped_cap' | 'stopped_step_limit';
export interface AgentRun {
  ok: true;
  agent_name: string;
  run_id: number;
  status: AgentRunStatus;
  summary: string;
  error?: string;
  steps: number;
  tool_calls: AgentToolCall[];
  revised: boolean;
  cost_usd: number;
  tokens_in: number;
  tokens_out: number;
  goal?: string;
  history?: AgentStep[];
  critiques?: AgentCritique[];
  created_at?: string;
  finished_at?: string;
}
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
export interface AgentToolCall {
  name: string;
  input: JSONValue;
  output?: string;
  error?: string;
  refused?: boolean;
}
export interface AgentStep {
  critique?: boolean;
  text?: string;
  tool_calls?: AgentToolCall[];
  provider?: string;
  model?: string;
  cost_usd: number;
  tokens_in: number;
  tokens_out: number;
}
export interface AgentCritique {
  verdict: 'accept' | 'revise';
  critique?: string;
  note?: string;
}

// ---------------------------------------------------------------- knowledge

export interface KnowledgeRequest {
  title: string;
  text: string;
  source?: string | null;
}
export interface KnowledgeDocument {
  id: number;
  title: string;
  text?: string;
  source?: string;
  created_at: string;
}
export interface KnowledgeDocumentAnswer {
  ok: true;
  id: number;
  title: string;
  text: string;
  source?: string;
  created_at: string;
}
export interface KnowledgeList {
  documents: KnowledgeDocument[];
  count: number;
}
export interface KnowledgeSearch {
  hits: KnowledgeHit[];
  count: number;
}
export interface KnowledgeHit {
  doc_id: number;
  title: string;
  snippet: string;
  score: number;
}

// ---------------------------------------------------------------- outbox

export interface OutboxList {
  messages: OutboxMessage[];
  count: number;
}
export interface OutboxMessage {
  id: number;
  channel: 'email' | 'sms' | 'phone' | 'booking_link';
  to: string;
  subject?: string;
  body: string;
  status: 'sent' | 'queued_unconfigured' | 'failed';
  error?: string;
  provider_id?: string;
  run_id?: number;
  agent_name?: string;
  created_at: string;
}
