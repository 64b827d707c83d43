import { LagoonError } from '../core/errors.js';
import type { IrcAction, IrcCounters, IrcFedInput, IrcFedOp } from './actions.js';
import { emptyCounters } from './actions.js';
import { VARIANT_COUNT, VARIANT_MESSAGE_TAGS, VARIANT_SERVER_TIME } from './caps.js';
import { fold } from './casemap.js';
import { Channel } from './channel.js';
import { Client, type ClientId, type ClientInfo } from './client.js';
import { COMMANDS } from './commands/index.js';
import { canonicalServerName } from '../federation/server-name.js';
import { homeDeliver, homeEnded, homeFailed, homeQuit } from './fed-home.js';
import { VisitorTable, removeVisitor, visitorClose, visitorLine, visitorNick, visitorOpen, originGone, type IrcFederationOptions } from './fed-host.js';
import { createLagoonBot, LAGOON_CHANNEL } from './lagoonbot.js';
import { PROTOCOL_LIMITS, type IrcLimits } from './limits.js';
import { ERR } from './numerics.js';
import { formatLine, parseMessage } from './parser.js';
import { WhowasHistory } from './whowas.js';
import { TimerHeap } from './timer-heap.js';

export interface IrcMachineOptions {
  serverName: string;
  networkName: string;
  version: string;
  motd: readonly string[];
  operPassword: string | null;
  /** Server password (PASS); null = none required. */
  password: string | null;
  limits: IrcLimits;
  /** Wall-clock ms since the epoch, for server-time, topic times and WHOWAS. Injected so tests are deterministic. */
  wallClock: () => number;
  /** Federation (`#room:server` visits both ways); null or absent = refused with 403. */
  federation?: IrcFederationOptions | null;
}

/**
 * The single-node IRC server as a sans-IO state machine.
 *
 * Inputs (each takes monotonic `now` in ms, which must never go back):
 * `connect`, `line`, `inputTooLong`, `disconnected`, `handleTimeout`, `shutdown`.
 * Each input returns the actions it caused, in the order they must be done
 * (see `IrcAction`). After every input the driver re-reads `nextTimeout()`
 * and arms one timer for it; when it fires it calls `handleTimeout(now)`.
 * Getters: `nextTimeout`, `counters`, `clientCount`, `channelCount`.
 * Persistence: `snapshot()` / `restore()` in `snapshot.ts`.
 */
export class IrcMachine {
  readonly clients = new Map<ClientId, Client>();
  readonly nicks = new Map<string, Client>();
  readonly channels = new Map<string, Channel>();
  readonly counters: IrcCounters = emptyCounters();
  readonly whowas = new WhowasHistory(PROTOCOL_LIMITS.whowasEntries);
  readonly bot: Client;
  readonly createdWallMs: number;
  private readonly perIp = new Map<string, number>();
  private readonly timers = new TimerHeap();
  private out: IrcAction[] = [];
  private lastNow = -Infinity;
  private timeTag: string | null = null;
  private dirty = false;
  /** Host side: visitors from other servers; null when federation is off. */
  readonly visitors: VisitorTable | null;
  /** Our own name in the canonical form federation compares server names in. */
  readonly ownServerKey: string;

  constructor(readonly opts: IrcMachineOptions) {
    if (!opts.serverName || opts.serverName.includes(' ')) throw LagoonError.invalidArgument('serverName must be a non-empty word');
    this.createdWallMs = opts.wallClock();
    this.visitors = opts.federation ? new VisitorTable(opts.federation) : null;
    this.ownServerKey = canonicalServerName(opts.serverName) ?? opts.serverName.toLowerCase();
    this.bot = createLagoonBot(this);
    this.ensureLagoonChannel();
  }

  get limits(): IrcLimits { return this.opts.limits; }
  get serverName(): string { return this.opts.serverName; }
  get clientCount(): number { return this.clients.size; }
  get channelCount(): number { return this.channels.size; }

  // ---- inputs -------------------------------------------------------------

  connect(id: ClientId, info: ClientInfo, now: number): IrcAction[] {
    this.advance(now);
    if (this.clients.has(id)) throw LagoonError.invalidArgument(`client ${id} already connected`);
    const ipCount = this.perIp.get(info.remoteAddress) ?? 0;
    let refuse: string | null = null;
    if (this.clients.size >= this.limits.maxClients) refuse = 'Server is full';
    else if (ipCount >= this.limits.maxClientsPerIp) refuse = 'Too many connections from your IP';
    if (refuse !== null) {
      this.counters.rejectedConnections++;
      this.sendTo(id, formatLine(null, 'ERROR', [`Closing Link: ${info.remoteAddress} (${refuse})`], true));
      this.out.push({ kind: 'close', client: id, reason: refuse });
      return this.flush();
    }
    const c = new Client(id, info, now, this.limits.floodBurstLines, this.limits.floodLinesPerSecond);
    c.signonWallMs = this.opts.wallClock();
    this.clients.set(id, c);
    this.perIp.set(info.remoteAddress, ipCount + 1);
    this.schedule(c, now + this.limits.registrationTimeoutMs);
    return this.flush();
  }

  line(id: ClientId, raw: string, now: number): IrcAction[] {
    this.advance(now);
    const c = this.clients.get(id);
    if (c === undefined) return this.flush();
    this.receive(c, raw, now);
    return this.flush();
  }

  /** One line from a client (a socket's, or a visitor's via fed-host.ts): flood control, then the command. */
  receive(c: Client, raw: string, now: number): void {
    c.lastActivity = now;
    c.pingSentAt = null;
    // Opers are trusted not to flood (and benchmarks run as oper).
    if (!c.oper && (c.backlog.length > 0 || !c.flood.tryTake(now))) {
      if (c.backlog.length >= 2 * this.limits.floodBurstLines) {
        this.counters.floodDisconnects++;
        this.quit(c, 'Excess Flood');
      } else {
        if (c.backlog.length === 0 && c.remote === null) this.out.push({ kind: 'pauseInput', client: c.id });
        c.backlog.push(raw);
        this.schedule(c, c.flood.readyAt(now));
      }
      return;
    }
    this.process(c, raw, now);
  }

  /** A federation event (fed-home.ts for our users' visits, fed-host.ts for visitors here). */
  federation(ev: IrcFedInput, now: number): IrcAction[] {
    this.advance(now);
    const t = this.visitors;
    if (t === null) return this.flush();
    switch (ev.kind) {
      case 'deliver': homeDeliver(this, ev.server, ev.to, ev.line); break;
      case 'failed': if (ev.line !== null) homeFailed(this, ev.server, ev.vid, ev.line, ev.fail, ev.text); break;
      case 'ended': homeEnded(this, ev.server, ev.vid, ev.reason); break;
      case 'open': visitorOpen(this, t, ev.origin, ev.vid, ev.info, now); break;
      case 'line': visitorLine(this, t, ev.origin.peerId, ev.vid, ev.line, now); break;
      case 'nick': visitorNick(this, t, ev.origin.peerId, ev.vid, ev.nick, now); break;
      case 'close': visitorClose(this, t, ev.origin.peerId, ev.vid, ev.reason); break;
      case 'gone': originGone(this, t, ev.origin.peerId, ev.reason); break;
      case 'notice': {
        const c = this.clients.get(ev.client);
        if (c !== undefined && c.remote === null) this.sendServer(c, 'NOTICE', [c.nick, ev.text]);
        break;
      }
    }
    return this.flush();
  }

  pushFederate(op: IrcFedOp): void { this.out.push({ kind: 'federate', op }); }

  /** The driver dropped an over-long line from this client. */
  inputTooLong(id: ClientId, now: number): IrcAction[] {
    this.advance(now);
    const c = this.clients.get(id);
    if (c !== undefined) {
      this.counters.inputTooLong++;
      this.reply(c, ERR.INPUTTOOLONG, 'Input line was too long');
    }
    return this.flush();
  }

  disconnected(id: ClientId, reason: string, now: number): IrcAction[] {
    this.advance(now);
    const c = this.clients.get(id);
    if (c !== undefined) this.quit(c, reason, false);
    return this.flush();
  }

  handleTimeout(now: number): IrcAction[] {
    this.advance(now);
    for (let e = this.timers.peek(); e !== undefined && e.at <= now; e = this.timers.peek()) {
      this.timers.pop();
      const c = this.clients.get(e.key);
      if (c === undefined || e.at !== c.scheduledAt) continue; // stale entry
      c.scheduledAt = Infinity;
      this.runClientTimers(c, now);
      if (this.clients.has(c.id)) this.schedule(c, this.deadlineOf(c, now));
    }
    return this.flush();
  }

  /** Server shutdown: every client gets ERROR and is closed. */
  shutdown(reason: string, now: number): IrcAction[] {
    this.advance(now);
    for (const c of [...this.clients.values()]) this.quit(c, reason);
    return this.flush();
  }

  nextTimeout(): number | undefined {
    return this.timers.peek()?.at;
  }

  // ---- helpers used by commands ------------------------------------------

  /** Send a numeric to `c`: `:server NNN nick params...`, the last param as trailing text. */
  reply(c: Client, numeric: string, ...params: string[]): void {
    this.sendTo(c.id, formatLine(this.serverName, numeric, [c.nick, ...params], true));
  }

  /** A server-sourced non-numeric line to one client. */
  sendServer(c: Client, command: string, params: string[], trailing = true): void {
    this.sendTo(c.id, formatLine(this.serverName, command, params, trailing));
  }

  sendTo(id: ClientId, line: string): void {
    this.counters.messagesOut++;
    const r = id < -1 ? this.clients.get(id)?.remote : undefined;
    if (r != null) this.pushFederate({ t: 'deliver', peerId: r.peerId, to: [r.vid], line });
    else this.out.push({ kind: 'send', to: [id], line });
  }

  /**
   * Relay a line from `source` to many clients: one serialisation per
   * capability variant, one action per variant with all its recipients.
   * `clientTags` (already formatted `+a=b;+c`) go only to message-tags clients.
   */
  relay(recipients: Iterable<Client>, source: string, command: string, params: string[],
    opts: { exclude?: Client | null; trailing?: boolean; clientTags?: string | null } = {}): void {
    const groups: (ClientId[] | undefined)[] = new Array<ClientId[] | undefined>(VARIANT_COUNT);
    const exclude = opts.exclude ?? null;
    let remote: Map<string, number[]> | null = null;
    for (const r of recipients) {
      if (r === exclude || r.isService) continue;
      if (r.remote !== null) {
        // LagoonBot never crosses federation: its lines stay on this server.
        if (source !== this.bot.prefix) ((remote ??= new Map()).get(r.remote.peerId) ?? remote.set(r.remote.peerId, []).get(r.remote.peerId)!).push(r.remote.vid);
        continue;
      }
      (groups[r.variant] ??= []).push(r.id);
    }
    if (remote !== null) {
      // One line per home server listing its visitors; the home adds its own tags.
      const line = formatLine(source, command, params, opts.trailing ?? false);
      for (const [peerId, to] of remote) { this.counters.messagesOut += to.length; this.pushFederate({ t: 'deliver', peerId, to, line }); }
    }
    let bare: string | null = null;
    for (let v = 0; v < VARIANT_COUNT; v++) {
      const to = groups[v];
      if (to === undefined) continue;
      bare ??= formatLine(source, command, params, opts.trailing ?? false);
      let tags = '';
      if (v & VARIANT_SERVER_TIME) tags = this.serverTimeTag();
      if (v & VARIANT_MESSAGE_TAGS && opts.clientTags) tags = tags ? `${tags};${opts.clientTags}` : opts.clientTags;
      this.counters.messagesOut += to.length;
      this.out.push({ kind: 'send', to, line: tags ? `@${tags} ${bare}` : bare });
    }
  }

  /** Everyone who shares a channel with `c`, once each, plus `c` itself if asked. */
  peersOf(c: Client, includeSelf: boolean): Set<Client> {
    const peers = new Set<Client>();
    if (includeSelf) peers.add(c);
    for (const ch of c.channels) for (const m of ch.members.keys()) peers.add(m);
    if (!includeSelf) peers.delete(c);
    return peers;
  }

  findNick(nick: string): Client | undefined { return this.nicks.get(fold(nick)); }
  findChannel(name: string): Channel | undefined { return this.channels.get(fold(name)); }

  /**
   * Re-derive `c`'s next deadline. Heap entries are lower bounds that activity
   * only pushes later; a change that brings a deadline earlier (registration
   * completing ends the long registration timeout) must call this.
   */
  reschedule(c: Client): void {
    this.schedule(c, this.deadlineOf(c, this.lastNow));
  }

  /** Persistent state changed; the driver debounces the save. */
  markDirty(): void { this.dirty = true; }

  wallNow(): number { return this.opts.wallClock(); }

  /** Remove a member; forget the channel when it is empty and holds nothing worth keeping. */
  removeMember(ch: Channel, c: Client): void {
    ch.members.delete(c);
    c.channels.delete(ch);
    if (ch.humanCount > 0 || ch.folded === LAGOON_CHANNEL) return;
    const persistent = ch.hasPersistentState && this.countPersistentEmpty() < PROTOCOL_LIMITS.maxPersistentChannels;
    if (!persistent) {
      for (const m of ch.members.keys()) m.channels.delete(ch);
      this.channels.delete(ch.folded);
      if (ch.hasPersistentState) this.markDirty();
    }
  }

  /** Disconnect `c`: QUIT to its peers once each, ERROR to it, then close. */
  quit(c: Client, reason: string, sendError = true): void {
    if (c.closing) return;
    c.closing = true;
    if (c.remote !== null) { removeVisitor(this, this.visitors!, c, reason, sendError); return; }
    homeQuit(this, c, reason);
    if (c.registered) {
      this.relay(this.peersOf(c, false), c.prefix, 'QUIT', [reason], { trailing: true });
      this.whowas.add(c, this.opts.wallClock());
    }
    for (const ch of [...c.channels]) this.removeMember(ch, c);
    if (c.foldedNick && this.nicks.get(c.foldedNick) === c) this.nicks.delete(c.foldedNick);
    this.clients.delete(c.id);
    const ip = c.info.remoteAddress;
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip); else this.perIp.set(ip, n);
    if (sendError) {
      this.sendTo(c.id, formatLine(null, 'ERROR', [`Closing Link: ${c.host} (${reason})`], true));
      this.out.push({ kind: 'close', client: c.id, reason });
    }
  }

  ensureLagoonChannel(): Channel {
    let ch = this.channels.get(LAGOON_CHANNEL);
    if (ch === undefined) {
      ch = new Channel(LAGOON_CHANNEL, LAGOON_CHANNEL, this.createdWallMs);
      this.channels.set(LAGOON_CHANNEL, ch);
    }
    if (!ch.members.has(this.bot)) {
      ch.members.set(this.bot, { op: true, voice: false });
      this.bot.channels.add(ch);
    }
    return ch;
  }

  // ---- internals ----------------------------------------------------------

  private advance(now: number): void {
    if (!(now >= this.lastNow)) throw LagoonError.invalidArgument(`time went backwards: ${now} < ${this.lastNow}`);
    this.lastNow = now;
    this.timeTag = null;
  }

  private flush(): IrcAction[] {
    if (this.dirty) { this.dirty = false; this.out.push({ kind: 'stateChanged' }); }
    const out = this.out;
    this.out = [];
    return out;
  }

  private serverTimeTag(): string {
    return (this.timeTag ??= `time=${new Date(this.opts.wallClock()).toISOString()}`);
  }

  private process(c: Client, raw: string, now: number): void {
    const msg = parseMessage(raw);
    if (msg === null) return;
    this.counters.messagesIn++;
    const spec = COMMANDS[msg.command];
    if (spec === undefined) {
      this.counters.unknownCommands++;
      if (c.registered) this.reply(c, ERR.UNKNOWNCOMMAND, msg.command, 'Unknown command');
      else this.reply(c, ERR.NOTREGISTERED, 'You have not registered');
      return;
    }
    if (!c.registered && !spec.preRegistration) { this.reply(c, ERR.NOTREGISTERED, 'You have not registered'); return; }
    if (msg.params.length < spec.minParams) { this.reply(c, ERR.NEEDMOREPARAMS, msg.command, 'Not enough parameters'); return; }
    spec.run(this, c, msg, now);
  }

  private countPersistentEmpty(): number {
    let n = 0;
    for (const ch of this.channels.values()) if (ch.humanCount === 0) n++;
    return n;
  }

  private schedule(c: Client, at: number): void {
    if (at < c.scheduledAt) {
      c.scheduledAt = at;
      this.timers.push(at, c.id);
    }
  }

  private deadlineOf(c: Client, now: number): number {
    if (c.backlog.length > 0) return c.flood.readyAt(now);
    if (c.remote !== null) return Infinity; // a visitor's liveness is its home's link, not PING
    if (!c.registered) return c.connectedAt + this.limits.registrationTimeoutMs;
    if (c.pingSentAt !== null) return c.pingSentAt + this.limits.pingTimeoutMs;
    return c.lastActivity + this.limits.pingIntervalMs;
  }

  private runClientTimers(c: Client, now: number): void {
    const throttled = c.backlog.length > 0;
    while (c.backlog.length > 0 && !c.closing && c.flood.tryTake(now)) this.process(c, c.backlog.shift()!, now);
    if (c.closing) return;
    if (throttled && c.backlog.length === 0 && c.remote === null) this.out.push({ kind: 'resumeInput', client: c.id });
    if (c.remote !== null) return;
    const l = this.limits;
    if (!c.registered) {
      if (now >= c.connectedAt + l.registrationTimeoutMs) {
        this.counters.registrationTimeouts++;
        this.quit(c, 'Registration timed out');
      }
    } else if (c.pingSentAt !== null) {
      if (now >= c.pingSentAt + l.pingTimeoutMs) {
        this.counters.pingTimeouts++;
        this.quit(c, `Ping timeout: ${Math.round((now - c.lastActivity) / 1000)} seconds`);
      }
    } else if (now >= c.lastActivity + l.pingIntervalMs) {
      c.pingSentAt = now;
      this.sendTo(c.id, formatLine(null, 'PING', [this.serverName], true));
    }
  }
}
