// What a live gateway cannot show on demand, against a local node:http
// server: retries by method and status, Retry-After, bodies that are not
// JSON, stream error events, timeouts, a refused connection. Always run.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Kaine, KaineError } from '../src/index.js';
import { readSSE } from '../src/sse.js';

/** The server's behaviour for the current test: (req, res, body, hit) => void. */
let handler = (req, res) => res.end();
/** Every request the server got in the current test. */
let hits = [];
let server;
let base;

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const hit = { method: req.method, url: req.url, headers: req.headers, body, at: performance.now() };
      hits.push(hit);
      res.setHeader('X-Request-Id', `req-${hits.length}`);
      handler(req, res, body, hits.length);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  hits = [];
  handler = (req, res) => res.end();
});

const json = (res, status, obj, headers = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(obj));
};
const kaineError = (code, message = `${code} happened`) => ({ detail: { error: code, message, docs: 'https://keine.tech/api-docs' } });
const client = (o = {}) => new Kaine({ apiKey: 'kn_live_test', baseURL: base, ...o });

async function failure(promise) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof KaineError, `expected a KaineError, got ${err?.stack ?? err}`);
    return err;
  }
  assert.fail('the call succeeded');
}

describe('requests', () => {
  test('auth, user agent, JSON body, query strings, path ids', async () => {
    handler = (req, res) => json(res, 200, { ok: true });
    const c = client();
    await c.audit({ limit: 5, endpoint: '/v1/llm' });
    await c.leads.list({ status: 'new' });
    await c.knowledge.search('refund policy', { limit: 2 });
    await c.leads.update(7, { status: 'booked' });
    await c.videos.get('vid_0123456789abcdef');
    await c.knowledge.delete(3);
    await c.agents.run('lead_crm_agent', 'do it', true);
    await c.agents.run({ agent_name: 'x', goal: 'y' }, { requestId: 'mine-1' });
    await c.ping();
    assert.deepEqual(
      hits.map((h) => `${h.method} ${h.url}`),
      [
        'GET /v1/audit?limit=5&endpoint=%2Fv1%2Fllm',
        'GET /v1/leads?status=new',
        'GET /v1/knowledge?q=refund+policy&limit=2',
        'PATCH /v1/leads/7',
        'GET /v1/videos/vid_0123456789abcdef',
        'DELETE /v1/knowledge/3',
        'POST /v1/agents/run',
        'POST /v1/agents/run',
        'GET /v1/ping',
      ],
    );
    assert.equal(hits[0].headers.authorization, 'Bearer kn_live_test');
    assert.match(hits[0].headers['user-agent'], /^kaine-js\//);
    assert.equal(hits[3].headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(hits[3].body), { status: 'booked' });
    assert.deepEqual(JSON.parse(hits[6].body), { agent_name: 'lead_crm_agent', goal: 'do it', async: true });
    assert.deepEqual(JSON.parse(hits[7].body), { agent_name: 'x', goal: 'y' });
    assert.equal(hits[7].headers['x-request-id'], 'mine-1');
    assert.equal(hits[8].headers.authorization, undefined, 'ping sends no key');
  });

  test('key and base URL from the environment, else keine.tech', () => {
    const saved = { k: process.env.KAINE_API_KEY, b: process.env.KAINE_BASE_URL };
    try {
      process.env.KAINE_API_KEY = 'kn_live_env';
      process.env.KAINE_BASE_URL = 'http://gateway.example:8080/';
      const c = new Kaine();
      assert.equal(c.apiKey, 'kn_live_env');
      assert.equal(c.baseURL, 'http://gateway.example:8080');
      assert.equal(c.timeoutMs, 60000);
      assert.equal(c.maxRetries, 2);
      assert.equal(new Kaine({ apiKey: 'given', baseURL: 'http://other' }).apiKey, 'given');
      delete process.env.KAINE_BASE_URL;
      assert.equal(new Kaine().baseURL, 'https://keine.tech');
    } finally {
      for (const [name, v] of [['KAINE_API_KEY', saved.k], ['KAINE_BASE_URL', saved.b]]) {
        if (v === undefined) delete process.env[name];
        else process.env[name] = v;
      }
    }
  });

  test('llm() sends no stream field', async () => {
    handler = (req, res) => json(res, 200, { ok: true, text: 'hi', provider: 'p', model: 'm', upstream_model: 'u', tokens_in: 1, tokens_out: 1, cost_usd: 0 });
    const a = await client().llm({ prompt: 'x', stream: true });
    assert.equal(a.text, 'hi');
    assert.deepEqual(JSON.parse(hits[0].body), { prompt: 'x' });
  });
});

describe('errors', () => {
  test('the error body becomes KaineError', async () => {
    handler = (req, res) => json(res, 403, kaineError('insufficient_scope', 'This key lacks the write scope.'));
    const err = await failure(client().leads.create({ name: 'x' }));
    assert.equal(err.status, 403);
    assert.equal(err.code, 'insufficient_scope');
    assert.equal(err.message, 'This key lacks the write scope.');
    assert.equal(err.requestId, 'req-1');
    assert.equal(err.docs, 'https://keine.tech/api-docs');
    assert.equal(err.retryAfter, null);
    assert.equal(err.name, 'KaineError');
    assert.ok(err instanceof Error);
    assert.equal(hits.length, 1);
  });

  test('a body that is not JSON still gives KaineError, code http_<status>', async () => {
    handler = (req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
    };
    const err = await failure(client().leads.create({ name: 'x' }));
    assert.equal(err.status, 502);
    assert.equal(err.code, 'http_502');
    assert.equal(err.requestId, 'req-1');
    assert.match(err.message, /502/);
    assert.equal(err.body, '<html><body>Bad Gateway</body></html>');
    assert.equal(hits.length, 1, 'a POST is not retried on a 502');
  });

  test('JSON that is not the error shape also gives http_<status>', async () => {
    handler = (req, res) => json(res, 418, { error: 'teapot' });
    const err = await failure(client().me());
    assert.equal(err.status, 418);
    assert.equal(err.code, 'http_418');
    assert.deepEqual(err.body, { error: 'teapot' });
  });

  test('a 2xx answer that is not JSON is invalid_response', async () => {
    handler = (req, res) => res.end('not json');
    const err = await failure(client().me());
    assert.equal(err.code, 'invalid_response');
    assert.equal(err.status, 200);
  });
});

describe('retries', () => {
  test('a 5xx is retried for GET, with backoff from 0.5 s', async () => {
    handler = (req, res, body, n) => (n < 3 ? json(res, 500, kaineError('internal_error')) : json(res, 200, { ok: true, version: 'v1' }));
    const t0 = performance.now();
    assert.deepEqual(await client().ping(), { ok: true, version: 'v1' });
    const took = performance.now() - t0;
    assert.equal(hits.length, 3);
    // 0.5 s then 1 s, each ±25 %.
    const gap1 = hits[1].at - hits[0].at;
    const gap2 = hits[2].at - hits[1].at;
    assert.ok(gap1 >= 370 && gap1 < 1000, `first wait ${gap1}`);
    assert.ok(gap2 >= 740 && gap2 < 2000, `second wait ${gap2}`);
    assert.ok(took >= 1100);
  });

  test('a 5xx is retried for DELETE, and gives up after maxRetries', async () => {
    handler = (req, res) => json(res, 500, kaineError('internal_error'));
    const err = await failure(client({ maxRetries: 1 }).knowledge.delete(1));
    assert.equal(err.status, 500);
    assert.equal(err.code, 'internal_error');
    assert.equal(err.requestId, 'req-2', 'the last answer');
    assert.equal(hits.length, 2);
  });

  test('a 5xx is not retried for POST or PATCH', async () => {
    handler = (req, res) => json(res, 500, kaineError('provider_error'));
    const err = await failure(client().llm({ prompt: 'x' }));
    assert.equal(err.status, 500);
    assert.equal(err.code, 'provider_error');
    assert.equal(hits.length, 1);
    hits = [];
    await failure(client().leads.update(1, { notes: 'n' }));
    assert.equal(hits.length, 1);
  });

  test('a 503 store_unavailable is retried for POST, after its Retry-After', async () => {
    handler = (req, res, body, n) =>
      n === 1 ? json(res, 503, kaineError('store_unavailable'), { 'Retry-After': '1' }) : json(res, 201, { id: 1, name: 'x' });
    const lead = await client().leads.create({ name: 'x' });
    assert.equal(lead.id, 1);
    assert.equal(hits.length, 2);
    assert.ok(hits[1].at - hits[0].at >= 990, `waited ${hits[1].at - hits[0].at} ms`);
    assert.equal(hits[1].body, hits[0].body);
  });

  test('another 503 is not retried for POST; its retryAfter is kept', async () => {
    handler = (req, res) => json(res, 503, kaineError('internal_error'), { 'Retry-After': '7' });
    const err = await failure(client().leads.create({ name: 'x' }));
    assert.equal(err.status, 503);
    assert.equal(err.retryAfter, 7);
    assert.equal(hits.length, 1);
  });

  test('a 429 is retried for POST; the last one is thrown with retryAfter', async () => {
    handler = (req, res) => json(res, 429, kaineError('rate_limit_exceeded'), { 'Retry-After': '0' });
    const err = await failure(client({ maxRetries: 2 }).llm({ prompt: 'x' }));
    assert.equal(hits.length, 3);
    assert.equal(err.status, 429);
    assert.equal(err.code, 'rate_limit_exceeded');
    assert.equal(err.retryAfter, 0);
    hits = [];
    await failure(client({ maxRetries: 0 }).me());
    assert.equal(hits.length, 1, 'maxRetries 0 never retries');
  });

  test('X-Should-Retry: false stops a retry', async () => {
    handler = (req, res) => json(res, 429, kaineError('usage_cap_reached'), { 'X-Should-Retry': 'false' });
    const err = await failure(client().me());
    assert.equal(err.code, 'usage_cap_reached');
    assert.equal(hits.length, 1);
  });

  test('a 429 usage_cap_reached is not retried: a cap stays reached', async () => {
    handler = (req, res) => json(res, 429, kaineError('usage_cap_reached'));
    const err = await failure(client().me());
    assert.equal(err.code, 'usage_cap_reached');
    assert.equal(hits.length, 1);
  });

  test('a 4xx is never retried', async () => {
    handler = (req, res) => json(res, 404, kaineError('not_found'));
    await failure(client().knowledge.get(1));
    assert.equal(hits.length, 1);
  });

  test('a GET with no answer times out, and is retried', async () => {
    handler = (req, res, body, n) => {
      if (n < 2) return; // never answers
      json(res, 200, { ok: true, version: 'v1' });
    };
    assert.deepEqual(await client({ timeoutMs: 200 }).ping(), { ok: true, version: 'v1' });
    assert.equal(hits.length, 2);
  });

  test('a POST with no answer times out, and is not retried', async () => {
    handler = () => {};
    const t0 = performance.now();
    const err = await failure(client({ timeoutMs: 200 }).llm({ prompt: 'x' }));
    assert.equal(err.status, 0);
    assert.equal(err.code, 'timeout');
    assert.ok(performance.now() - t0 < 1500);
    assert.equal(hits.length, 1);
  });

  test('a refused connection is retried for GET only', async () => {
    const tries = [];
    const refusing = async (url, init) => {
      tries.push(init.method);
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    };
    const c = client({ fetch: refusing, maxRetries: 1 });
    const err = await failure(c.me());
    assert.equal(err.status, 0);
    assert.equal(err.code, 'connection_error');
    assert.match(err.message, /ECONNREFUSED/);
    assert.deepEqual(tries, ['GET', 'GET']);
    tries.length = 0;
    await failure(c.leads.create({ name: 'x' }));
    assert.deepEqual(tries, ['POST']);
  });

  test('an abort signal stops a call and its retries', async () => {
    handler = (req, res) => json(res, 500, kaineError('internal_error'));
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop')), 100);
    await assert.rejects(client().me({ signal: ac.signal }), /stop/);
    assert.equal(hits.length, 1, 'the backoff was cut short');
  });
});

describe('streams', () => {
  const sse = (res, events, { end = true } = {}) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    for (const [event, data] of events) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (end) res.end();
  };
  const summary = { ok: true, provider: 'google', model: 'gemini-flash', upstream_model: 'gemini-2.5-flash-lite', tokens_in: 9, tokens_out: 3, cost_usd: 0.00001 };

  test('deltas then done; finalAnswer joins the text', async () => {
    handler = (req, res) => sse(res, [['delta', { text: 'Hel' }], ['delta', { text: 'lo' }], ['done', summary]]);
    const events = [];
    const s = client().llmStream({ prompt: 'x', max_tokens: 5 });
    for await (const ev of s) events.push(ev);
    assert.deepEqual(events, [
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo' },
      { type: 'done', ...summary },
    ]);
    assert.deepEqual(JSON.parse(hits[0].body), { prompt: 'x', max_tokens: 5, stream: true });
    assert.match(hits[0].headers.accept, /text\/event-stream/);
    assert.equal(s.requestId, 'req-1');
    assert.deepEqual(await s.finalAnswer(), { ...summary, text: 'Hello' });
    assert.throws(() => s[Symbol.asyncIterator](), /once/);

    const answer = await client().llmStream({ prompt: 'y' }).finalAnswer();
    assert.deepEqual(answer, { ...summary, text: 'Hello' });
  });

  test('an error event throws KaineError after the deltas before it', async () => {
    handler = (req, res) => sse(res, [['delta', { text: 'Hal' }], ['error', kaineError('provider_error', 'The provider broke off.')]]);
    const got = [];
    const err = await failure(
      (async () => {
        for await (const ev of client().llmStream({ prompt: 'x' })) got.push(ev);
      })(),
    );
    assert.deepEqual(got, [{ type: 'delta', text: 'Hal' }]);
    assert.equal(err.code, 'provider_error');
    assert.equal(err.status, 500);
    assert.equal(err.message, 'The provider broke off.');
    assert.equal(err.requestId, 'req-1');
    assert.equal(hits.length, 1);
    await failure(client().llmStream({ prompt: 'x' }).finalAnswer());
  });

  test('an error before the stream is a plain JSON error', async () => {
    handler = (req, res) => json(res, 400, kaineError('missing_fields', 'prompt is required'));
    const err = await failure(client().llmStream({ prompt: '' }).finalAnswer());
    assert.equal(err.status, 400);
    assert.equal(err.code, 'missing_fields');
  });

  test('a 429 before the stream is retried', async () => {
    handler = (req, res, body, n) =>
      n === 1 ? json(res, 429, kaineError('rate_limit_exceeded'), { 'Retry-After': '0' }) : sse(res, [['delta', { text: 'ok' }], ['done', summary]]);
    assert.equal((await client().llmStream({ prompt: 'x' }).finalAnswer()).text, 'ok');
    assert.equal(hits.length, 2);
  });

  test('a streamed call answered as JSON gives its text as one delta', async () => {
    handler = (req, res) => json(res, 200, { ...summary, text: 'All at once' });
    const events = [];
    for await (const ev of client().llmStream({ prompt: 'x' })) events.push(ev);
    assert.deepEqual(events, [
      { type: 'delta', text: 'All at once' },
      { type: 'done', ...summary },
    ]);
  });

  test('a stream that ends before done is stream_interrupted', async () => {
    handler = (req, res) => sse(res, [['delta', { text: 'Hal' }]]);
    const err = await failure(client().llmStream({ prompt: 'x' }).finalAnswer());
    assert.equal(err.code, 'stream_interrupted');
  });

  test('the timeout applies to the wait for each event', async () => {
    // Events 150 ms apart pass a 400 ms timeout however long the whole takes.
    handler = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      let i = 0;
      const tick = setInterval(() => {
        if (i < 4) res.write(`event: delta\ndata: {"text":"${i++}"}\n\n`);
        else {
          clearInterval(tick);
          res.end(`event: done\ndata: ${JSON.stringify(summary)}\n\n`);
        }
      }, 150);
    };
    assert.equal((await client({ timeoutMs: 400 }).llmStream({ prompt: 'x' }).finalAnswer()).text, '0123');

    // A stream that stops sending times out.
    handler = (req, res) => sse(res, [['delta', { text: 'Hal' }]], { end: false });
    const got = [];
    const t0 = performance.now();
    const err = await failure(
      (async () => {
        for await (const ev of client({ timeoutMs: 300 }).llmStream({ prompt: 'x' })) got.push(ev);
      })(),
    );
    assert.equal(err.code, 'timeout');
    assert.equal(err.status, 0);
    assert.deepEqual(got, [{ type: 'delta', text: 'Hal' }]);
    assert.ok(performance.now() - t0 < 2000);
  });

  test('a consumer that breaks early closes the connection', async () => {
    let closed;
    const gone = new Promise((r) => (closed = r));
    handler = (req, res) => {
      res.on('close', closed);
      sse(res, [['delta', { text: 'a' }]], { end: false });
    };
    for await (const ev of client().llmStream({ prompt: 'x' })) {
      assert.equal(ev.text, 'a');
      break;
    }
    await gone;
  });
});

describe('audit', () => {
  const record = (id) => ({
    id, key_id: 3, request_id: `req-${id}`, endpoint: '/v1/llm', method: 'POST', status: 200, provider: 'openai',
    model: 'gpt-4.1-mini', tokens_in: 10, tokens_out: 5, cost_usd: 0.25, latency_ms: 12, timestamp: '2026-12-06T10:00:00Z',
  });
  /** Writes an export's body piece by piece; ends it unless told not to. */
  const exportBody = (res, type, pieces, { end = true } = {}) => {
    res.writeHead(200, { 'Content-Type': type });
    for (const p of pieces) res.write(p);
    if (end) res.end();
  };
  const ndjson = (...lines) => lines.map((l) => `${JSON.stringify(l)}\n`);
  async function collect(iterable) {
    const out = [];
    for await (const x of iterable) out.push(x);
    return out;
  }

  test('audit sends every filter; times as RFC 3339', async () => {
    handler = (req, res) => json(res, 200, { records: [], count: 0 });
    await client().audit({
      limit: 2, before: 4097, endpoint: '/v1/llm', key_id: 3, status: 429, provider: 'openai', model: 'gpt-4.1-mini',
      since: new Date(Date.UTC(2026, 10, 1)), until: '2026-12-01T00:00:00+01:00',
    });
    await client().audit({});
    assert.deepEqual(hits.map((h) => h.url), [
      '/v1/audit?limit=2&before=4097&endpoint=%2Fv1%2Fllm&key_id=3&status=429&provider=openai&model=gpt-4.1-mini' +
        '&since=2026-11-01T00%3A00%3A00.000Z&until=2026-12-01T00%3A00%3A00%2B01%3A00',
      '/v1/audit',
    ]);
    assert.throws(() => client().audit({ since: 1700000000 }), /since must be a Date or an RFC 3339 string/);
  });

  test('auditAll follows next_before until an answer has none', async () => {
    // Pages of 2: whole, short, empty but going on (a filter's scan budget), last.
    const pages = {
      '': { records: [record(9), record(8)], count: 2, next_before: 8 },
      8: { records: [record(5)], count: 1, next_before: 4 },
      4: { records: [], count: 0, next_before: 2 },
      2: { records: [record(1)], count: 1 },
      99: { records: [], count: 0, next_before: 99 },
    };
    handler = (req, res) => {
      const page = pages[new URL(req.url, base).searchParams.get('before') ?? ''];
      if (page) json(res, 200, page);
      else json(res, 400, kaineError('invalid_field'));
    };
    const ids = (await collect(client().auditAll({ limit: 2, status: 200 }))).map((r) => r.id);
    assert.deepEqual(ids, [9, 8, 5, 1]);
    assert.deepEqual(hits.map((h) => h.url), [
      '/v1/audit?limit=2&status=200',
      '/v1/audit?limit=2&before=8&status=200',
      '/v1/audit?limit=2&before=4&status=200',
      '/v1/audit?limit=2&before=2&status=200',
    ]);

    hits = [];
    for await (const r of client().auditAll({ limit: 2 })) if (r.id === 8) break;
    assert.equal(hits.length, 1, 'leaving the loop stops the paging');

    const bad = await failure(collect(client().auditAll({ before: 7 })));
    assert.equal(bad.code, 'invalid_field');
    const stuck = await failure(collect(client().auditAll({ before: 99 })));
    assert.equal(stuck.code, 'invalid_response');
  });

  test('auditExport: the records as they come, then the summary', async () => {
    handler = (req, res) => {
      const [a, b, sum] = ndjson(record(3), record(2), { summary: { count: 2, cost_usd: 0.5 } });
      exportBody(res, 'application/x-ndjson', [a.slice(0, 20), a.slice(20) + '\n', b, sum]);
    };
    const x = client().auditExport({ endpoint: '/v1/llm', since: new Date(Date.UTC(2026, 11, 1)) });
    assert.equal(hits.length, 0, 'nothing is sent before the iteration');
    const got = await collect(x);
    assert.deepEqual(got, [record(3), record(2)]);
    assert.deepEqual(x.summary, { count: 2, cost_usd: 0.5 });
    assert.equal(x.count, 2);
    assert.equal(x.requestId, 'req-1');
    assert.equal(hits[0].url, '/v1/audit/export?endpoint=%2Fv1%2Fllm&since=2026-12-01T00%3A00%3A00.000Z&format=ndjson');
    assert.equal(hits[0].headers.accept, 'application/x-ndjson');
    assert.throws(() => x[Symbol.asyncIterator](), /once/);
  });

  test('an export that ends before its summary is export_incomplete, never resumed', async () => {
    const [a] = ndjson(record(3));
    for (const pieces of [[a], [a, '{"summary":{"count"'], [a.trimEnd()], []]) {
      hits = [];
      handler = (req, res) => exportBody(res, 'application/x-ndjson', pieces);
      const x = client().auditExport();
      const got = [];
      const err = await failure((async () => {
        for await (const r of x) got.push(r);
      })());
      assert.equal(err.code, 'export_incomplete', JSON.stringify(pieces));
      assert.equal(err.status, 200);
      assert.equal(err.requestId, 'req-1');
      assert.equal(x.summary, null);
      assert.equal(got.length, pieces.length && pieces[0].endsWith('\n') ? 1 : 0);
      assert.equal(hits.length, 1);
    }

    handler = (req, res) => exportBody(res, 'application/x-ndjson', ndjson(record(3), { summary: { count: 2, cost_usd: 0.5 } }));
    assert.equal((await failure(collect(client().auditExport()))).code, 'invalid_response', 'a summary that miscounts');
    handler = (req, res) => exportBody(res, 'application/x-ndjson', ['not json\n']);
    assert.equal((await failure(collect(client().auditExport()))).code, 'invalid_response');
  });

  test('an export is retried on a 5xx before its body, and refused at the start', async () => {
    handler = (req, res, body, n) =>
      n === 1
        ? json(res, 500, kaineError('internal_error'))
        : exportBody(res, 'application/x-ndjson', ndjson({ summary: { count: 0, cost_usd: 0 } }));
    const x = client().auditExport();
    assert.deepEqual(await collect(x), []);
    assert.deepEqual(x.summary, { count: 0, cost_usd: 0 });
    assert.equal(hits.length, 2);

    hits = [];
    handler = (req, res) => json(res, 403, kaineError('insufficient_scope'));
    const err = await failure(collect(client().auditExportCsv()));
    assert.equal(err.status, 403);
    assert.equal(hits.length, 1);
  });

  test('an export times each wait, not the consumer; break closes it', async () => {
    handler = (req, res) => exportBody(res, 'application/x-ndjson', ndjson(record(3)), { end: false });
    const got = [];
    const err = await failure((async () => {
      for await (const r of client({ timeoutMs: 300 }).auditExport()) {
        got.push(r);
        await new Promise((r) => setTimeout(r, 400)); // longer than the timeout: not counted
      }
    })());
    assert.equal(err.code, 'export_incomplete');
    assert.match(err.message, /no data within 300 ms/);
    assert.equal(got.length, 1);

    let closed;
    const gone = new Promise((r) => (closed = r));
    handler = (req, res) => {
      res.on('close', closed);
      exportBody(res, 'application/x-ndjson', ndjson(record(3)), { end: false });
    };
    for await (const r of client().auditExport()) {
      assert.equal(r.id, 3);
      break;
    }
    await gone;
  });

  test('auditExportCsv: the bytes unchanged, the summary checked', async () => {
    const rows =
      'id,timestamp,key_id,request_id,method,endpoint,status,provider,model,tokens_in,tokens_out,cost_usd,latency_ms,error,resource,note\n' +
      '3,2026-12-06T10:00:00Z,3,req-3,POST,/v1/llm,200,openai,gpt-4.1-mini,10,5,0.25,12,,,\n' +
      // A quoted cell whose lines look like a summary is not one.
      '2,2026-12-06T09:00:00Z,3,req-2,GET,"/v1/x\n# count=1 cost_usd=0\n",404,,,0,0,0,1,not_found,,\n';
    let cut = false;
    handler = (req, res) => {
      if (cut) exportBody(res, 'text/csv; charset=utf-8', [rows.slice(0, rows.indexOf('cost_usd=0\n') + 11)]);
      else exportBody(res, 'text/csv; charset=utf-8', [rows.slice(0, 40), rows.slice(40), '# count=2 cost_usd=0.25\n']);
    };
    const x = client().auditExportCsv({ status: 200, provider: 'openai' });
    const body = Buffer.concat(await collect(x)).toString('utf8');
    assert.equal(body, `${rows}# count=2 cost_usd=0.25\n`);
    assert.deepEqual(x.summary, { count: 2, cost_usd: 0.25 });
    assert.equal(hits[0].url, '/v1/audit/export?status=200&provider=openai&format=csv');
    assert.equal(hits[0].headers.accept, 'text/csv');

    // Straight into a Node stream.
    const { pipeline } = await import('node:stream/promises');
    const { Writable } = await import('node:stream');
    let piped = '';
    await pipeline(client().auditExportCsv(), new Writable({ write(c, _e, cb) { piped += c; cb(); } }));
    assert.equal(piped, body);

    cut = true;
    const c2 = client().auditExportCsv();
    const err = await failure(collect(c2));
    assert.equal(err.code, 'export_incomplete');
    assert.equal(c2.summary, null);
  });
});

describe('SSE reader', () => {
  const streamOf = (chunks) =>
    new ReadableStream({
      start(c) {
        for (const s of chunks) c.enqueue(new TextEncoder().encode(s));
        c.close();
      },
    });
  const all = async (chunks) => {
    const out = [];
    for await (const m of readSSE(streamOf(chunks))) out.push(m);
    return out;
  };

  test('split chunks, CRLF, CR, comments, multi-line data', async () => {
    assert.deepEqual(
      await all([': hello\r', '\nevent: del', 'ta\r\ndata: {"text"', ':"a"}\r\n\r', '\ndata: one\ndata: two\n\n', 'event: x\rdata:y\r\r']),
      [
        { event: 'delta', data: '{"text":"a"}' },
        { event: 'message', data: 'one\ntwo' },
        { event: 'x', data: 'y' },
      ],
    );
  });

  test('multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✓\n\n');
    const s = new ReadableStream({
      start(c) {
        for (const b of bytes) c.enqueue(new Uint8Array([b]));
        c.close();
      },
    });
    const out = [];
    for await (const m of readSSE(s)) out.push(m);
    assert.deepEqual(out, [{ event: 'message', data: 'héllo ✓' }]);
  });

  test('an event the body ends before is dropped', async () => {
    assert.deepEqual(await all(['data: whole\n\n', 'data: cut']), [{ event: 'message', data: 'whole' }]);
  });
});
