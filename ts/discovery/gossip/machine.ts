/**
 * The gossip machine: sans-IO epidemic dissemination of signed peer records
 * (seed 004). `handle(input, now)` returns actions; `nextTimeout()` says when
 * to call `handle({ type: 'timeout' }, now)` next. No sockets, timers or
 * clocks inside; randomness comes from the injected `rng`.
 *
 * `now` is the node's clock in Unix ms (it also checks message timestamps),
 * and must never go back: the driver passes a monotonic wall clock
 * (`performance.timeOrigin + performance.now()`), the simulator its virtual
 * time.
 *
 * Inputs: link-up / link-down (a direct link, named by an opaque id),
 * frame (bytes from a link), timeout, and the commands announce / update /
 * request. Outputs: `send` (a frame to a link) and `event` (something to
 * tell the application). Polling order: call `handle`, perform every action
 * in order, then re-read `nextTimeout()`.
 *
 * Dissemination: PEER_ANNOUNCEMENT and PEER_UPDATE travel the push-lazy-push
 * tree (tree.ts); HEARTBEAT and PEER_REQUEST go to `fanout` random links
 * until their TTL runs out; PEER_LIST_RESPONSE retraces its request's path;
 * HELLO is one hop. Every signed message is checked (signature, ±skew
 * timestamp, Bloom-filter replay) before anything is stored or forwarded.
 */
import { LagoonError } from '../../core/errors.js';
import { AckTracker } from './acks.js';
import { RotatingBloom } from './bloom.js';
import { CONTROL, DROP_REASONS, GOSSIP_LIMITS, ID_BYTES, KIND, gossipConfig, type DropReason, type GossipConfig, type KindName, type SignedKind } from './constants.js';
import { decodeFrame, encodeControl, midOf, signMessage, signRecord, withHop, type Body, type ControlEntry, type PeerRecord, type SignedMessage, type Signer, type Verify } from './messages.js';
import type { ObservedAddress } from './observed.js';
import type { BroadcastInfo, GossipAction, GossipCounters, GossipInput } from './types.js';
import { GossipPeerTable } from './peer-table.js';
export type { BroadcastInfo, GossipAction, GossipCounters, GossipEvent, GossipInput } from './types.js';
import { AgedMap, type RecentMessage, type Route } from './recent.js';
import { Tree } from './tree.js';

export interface GossipMachineOptions {
  readonly signer: Signer;
  readonly verify: Verify;
  /** 32-bit unsigned integers (ts/sim/rng.ts `Rng`, or a crypto-backed one in the driver). */
  readonly rng: { next(): number };
  /** null = silent peer. */
  readonly broadcast: BroadcastInfo | null;
  readonly config?: Parameters<typeof gossipConfig>[0];
  /** Start time (Unix ms). */
  readonly now: number;
}

interface LinkState {
  readonly peerKey: Uint8Array | undefined;
  readonly observed: ObservedAddress | undefined;
  /** The neighbour's key hex once its HELLO arrived. */
  neighbourHex: string | undefined;
  broadcast: boolean;
}

const TREE_KINDS = new Set<number>([KIND.announce, KIND.update]);
const KIND_NAMES = Object.fromEntries(Object.entries(KIND).map(([k, v]) => [v, k])) as Record<SignedKind, KindName>;

export class GossipMachine {
  readonly config: GossipConfig;
  readonly table: GossipPeerTable;
  readonly counters: GossipCounters;
  readonly keyHex: string;
  readonly #o: GossipMachineOptions;
  readonly #bloom: RotatingBloom;
  readonly #tree: Tree;
  readonly #acks: AckTracker;
  readonly #links = new Map<string, LinkState>();
  readonly #recent: AgedMap<RecentMessage>;
  readonly #routes: AgedMap<Route>;
  /** Messages we GRAFTed recently (to learn the tree's lateness from the copies that follow). */
  readonly #grafted: AgedMap<{ readonly at: number }>;
  #info: BroadcastInfo | null;
  #record: PeerRecord | null = null;
  #seq = 0;
  #now: number;
  #nextHeartbeatAt: number;

  constructor(opts: GossipMachineOptions) {
    this.#o = opts;
    this.config = gossipConfig(opts.config);
    const c = this.config;
    this.#now = opts.now;
    this.keyHex = Buffer.from(opts.signer.publicKey).toString('hex');
    this.table = new GossipPeerTable(c.maxPeers, c.peerExpiryMs);
    this.#bloom = new RotatingBloom({ capacity: c.bloomCapacity, falsePositiveRate: c.bloomFalsePositiveRate, rotateMs: c.bloomRotateMs, secret: [opts.rng.next(), opts.rng.next()] }, opts.now);
    this.#tree = new Tree({ graftTimeoutMs: c.graftTimeoutMs, graftTimeoutMaxMs: c.graftTimeoutMaxMs, graftRetryMs: c.graftRetryMs, maxPending: c.maxPendingGrafts });
    this.#acks = new AckTracker({ timeoutMs: c.ackTimeoutMs, maxTries: c.ackMaxTries, maxPending: c.maxPendingAcks });
    this.#recent = new AgedMap(c.messageCacheMax, c.messageCacheMs);
    this.#grafted = new AgedMap(c.maxPendingGrafts, c.messageCacheMs);
    this.#routes = new AgedMap(c.maxRequestRoutes, 2 * c.maxClockSkewMs);
    this.counters = {
      framesIn: 0, accepted: 0, duplicates: 0, dropped: Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>,
      framesOut: 0, payloadsOut: 0, ihavesOut: 0, graftsOut: 0, prunesOut: 0, unroutable: 0, unknownLink: 0, linksRefused: 0, attaches: 0, resends: 0,
    };
    this.#info = opts.broadcast;
    if (this.#info !== null) this.#record = this.#sign(this.#info);
    this.#nextHeartbeatAt = opts.now + c.heartbeatIntervalMs;
  }

  /** Our own signed record, or null for a silent node. */
  get record(): PeerRecord | null { return this.#record; }
  get eagerLinks(): ReadonlySet<string> { return this.#tree.eager; }
  get lazyLinks(): ReadonlySet<string> { return this.#tree.lazy; }
  get bloomStats(): RotatingBloom['stats'] { return this.#bloom.stats; }
  get pendingGrafts(): number { return this.#tree.pending; }

  /** Direct neighbours with what we observed of them; for local use (dial-back, local cache), never for sending on. */
  neighbours(): Array<{ link: string; keyHex: string | undefined; broadcast: boolean; observed: ObservedAddress | undefined }> {
    return [...this.#links].map(([link, s]) => ({ link, keyHex: s.neighbourHex, broadcast: s.broadcast, observed: s.observed }));
  }

  nextTimeout(): number {
    return Math.min(this.#bloom.nextRotationAt, this.#nextHeartbeatAt, this.#tree.nextTimeout() ?? Infinity, this.#acks.nextTimeout() ?? Infinity);
  }

  handle(input: GossipInput, now: number): GossipAction[] {
    if (!(now >= this.#now)) throw LagoonError.invalidArgument(`gossip: now went back (${now} < ${this.#now})`);
    this.#now = now;
    this.#bloom.tick(now);
    const out: GossipAction[] = [];
    switch (input.type) {
      case 'link-up': this.#linkUp(input.link, input.peerKey, input.observed, out); break;
      case 'link-down': this.#linkDown(input.link, out); break;
      case 'frame': this.#frame(input.link, input.frame, out); break;
      case 'timeout': this.#timeout(out); break;
      case 'announce': this.#originate(KIND.announce, out); break;
      case 'update': this.#info = input.info; this.#record = this.#sign(input.info); this.#originate(KIND.update, out); break;
      case 'request': this.#request(input.topic, input.maxResults ?? this.config.maxResponseRecords, out); break;
    }
    return out;
  }

  // ------------------------------------------------------------ commands

  #sign(info: BroadcastInfo): PeerRecord {
    // seq: strictly increasing and above any record we signed before a restart (clock-based floor).
    this.#seq = Math.max(this.#seq + 1, Math.floor(this.#now));
    return signRecord(this.#o.signer, { seq: this.#seq, issuedAtMs: Math.floor(this.#now), capabilities: info.capabilities, addrs: info.addrs, topics: info.topics });
  }

  #newMessage(ttl: number, body: Body): { frame: Uint8Array; mid: string } {
    const id = new Uint8Array(ID_BYTES);
    const v = new DataView(id.buffer);
    for (let i = 0; i < ID_BYTES; i += 4) v.setUint32(i, this.#o.rng.next() >>> 0);
    const frame = signMessage(this.#o.signer, { ttl, timestampMs: Math.floor(this.#now), id, body });
    const mid = midOf(this.#o.signer.publicKey, id);
    this.#bloom.add(mid, this.#now);
    return { frame, mid };
  }

  #originate(kind: typeof KIND.announce | typeof KIND.update, out: GossipAction[]): void {
    if (this.#record === null) throw LagoonError.invalidArgument('gossip: a silent node does not announce');
    const { frame, mid } = this.#newMessage(this.config.ttl[KIND_NAMES[kind] as 'announce' | 'update'], { kind, record: this.#record });
    this.#recent.set(mid, { at: this.#now, frame, from: [], hops: 0 });
    this.#tree.delivered(mid);
    out.push({ type: 'event', event: { type: 'originated', kind: KIND_NAMES[kind], mid } });
    this.#push(frame, mid, 0, undefined, out);
  }

  #request(topic: string, maxResults: number, out: GossipAction[]): void {
    const { frame } = this.#newMessage(this.config.ttl.request, { kind: KIND.request, topic, maxResults });
    for (const link of this.#sample(this.config.fanout, undefined)) this.#send(link, frame, out);
  }

  #linkUp(link: string, peerKey: Uint8Array | undefined, observed: ObservedAddress | undefined, out: GossipAction[]): void {
    if (!this.#links.has(link) && this.#links.size >= this.config.maxLinks) { this.counters.linksRefused++; return; }
    this.#links.set(link, { peerKey, observed, neighbourHex: undefined, broadcast: false });
    this.#tree.linkUp(link);
    const { frame } = this.#newMessage(0, { kind: KIND.hello, capabilities: this.#info?.capabilities ?? 0, fresh: this.#tree.fresh, record: this.#record });
    this.#send(link, frame, out);
  }

  #linkDown(link: string, out: GossipAction[]): void {
    this.#links.delete(link);
    this.#acks.dropLink(link);
    if (!this.#tree.linkDown(link)) return;
    // Outside our own subtree if we can tell; else any lazy link (a wrong guess is repaired by IHAVE/GRAFT).
    const pick = (ls: string[]): string => ls[this.#o.rng.next() % ls.length] as string;
    const best = this.#tree.attachCandidate(pick) ?? pick([...this.#tree.lazy]);
    this.#attach(best, out);
  }

  /** Make `link` our way into the tree: eager here, and GRAFT so it is eager there too, asking for what we are still missing. */
  #attach(link: string, out: GossipAction[]): void {
    this.#tree.makeEager(link);
    this.counters.attaches++;
    const missing = this.#tree.missing(GOSSIP_LIMITS.maxControlIds).map((mid) => ({ mid, hops: 0 }));
    this.#send(link, encodeControl(CONTROL.graft, missing), out);
  }

  #timeout(out: GossipAction[]): void {
    const now = this.#now;
    const due = this.#acks.due(now);
    for (const l of due.silent) this.#tree.makeLazy(l);
    for (const r of due.resend) {
      const frame = this.#recent.get(r.mid, now)?.frame;
      if (frame === undefined || !this.#links.has(r.link)) continue;
      this.counters.payloadsOut++;
      this.counters.resends++;
      this.#send(r.link, frame, out);
    }
    for (const g of this.#tree.due(now)) {
      this.counters.graftsOut++;
      this.#send(g.link, encodeControl(CONTROL.graft, [{ mid: g.mid, hops: 0 }]), out);
      this.#grafted.set(g.mid, { at: now });
      this.#pending(g.mid, g.link, out);
    }
    if (now >= this.#nextHeartbeatAt) {
      this.#nextHeartbeatAt = now + this.config.heartbeatIntervalMs;
      this.table.expire(now);
      this.#recent.sweep(now);
      this.#routes.sweep(now);
      if (this.#record !== null && this.#links.size > 0) {
        const { frame } = this.#newMessage(this.config.ttl.heartbeat, { kind: KIND.heartbeat, seq: this.#record.seq });
        for (const link of this.#sample(this.config.fanout, undefined)) this.#send(link, frame, out);
      }
    }
  }

  // ------------------------------------------------------------ input

  #drop(reason: DropReason, link: string, detail: string, out: GossipAction[]): void {
    this.counters.dropped[reason]++;
    out.push({ type: 'event', event: { type: 'dropped', reason, link, detail } });
  }

  #frame(link: string, bytes: Uint8Array, out: GossipAction[]): void {
    this.counters.framesIn++;
    if (!this.#links.has(link)) { this.counters.unknownLink++; return; }
    const d = decodeFrame(bytes, this.#o.verify);
    if (d.type === 'drop') { this.#drop(d.reason, link, d.detail, out); return; }
    if (d.type === 'control') { this.#control(link, d.kind, d.entries, out); return; }
    const m = d.msg;
    const skew = this.config.maxClockSkewMs;
    if (m.timestampMs < this.#now - skew) { this.#drop('stale', link, `timestamp ${this.#now - m.timestampMs} ms old`, out); return; }
    if (m.timestampMs > this.#now + skew) { this.#drop('future', link, `timestamp ${m.timestampMs - this.#now} ms ahead`, out); return; }
    if (m.kind === KIND.hello) { this.#hello(link, m, out); return; }
    if (this.#bloom.add(m.mid, this.#now)) { this.#seen(link, m, out); return; }
    this.counters.accepted++;
    const ttl = Math.min(m.ttl, this.config.ttl[KIND_NAMES[m.kind] as keyof GossipConfig['ttl']]);
    const tree = TREE_KINDS.has(m.kind);
    // ttl = hops the message may still travel, this one included: forward only if more remain.
    const fwd = ttl > 1 ? withHop(m.frame, ttl - 1, m.hops + 1) : undefined;
    const ihaveAt = tree ? this.#tree.delivered(m.mid, link, m.hops + 1) : undefined;
    this.#recent.set(m.mid, { at: this.#now, frame: tree ? (fwd ?? withHop(m.frame, 0, m.hops + 1)) : undefined, from: [link], hops: m.hops + 1, ihaveAt });
    const originHex = Buffer.from(m.origin).toString('hex');
    out.push({ type: 'event', event: { type: 'delivered', kind: KIND_NAMES[m.kind], originHex, mid: m.mid, hops: m.hops + 1 } });
    const body = m.body;
    if (body.kind === KIND.announce || body.kind === KIND.update) {
      // A tree copy (not the answer to our GRAFT) measures how late the tree runs here.
      if (ihaveAt !== undefined && this.#tree.eager.has(link) && !(this.#grafted.get(m.mid, this.#now) !== undefined)) this.#tree.observeLateness(this.#now - ihaveAt);
      this.#tree.observeDepth(link, m.mid, m.hops);
      this.#tree.makeEager(link);
      this.#send(link, encodeControl(CONTROL.ack, [{ mid: m.mid, hops: 0 }]), out);
      this.#learn(body.record, out);
      if (fwd !== undefined) this.#push(fwd, m.mid, m.hops + 1, link, out);
    } else if (body.kind === KIND.heartbeat) {
      this.table.heard(originHex, this.#now);
      if (fwd !== undefined) for (const l of this.#sample(this.config.fanout, link)) this.#send(l, fwd, out);
    } else if (body.kind === KIND.request) {
      this.#answer(link, m, body, fwd, out);
    } else if (body.kind === KIND.response) {
      this.#response(m, body, fwd, out);
    }
  }

  /** A message key we had already accepted. */
  #seen(link: string, m: SignedMessage, out: GossipAction[]): void {
    const r = this.#recent.get(m.mid, this.#now);
    const again = r !== undefined && r.from.includes(link);
    const tree = TREE_KINDS.has(m.kind);
    // Only tree payloads are ever sent twice on one link (a resend after a lost ACK); anything else is a replay.
    if (again && !tree) { this.#drop('replay', link, 'message already received on this link', out); return; }
    this.counters.duplicates++;
    if (!tree) return;
    const entry = [{ mid: m.mid, hops: 0 }];
    if (again) { this.#send(link, encodeControl(CONTROL.ack, entry), out); return; }
    if (r !== undefined && r.from.length < 4) r.from.push(link);
    // We grafted this, and the tree's own copy came after all: it was late by this much.
    if (r?.ihaveAt !== undefined && (this.#grafted.get(m.mid, this.#now) !== undefined)) this.#tree.observeLateness(this.#now - r.ihaveAt);
    // Plumtree: a second payload on another link means that link is redundant for the tree.
    this.#tree.makeLazy(link);
    this.counters.prunesOut++;
    this.#send(link, encodeControl(CONTROL.prune, entry), out);
  }

  #hello(link: string, m: SignedMessage, out: GossipAction[]): void {
    const s = this.#links.get(link) as LinkState;
    // HELLO is never forwarded, so a second copy of one is a replay whatever link it comes on.
    if (this.#bloom.add(m.mid, this.#now)) { this.#drop('replay', link, 'HELLO seen before', out); return; }
    if (s.peerKey !== undefined && !Buffer.from(s.peerKey).equals(m.origin)) { this.#drop('forged', link, 'HELLO origin is not the key this link proved', out); return; }
    if (m.body.kind !== KIND.hello) return;
    this.counters.accepted++;
    s.neighbourHex = Buffer.from(m.origin).toString('hex');
    s.broadcast = m.body.record !== null;
    if (this.#tree.neighbourHello(link, m.body.fresh)) this.#attach(link, out);
    if (m.body.record !== null) this.#learn(m.body.record, out, true);
  }

  #learn(record: PeerRecord, out: GossipAction[], direct = false): void {
    if (record.keyHex === this.keyHex) return;
    const r = this.table.upsert(record, this.#now, direct);
    if (r === 'new' || r === 'updated') out.push({ type: 'event', event: { type: 'peer', change: r, record } });
  }

  #answer(link: string, m: SignedMessage, body: Extract<Body, { kind: 3 }>, fwd: Uint8Array | undefined, out: GossipAction[]): void {
    this.#routes.set(m.mid, { at: this.#now, link });
    const originHex = Buffer.from(m.origin).toString('hex');
    const records = this.table.best(Math.min(body.maxResults, this.config.maxResponseRecords), body.topic, new Set([originHex]));
    if (this.#record !== null && this.#record.keyHex !== originHex && records.length < body.maxResults
      && (body.topic === '' || this.#record.topics.includes(body.topic))) records.unshift(this.#record);
    if (records.length > 0) {
      const { frame } = this.#newMessage(this.config.ttl.response, { kind: KIND.response, requester: m.origin, requestId: m.id, records: records.slice(0, GOSSIP_LIMITS.maxResponseRecords) });
      this.#send(link, frame, out);
    }
    // A full answer ends the search on this branch, so answers stay bounded by the fan-out, not the mesh.
    if (records.length < body.maxResults && fwd !== undefined) for (const l of this.#sample(this.config.fanout, link)) this.#send(l, fwd, out);
  }

  #response(m: SignedMessage, body: Extract<Body, { kind: 4 }>, fwd: Uint8Array | undefined, out: GossipAction[]): void {
    if (Buffer.from(body.requester).toString('hex') === this.keyHex) {
      for (const r of body.records) this.#learn(r, out);
      out.push({ type: 'event', event: { type: 'response', requestIdHex: Buffer.from(body.requestId).toString('hex'), records: body.records } });
      return;
    }
    const route = this.#routes.get(midOf(body.requester, body.requestId), this.#now);
    if (route === undefined || fwd === undefined || !this.#links.has(route.link)) { this.counters.unroutable++; return; }
    this.#send(route.link, fwd, out);
  }

  #control(link: string, kind: number, entries: readonly ControlEntry[], out: GossipAction[]): void {
    if (kind === CONTROL.ack || kind === CONTROL.prune) {
      for (const e of entries) this.#acks.acked(link, e.mid);
      if (kind === CONTROL.prune) this.#tree.makeLazy(link);
      return;
    }
    if (kind === CONTROL.pending) {
      if (!this.#tree.eager.has(link)) return;
      for (const e of entries) if (!this.#bloom.has(e.mid) && this.#tree.holdOff(e.mid, this.#now)) this.#pending(e.mid, link, out);
      return;
    }
    if (kind === CONTROL.ihave) {
      for (const e of entries) {
        this.#tree.observeDepth(link, e.mid, e.hops);
        if (!this.#bloom.has(e.mid)) this.#tree.ihave(e.mid, link, this.#now);
      }
      return;
    }
    // GRAFT: the link wants payloads again, starting with these (none: just re-join the tree).
    this.#tree.makeEager(link);
    for (const { mid } of entries) {
      const r = this.#recent.get(mid, this.#now);
      if (r?.frame !== undefined) { this.counters.payloadsOut++; this.#acks.expect(link, mid, this.#now); this.#send(link, r.frame, out); }
    }
  }

  // ------------------------------------------------------------ output

  /** Tell our eager links (but `except`) that `mid` is being fetched, so they hold off their own GRAFTs. */
  #pending(mid: string, except: string, out: GossipAction[]): void {
    let frame: Uint8Array | undefined;
    for (const l of this.#tree.eager) {
      if (l === except) continue;
      frame ??= encodeControl(CONTROL.pending, [{ mid, hops: 0 }]);
      this.#send(l, frame, out);
    }
  }

  /** Payload to eager links, the key to lazy ones, never back to `from`. */
  #push(frame: Uint8Array, mid: string, hops: number, from: string | undefined, out: GossipAction[]): void {
    let ihave: Uint8Array | undefined;
    for (const l of this.#tree.eager) {
      if (l === from) continue;
      this.counters.payloadsOut++;
      this.#acks.expect(l, mid, this.#now);
      this.#send(l, frame, out);
    }
    for (const l of this.#tree.lazy) {
      if (l === from) continue;
      ihave ??= encodeControl(CONTROL.ihave, [{ mid, hops }]);
      this.counters.ihavesOut++;
      this.#send(l, ihave, out);
    }
  }

  #send(link: string, frame: Uint8Array, out: GossipAction[]): void {
    this.counters.framesOut++;
    out.push({ type: 'send', link, frame });
  }

  /** Up to `k` distinct random links other than `except`. */
  #sample(k: number, except: string | undefined): string[] {
    const all = [...this.#links.keys()].filter((l) => l !== except);
    for (let i = 0; i < Math.min(k, all.length); i++) {
      const j = i + (this.#o.rng.next() % (all.length - i));
      const t = all[i] as string; all[i] = all[j] as string; all[j] = t;
    }
    return all.slice(0, k);
  }
}
