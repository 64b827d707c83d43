/**
 * Push–lazy-push broadcast tree (Plumtree: Leitão, Pereira, Rodrigues,
 * "Epidemic Broadcast Trees", SRDS 2007), as plain state with no I/O.
 *
 * Each direct link is eager (full payloads go there) or lazy (only message
 * keys, in IHAVE). A payload that arrives twice prunes the second sender to
 * lazy, so the eager links converge on a spanning tree and each node gets
 * about one payload copy per message. A node that hears IHAVE for a message
 * it lacks waits `graftTimeoutMs` for the tree to deliver it, then GRAFTs an
 * announcer (which makes that link eager again and resends the payload),
 * retrying other announcers every `graftRetryMs`. Lost payloads and crashed
 * tree parents are repaired this way.
 *
 * Additions to the paper, each measured in docs/gossip.md: per-hop ACKs
 * (acks.ts); re-attachment at once when the link to our tree parent goes
 * down; and PENDING, a notice a grafting node sends over its eager links so
 * the rest of a cut-off subtree waits for that one GRAFT instead of every
 * member grafting on its own timer.
 *
 * Departure from the paper: a new link starts lazy, and turns eager when
 * both ends are fresh (neither has carried a tree payload yet; each says so
 * in its HELLO). So a mesh that starts together starts all-eager, as in the
 * paper, and its first broadcast carves a shortest-path tree out of the whole
 * overlay; a node that joins (or reboots into) a running mesh hangs off the
 * tree through one GRAFT instead of flooding its neighbours with duplicates.
 */
export interface TreeOptions {
  /** Least wait after the first IHAVE before grafting. */
  readonly graftTimeoutMs: number;
  /** Most wait, however late the tree has been. */
  readonly graftTimeoutMaxMs: number;
  readonly graftRetryMs: number;
  readonly maxPending: number;
}

interface Missing {
  deadline: number;
  /** When we first heard of it. */
  readonly firstAt: number;
  /** A PENDING notice already pushed the deadline back. */
  held: boolean;
  /** Links that announced the message, in arrival order (bounded). */
  readonly sources: string[];
  /** Links already grafted for it. */
  readonly tried: string[];
}

const MAX_SOURCES = 8;
/** GRAFTs to links that did not announce, once the announcers are used up. */
const MAX_EXTRA_TRIES = 4;

export interface Graft { readonly link: string; readonly mid: string }

export class Tree {
  readonly eager = new Set<string>();
  readonly lazy = new Set<string>();
  readonly #missing = new Map<string, Missing>();
  /** Earliest deadline in #missing, or a stale earlier one (then a timeout finds nothing due and recomputes). */
  #nextAt = Infinity;
  /** IHAVEs ignored because maxPending messages were already awaited. */
  pendingFull = 0;
  /** Messages given up on: every link was grafted for them and none delivered. */
  abandoned = 0;

  constructor(private readonly opts: TreeOptions) {}

  get pending(): number { return this.#missing.size; }

  /** Moving estimate of how late the tree delivers after the first IHAVE here, ms (fast up, slow down). */
  #lateness = 0;

  /**
   * The GRAFT wait: the tree's observed lateness at this node plus a quarter,
   * within [graftTimeoutMs, graftTimeoutMaxMs]. Like a TCP retransmission
   * timeout: a node deep in the tree, where tree copies trail the IHAVEs of
   * shorter paths, learns to wait longer instead of grafting copies that were
   * on their way.
   */
  get graftTimeoutMs(): number {
    return Math.min(this.opts.graftTimeoutMaxMs, Math.max(this.opts.graftTimeoutMs, Math.round(this.#lateness * 1.25)));
  }

  /** The tree delivered a message `ms` after its first IHAVE here. */
  observeLateness(ms: number): void {
    this.#lateness = Math.max(ms, this.#lateness * 0.9);
  }

  /** True until this node first carries a tree payload. */
  fresh = true;
  /** The link our latest first-copy payload came on: our parent in the tree for the latest sender. */
  upstream: string | undefined;
  /** The latest message we delivered first-hand and how deep we were in its tree. */
  #latest: { mid: string; depth: number } | undefined;
  /** Per link, the depth of its copy of the latest message (from its payload or IHAVE). */
  readonly #depthOf = new Map<string, { mid: string; depth: number }>();

  /** `link` holds a copy of `mid` at `depth` hops from its sender. */
  observeDepth(link: string, mid: string, depth: number): void {
    this.#depthOf.set(link, { mid, depth });
  }

  /**
   * A lazy link to re-attach through that is outside our own (cut-off)
   * subtree. Best: one that announced a message we still lack (nobody cut off
   * with us has it). Else one whose copy of the latest message was no deeper
   * than ours, so it did not come through us (the shallowest). Undefined if
   * neither exists.
   */
  attachCandidate(pick: (links: string[]) => string): string | undefined {
    const holders = new Set<string>();
    for (const m of this.#missing.values()) for (const l of m.sources) if (this.lazy.has(l)) holders.add(l);
    if (holders.size > 0) return pick([...holders]);
    const latest = this.#latest;
    if (latest === undefined) return undefined;
    let best: string[] = [];
    let bestDepth = Infinity;
    for (const l of this.lazy) {
      const d = this.#depthOf.get(l);
      if (d === undefined || d.mid !== latest.mid || d.depth > latest.depth) continue;
      if (d.depth < bestDepth) { bestDepth = d.depth; best = [l]; } else if (d.depth === bestDepth) best.push(l);
    }
    return best.length === 0 ? undefined : pick(best);
  }

  linkUp(link: string): void {
    if (!this.eager.has(link)) this.lazy.add(link);
  }

  /**
   * The neighbour's HELLO arrived. Both fresh means cold start: the link
   * carries payloads. A neighbour already in a tree while we have no eager
   * link: attach through it (returns true; the caller sends GRAFT).
   */
  neighbourHello(link: string, neighbourFresh: boolean): boolean {
    if (!this.lazy.has(link)) return false;
    if (this.fresh && neighbourFresh) { this.makeEager(link); return false; }
    if (!neighbourFresh && this.eager.size === 0) { this.makeEager(link); return true; }
    return false;
  }

  /**
   * The link is gone. True when it was our way into the tree (the link our
   * latest payload came on, or our last eager link): the caller should
   * re-attach through a lazy link at once, rather than let the whole cut-off
   * subtree find out by GRAFT timeouts at the next broadcast.
   */
  linkDown(link: string): boolean {
    const wasEager = this.eager.delete(link);
    this.#depthOf.delete(link);
    const upstream = link === this.upstream;
    if (upstream) this.upstream = undefined;
    this.lazy.delete(link);
    for (const m of this.#missing.values()) {
      const i = m.sources.indexOf(link);
      if (i >= 0) m.sources.splice(i, 1);
    }
    return wasEager && (upstream || this.eager.size === 0) && this.lazy.size > 0;
  }

  /** A link's traffic shows it belongs in the tree (it sent a first payload, or GRAFTed us). */
  makeEager(link: string): void {
    if (!this.lazy.delete(link) && this.eager.has(link)) return;
    this.eager.add(link);
  }

  /** A duplicate payload came from `link` or it sent PRUNE: keys only from now on. */
  makeLazy(link: string): void {
    if (this.eager.delete(link)) this.lazy.add(link);
  }

  /**
   * The message arrived (first copy, on `from` at `depth`; no `from` for our
   * own): stop waiting for it. Returns when we first heard of it, if we had.
   */
  delivered(mid: string, from?: string, depth = 0): number | undefined {
    this.fresh = false;
    this.upstream = from;
    this.#latest = { mid, depth };
    const m = this.#missing.get(mid);
    this.#missing.delete(mid);
    return m?.firstAt;
  }

  /** `link` announced a message we lack. */
  ihave(mid: string, link: string, now: number): void {
    const m = this.#missing.get(mid);
    if (m !== undefined) {
      if (m.sources.length < MAX_SOURCES && !m.sources.includes(link) && !m.tried.includes(link)) m.sources.push(link);
      return;
    }
    if (this.#missing.size >= this.opts.maxPending) { this.pendingFull++; return; }
    const deadline = now + this.graftTimeoutMs;
    this.#missing.set(mid, { deadline, firstAt: now, held: false, sources: [link], tried: [] });
    if (deadline < this.#nextAt) this.#nextAt = deadline;
  }

  /**
   * An eager neighbour is fetching `mid` by GRAFT for the part of the tree we
   * share with it: wait for that instead of grafting too (once per message).
   * True when we were waiting for it, so the notice should go on.
   */
  holdOff(mid: string, now: number): boolean {
    const m = this.#missing.get(mid);
    const deadline = now + this.graftTimeoutMs;
    if (m === undefined) {
      // Not heard of yet: its IHAVEs are probably on the way; wait as if they had come now.
      if (this.#missing.size >= this.opts.maxPending) { this.pendingFull++; return false; }
      this.#missing.set(mid, { deadline, firstAt: now, held: true, sources: [], tried: [] });
      if (deadline < this.#nextAt) this.#nextAt = deadline;
      return true;
    }
    if (m.held) return false;
    m.held = true;
    m.deadline = Math.max(m.deadline, deadline);
    return true;
  }

  /** A link not yet grafted for `m`, at most MAX_EXTRA_TRIES beyond the announcers. */
  #untried(m: Missing): string | undefined {
    if (m.tried.length >= MAX_SOURCES + MAX_EXTRA_TRIES) return undefined;
    for (const l of this.eager) if (!m.tried.includes(l)) return l;
    for (const l of this.lazy) if (!m.tried.includes(l)) return l;
    return undefined;
  }

  /** Up to `n` messages we heard of but lack (to ask for when attaching to a new link). */
  missing(n: number): string[] {
    const out: string[] = [];
    for (const mid of this.#missing.keys()) { if (out.length >= n) break; out.push(mid); }
    return out;
  }

  nextTimeout(): number | undefined {
    return this.#nextAt === Infinity ? undefined : this.#nextAt;
  }

  /** GRAFTs due at `now`; each makes its link eager. A message with no announcer left is forgotten. */
  due(now: number): Graft[] {
    if (now < this.#nextAt) return [];
    const out: Graft[] = [];
    let next = Infinity;
    for (const [mid, m] of this.#missing) {
      if (m.deadline <= now) {
        // Announcers first; when they are used up, any other link (most neighbours are in the tree and have it, or will forward it once grafted).
        const link = m.sources.shift() ?? this.#untried(m);
        if (link === undefined) { this.#missing.delete(mid); this.abandoned++; continue; }
        m.tried.push(link);
        this.makeEager(link);
        out.push({ link, mid });
        m.deadline = now + this.opts.graftRetryMs;
      }
      if (m.deadline < next) next = m.deadline;
    }
    this.#nextAt = next;
    return out;
  }
}
