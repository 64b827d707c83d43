/**
 * Home side of federation: OUR users visiting `#room:server` elsewhere.
 *
 * Nothing about a remote room is stored here except which of our users
 * visit it (`Client.visits`, set only when the host confirms the JOIN, so
 * there is no half-joined state). A visit never touches a local room: lines
 * from the host reach exactly the visiting users it addresses, renamed for
 * this side (fed-translate.ts), and go nowhere else. Commands about a remote
 * room (or to `nick@server`) are renamed for the host and handed to the
 * federation driver as `federate command` actions; the host's answers come
 * back through `homeDeliver`.
 */
import { canonicalServerName } from '../federation/server-name.js';
import type { VisitorIdentity } from './actions.js';
import { fold } from './casemap.js';
import type { Client } from './client.js';
import { hasTextParam, homeToHost, hostToHome, translate, type Perspective } from './fed-translate.js';
import type { IrcMachine } from './machine.js';
import { ERR } from './numerics.js';
import { formatLine, parseMessage, type IrcMessage } from './parser.js';

export type RemoteRef = { kind: 'local'; name: string } | { kind: 'remote'; room: string; server: string } | { kind: 'invalid' };

/** Resolve `#room:server` against this server: our own name means the local room. */
export function resolveRemote(m: IrcMachine, room: string, server: string): RemoteRef {
  const s = canonicalServerName(server);
  if (s === null) return { kind: 'invalid' };
  if (s === m.ownServerKey) return { kind: 'local', name: room };
  return { kind: 'remote', room, server: s };
}

/** `nick@server` as a message target: null when it is not one, local when the server is us. */
export function resolveRemoteNick(m: IrcMachine, target: string): RemoteRef | null {
  const at = target.indexOf('@');
  if (at <= 0 || target.startsWith('#')) return null;
  const s = canonicalServerName(target.slice(at + 1));
  if (s === null) return { kind: 'invalid' };
  if (s === m.ownServerKey) return { kind: 'local', name: target.slice(0, at) };
  return { kind: 'remote', room: target.slice(0, at), server: s };
}

export function visitKey(room: string, server: string): string { return fold(`${room}:${server}`); }

function identityOf(c: Client): VisitorIdentity {
  return { nick: c.nick, user: c.user, realname: c.realname, caps: ['echo-message', 'multi-prefix'].filter((x) => c.caps.has(x)) };
}

/** Send one command of `c` to `server`, renamed for the host. */
export function forward(m: IrcMachine, c: Client, server: string, msg: IrcMessage): void {
  const host = translate({ ...msg, tags: null, source: null }, homeToHost(server, m.serverName));
  c.federated = true;
  m.pushFederate({ t: 'command', server, client: c.id, identity: identityOf(c), line: formatLine(null, host.command, host.params, hasTextParam(host.command, host.params.length)) });
}

/** JOIN #room:server. Counts against the channel limit like a local room. */
export function visitJoin(m: IrcMachine, c: Client, room: string, server: string, key: string | undefined): void {
  const name = `${room}:${server}`;
  if (c.visits.has(visitKey(room, server))) return;
  if (c.channels.size + c.visits.size >= m.limits.maxChannelsPerClient) { m.reply(c, ERR.TOOMANYCHANNELS, name, 'You have joined too many channels'); return; }
  forward(m, c, server, { tags: null, source: null, command: 'JOIN', params: key === undefined ? [name] : [name, key] });
}

/**
 * A command on a remote room this user visits: forwarded. Not visiting:
 * 442, because anything but JOIN needs a visit (no relay is opened for it).
 */
export function onRemoteRoom(m: IrcMachine, c: Client, room: string, server: string, msg: IrcMessage): void {
  if (!c.visits.has(visitKey(room, server))) { m.reply(c, ERR.NOTONCHANNEL, `${room}:${server}`, "You're not on that channel"); return; }
  forward(m, c, server, msg);
}

/** One host→home renaming per remote server, made once (this is the relayed hot path). Bounded. */
const toHomeCache = new Map<string, Perspective>();

function toHome(server: string, home: string): Perspective {
  const key = `${server} ${home}`;
  let p = toHomeCache.get(key);
  if (p === undefined) {
    if (toHomeCache.size >= 1024) toHomeCache.clear();
    p = hostToHome(server, home);
    toHomeCache.set(key, p);
  }
  return p;
}

/** Lines from `server` for some of our visiting users. */
export function homeDeliver(m: IrcMachine, server: string, vids: readonly number[], line: string): void {
  const parsed = parseMessage(line);
  if (parsed === null) return;
  const msg = translate(parsed, toHome(server, m.serverName));
  const to: Client[] = [];
  for (const v of vids) {
    const c = m.clients.get(v);
    if (c !== undefined && c.remote === null && c.registered && !c.closing) to.push(c);
  }
  if (to.length === 0 || !plausibleSource(m, server, msg, to)) return;
  trackVisits(m, server, msg, to);
  m.relay(to, msg.source ?? m.serverName, msg.command, msg.params, { trailing: hasTextParam(msg.command, msg.params.length) });
}

/**
 * A host may speak for our users only where they really are on it: a line
 * whose source is one of our nicks must name a user who has a session there
 * (it is among the recipients) or visits a room there. Anything else would let a host
 * impersonate our users, so it is dropped.
 */
function plausibleSource(m: IrcMachine, server: string, msg: IrcMessage, to: readonly Client[]): boolean {
  if (msg.source === null || msg.source === m.serverName) return true;
  const nick = msg.source.split('!')[0]!;
  if (nick.includes('@')) return true;
  const c = m.findNick(nick);
  if (c === undefined || c.remote !== null) return false;
  if (to.includes(c)) return true; // `to` holds only users with an open session on this host
  for (const v of c.visits.values()) if (v.server === server) return true;
  return false;
}

/** JOIN/PART/KICK of one of our users on the host: the visit starts or ends here and only here. */
function trackVisits(m: IrcMachine, server: string, msg: IrcMessage, to: readonly Client[]): void {
  const cmd = msg.command;
  if (cmd !== 'JOIN' && cmd !== 'PART' && cmd !== 'KICK') return;
  const name = msg.params[0];
  const subject = cmd === 'KICK' ? msg.params[1] : msg.source?.split('!')[0];
  if (name === undefined || subject === undefined || subject.includes('@')) return;
  const c = to.find((x) => fold(x.nick) === fold(subject));
  if (c === undefined) return;
  const key = fold(name);
  if (cmd === 'JOIN') c.visits.set(key, { name, server });
  else c.visits.delete(key);
}

/** A command could not reach `server`: the numeric that says why. */
export function homeFailed(m: IrcMachine, server: string, vid: number, line: string, fail: string, text: string): void {
  const c = m.clients.get(vid);
  const parsed = parseMessage(line);
  if (c === undefined || c.remote !== null || parsed === null || parsed.command === 'NOTICE') return;
  const msg = translate(parsed, hostToHome(server, m.serverName));
  const target = msg.params[0] ?? server;
  if (fail === 'busy') m.reply(c, '437', target, text);
  else if (fail === 'refused' && msg.command === 'JOIN') m.reply(c, ERR.NOSUCHCHANNEL, target, text);
  else m.reply(c, ERR.NOSUCHSERVER, server, `No such server: ${text}`);
}

/** The session on `server` ended: each visit there is parted, with the reason. */
export function homeEnded(m: IrcMachine, server: string, vid: number, reason: string): void {
  const c = m.clients.get(vid);
  if (c === undefined || c.remote !== null) return;
  for (const [key, v] of [...c.visits]) {
    if (v.server !== server) continue;
    c.visits.delete(key);
    m.relay([c], c.prefix, 'PART', [v.name, reason], { trailing: true });
  }
}

/** Our user left or renamed: the servers it used must know. */
export function homeQuit(m: IrcMachine, c: Client, reason: string): void {
  if (!c.federated) return;
  c.visits.clear();
  m.pushFederate({ t: 'leave', client: c.id, reason });
}

export function homeNick(m: IrcMachine, c: Client): void {
  if (c.federated) m.pushFederate({ t: 'nick', client: c.id, nick: c.nick });
}
