// The Kaine client: one request path (auth, timeout, retries, errors) under
// every method of the v1 API.

import { KaineError, errorFromResponse, parseRetryAfter } from './errors.js';
import { AuditExport, AuditExportCsv } from './export.js';
import { LlmStream } from './stream.js';

export const VERSION = '0.1.0';
export const DEFAULT_BASE_URL = 'https://keine.tech';
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_RETRIES = 2;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 8_000;

function env(name) {
  const v = typeof process !== 'undefined' && process.env ? process.env[name] : undefined;
  return v === undefined || v === '' ? undefined : v;
}

/** A query string of the given values, leaving out those null or undefined. */
function queryString(query) {
  if (!query) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A time filter as the gateway reads it: a Date in RFC 3339 (UTC), a string as it is. */
function rfc3339(name, v) {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new TypeError(`${name} is an invalid Date`);
    return v.toISOString();
  }
  if (typeof v === 'string') return v;
  throw new TypeError(`${name} must be a Date or an RFC 3339 string`);
}

/** The filters of GET /v1/audit and its export, as query values. */
export function auditFilter(p = {}) {
  return {
    endpoint: p.endpoint,
    key_id: p.key_id,
    status: p.status,
    provider: p.provider,
    model: p.model,
    since: rfc3339('since', p.since),
    until: rfc3339('until', p.until),
  };
}

/** A path segment for an id. */
function seg(id) {
  if (id === undefined || id === null || id === '') throw new TypeError('an id is required');
  return encodeURIComponent(String(id));
}

/**
 * Waits ms, or rejects when signal aborts.
 * @param {number} ms
 * @param {AbortSignal|undefined} signal
 */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(t);
      reject(signal.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff from 0.5 s, with ±25 % jitter, capped at 8 s. */
export function backoffMs(attempt) {
  const base = Math.min(BACKOFF_BASE_MS * 2 ** attempt, BACKOFF_MAX_MS);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * Whether an error answer may be tried again: a 429 (but usage_cap_reached:
 * a cap stays reached) or a 503
 * store_unavailable (the gateway did nothing) for any method, another 5xx for
 * GET and DELETE only; never when the answer says X-Should-Retry: false.
 * @param {string} method
 * @param {KaineError} err
 */
export function isRetryable(method, err) {
  if (err.headers?.get('x-should-retry') === 'false') return false;
  if (err.status === 429) return err.code !== 'usage_cap_reached'; // a cap stays reached
  if (err.status === 503 && err.code === 'store_unavailable') return true;
  if (err.status >= 500 && err.status <= 599) return method === 'GET' || method === 'DELETE';
  return false;
}

export class Kaine {
  /**
   * @param {import('./index.js').KaineOptions} [options]
   */
  constructor(options = {}) {
    const { apiKey, baseURL, timeoutMs, maxRetries, fetch: fetchImpl, headers } = options;
    this.apiKey = apiKey ?? env('KAINE_API_KEY') ?? null;
    this.baseURL = String(baseURL ?? env('KAINE_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.timeoutMs = timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = maxRetries ?? DEFAULT_MAX_RETRIES;
    this.defaultHeaders = { ...(headers ?? {}) };
    const f = fetchImpl ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('no fetch: Node 20+ has one, or pass options.fetch');
    this._fetch = f;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) throw new TypeError('timeoutMs must be a positive number');
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0) throw new TypeError('maxRetries must be a whole number ≥ 0');

    const c = this;
    this.leads = {
      list: (params = {}, opts) => c.request('GET', '/v1/leads', { query: { status: params.status, limit: params.limit }, ...opts }),
      create: (lead, opts) => c.request('POST', '/v1/leads', { body: lead, ...opts }),
      update: (id, patch, opts) => c.request('PATCH', `/v1/leads/${seg(id)}`, { body: patch, ...opts }),
    };
    this.landingPages = {
      create: (brief, opts) => c.request('POST', '/v1/landing-pages', { body: brief, ...opts }),
    };
    this.videos = {
      create: (req, opts) => c.request('POST', '/v1/videos', { body: req, ...opts }),
      get: (id, opts) => c.request('GET', `/v1/videos/${seg(id)}`, opts),
    };
    this.workflows = {
      list: (params = {}, opts) => c.request('GET', '/v1/workflows', { query: { limit: params.limit }, ...opts }),
    };
    this.agents = {
      list: (opts) => c.request('GET', '/v1/agents', opts),
      run: (reqOrName, goal, asyncOrOpts, opts) => {
        // run({agent_name, goal, async}, opts) or run(agent_name, goal, async?, opts?)
        if (typeof reqOrName === 'string') {
          const body = { agent_name: reqOrName, goal };
          if (typeof asyncOrOpts === 'boolean') body.async = asyncOrOpts;
          else if (asyncOrOpts && opts === undefined) opts = asyncOrOpts;
          return c.request('POST', '/v1/agents/run', { body, ...opts });
        }
        return c.request('POST', '/v1/agents/run', { body: reqOrName, ...goal });
      },
      getRun: (id, opts) => c.request('GET', `/v1/agents/runs/${seg(id)}`, opts),
    };
    this.outbox = {
      list: (params = {}, opts) => c.request('GET', '/v1/outbox', { query: { limit: params.limit }, ...opts }),
    };
    this.knowledge = {
      list: (params = {}, opts) => c.request('GET', '/v1/knowledge', { query: { limit: params.limit }, ...opts }),
      search: (q, params = {}, opts) => {
        if (typeof q !== 'string' || q.trim() === '') throw new TypeError('knowledge.search needs a query');
        return c.request('GET', '/v1/knowledge', { query: { q, limit: params.limit }, ...opts });
      },
      add: (doc, opts) => c.request('POST', '/v1/knowledge', { body: doc, ...opts }),
      get: (id, opts) => c.request('GET', `/v1/knowledge/${seg(id)}`, opts),
      delete: (id, opts) => c.request('DELETE', `/v1/knowledge/${seg(id)}`, opts),
    };
  }

  // ---- Account, audit, providers ----

  ping(opts) {
    return this.request('GET', '/v1/ping', { ...opts, auth: false });
  }

  me(opts) {
    return this.request('GET', '/v1/me', opts);
  }

  usage(opts) {
    return this.request('GET', '/v1/usage', opts);
  }

  audit(params = {}, opts) {
    const query = { limit: params.limit, before: params.before, ...auditFilter(params) };
    return this.request('GET', '/v1/audit', { query, ...opts });
  }

  /**
   * Every record of a listing, newest first, page after page: audit(params),
   * then again with `before` set to each answer's `next_before` until an
   * answer has none. Each page is a call of its own, with its own retries.
   * @param {import('./index.js').AuditParams} [params]
   * @param {import('./index.js').RequestOptions} [opts]
   */
  async *auditAll(params = {}, opts) {
    let before = params.before;
    for (;;) {
      const page = await this.audit({ ...params, before }, opts);
      yield* page.records;
      const next = page.next_before;
      if (next === undefined || next === null) return;
      if (next === before) {
        throw new KaineError({
          status: 200,
          code: 'invalid_response',
          message: `GET /v1/audit answered next_before ${next}, the before it was sent: the listing does not move`,
        });
      }
      before = next;
    }
  }

  /**
   * `GET /v1/audit/export` as NDJSON: an async iterable of the records, read
   * as they come. Nothing is sent until it is iterated.
   */
  auditExport(params = {}, opts) {
    return new AuditExport(this, auditFilter(params), opts ?? {});
  }

  /**
   * `GET /v1/audit/export` as CSV: an async iterable of the body's bytes, as
   * the gateway writes them. Nothing is sent until it is iterated.
   */
  auditExportCsv(params = {}, opts) {
    return new AuditExportCsv(this, auditFilter(params), opts ?? {});
  }

  providers(opts) {
    return this.request('GET', '/v1/providers', opts);
  }

  // ---- LLM ----

  llm(params, opts) {
    const { stream: _stream, ...body } = params ?? {};
    return this.request('POST', '/v1/llm', { body, ...opts });
  }

  llmStream(params, opts) {
    const { stream: _stream, ...rest } = params ?? {};
    return new LlmStream(this, { ...rest, stream: true }, opts ?? {});
  }

  // ---- The request path ----

  /**
   * One call: sends it, retries it as the rules say, and answers its JSON
   * (or throws KaineError).
   * @param {string} method
   * @param {string} path
   * @param {object} [o]
   */
  async request(method, path, o = {}) {
    const { json } = await this._send(method, path, o);
    return json;
  }

  /**
   * Sends a call with its retries. Without `o.stream` or `o.streamBody`,
   * answers {response, json}; with `o.stream`, a 2xx event stream is
   * answered unread as {response, controller, release} (the caller times and
   * reads it), and a 2xx JSON answer as {response, json}; with
   * `o.streamBody`, every 2xx answer is answered unread. An error answer is
   * read, and retried as its method allows: nothing is retried once a 2xx
   * answer came.
   * @param {string} method
   * @param {string} path
   * @param {object} o
   * @returns {Promise<{response: Response, json?: any, controller?: AbortController, release?: () => void}>}
   */
  async _send(method, path, o = {}) {
    const url = this.baseURL + path + queryString(o.query);
    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    const maxRetries = o.maxRetries ?? this.maxRetries;
    const userSignal = o.signal;
    /** @type {Record<string, string>} */
    const headers = {
      Accept: o.accept ?? (o.stream ? 'text/event-stream, application/json' : 'application/json'),
      'User-Agent': `kaine-js/${VERSION}`,
      ...this.defaultHeaders,
    };
    if (o.auth !== false && this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    let payload;
    if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(o.body);
    }
    if (o.requestId) headers['X-Request-Id'] = o.requestId;
    Object.assign(headers, o.headers ?? {});
    const idempotent = method === 'GET' || method === 'DELETE';

    for (let attempt = 0; ; attempt++) {
      if (userSignal?.aborted) throw userSignal.reason;
      const controller = new AbortController();
      const onUserAbort = () => controller.abort(userSignal.reason);
      userSignal?.addEventListener('abort', onUserAbort, { once: true });
      const release = () => userSignal?.removeEventListener('abort', onUserAbort);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
      }, timeoutMs);

      let response;
      let text;
      try {
        response = await this._fetch(url, { method, headers, body: payload, signal: controller.signal });
        const isEvents = (response.headers.get('content-type') ?? '').includes('text/event-stream');
        if (response.ok && (o.streamBody || (o.stream && isEvents))) {
          clearTimeout(timer); // from here the stream times each event itself
          return { response, controller, release };
        }
        text = await response.text();
      } catch (err) {
        clearTimeout(timer);
        release();
        if (userSignal?.aborted && !timedOut) throw userSignal.reason;
        const kerr = new KaineError({
          status: 0,
          code: timedOut ? 'timeout' : 'connection_error',
          message: timedOut
            ? `${method} ${path}: no answer within ${timeoutMs} ms`
            : `${method} ${path}: ${err?.cause?.message ?? err?.message ?? String(err)}`,
          requestId: response?.headers.get('x-request-id') ?? null,
          cause: err,
        });
        // Nothing answered: only a call that is safe to repeat is repeated.
        if (idempotent && attempt < maxRetries) {
          await sleep(backoffMs(attempt), userSignal);
          continue;
        }
        throw kerr;
      }
      clearTimeout(timer);
      release();

      if (response.ok) {
        try {
          return { response, json: text === '' ? null : JSON.parse(text) };
        } catch (err) {
          throw new KaineError({
            status: response.status,
            code: 'invalid_response',
            message: `${method} ${path}: the answer is not JSON`,
            requestId: response.headers.get('x-request-id'),
            body: text,
            headers: response.headers,
            cause: err,
          });
        }
      }

      const kerr = errorFromResponse(response.status, response.headers, text);
      if (attempt < maxRetries && isRetryable(method, kerr)) {
        const after = parseRetryAfter(response.headers.get('retry-after'));
        await sleep(after !== null ? after * 1000 : backoffMs(attempt), userSignal);
        continue;
      }
      throw kerr;
    }
  }
}

export default Kaine;
