/**
 * A Server-Sent Events reader over fetch (Node 20 has no EventSource):
 * the parser follows the WHATWG event-stream rules (fields `event`, `data`,
 * `id`, `retry`; comments start with `:`; a blank line dispatches; CR, LF
 * and CRLF all end lines). Used by the rendezvous client and the tests.
 */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
}

export class SseParser {
  private buf = '';
  private event = '';
  private data: string[] = [];
  comments = 0;

  /** Feed decoded text; returns the messages it completed. */
  feed(text: string): SseMessage[] {
    this.buf += text;
    const out: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf.slice(start));
      if (!m) break;
      // A lone CR at the very end may be the first half of CRLF: wait for more.
      if (m[0] === '\r' && start + m.index + 1 === this.buf.length) break;
      const line = this.buf.slice(start, start + m.index);
      start += m.index + m[0].length;
      this.line(line, out);
    }
    this.buf = this.buf.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) { this.comments++; return; }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  /** Resolves when the stream ends (server closed or aborted). */
  readonly done: Promise<void>;
  readonly parser: SseParser;
}

/**
 * GET `url` and call `onMessage` per message until the stream ends or
 * `signal` aborts. Resolves once the response headers arrived; a non-200
 * status resolves too (the caller checks `status`) with the body discarded.
 */
export async function openSse(url: string, signal: AbortSignal, onMessage: (m: SseMessage) => void, onBytes?: () => void): Promise<SseStream> {
  const res = await fetch(url, { signal, headers: { Accept: 'text/event-stream' } });
  const parser = new SseParser();
  if (res.status !== 200 || res.body === null) {
    await res.body?.cancel().catch(() => undefined);
    return { status: res.status, headers: res.headers, done: Promise.resolve(), parser };
  }
  const body = res.body;
  const done = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        onBytes?.();
        for (const m of parser.feed(decoder.decode(chunk, { stream: true }))) onMessage(m);
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  })();
  done.catch(() => undefined);
  return { status: res.status, headers: res.headers, done, parser };
}
