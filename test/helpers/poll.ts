/**
 * Reading real server processes' HTTP state, and polling it until it reaches
 * what a test waits for: the one loop the node, mesh, federation and peer
 * cache tests share. Each poll is a real request; the pause between polls only
 * keeps a loaded machine from being hammered, it synchronises nothing.
 */

/** GET `path` on a local HTTP port as JSON. A fresh signal per request: fetch leaves its listener on a long-lived one. */
export async function httpJson<T>(httpPort: number, path: string, timeoutMs = 10_000): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${httpPort}${path}`, { signal: AbortSignal.timeout(timeoutMs) })).json()) as T;
}

/**
 * fetch's failure on a keep-alive connection the server closed as fetch reused it (undici throws TypeError
 * 'fetch failed' with the socket error as cause): a transport hiccup, not the server's answer. A refused
 * connection is not one of them: nobody listens.
 */
export function isFetchFailure(err: unknown): boolean {
  if (!(err instanceof TypeError) || err.message !== 'fetch failed') return false;
  const cause = err.cause as { code?: string } | undefined;
  return cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'EPIPE';
}

export interface PollOptions {
  readonly signal: AbortSignal;
  /** What is polled, for the error. */
  readonly what: string;
  /** Pause between polls. */
  readonly paceMs?: number;
  /** At most this many polls, whatever the signal says. */
  readonly maxPolls?: number;
}

/**
 * Read until `check` returns null (what the test waits for holds) and return that reading. `check` returns why not
 * otherwise, which the error repeats; `holds` turns a boolean predicate into one. A failed read is polled again only
 * when it is a reused connection's hiccup (isFetchFailure); any other error is thrown at once.
 */
export async function pollUntil<T>(read: () => Promise<T>, check: (v: T) => string | null, o: PollOptions): Promise<T> {
  const max = o.maxPolls ?? 10_000;
  let why = 'not read yet';
  for (let i = 0; i < max && !o.signal.aborted; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, o.paceMs ?? 10));
    let v: T;
    try {
      v = await read();
    } catch (err) {
      if (!isFetchFailure(err)) throw err;
      why = `request failed: ${String((err as Error).cause ?? err)}`;
      continue;
    }
    const not = check(v);
    if (not === null) return v;
    why = not;
  }
  throw new Error(`${o.what} never reached the expected state${o.signal.aborted ? ` (${String(o.signal.reason)})` : ` in ${max} polls`}: ${why}`);
}

/** A boolean predicate as a `check`. */
export const holds = <T>(pred: (v: T) => boolean): ((v: T) => string | null) => (v) => (pred(v) ? null : `last reading: ${JSON.stringify(v).slice(0, 300)}`);
