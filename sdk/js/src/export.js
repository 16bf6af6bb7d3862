// GET /v1/audit/export, read as it comes: NDJSON as records, CSV as bytes.
// An export ends with a summary line; one that ends without it was cut, and
// is an error (code export_incomplete), never a shorter export.

import { KaineError } from './errors.js';

const EXPORT_PATH = '/v1/audit/export';

/**
 * The chunks of a body, each wait for one bounded by timeoutMs (the time the
 * consumer takes between chunks is not counted): past it, controller aborts
 * and the read rejects, with `state.timedOut` set.
 * @param {ReadableStream<Uint8Array>} body
 * @param {AbortController} controller
 * @param {number} timeoutMs
 * @param {{timedOut: boolean}} state
 */
async function* timedChunks(body, controller, timeoutMs, state) {
  const reader = body.getReader();
  try {
    for (;;) {
      const timer = setTimeout(() => {
        state.timedOut = true;
        controller.abort(new DOMException(`no data within ${timeoutMs} ms`, 'TimeoutError'));
      }, timeoutMs);
      let chunk;
      try {
        chunk = await reader.read();
      } finally {
        clearTimeout(timer);
      }
      if (chunk.done) return;
      yield chunk.value;
    }
  } finally {
    reader.cancel().catch(() => {});
    try {
      reader.releaseLock();
    } catch {
      // already released
    }
  }
}

/** What an export and its CSV twin share: the call, the reading, the errors. */
class ExportReader {
  /**
   * @param {import('./client.js').Kaine} client
   * @param {Record<string, unknown>} filter
   * @param {object} opts
   * @param {'ndjson'|'csv'} format
   */
  constructor(client, filter, opts, format) {
    this._client = client;
    this._query = { ...filter, format };
    this._accept = format === 'csv' ? 'text/csv' : 'application/x-ndjson';
    this._opts = opts;
    this._iterator = null;
    /** The summary line, `{count, cost_usd}`, once it came. */
    this.summary = null;
    /** The answer's X-Request-Id once it came. */
    this.requestId = null;
    /** The answer's headers once they came. */
    this.headers = null;
  }

  [Symbol.asyncIterator]() {
    if (this._iterator) throw new Error(`an ${this.constructor.name} can be iterated only once`);
    this._iterator = this._read();
    return this._iterator;
  }

  /** @param {string} code @param {string} message @param {unknown} [cause] */
  _error(code, message, cause) {
    return new KaineError({ status: 200, code, message: `GET ${EXPORT_PATH}: ${message}`, requestId: this.requestId, headers: this.headers, cause });
  }

  /**
   * Sends the call and reads its body to the end, giving each chunk to
   * onChunk (whose yields are passed on); then asks finish() whether the
   * export was whole.
   * @param {(chunk: Uint8Array) => Iterable<any>} onChunk
   * @param {() => string|null} cutAfter what came, when the summary did not (null: it did)
   */
  async *_body(onChunk, cutAfter) {
    const client = this._client;
    const timeoutMs = this._opts.timeoutMs ?? client.timeoutMs;
    const sent = await client._send('GET', EXPORT_PATH, { ...this._opts, query: this._query, accept: this._accept, streamBody: true });
    const { response, controller, release } = sent;
    this.headers = response.headers;
    this.requestId = response.headers.get('x-request-id');
    const signal = this._opts.signal;
    const state = { timedOut: false };
    try {
      for await (const chunk of timedChunks(response.body, controller, timeoutMs, state)) {
        yield* onChunk(chunk);
      }
    } catch (err) {
      if (err instanceof KaineError) throw err;
      if (err instanceof SyntaxError) throw this._error('invalid_response', `a line is not JSON: ${err.message}`, err);
      const cut = cutAfter();
      if (cut === null) return; // the summary came: what broke was the end of the body, after it
      if (signal?.aborted && !state.timedOut) throw signal.reason;
      const why = state.timedOut ? `no data within ${timeoutMs} ms` : `the body broke: ${err?.message ?? err}`;
      throw this._error('export_incomplete', `the export broke off after ${cut} (${why}): it is incomplete`, err);
    } finally {
      release();
      controller.abort(); // closes the connection when the consumer left early; a no-op at the end
    }
    const cut = cutAfter();
    if (cut !== null) throw this._error('export_incomplete', `the export ended after ${cut}, before its summary line: it is incomplete`);
  }
}

/**
 * An NDJSON export: iterate it once for the records (`for await (const r of
 * kaine.auditExport(filter))`); after the loop, `summary` is `{count,
 * cost_usd}`. A body that ends before its summary line throws KaineError
 * `export_incomplete`.
 */
export class AuditExport extends ExportReader {
  constructor(client, filter, opts) {
    super(client, filter, opts, 'ndjson');
    /** How many records came so far. */
    this.count = 0;
  }

  _read() {
    const decoder = new TextDecoder('utf-8');
    let buf = '';
    const self = this;
    function* lines(chunk) {
      if (self.summary) return; // nothing follows the summary: read on to the end of the body
      buf += decoder.decode(chunk, { stream: true });
      let start = 0;
      let nl;
      while ((nl = buf.indexOf('\n', start)) !== -1) {
        const line = buf.slice(start, nl).trim();
        start = nl + 1;
        if (line === '') continue;
        const obj = JSON.parse(line);
        if (obj !== null && typeof obj === 'object' && 'summary' in obj) {
          const summary = obj.summary;
          if (summary?.count !== self.count) {
            throw self._error('invalid_response', `the summary counts ${summary?.count} records, ${self.count} came`);
          }
          self.summary = summary;
          return;
        }
        self.count++;
        yield obj;
      }
      buf = buf.slice(start);
    }
    return this._body(lines, () => (this.summary ? null : `${this.count} records`));
  }
}

/**
 * A CSV export: iterate it once for the body's bytes as they come (a header
 * row, a row a record, last `# count=N cost_usd=X`), e.g. straight into
 * `stream.pipeline(exp, fs.createWriteStream(file))`; after the end,
 * `summary` is `{count, cost_usd}`. A body that ends before its summary line
 * throws KaineError `export_incomplete`, after the bytes that came.
 */
export class AuditExportCsv extends ExportReader {
  constructor(client, filter, opts) {
    super(client, filter, opts, 'csv');
  }

  _read() {
    const tail = new CsvTail();
    const self = this;
    function* chunks(chunk) {
      tail.write(chunk);
      yield chunk;
    }
    return this._body(chunks, () => {
      const rows = Math.max(tail.lines - 1, 0); // less the header
      const summary = tail.summary();
      if (summary === null) return `${rows} rows`;
      if (summary.count !== rows - 1) {
        throw self._error('invalid_response', `the summary counts ${summary.count} records, ${rows - 1} rows came`);
      }
      self.summary = summary;
      return null;
    });
  }
}

const QUOTE = 0x22;
const NEWLINE = 0x0a;
const MAX_SUMMARY_LINE = 128;

/**
 * Follows a CSV as it is read, to know its last line: a newline inside a
 * quoted cell does not end a line, so no cell can pass for the summary.
 */
export class CsvTail {
  constructor() {
    this.inQuotes = false;
    /** @type {number[]} the start of the line under way */
    this.line = [];
    /** @type {number[]} the start of the last whole line */
    this.last = [];
    this.long = false;
    this.lastLong = false;
    /** Whole lines so far. */
    this.lines = 0;
  }

  /** @param {Uint8Array} bytes */
  write(bytes) {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === QUOTE) this.inQuotes = !this.inQuotes;
      else if (b === NEWLINE && !this.inQuotes) {
        this.last = this.line;
        this.lastLong = this.long;
        this.line = [];
        this.long = false;
        this.lines++;
        continue;
      }
      if (this.line.length < MAX_SUMMARY_LINE) this.line.push(b);
      else this.long = true;
    }
  }

  /** The last line as `{count, cost_usd}` when the CSV ended right after it; else null. */
  summary() {
    if (this.line.length > 0 || this.long || this.inQuotes || this.lines === 0 || this.lastLong) return null;
    const text = String.fromCharCode(...this.last).replace(/\r$/, '');
    const m = /^# count=(\d+) cost_usd=(-?\d+(?:\.\d+)?)$/.exec(text);
    return m ? { count: Number(m[1]), cost_usd: Number(m[2]) } : null;
  }
}
