/**
 * Host side of federation: visitors from other servers in OUR rooms.
 *
 * A visitor is a `Client` without a socket (`remote` set), nick
 * `nick@home.example`, created when its home server opens a session and
 * removed when the session ends. It acts through the normal command code,
 * so every room rule (bans, keys, +i, +m, op checks) applies to it, but
 * only with the commands a visit needs (VISITOR_COMMANDS), never creating a
 * room or owning one. Everything the machine sends to a visitor leaves as a
 * `federate deliver` action to its home server (machine.relay / sendTo).
 * Opens and JOINs are rate-limited per home server.
 */
import { fold } from './casemap.js';
import { Client } from './client.js';
import type { RemoteOrigin } from './client.js';
import { TokenBucket } from './flood.js';
import type { IrcMachine } from './machine.js';
import { isValidNick, sanitizeUser } from './names.js';
import { ERR } from './numerics.js';
import { parseMessage } from './parser.js';

export interface IrcFederationOptions {
  /** Visits (session opens and JOINs) accepted per second from one home server. */
  visitsPerSecond: number;
  /** Burst of visits from one home server. */
  visitBurst: number;
  /** Visitors from one home server at once. */
  maxVisitorsPerServer: number;
}

/** Commands a visitor may use here: what taking part in a room needs, nothing more. */
const VISITOR_COMMANDS = new Set(['JOIN', 'PART', 'PRIVMSG', 'NOTICE', 'TOPIC', 'KICK', 'MODE', 'NAMES', 'WHO']);
/** Caps a home server may ask for on behalf of its user. */
const VISITOR_CAPS = new Set(['echo-message', 'multi-prefix']);

const MAX_BUCKETS = 1024;

export interface VisitorOpen { nick: string; user: string; realname: string; caps: readonly string[] }

/** Visitor bookkeeping kept by the machine. */
export class VisitorTable {
  readonly byKey = new Map<string, Client>();
  private readonly perServer = new Map<string, number>();
  private readonly buckets = new Map<string, TokenBucket>();
  /** Visitor ids count down from -2 (-1 is LagoonBot; sockets count up from 1). */
  private nextId = -2;

  constructor(private readonly opts: IrcFederationOptions) {}

  static key(peerId: string, vid: number): string { return `${peerId}/${vid}`; }

  count(server: string): number { return this.perServer.get(server) ?? 0; }

  takeVisit(server: string, now: number): boolean {
    let b = this.buckets.get(server);
    if (b === undefined) {
      // Bounded: one bucket per home server heard from, the oldest dropped past MAX_BUCKETS.
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
      b = new TokenBucket(this.opts.visitBurst, this.opts.visitsPerSecond, now);
      this.buckets.set(server, b);
    }
    return b.tryTake(now);
  }

  add(c: Client): void {
    const o = c.remote!;
    this.byKey.set(VisitorTable.key(o.peerId, o.vid), c);
    this.perServer.set(o.server, this.count(o.server) + 1);
  }

  remove(c: Client): void {
    const o = c.remote!;
    if (this.byKey.get(VisitorTable.key(o.peerId, o.vid)) !== c) return;
    this.byKey.delete(VisitorTable.key(o.peerId, o.vid));
    const n = this.count(o.server) - 1;
    if (n <= 0) this.perServer.delete(o.server); else this.perServer.set(o.server, n);
  }

  allocId(): number { return this.nextId--; }

  get limits(): IrcFederationOptions { return this.opts; }
}

function refuse(m: IrcMachine, peerId: string, vid: number, reason: string): void {
  m.pushFederate({ t: 'closed', peerId, vid, reason });
}

export function visitorOpen(m: IrcMachine, t: VisitorTable, origin: Omit<RemoteOrigin, 'vid'>, vid: number, info: VisitorOpen, now: number): void {
  const key = VisitorTable.key(origin.peerId, vid);
  if (t.byKey.has(key)) { m.pushFederate({ t: 'opened', peerId: origin.peerId, vid }); return; }
  if (!isValidNick(info.nick, m.limits)) { refuse(m, origin.peerId, vid, 'Erroneous nickname'); return; }
  if (t.count(origin.server) >= t.limits.maxVisitorsPerServer) { refuse(m, origin.peerId, vid, `Too many visitors from ${origin.server}`); return; }
  if (!t.takeVisit(origin.server, now)) { refuse(m, origin.peerId, vid, `Visits from ${origin.server} are rate-limited; try again shortly`); return; }
  const nick = `${info.nick}@${origin.server}`;
  const folded = fold(nick);
  if (m.nicks.has(folded)) { refuse(m, origin.peerId, vid, `Nickname ${nick} is already visiting`); return; }
  const c = new Client(t.allocId(), { remoteAddress: origin.server, tls: true }, now, m.limits.floodBurstLines, m.limits.floodLinesPerSecond);
  c.remote = { server: origin.server, peerId: origin.peerId, vid };
  c.setNick(nick, folded);
  c.setUser(sanitizeUser(info.user, 10));
  c.realname = info.realname.slice(0, 200);
  for (const cap of info.caps) if (VISITOR_CAPS.has(cap)) c.caps.add(cap);
  c.registered = true;
  c.signonWallMs = m.wallNow();
  m.clients.set(c.id, c);
  m.nicks.set(folded, c);
  t.add(c);
  m.pushFederate({ t: 'opened', peerId: origin.peerId, vid });
}

/** One command of a visitor: checked against what a visit may do, then run like any client's line. */
export function visitorLine(m: IrcMachine, t: VisitorTable, peerId: string, vid: number, raw: string, now: number): void {
  const c = t.byKey.get(VisitorTable.key(peerId, vid));
  if (c === undefined || c.closing) return;
  const msg = parseMessage(raw);
  if (msg === null) return;
  const target = msg.params[0] ?? '';
  const allowed = VISITOR_COMMANDS.has(msg.command)
    && (msg.command !== 'MODE' && msg.command !== 'WHO' || target.startsWith('#'))
    && (msg.command !== 'JOIN' || (target !== '0' && !target.includes(',')));
  if (!allowed) { m.reply(c, ERR.UNKNOWNCOMMAND, msg.command, 'Not available to visitors'); return; }
  if (msg.command === 'JOIN' && !t.takeVisit(c.remote!.server, now)) {
    m.reply(c, '437', target, `Visits from ${c.remote!.server} are rate-limited; try again shortly`);
    return;
  }
  m.receive(c, raw, now);
}

/** The visitor changed nick at home. A clash here keeps the old nick; so does a change beyond the visitor's flood rate. */
export function visitorNick(m: IrcMachine, t: VisitorTable, peerId: string, vid: number, nick: string, now: number): void {
  const c = t.byKey.get(VisitorTable.key(peerId, vid));
  if (c === undefined || !isValidNick(nick, m.limits) || !c.flood.tryTake(now)) return;
  const full = `${nick}@${c.remote!.server}`;
  const folded = fold(full);
  const other = m.nicks.get(folded);
  if (other !== undefined && other !== c) return;
  m.relay(m.peersOf(c, false), c.prefix, 'NICK', [full]);
  m.nicks.delete(c.foldedNick);
  c.setNick(full, folded);
  m.nicks.set(folded, c);
}

export function visitorClose(m: IrcMachine, t: VisitorTable, peerId: string, vid: number, reason: string): void {
  const c = t.byKey.get(VisitorTable.key(peerId, vid));
  if (c !== undefined) m.quit(c, reason, false);
}

/** The link to a home server is gone (or it was defederated): its visitors leave every room. */
export function originGone(m: IrcMachine, t: VisitorTable, peerId: string, reason: string): void {
  for (const c of [...t.byKey.values()]) if (c.remote!.peerId === peerId) m.quit(c, reason, false);
}

/**
 * A visitor leaves: PART from each room (not QUIT: it left this server's
 * rooms, not IRC, and a QUIT would make clients drop it everywhere).
 */
export function removeVisitor(m: IrcMachine, t: VisitorTable, c: Client, reason: string, tellHome: boolean): void {
  for (const ch of [...c.channels]) {
    m.relay(ch.members.keys(), c.prefix, 'PART', [ch.name, reason], { exclude: c, trailing: true });
    m.removeMember(ch, c);
  }
  if (m.nicks.get(c.foldedNick) === c) m.nicks.delete(c.foldedNick);
  m.clients.delete(c.id);
  t.remove(c);
  if (tellHome) m.pushFederate({ t: 'closed', peerId: c.remote!.peerId, vid: c.remote!.vid, reason });
}
