/**
 * The federation protocol as a sans-IO machine: visit state per remote
 * server, driven by decoded, signature-checked mesh messages.
 *
 * Two roles run in one machine:
 * - home: our users visit `#room:server`. Per remote server: link state
 *   (linking → proving → ready) and one session per visiting user
 *   (waiting → opening → open), with that user's commands queued until
 *   the session is open. One mesh link per server carries every session.
 * - host: other servers' users visit our rooms; the IRC machine owns those
 *   visitor clients, this machine only checks that the peer proved its name
 *   and passes the messages on.
 *
 * Inputs (each takes monotonic `now` in ms, never going back): `command`,
 * `nickChange`, `leave` (from our IRC machine, home side); `hostOpened`,
 * `hostClosed`, `hostDeliver` (from our IRC machine, host side); `linked`,
 * `linkFailed`, `peerDown`, `messages` (from the driver); `defederate`,
 * `refederate`; `handleTimeout`. Each returns the actions to perform, in
 * order. `nextTimeout()` gives the earliest deadline.
 */
import { LagoonError } from '../core/errors.js';
import { FEDERATION_LIMITS } from './constants.js';
import type { FedMessage, VisitorId } from './messages.js';
import { meshAddressOf, canonicalServerName } from './server-name.js';
import type { SiteRecordWire } from './site-record.js';
import { judgeSiteRecord, type FederationState } from './trust.js';

export interface VisitorInfo { readonly nick: string; readonly user: string; readonly realname: string; readonly caps: readonly string[] }

/** A command a home user sends to a remote server. */
export type Outgoing = { kind: 'line'; line: string } | { kind: 'nick'; nick: string };

export type FailKind = 'unreachable' | 'unproven' | 'denied' | 'busy' | 'refused';

export interface Origin { readonly server: string; readonly peerId: string }

export type IrcFedEvent =
  // home side
  | { kind: 'deliver'; server: string; to: VisitorId[]; line: string }
  | { kind: 'failed'; server: string; vid: VisitorId; item: Outgoing; fail: FailKind; text: string }
  | { kind: 'ended'; server: string; vid: VisitorId; reason: string }
  // host side
  | { kind: 'open'; origin: Origin; vid: VisitorId; info: VisitorInfo }
  | { kind: 'line'; origin: Origin; vid: VisitorId; line: string }
  | { kind: 'nick'; origin: Origin; vid: VisitorId; nick: string }
  | { kind: 'close'; origin: Origin; vid: VisitorId; reason: string }
  | { kind: 'gone'; origin: Origin; reason: string };

export type FedAction =
  | { type: 'dial'; server: string; address: string }
  | { type: 'send'; peerId: string; msg: FedMessage }
  | { type: 'irc'; ev: IrcFedEvent }
  /** Persistent state (pins, denied list) changed: save it. */
  | { type: 'persist' };

export interface FederationMachineOptions {
  readonly ownName: string;
  readonly ownRecord: SiteRecordWire;
  /** Configured `name → site key hex` (LAGOON_FEDERATION_TRUST). */
  readonly trust: ReadonlyMap<string, string>;
  readonly tofu: boolean;
  /** LAGOON_FEDERATION_DENY: refused regardless of REFEDERATE. */
  readonly configDenied: ReadonlySet<string>;
  /** Link set-up (dial + site proof) limit, ms. */
  readonly connectTimeoutMs: number;
  readonly state: FederationState;
}

interface Session { state: 'waiting' | 'opening' | 'open'; readonly info: VisitorInfo; queue: Outgoing[]; openBy: number }

interface Remote {
  readonly name: string;
  state: 'linking' | 'proving' | 'ready';
  peerId: string | null;
  deadline: number;
  readonly sessions: Map<VisitorId, Session>;
  queued: number;
}

interface Peer { proven: string | null }

export interface FederationCounters {
  messagesIn: number;
  messagesOut: number;
  /** Messages dropped: from a peer that has not proved a name, or for a visitor we don't know. */
  dropped: number;
  siteRecordsRejected: number;
  visitsFailed: number;
  linksLost: number;
}

export class FederationMachine {
  readonly counters: FederationCounters = { messagesIn: 0, messagesOut: 0, dropped: 0, siteRecordsRejected: 0, visitsFailed: 0, linksLost: 0 };
  private readonly remotes = new Map<string, Remote>();
  private readonly peers = new Map<string, Peer>();
  private readonly denied: Set<string>;
  private out: FedAction[] = [];
  private lastNow = -Infinity;

  constructor(private readonly opts: FederationMachineOptions) {
    this.denied = new Set(opts.state.denied);
  }

  get state(): FederationState { return this.opts.state; }

  isDenied(server: string): boolean { return this.denied.has(server) || this.opts.configDenied.has(server); }
  deniedList(): string[] { return [...new Set([...this.opts.configDenied, ...this.denied])].sort(); }

  /** Remote servers we are linked or linking to (home side), with the visitors on each. */
  status(): { server: string; state: string; peerId: string | null; visitors: number }[] {
    return [...this.remotes.values()].map((r) => ({ server: r.name, state: r.state, peerId: r.peerId, visitors: r.sessions.size }));
  }

  // ---- home side: our users --------------------------------------------

  command(server: string, vid: VisitorId, info: VisitorInfo, item: Outgoing, now: number): FedAction[] {
    this.advance(now);
    if (this.isDenied(server)) return this.fail1(server, vid, item, 'denied', `federation with ${server} is refused by this server's operator`);
    let r = this.remotes.get(server);
    if (r === undefined) {
      if (this.remotes.size >= FEDERATION_LIMITS.maxServers) return this.fail1(server, vid, item, 'busy', 'too many remote servers at once');
      r = { name: server, state: 'linking', peerId: null, deadline: now + this.opts.connectTimeoutMs, sessions: new Map(), queued: 0 };
      this.remotes.set(server, r);
      this.out.push({ type: 'dial', server, address: meshAddressOf(server) });
    }
    let s = r.sessions.get(vid);
    if (s === undefined) {
      s = { state: 'waiting', info, queue: [], openBy: Infinity };
      r.sessions.set(vid, s);
      if (r.state === 'ready') this.open(r, vid, s);
    }
    if (s.state === 'open') this.sendItem(r, vid, item);
    else if (r.queued >= FEDERATION_LIMITS.maxQueuedPerServer) this.fail1(server, vid, item, 'busy', `too many commands waiting for ${server}`);
    else { s.queue.push(item); r.queued++; }
    return this.flush();
  }

  nickChange(vid: VisitorId, nick: string, now: number): FedAction[] {
    this.advance(now);
    for (const r of this.remotes.values()) {
      const s = r.sessions.get(vid);
      if (s === undefined) continue;
      if (s.state === 'open') this.sendItem(r, vid, { kind: 'nick', nick });
      else { s.queue.push({ kind: 'nick', nick }); r.queued++; }
    }
    return this.flush();
  }

  /** Our user quit: end their sessions everywhere. */
  leave(vid: VisitorId, reason: string, now: number): FedAction[] {
    this.advance(now);
    for (const r of this.remotes.values()) {
      const s = r.sessions.get(vid);
      if (s === undefined) continue;
      r.queued -= s.queue.length;
      r.sessions.delete(vid);
      if (s.state !== 'waiting' && r.peerId !== null) this.send(r.peerId, { t: 'close', vid, reason });
    }
    return this.flush();
  }

  // ---- host side: visitors in our rooms (the IRC machine decided) --------

  hostOpened(peerId: string, vid: VisitorId, now: number): FedAction[] {
    this.advance(now);
    this.send(peerId, { t: 'opened', vid });
    return this.flush();
  }

  hostClosed(peerId: string, vid: VisitorId, reason: string, now: number): FedAction[] {
    this.advance(now);
    this.send(peerId, { t: 'closed', vid, reason });
    return this.flush();
  }

  hostDeliver(peerId: string, to: VisitorId[], line: string, now: number): FedAction[] {
    this.advance(now);
    this.send(peerId, { t: 'deliver', to, line });
    return this.flush();
  }

  // ---- driver: links and messages -------------------------------------------

  /** The dial for `server` reached `peerId` (authenticated, HELLO done). */
  linked(server: string, peerId: string, now: number): FedAction[] {
    this.advance(now);
    const r = this.remotes.get(server);
    if (r === undefined || r.state !== 'linking') return this.flush();
    r.state = 'proving';
    r.peerId = peerId;
    const p = this.peer(peerId);
    if (p.proven !== null) this.settle(r, p.proven);
    else this.sendSite(peerId, true);
    return this.flush();
  }

  linkFailed(server: string, reason: string, now: number): FedAction[] {
    this.advance(now);
    const r = this.remotes.get(server);
    if (r !== undefined && r.state === 'linking') this.failRemote(r, 'unreachable', `cannot reach ${server}: ${reason}`);
    return this.flush();
  }

  peerDown(peerId: string, reason: string, now: number): FedAction[] {
    this.advance(now);
    this.endPeer(peerId, `link to the server lost (${reason})`);
    return this.flush();
  }

  messages(peerId: string, msgs: readonly FedMessage[], now: number): FedAction[] {
    this.advance(now);
    for (const m of msgs) {
      this.counters.messagesIn++;
      const p = this.peer(peerId);
      if (m.t === 'site') { this.onSite(peerId, p, m.record, m.ask); continue; }
      if (p.proven === null) { this.counters.dropped++; continue; }
      this.onProven(peerId, p.proven, m);
    }
    return this.flush();
  }

  defederate(server: string, now: number): FedAction[] {
    this.advance(now);
    if (!this.denied.has(server)) {
      this.denied.add(server);
      this.opts.state.denied = [...this.denied].sort();
      this.out.push({ type: 'persist' });
    }
    this.cutServer(server, `federation with ${server} ended by this server's operator`);
    return this.flush();
  }

  /** False when the server stays refused because the config list names it. */
  refederate(server: string, now: number): { ok: boolean; actions: FedAction[] } {
    this.advance(now);
    if (this.denied.delete(server)) {
      this.opts.state.denied = [...this.denied].sort();
      this.out.push({ type: 'persist' });
    }
    return { ok: !this.opts.configDenied.has(server), actions: this.flush() };
  }

  handleTimeout(now: number): FedAction[] {
    this.advance(now);
    for (const r of [...this.remotes.values()]) {
      if (r.deadline > now) continue;
      if (r.state !== 'ready') {
        this.failRemote(r, r.state === 'linking' ? 'unreachable' : 'unproven',
          `${r.name} did not ${r.state === 'linking' ? 'answer' : 'prove its name'} within ${this.opts.connectTimeoutMs} ms`);
        continue;
      }
      // Ready: `deadline` is the earliest unanswered open (lazily kept; a stale one only costs this scan).
      r.deadline = Infinity;
      for (const [vid, s] of [...r.sessions]) {
        if (s.state !== 'opening') continue;
        if (s.openBy > now) { r.deadline = Math.min(r.deadline, s.openBy); continue; }
        this.endSession(r, vid, s, 'unreachable', `${r.name} did not answer the visit within ${this.opts.connectTimeoutMs} ms`);
        this.send(r.peerId!, { t: 'close', vid, reason: 'visit timed out' }); // in case the host did open it
      }
    }
    return this.flush();
  }

  /** Earliest deadline: a link being set up, or a session open not yet answered. */
  nextTimeout(): number | undefined {
    let at = Infinity;
    for (const r of this.remotes.values()) if (r.deadline < at) at = r.deadline;
    return at === Infinity ? undefined : at;
  }

  // ---- internals --------------------------------------------------------------

  private onSite(peerId: string, p: Peer, rec: SiteRecordWire, ask: boolean): void {
    const why = this.judge(peerId, p, rec);
    if (why !== null) {
      this.counters.siteRecordsRejected++;
      for (const r of this.remotes.values()) if (r.peerId === peerId && r.state === 'proving') this.failRemote(r, 'unproven', why);
      return;
    }
    const site = canonicalServerName(rec.site)!;
    p.proven = site;
    if (ask) this.sendSite(peerId, false);
    if (this.isDenied(site)) { this.send(peerId, { t: 'bye', reason: 'defederated' }); }
    for (const r of [...this.remotes.values()]) if (r.peerId === peerId && r.state === 'proving') this.settle(r, site);
  }

  /** Why this record does not prove a name for this peer, or null when it does (and the pin is updated). */
  private judge(peerId: string, p: Peer, rec: SiteRecordWire): string | null {
    const verdict = judgeSiteRecord(rec, peerId, p.proven, this.opts.ownName, this.opts.trust, this.opts.state.pins, this.opts.tofu);
    if (!verdict.ok) return verdict.reason;
    const site = rec.site;
    if (verdict.pin !== null) {
      this.opts.state.pins[site] = verdict.pin;
      this.out.push({ type: 'persist' });
    }
    return null;
  }

  private settle(r: Remote, proven: string): void {
    if (proven !== r.name) { this.failRemote(r, 'unproven', `the node reached for ${r.name} serves ${proven}, not ${r.name}`); return; }
    if (this.isDenied(r.name)) { this.failRemote(r, 'denied', `federation with ${r.name} is refused by this server's operator`); return; }
    r.state = 'ready';
    r.deadline = Infinity; // from now on: the earliest unanswered open
    for (const [vid, s] of r.sessions) if (s.state === 'waiting') this.open(r, vid, s);
  }

  private onProven(peerId: string, server: string, m: FedMessage): void {
    const origin: Origin = { server, peerId };
    switch (m.t) {
      case 'open':
        if (this.isDenied(server)) this.send(peerId, { t: 'closed', vid: m.vid, reason: 'defederated' });
        else this.irc({ kind: 'open', origin, vid: m.vid, info: { nick: m.nick, user: m.user, realname: m.realname, caps: m.caps } });
        return;
      case 'line': if (!this.isDenied(server)) this.irc({ kind: 'line', origin, vid: m.vid, line: m.line }); return;
      case 'nick': if (!this.isDenied(server)) this.irc({ kind: 'nick', origin, vid: m.vid, nick: m.nick }); return;
      case 'close': this.irc({ kind: 'close', origin, vid: m.vid, reason: m.reason }); return;
      case 'bye': this.endPeer(peerId, `${server} ended federation (${m.reason})`); return;
      default: break;
    }
    // Home-side messages: only for our sessions on this exact server and link.
    const r = this.remotes.get(server);
    if (r === undefined || r.peerId !== peerId || r.state !== 'ready') { this.counters.dropped++; return; }
    if (m.t === 'opened') {
      const s = r.sessions.get(m.vid);
      if (s === undefined || s.state !== 'opening') { this.counters.dropped++; return; }
      s.state = 'open';
      r.queued -= s.queue.length;
      for (const item of s.queue.splice(0)) this.sendItem(r, m.vid, item);
    } else if (m.t === 'closed') {
      const s = r.sessions.get(m.vid);
      if (s === undefined) { this.counters.dropped++; return; }
      this.endSession(r, m.vid, s, 'refused', `${server}: ${m.reason}`);
    } else if (m.t === 'deliver') {
      // The boundary: a host can reach only our users who visit it, nobody else.
      const to = m.to.filter((v) => r.sessions.get(v)?.state === 'open');
      if (to.length !== m.to.length) this.counters.dropped++;
      if (to.length > 0) this.irc({ kind: 'deliver', server, to, line: m.line });
    } else {
      this.counters.dropped++;
    }
  }

  private open(r: Remote, vid: VisitorId, s: Session): void {
    s.state = 'opening';
    s.openBy = this.lastNow + this.opts.connectTimeoutMs;
    r.deadline = Math.min(r.deadline, s.openBy);
    const { nick, user, realname, caps } = s.info;
    this.send(r.peerId!, { t: 'open', vid, nick, user, realname, caps: [...caps] });
  }

  private sendItem(r: Remote, vid: VisitorId, item: Outgoing): void {
    this.send(r.peerId!, item.kind === 'line' ? { t: 'line', vid, line: item.line } : { t: 'nick', vid, nick: item.nick });
  }

  private endSession(r: Remote, vid: VisitorId, s: Session, fail: FailKind, text: string): void {
    r.sessions.delete(vid);
    r.queued -= s.queue.length;
    if (s.state === 'open') { this.irc({ kind: 'ended', server: r.name, vid, reason: text }); return; }
    this.counters.visitsFailed++;
    for (const item of s.queue) this.irc({ kind: 'failed', server: r.name, vid, item, fail, text });
    this.irc({ kind: 'ended', server: r.name, vid, reason: text });
  }

  private failRemote(r: Remote, fail: FailKind, text: string): void {
    this.remotes.delete(r.name);
    for (const [vid, s] of r.sessions) this.endSession(r, vid, s, fail, text);
  }

  /** A peer is gone or said bye: every visit over it ends, both directions. */
  private endPeer(peerId: string, reason: string): void {
    const p = this.peers.get(peerId);
    this.peers.delete(peerId);
    for (const r of [...this.remotes.values()]) {
      if (r.peerId !== peerId) continue;
      this.counters.linksLost++;
      this.failRemote(r, 'unreachable', reason);
    }
    if (p?.proven != null) this.irc({ kind: 'gone', origin: { server: p.proven, peerId }, reason });
  }

  private cutServer(server: string, reason: string): void {
    const r = this.remotes.get(server);
    if (r !== undefined) {
      if (r.peerId !== null) this.send(r.peerId, { t: 'bye', reason: 'defederated' });
      this.failRemote(r, 'denied', reason);
    }
    for (const [peerId, p] of this.peers) {
      if (p.proven !== server) continue;
      if (r?.peerId !== peerId) this.send(peerId, { t: 'bye', reason: 'defederated' });
      this.irc({ kind: 'gone', origin: { server, peerId }, reason });
    }
  }

  private sendSite(peerId: string, ask: boolean): void {
    this.send(peerId, { t: 'site', record: this.opts.ownRecord, ask });
  }

  private fail1(server: string, vid: VisitorId, item: Outgoing, fail: FailKind, text: string): FedAction[] {
    this.counters.visitsFailed++;
    this.irc({ kind: 'failed', server, vid, item, fail, text });
    return this.flush();
  }

  private peer(peerId: string): Peer {
    let p = this.peers.get(peerId);
    if (p === undefined) {
      p = { proven: null };
      this.peers.set(peerId, p);
    }
    return p;
  }

  private send(peerId: string, msg: FedMessage): void {
    this.counters.messagesOut++;
    this.out.push({ type: 'send', peerId, msg });
  }

  private irc(ev: IrcFedEvent): void { this.out.push({ type: 'irc', ev }); }

  private advance(now: number): void {
    if (!(now >= this.lastNow)) throw LagoonError.invalidArgument(`time went backwards: ${now} < ${this.lastNow}`);
    this.lastNow = now;
  }

  private flush(): FedAction[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
