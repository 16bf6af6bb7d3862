// Every method of the client against a live gateway (cmd/kaine/sdk_test.go
// starts one with fake providers and sets the variables). Skipped when
// KAINE_BASE_URL is unset.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kaine, KaineError } from '../src/index.js';

const BASE = process.env.KAINE_BASE_URL;
const KEY = process.env.KAINE_API_KEY;
const READ_KEY = process.env.KAINE_READ_KEY;
const skip = BASE ? false : 'KAINE_BASE_URL is unset: no gateway to test against';

const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const isDate = (s) => typeof s === 'string' && !Number.isNaN(Date.parse(s));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Calls fn until pred holds of its answer (at most tries times), and answers the last. */
async function until(fn, pred, tries = 20, everyMs = 250) {
  let last;
  for (let i = 0; i < tries; i++) {
    last = await fn();
    if (pred(last)) return last;
    await sleep(everyMs);
  }
  return last;
}

/** The KaineError fn rejects with. */
async function failure(fn) {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof KaineError, `expected a KaineError, got ${err}`);
    return err;
  }
  assert.fail('the call succeeded');
}

describe('live gateway', { skip, timeout: 120_000 }, () => {
  // The key and base URL come from KAINE_API_KEY and KAINE_BASE_URL.
  const client = new Kaine();

  test('the client reads KAINE_API_KEY and KAINE_BASE_URL', () => {
    assert.equal(client.apiKey, KEY);
    assert.equal(client.baseURL, BASE.replace(/\/+$/, ''));
  });

  test('ping needs no key', async () => {
    const keyless = new Kaine({ apiKey: '', baseURL: BASE });
    assert.deepEqual(await keyless.ping(), { ok: true, version: 'v1' });
    assert.deepEqual(await client.ping(), { ok: true, version: 'v1' });
  });

  test('me', async () => {
    const me = await client.me();
    assert.equal(typeof me.user_id, 'number');
    assert.equal(typeof me.key_id, 'number');
    assert.equal(typeof me.username, 'string');
    assert.ok(me.username.length > 0);
    assert.equal(typeof me.email, 'string');
    assert.deepEqual([...me.scopes].sort(), ['read', 'write']);
  });

  test('usage', async () => {
    const { status } = await client.usage();
    assert.equal(typeof status.tier, 'string');
    for (const f of ['cap_usd', 'used_usd', 'remaining_usd', 'percent', 'reserved_usd']) {
      assert.equal(typeof status[f], 'number', f);
    }
    assert.ok(status.cap_usd > 0);
    assert.ok(status.percent >= 0 && status.percent <= 100);
    assert.equal(status.blocked, false);
  });

  test('providers', async () => {
    const p = await client.providers();
    assert.ok(Array.isArray(p.providers) && p.providers.length > 0);
    for (const prov of p.providers) {
      assert.equal(typeof prov.name, 'string');
      assert.ok(['anthropic', 'gemini', 'openai'].includes(prov.protocol), prov.protocol);
      assert.equal(typeof prov.configured, 'boolean');
      assert.ok(['closed', 'half-open', 'open'].includes(prov.breaker));
      assert.ok(Array.isArray(prov.models));
      assert.equal(typeof prov.unpriced, 'string');
    }
    assert.ok(p.providers.some((x) => x.configured && x.available), 'a provider is available');
    assert.equal(typeof p.routing.auto, 'string');
    assert.ok(Array.isArray(p.routing.default_route) && p.routing.default_route.length > 0);
    assert.ok(Array.isArray(p.routing.cheap_route));
    assert.ok(Array.isArray(p.routing.cheap_task_types));
    assert.equal(typeof p.routing.byok_fee_usd, 'number');
    const step = p.routing.default_route[0];
    assert.equal(typeof step.model, 'string');
    assert.equal(typeof step.provider, 'string');
    assert.equal(typeof step.available, 'boolean');
  });

  test('llm, and its call in the audit log', async () => {
    const requestId = `js-sdk-llm-${unique}`;
    const a = await client.llm({ prompt: 'Say hello in five words.', task_type: 'summarize', max_tokens: 40 }, { requestId });
    assert.equal(a.ok, true);
    assert.equal(typeof a.text, 'string');
    assert.ok(a.text.length > 0);
    for (const f of ['provider', 'model', 'upstream_model']) assert.equal(typeof a[f], 'string', f);
    assert.ok(a.tokens_in > 0);
    assert.ok(a.tokens_out > 0);
    assert.equal(typeof a.cost_usd, 'number');
    assert.ok(a.cost_usd >= 0);

    const list = await until(
      () => client.audit({ limit: 50, endpoint: '/v1/llm' }),
      (l) => l.records.some((r) => r.request_id === requestId),
    );
    assert.equal(list.count, list.records.length);
    assert.ok(list.records.length <= 50);
    for (const r of list.records) assert.equal(r.endpoint, '/v1/llm');
    const rec = list.records.find((r) => r.request_id === requestId);
    assert.ok(rec, 'the call is in the audit log under its request ID');
    assert.equal(rec.method, 'POST');
    assert.equal(rec.status, 200);
    assert.equal(rec.tokens_in, a.tokens_in);
    assert.equal(rec.tokens_out, a.tokens_out);
    assert.equal(rec.provider, a.provider);
    assert.ok(isDate(rec.timestamp));

    const one = await client.audit({ limit: 1 });
    assert.equal(one.records.length, 1);
    assert.equal(one.count, 1);
  });

  test('llmStream: deltas, then the done summary', async () => {
    const stream = client.llmStream({ prompt: 'Say hello, word by word.', max_tokens: 60 });
    const deltas = [];
    let done = null;
    let after = 0;
    for await (const ev of stream) {
      if (done) after++;
      if (ev.type === 'delta') {
        assert.equal(typeof ev.text, 'string');
        deltas.push(ev.text);
      } else {
        assert.equal(ev.type, 'done');
        done = ev;
      }
    }
    assert.equal(after, 0, 'nothing follows done');
    assert.ok(deltas.length > 0, 'at least one delta');
    assert.ok(done, 'a done event');
    const text = deltas.join('');
    assert.ok(text.length > 0);
    if (done.text !== undefined) assert.equal(done.text, text);
    assert.equal(done.ok, true);
    assert.ok(done.tokens_in > 0);
    assert.ok(done.tokens_out > 0);
    assert.equal(typeof done.cost_usd, 'number');
    assert.equal(typeof done.provider, 'string');
    assert.equal(typeof done.model, 'string');
    assert.equal(stream.text, text);
    assert.equal(typeof stream.requestId, 'string');

    // finalAnswer: the summary with the deltas joined as its text.
    const again = client.llmStream({ prompt: 'Say hello again.', max_tokens: 60 });
    const answer = await again.finalAnswer();
    assert.equal(answer.ok, true);
    assert.ok(answer.text.length > 0);
    assert.equal(answer.text, again.text);
    assert.ok(answer.tokens_in > 0 && answer.tokens_out > 0);
    assert.equal(typeof answer.cost_usd, 'number');
  });

  test('leads: create, update, list', async () => {
    const email = `ada-${unique}@example.com`;
    const lead = await client.leads.create({ name: 'Ada Lovelace', email, company: 'Engines Ltd', source: 'js-sdk', notes: 'met at a fair' });
    assert.equal(typeof lead.id, 'number');
    assert.ok(lead.id >= 1);
    assert.equal(lead.name, 'Ada Lovelace');
    assert.equal(lead.email, email);
    assert.equal(lead.company, 'Engines Ltd');
    assert.equal(lead.source, 'js-sdk');
    assert.equal(lead.status, 'new');
    assert.equal(lead.phone, '');
    assert.ok(isDate(lead.created_at) && isDate(lead.updated_at));

    const moved = await client.leads.update(lead.id, { status: 'contacted', notes: 'called back' });
    assert.equal(moved.id, lead.id);
    assert.equal(moved.status, 'contacted');
    assert.equal(moved.notes, 'called back');
    assert.equal(moved.email, email);

    const contacted = await client.leads.list({ status: 'contacted', limit: 500 });
    assert.equal(contacted.count, contacted.leads.length);
    assert.ok(contacted.leads.some((l) => l.id === lead.id));
    assert.ok(contacted.leads.every((l) => l.status === 'contacted'));
    const fresh = await client.leads.list({ status: 'new' });
    assert.ok(!fresh.leads.some((l) => l.id === lead.id));
    const all = await client.leads.list();
    assert.ok(all.leads.some((l) => l.id === lead.id));

    const missing = await failure(() => client.leads.update(999_999_999, { status: 'booked' }));
    assert.equal(missing.status, 404);
    assert.equal(missing.code, 'not_found');
  });

  test('landing pages', async () => {
    const page = await client.landingPages.create({
      business_name: `Friesian Construction ${unique}`,
      description: 'Family-owned commercial construction in Salinas, CA',
      client_email: 'info@friesian.example',
      industry: 'construction',
      tone: 'Professional',
    });
    assert.equal(page.ok, true);
    assert.match(page.filename, /\.html$/);
    assert.ok(page.url.endsWith(`/files/${page.filename}`), page.url);
    assert.doesNotThrow(() => new URL(page.url));
  });

  test('videos: create and get (runway)', async () => {
    const v = await client.videos.create({ prompt: 'Aerial drone shot of a coastal city at golden hour', duration: 5, provider: 'runway' });
    assert.equal(v.ok, true);
    assert.match(v.video_id, /^vid_[0-9a-f]{16}$/);
    assert.equal(v.status, 'queued');
    assert.equal(v.provider, 'runway');
    assert.equal(v.duration, 5);
    assert.equal(v.cost_usd, 0);
    assert.ok(isDate(v.created_at));
    assert.equal(v.finished_at, null);

    const got = await until(() => client.videos.get(v.video_id), (x) => x.status === 'succeeded' || x.status === 'failed');
    assert.equal(got.video_id, v.video_id);
    assert.equal(got.provider, 'runway');
    assert.equal(got.status, 'succeeded');
    assert.equal(typeof got.video_url, 'string');
    assert.ok(got.video_url.length > 0);
    assert.ok(got.cost_usd > 0);
    assert.ok(isDate(got.finished_at));

    const missing = await failure(() => client.videos.get('vid_0000000000000000'));
    assert.equal(missing.status, 404);
    assert.equal(missing.code, 'not_found');
  });

  test('agents: list, run, getRun (sync and async)', async () => {
    const cat = await client.agents.list();
    assert.equal(cat.count, cat.agents.length);
    const crm = cat.agents.find((a) => a.name === 'lead_crm_agent');
    assert.ok(crm, 'lead_crm_agent is in the catalog');
    assert.equal(typeof crm.description, 'string');
    assert.ok(Array.isArray(crm.allowed_tools) && crm.allowed_tools.length > 0);
    assert.ok(['standard', 'complex'].includes(crm.complexity_tier));
    assert.equal(typeof crm.use_extended_thinking, 'boolean');

    const goal = `List my newest leads (${unique}).`;
    const run = await client.agents.run({ agent_name: 'lead_crm_agent', goal });
    assert.equal(run.ok, true);
    assert.equal(run.agent_name, 'lead_crm_agent');
    assert.equal(typeof run.run_id, 'number');
    assert.ok(['completed', 'stopped_cap', 'stopped_step_limit'].includes(run.status), run.status);
    assert.equal(typeof run.summary, 'string');
    assert.ok(run.steps >= 1);
    assert.ok(Array.isArray(run.tool_calls));
    assert.equal(typeof run.revised, 'boolean');
    assert.ok(run.tokens_in > 0 && run.tokens_out > 0);
    assert.equal(typeof run.cost_usd, 'number');

    const got = await client.agents.getRun(run.run_id);
    assert.equal(got.run_id, run.run_id);
    assert.equal(got.goal, goal);
    assert.equal(got.status, run.status);
    assert.ok(Array.isArray(got.history) && got.history.length >= 1);
    assert.equal(typeof got.history[0].tokens_in, 'number');
    assert.ok(isDate(got.created_at));
    assert.ok(isDate(got.finished_at));

    // async: 202 at once, running; then followed to its end.
    const started = await client.agents.run('lead_crm_agent', `Count my leads (${unique}).`, true);
    assert.equal(started.ok, true);
    assert.ok(['running', 'completed'].includes(started.status), started.status);
    assert.notEqual(started.run_id, run.run_id);
    const ended = await until(() => client.agents.getRun(started.run_id), (r) => r.status !== 'running', 40);
    assert.equal(ended.status, 'completed');
    assert.ok(ended.summary.length > 0);

    const missing = await failure(() => client.agents.getRun(999_999_999));
    assert.equal(missing.status, 404);
    const unknown = await failure(() => client.agents.run({ agent_name: 'no_such_agent', goal: 'anything' }));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.code, 'invalid_field');
  });

  test('workflows list the account\'s runs', async () => {
    const v = await client.videos.create({ prompt: 'A lighthouse at dusk', duration: 5, provider: 'runway' });
    const list = await client.workflows.list({ limit: 500 });
    assert.equal(list.count, list.workflows.length);
    const mine = list.workflows.find((w) => w.id === v.video_id);
    assert.ok(mine, 'the video job is a run');
    assert.equal(mine.source, 'kaine');
    assert.equal(typeof mine.name, 'string');
    assert.ok(['queued', 'running', 'waiting', 'success', 'error', 'canceled'].includes(mine.status), mine.status);
    for (const w of list.workflows) assert.ok(['n8n', 'kaine'].includes(w.source));
    const one = await client.workflows.list({ limit: 1 });
    assert.equal(one.workflows.length, 1);
  });

  test('outbox', async () => {
    const box = await client.outbox.list({ limit: 10 });
    assert.ok(Array.isArray(box.messages));
    assert.equal(box.count, box.messages.length);
    assert.ok(box.messages.length <= 10);
    for (const m of box.messages) {
      assert.equal(typeof m.id, 'number');
      assert.ok(['email', 'sms', 'phone', 'booking_link'].includes(m.channel));
      assert.ok(['sent', 'queued_unconfigured', 'failed'].includes(m.status));
      assert.ok(isDate(m.created_at));
    }
    assert.deepEqual(Object.keys(await client.outbox.list()).sort(), ['count', 'messages']);
  });

  test('knowledge: add, list, search, get, delete', async () => {
    const word = `zq${unique}`; // a word no other document has
    const doc = await client.knowledge.add({
      title: `Refund policy ${unique}`,
      text: `Refunds within 30 days of purchase. Ask for the ${word} form at the front desk.`,
      source: '  handbook.pdf  ',
    });
    assert.equal(doc.ok, true);
    assert.equal(typeof doc.id, 'number');
    assert.equal(doc.title, `Refund policy ${unique}`);
    assert.match(doc.text, /30 days/);
    assert.equal(doc.source, 'handbook.pdf', 'source is trimmed');
    assert.ok(isDate(doc.created_at));

    const list = await client.knowledge.list({ limit: 500 });
    assert.equal(list.count, list.documents.length);
    const listed = list.documents.find((d) => d.id === doc.id);
    assert.ok(listed, 'the document is listed');
    assert.equal(listed.title, doc.title);
    assert.ok(!listed.text, 'a listing has no text');
    assert.ok((await client.knowledge.list()).documents.some((d) => d.id === doc.id));

    const found = await client.knowledge.search(`${word} refunds`, { limit: 3 });
    assert.equal(found.count, found.hits.length);
    assert.ok(found.hits.length >= 1 && found.hits.length <= 3);
    const hit = found.hits.find((h) => h.doc_id === doc.id);
    assert.ok(hit, 'the document is a hit');
    assert.equal(hit.title, doc.title);
    assert.ok(hit.snippet.length > 0 && hit.snippet.length <= 300);
    assert.ok(hit.score > 0);
    assert.equal(found.hits[0].doc_id, doc.id, 'its own word ranks it first');

    const got = await client.knowledge.get(doc.id);
    assert.equal(got.ok, true);
    assert.equal(got.id, doc.id);
    assert.equal(got.text, doc.text);

    assert.deepEqual(await client.knowledge.delete(doc.id), { ok: true });
    const gone = await failure(() => client.knowledge.get(doc.id));
    assert.equal(gone.status, 404);
    assert.equal(gone.code, 'not_found');
    assert.ok(!(await client.knowledge.search(word)).hits.some((h) => h.doc_id === doc.id));
    const again = await failure(() => client.knowledge.delete(doc.id));
    assert.equal(again.status, 404);
  });

  test('audit: pages of a small limit hold each record once, newest first; the export counts the same', async () => {
    const collect = async (iterable) => {
      const out = [];
      for await (const x of iterable) out.push(x);
      return out;
    };
    const me = await client.me();
    const since = new Date(Date.now() - 1000);
    // Calls to a path of their own (a document that does not exist): a listing no other test adds to.
    const docId = 2 ** 40 + Math.floor(Math.random() * 2 ** 30);
    const path = `/v1/knowledge/${docId}`;
    const calls = 7;
    for (let i = 0; i < calls; i++) assert.equal((await failure(() => client.knowledge.get(docId))).status, 404);
    const filter = { endpoint: path, key_id: me.key_id, status: 404, since, until: new Date(Date.now() + 3_600_000) };

    // Records are written within 250 ms of the calls' answers.
    const listed = await until(() => collect(client.auditAll({ ...filter, limit: 2 })), (l) => l.length >= calls);
    assert.equal(listed.length, calls);
    assert.equal(new Set(listed.map((r) => r.id)).size, calls, 'each record once');
    for (const [i, r] of listed.entries()) {
      assert.equal(r.endpoint, path);
      assert.equal(r.status, 404);
      assert.equal(r.key_id, me.key_id);
      assert.equal(r.error, 'not_found');
      if (i > 0) assert.ok(Date.parse(r.timestamp) <= Date.parse(listed[i - 1].timestamp), 'newest first');
    }

    // The same pages by hand: at most 2 records each, next_before on all but the last.
    let before;
    let pages = 0;
    let total = 0;
    for (;;) {
      const page = await client.audit({ ...filter, limit: 2, before });
      pages++;
      total += page.records.length;
      assert.equal(page.count, page.records.length);
      assert.ok(page.count <= 2);
      if (page.next_before === undefined) break;
      assert.equal(typeof page.next_before, 'number');
      before = page.next_before;
    }
    assert.equal(total, calls);
    assert.ok(pages >= Math.ceil(calls / 2), `${pages} pages`);

    // A listing by id (no time filter): the same records, ids falling.
    const byId = (await collect(client.auditAll({ endpoint: path, limit: 3 }))).map((r) => r.id);
    assert.deepEqual([...byId].sort((a, b) => b - a), byId);
    assert.deepEqual([...byId].sort(), listed.map((r) => r.id).sort());

    // The export of the same filter: the same records in the same order, counted by its summary.
    const x = client.auditExport(filter);
    const exported = await collect(x);
    assert.deepEqual(exported.map((r) => r.id), listed.map((r) => r.id));
    assert.equal(x.summary.count, listed.length);
    assert.equal(typeof x.summary.cost_usd, 'number');
    assert.equal(typeof x.requestId, 'string');

    // As CSV, with a read key.
    const reader = new Kaine({ apiKey: READ_KEY ?? KEY, baseURL: BASE });
    const csv = reader.auditExportCsv(filter);
    const text = Buffer.concat(await collect(csv)).toString('utf8');
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0], /^id,timestamp,key_id,request_id,/);
    assert.equal(lines.length, calls + 2);
    assert.ok(lines[1].startsWith(`${listed[0].id},`));
    assert.equal(lines.at(-1), `# count=${calls} cost_usd=${csv.summary.cost_usd}`);
    assert.equal(csv.summary.count, calls);

    // A filter on the provider and the model of a call.
    await client.llm({ prompt: 'Say hi', max_tokens: 20 });
    const [rec] = (await until(() => client.audit({ endpoint: '/v1/llm', since, limit: 1 }), (l) => l.count > 0)).records;
    assert.ok(rec.provider && rec.model, JSON.stringify(rec));
    const served = { provider: rec.provider, model: rec.model, since };
    const servedList = await collect(client.auditAll({ ...served, limit: 2 }));
    assert.ok(servedList.some((r) => r.id === rec.id));
    for (const r of servedList) assert.deepEqual([r.provider, r.model], [rec.provider, rec.model]);
    const servedExport = client.auditExport(served);
    assert.equal((await collect(servedExport)).length, servedList.length);
    assert.equal(servedExport.summary.count, servedList.length);

    // An export refused before it starts throws from the iteration's start.
    const refused = await failure(() => collect(client.auditExport({ since, until: since })));
    assert.equal(refused.status, 400);
    assert.equal(refused.code, 'invalid_field');
  });

  test('errors: a write with a read key is 403 insufficient_scope', { skip: READ_KEY ? false : 'KAINE_READ_KEY is unset' }, async () => {
    const reader = new Kaine({ apiKey: READ_KEY, baseURL: BASE });
    const me = await reader.me();
    assert.deepEqual(me.scopes, ['read']);
    const err = await failure(() => reader.leads.create({ name: 'Nobody' }));
    assert.equal(err.status, 403);
    assert.equal(err.code, 'insufficient_scope');
    assert.equal(typeof err.message, 'string');
    assert.ok(err.message.length > 0);
    assert.equal(typeof err.requestId, 'string');
    assert.ok(err.requestId.length > 0);
    assert.equal(err.retryAfter, null);
    assert.equal(err.name, 'KaineError');
    assert.ok(err instanceof Error);
  });

  test('errors: bad bodies are 400, a bad key 401, our request ID comes back', async () => {
    const empty = await failure(() => client.leads.create({}));
    assert.equal(empty.status, 400);
    assert.equal(empty.code, 'missing_fields');
    assert.ok(empty.requestId);

    const noPrompt = await failure(() => client.llm({ prompt: '' }));
    assert.equal(noPrompt.status, 400);
    assert.equal(noPrompt.code, 'missing_fields');

    const badTokens = await failure(() => client.llm({ prompt: 'hi', max_tokens: 0 }, { requestId: `js-sdk-bad-${unique}` }));
    assert.equal(badTokens.status, 400);
    assert.equal(badTokens.code, 'invalid_field');
    assert.equal(badTokens.requestId, `js-sdk-bad-${unique}`);

    const badVideo = await failure(() => client.videos.create({ prompt: 'x', provider: /** @type {any} */ ('nope') }));
    assert.equal(badVideo.status, 400);
    assert.equal(badVideo.code, 'invalid_provider');

    const badLimit = await failure(() => client.audit({ limit: 0 }));
    assert.equal(badLimit.status, 400);
    assert.equal(badLimit.code, 'invalid_field');

    const stranger = new Kaine({ apiKey: 'kn_live_00000000000000000000000000000000', baseURL: BASE });
    const unauth = await failure(() => stranger.me());
    assert.equal(unauth.status, 401);
    assert.equal(unauth.code, 'invalid_api_key');

    const keyless = new Kaine({ apiKey: '', baseURL: BASE });
    const missing = await failure(() => keyless.me());
    assert.equal(missing.status, 401);
    assert.equal(missing.code, 'missing_api_key');
  });
});
