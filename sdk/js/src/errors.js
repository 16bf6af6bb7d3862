// The one error type of the SDK, and how an answer becomes one.

/** The status the contract gives each error code (each code has one). */
export const STATUS_OF_CODE = Object.freeze({
  missing_fields: 400,
  invalid_json: 400,
  invalid_field: 400,
  invalid_provider: 400,
  missing_api_key: 401,
  invalid_api_key: 401,
  revoked_api_key: 401,
  insufficient_scope: 403,
  not_found: 404,
  method_not_allowed: 405,
  body_too_large: 413,
  usage_cap_reached: 429,
  rate_limit_exceeded: 429,
  provider_error: 500,
  generation_failed: 500,
  internal_error: 500,
  store_unavailable: 503,
  client_closed_request: 499,
});

/**
 * An error answered by the gateway (status > 0), or a call that got no usable
 * answer (status 0: code `timeout`, `connection_error`, `invalid_response`,
 * `stream_interrupted`).
 */
export class KaineError extends Error {
  /**
   * @param {object} f
   * @param {number} f.status
   * @param {string} f.code
   * @param {string} f.message
   * @param {string|null} [f.requestId]
   * @param {number|null} [f.retryAfter]
   * @param {string|null} [f.docs]
   * @param {unknown} [f.body]
   * @param {Headers|null} [f.headers]
   * @param {unknown} [f.cause]
   */
  constructor({ status, code, message, requestId = null, retryAfter = null, docs = null, body = undefined, headers = null, cause = undefined }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'KaineError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
    this.docs = docs;
    this.body = body;
    this.headers = headers;
  }
}

/**
 * Seconds to wait from a Retry-After header (delta-seconds or an HTTP date);
 * null when absent or unreadable.
 * @param {string|null} value
 * @returns {number|null}
 */
export function parseRetryAfter(value) {
  if (value == null) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const when = Date.parse(v);
  if (Number.isNaN(when)) return null;
  return Math.max(0, (when - Date.now()) / 1000);
}

/**
 * The `detail` of a Kaine error body, or null when the body is not that shape.
 * @param {unknown} body
 */
export function detailOf(body) {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const d = /** @type {any} */ (body).detail;
    if (d && typeof d === 'object' && typeof d.error === 'string' && d.error !== '') return d;
  }
  return null;
}

/**
 * The KaineError for a non-2xx answer whose body text has been read.
 * @param {number} status
 * @param {Headers} headers
 * @param {string} text
 */
export function errorFromResponse(status, headers, text) {
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  const detail = detailOf(body);
  const retryAfter = status === 429 || status === 503 ? parseRetryAfter(headers.get('retry-after')) : null;
  let message;
  if (detail) {
    message = typeof detail.message === 'string' && detail.message !== '' ? detail.message : detail.error;
  } else {
    const snippet = typeof text === 'string' ? text.trim().slice(0, 200) : '';
    message = snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`;
  }
  return new KaineError({
    status,
    code: detail ? detail.error : `http_${status}`,
    message,
    requestId: headers.get('x-request-id'),
    retryAfter,
    docs: detail && typeof detail.docs === 'string' ? detail.docs : null,
    body,
    headers,
  });
}

/**
 * The KaineError for a stream's `error` event, whose HTTP status (200) was
 * sent before the failure: the status is the one the contract gives its code.
 * @param {string} data the event's data
 * @param {Headers} headers the stream's answer headers
 */
export function errorFromEvent(data, headers) {
  let body = data;
  try {
    body = JSON.parse(data);
  } catch {
    // not JSON
  }
  const detail = detailOf(body);
  const code = detail ? detail.error : 'stream_error';
  return new KaineError({
    status: detail ? STATUS_OF_CODE[code] ?? 500 : 500,
    code,
    message: detail ? detail.message || code : `stream error: ${String(data).slice(0, 200)}`,
    requestId: headers.get('x-request-id'),
    retryAfter: null,
    docs: detail && typeof detail.docs === 'string' ? detail.docs : null,
    body,
    headers,
  });
}
