// A 429 from the gateway's rate limit, and the retry that waits it out.
// KAINE_LIMITED_KEY's account takes 60 requests a minute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kaine, KaineError } from '../src/index.js';

const BASE = process.env.KAINE_BASE_URL;
const LIMITED = process.env.KAINE_LIMITED_KEY;
const skip = !BASE ? 'KAINE_BASE_URL is unset: no gateway to test against' : !LIMITED ? 'KAINE_LIMITED_KEY is unset' : false;

/** Calls me() without retries until one is refused; answers that error. */
async function burst() {
  const noRetry = new Kaine({ apiKey: LIMITED, baseURL: BASE, maxRetries: 0 });
  for (let i = 0; i < 150; i++) {
    try {
      await noRetry.me();
    } catch (err) {
      return { err, calls: i + 1 };
    }
  }
  assert.fail('150 quick calls and no 429');
}

test('a 429 carries Retry-After, and a client with retries waits it out', { skip, timeout: 60_000 }, async () => {
  // The gateway could refill a token between the 429 and the next call: then
  // the next call shows no retry, and the burst is made again.
  for (let round = 0; round < 3; round++) {
    const { err, calls } = await burst();
    assert.ok(err instanceof KaineError, String(err));
    assert.equal(err.status, 429);
    assert.equal(err.code, 'rate_limit_exceeded');
    assert.ok(err.retryAfter > 0, `retryAfter ${err.retryAfter}`);
    assert.ok(err.requestId, 'a request ID');
    assert.ok(calls > 1, 'the first call passed');

    const seen = [];
    const recording = async (url, init) => {
      const res = await fetch(url, init);
      seen.push({ status: res.status, retryAfter: Number(res.headers.get('retry-after')) });
      return res;
    };
    const retrying = new Kaine({ apiKey: LIMITED, baseURL: BASE, maxRetries: 2, fetch: recording });
    const t0 = performance.now();
    const me = await retrying.me();
    const elapsed = performance.now() - t0;
    assert.equal(typeof me.user_id, 'number');
    assert.equal(seen.at(-1).status, 200);
    if (seen[0].status !== 429) continue; // a token came back in between: burst again
    assert.ok(seen.length >= 2, 'the 429 was retried');
    assert.ok(seen[0].retryAfter > 0);
    assert.ok(elapsed >= seen[0].retryAfter * 1000 - 5, `took ${elapsed.toFixed(0)} ms, Retry-After ${seen[0].retryAfter} s`);
    return;
  }
  assert.fail('three bursts and no retried 429');
});
