/**
 * Per-hop acknowledgement of tree payloads. A payload sent on an eager link
 * is expected to be acknowledged (ACK on first receipt, PRUNE when it was a
 * duplicate); without either within `ackTimeoutMs` it is sent again, up to
 * `maxTries` times; a link that never answers is made lazy (it is probably
 * dead; if not, it GRAFTs when it hears an IHAVE). On lossy datagram links this repairs a lost payload in
 * one timeout instead of waiting for the whole subtree below the loss to
 * notice through IHAVE and GRAFT; on reliable links (TCP) it costs one small
 * frame per payload and never fires.
 */
export interface AckOptions {
  readonly timeoutMs: number;
  readonly maxTries: number;
  readonly maxPending: number;
}

interface Pending {
  readonly link: string;
  readonly mid: string;
  deadline: number;
  tries: number;
}

export interface Resend { readonly link: string; readonly mid: string }
export interface Due {
  readonly resend: Resend[];
  /** Links that left a payload unacknowledged after every try: probably dead, so payloads stop going there. */
  readonly silent: string[];
}

export class AckTracker {
  readonly #pending = new Map<string, Pending>();
  #nextAt = Infinity;
  /** Payloads not tracked because maxPending were in flight. */
  full = 0;
  /** Payloads given up on after maxTries. */
  gaveUp = 0;

  constructor(private readonly opts: AckOptions) {}

  get size(): number { return this.#pending.size; }

  expect(link: string, mid: string, now: number): void {
    const key = `${link}\u0000${mid}`;
    if (this.#pending.has(key)) return;
    if (this.#pending.size >= this.opts.maxPending) { this.full++; return; }
    const deadline = now + this.opts.timeoutMs;
    this.#pending.set(key, { link, mid, deadline, tries: 1 });
    if (deadline < this.#nextAt) this.#nextAt = deadline;
  }

  acked(link: string, mid: string): void {
    this.#pending.delete(`${link}\u0000${mid}`);
  }

  dropLink(link: string): void {
    for (const [k, p] of this.#pending) if (p.link === link) this.#pending.delete(k);
  }

  nextTimeout(): number | undefined {
    return this.#nextAt === Infinity ? undefined : this.#nextAt;
  }

  /** Payloads to send again now, and links that never answered. */
  due(now: number): Due {
    if (now < this.#nextAt) return { resend: [], silent: [] };
    const out: Resend[] = [];
    const silent: string[] = [];
    let next = Infinity;
    for (const [k, p] of this.#pending) {
      if (p.deadline <= now) {
        if (p.tries >= this.opts.maxTries) { this.#pending.delete(k); this.gaveUp++; silent.push(p.link); continue; }
        p.tries++;
        p.deadline = now + this.opts.timeoutMs;
        out.push({ link: p.link, mid: p.mid });
      }
      if (p.deadline < next) next = p.deadline;
    }
    this.#nextAt = next;
    return { resend: out, silent };
  }
}
