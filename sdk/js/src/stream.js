// POST /v1/llm with "stream": true, as an async iterable of events.

import { KaineError, errorFromEvent } from './errors.js';
import { readSSE } from './sse.js';

/**
 * A streamed model call. Iterate it once (`for await (const ev of stream)`):
 * `{type: "delta", text}` for each piece of text, then one
 * `{type: "done", ...summary}`; an `error` event throws KaineError. Or call
 * `finalAnswer()` for the summary with the whole text.
 */
export class LlmStream {
  /**
   * @param {import('./client.js').Kaine} client
   * @param {object} body
   * @param {object} opts
   */
  constructor(client, body, opts) {
    this._client = client;
    this._body = body;
    this._opts = opts;
    this._iterator = null;
    /** The text of the deltas so far. */
    this.text = '';
    /** The done event's summary once it came (without `type`). */
    this.summary = null;
    /** The answer's X-Request-Id once it came. */
    this.requestId = null;
    /** The answer's headers once they came. */
    this.headers = null;
  }

  [Symbol.asyncIterator]() {
    if (this._iterator) throw new Error('an LlmStream can be iterated only once');
    this._iterator = this._events();
    return this._iterator;
  }

  /**
   * Reads the stream to its end (or what is left of it) and answers the done
   * summary with `text` set to the deltas joined.
   * @returns {Promise<object>}
   */
  async finalAnswer() {
    const it = this._iterator ?? this[Symbol.asyncIterator]();
    while (!(await it.next()).done) {
      // events are gathered by _events itself
    }
    if (!this.summary) {
      throw new KaineError({
        status: 0,
        code: 'stream_interrupted',
        message: 'the stream was left before its done event',
        requestId: this.requestId,
      });
    }
    return { ...this.summary, text: this.summary.text ?? this.text };
  }

  async *_events() {
    const client = this._client;
    const timeoutMs = this._opts.timeoutMs ?? client.timeoutMs;
    const sent = await client._send('POST', '/v1/llm', { ...this._opts, body: this._body, stream: true });
    const { response } = sent;
    this.headers = response.headers;
    this.requestId = response.headers.get('x-request-id');

    if (!sent.controller) {
      // A streamed call that ended before any text is answered as JSON.
      const answer = sent.json ?? {};
      const { text, ...summary } = answer;
      if (typeof text === 'string' && text !== '') {
        this.text += text;
        yield { type: 'delta', text };
      }
      this.summary = summary;
      yield { type: 'done', ...summary };
      return;
    }

    const { controller, release } = sent;
    const signal = this._opts.signal;
    let timer = null;
    let timedOut = false;
    const waiting = (on) => {
      // The timeout runs while waiting for the next event, from the first
      // read after the last event to the event itself.
      if (on && timer === null) {
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort(new DOMException(`no event within ${timeoutMs} ms`, 'TimeoutError'));
        }, timeoutMs);
      }
    };
    const stop = () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    };
    let done = false;
    try {
      for await (const msg of readSSE(response.body, { waiting })) {
        stop();
        if (done) continue; // nothing follows done; read on to the end of the body
        if (msg.event === 'delta') {
          const text = JSON.parse(msg.data).text;
          if (typeof text !== 'string' || text === '') continue;
          this.text += text;
          yield { type: 'delta', text };
        } else if (msg.event === 'done') {
          const summary = JSON.parse(msg.data);
          delete summary.type;
          this.summary = summary;
          done = true;
          yield { type: 'done', ...summary };
        } else if (msg.event === 'error') {
          throw errorFromEvent(msg.data, response.headers);
        }
        // other events (none today) are skipped
      }
    } catch (err) {
      if (err instanceof KaineError) throw err;
      if (timedOut) {
        throw new KaineError({
          status: 0,
          code: 'timeout',
          message: `POST /v1/llm: no stream event within ${timeoutMs} ms`,
          requestId: this.requestId,
          cause: err,
        });
      }
      if (signal?.aborted) throw signal.reason;
      throw new KaineError({
        status: 0,
        code: err instanceof SyntaxError ? 'invalid_response' : 'stream_interrupted',
        message: `POST /v1/llm: ${err instanceof SyntaxError ? 'an event is not JSON' : 'the stream broke'}: ${err?.message ?? err}`,
        requestId: this.requestId,
        cause: err,
      });
    } finally {
      stop();
      release();
      // Closes the connection when the consumer left early; a no-op at the end.
      controller.abort();
    }
    if (!done) {
      throw new KaineError({
        status: 0,
        code: 'stream_interrupted',
        message: 'POST /v1/llm: the stream ended before its done event',
        requestId: this.requestId,
      });
    }
  }
}
