// A server-sent events reader over a fetch body (a ReadableStream of bytes).

/**
 * @typedef {object} SSEMessage
 * @property {string} event the event's name ("message" when none is given)
 * @property {string} data its data lines, joined by "\n"
 * @property {string} [id]
 */

/**
 * Reads the events of a text/event-stream body. Comments and retry fields are
 * skipped; an event is dispatched at each blank line, and one the body ends
 * before is dropped.
 *
 * `waiting(true)` and `waiting(false)` bracket each wait on the body, so the
 * caller can time the wait for each event (and not the time its consumer
 * takes).
 *
 * @param {ReadableStream<Uint8Array>} body
 * @param {{waiting?: (on: boolean) => void}} [hooks]
 * @returns {AsyncGenerator<SSEMessage>}
 */
export async function* readSSE(body, hooks = {}) {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  const waiting = hooks.waiting ?? (() => {});
  let buf = '';
  let event = '';
  let data = [];
  let sawData = false;
  let id;
  let done = false;
  try {
    while (true) {
      // Take every whole line in the buffer.
      let m;
      const pending = [];
      while ((m = /\r\n|\r|\n/.exec(buf)) !== null) {
        // A lone \r at the end may be the first half of \r\n: wait for more.
        if (m[0] === '\r' && m.index === buf.length - 1 && !done) break;
        pending.push(buf.slice(0, m.index));
        buf = buf.slice(m.index + m[0].length);
      }
      for (const line of pending) {
        if (line === '') {
          if (sawData) {
            /** @type {SSEMessage} */
            const msg = { event: event || 'message', data: data.join('\n') };
            if (id !== undefined) msg.id = id;
            yield msg;
          }
          event = '';
          data = [];
          sawData = false;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') {
          data.push(value);
          sawData = true;
        } else if (field === 'id') id = value;
      }
      if (done) break;
      waiting(true);
      let chunk;
      try {
        chunk = await reader.read();
      } finally {
        waiting(false);
      }
      if (chunk.done) {
        // An event not ended by its blank line is dropped, as the SSE
        // standard says: a body cut short must not pass for a whole event.
        done = true;
        buf += decoder.decode();
      } else {
        buf += decoder.decode(chunk.value, { stream: true });
      }
    }
  } finally {
    // Stops the body when the consumer leaves early (break, throw).
    reader.cancel().catch(() => {});
    try {
      reader.releaseLock();
    } catch {
      // already released
    }
  }
}
