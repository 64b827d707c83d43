/**
 * Names across a federation boundary. A host server names its own users
 * `alice`, visitors `bob@home.example`, its rooms `#room`; the visitor's
 * home server shows the same things as `alice@host.example`, `bob` and
 * `#room:host.example`. Lines crossing the boundary are rewritten param by
 * param, by command, so only names change and text never does.
 */
import type { IrcMessage } from './parser.js';

export interface Perspective {
  nick(n: string): string;
  channel(ch: string): string;
  /** A source that is a bare server name. */
  server(s: string): string;
}

function lower(s: string): string { return s.toLowerCase(); }

/** Host → home: `alice` → `alice@host`, `bob@home` → `bob`, `#room` → `#room:host`. */
export function hostToHome(host: string, home: string): Perspective {
  const homeSuffix = `@${lower(home)}`;
  const nick = (n: string): string => {
    if (n === '' || n === '*') return n;
    const at = n.indexOf('@');
    if (at < 0) return `${n}@${host}`;
    return lower(n.slice(at)) === homeSuffix ? n.slice(0, at) : n;
  };
  return {
    nick,
    // Every channel a host names is its own room: `#x:anything` gets `:host` too, so a
    // host can never name a room of ours (or of a third server) on this side.
    channel: (ch) => (ch.startsWith('#') ? `${ch}:${host}` : ch),
    // A bare source is the host itself, or else it is read as a nick (so it gets `@host`):
    // a host cannot pass one of our nicks off as a server-less source.
    server: (s) => (lower(s) === lower(host) ? home : nick(s)),
  };
}

/** Home → host: `alice@host` → `alice`, `bob` → `bob@home`, `#room:host` → `#room`. */
export function homeToHost(host: string, home: string): Perspective {
  const hostSuffix = `@${lower(host)}`;
  const chanSuffix = `:${lower(host)}`;
  return {
    nick: (n) => {
      if (n === '' || n === '*') return n;
      const at = n.indexOf('@');
      if (at < 0) return `${n}@${home}`;
      return lower(n.slice(at)) === hostSuffix ? n.slice(0, at) : n;
    },
    channel: (ch) => {
      const colon = ch.indexOf(':');
      return colon > 0 && lower(ch.slice(colon)) === chanSuffix ? ch.slice(0, colon) : ch;
    },
    server: (s) => s,
  };
}

/** `nick!user@host`: only the nick part is a name. A source without '!' is a server. */
export function mapSource(source: string, p: Perspective): string {
  const bang = source.indexOf('!');
  return bang < 0 ? p.server(source) : p.nick(source.slice(0, bang)) + source.slice(bang);
}

function mapTarget(t: string, p: Perspective): string {
  if (t.startsWith('#')) return p.channel(t);
  if ((t[0] === '@' || t[0] === '+') && t[1] === '#') return t[0] + p.channel(t.slice(1));
  return p.nick(t);
}

/** Mode letters whose argument is a nick, and which letters take an argument at all. */
function mapModeArgs(params: string[], p: Perspective): void {
  const modes = params[1];
  if (modes === undefined) return;
  let plus = true;
  let i = 2;
  for (const mc of modes) {
    if (mc === '+' || mc === '-') { plus = mc === '+'; continue; }
    const takesArg = mc === 'b' || mc === 'o' || mc === 'v' || mc === 'k' || (mc === 'l' && plus);
    if (!takesArg) continue;
    if (i >= params.length) return;
    if (mc === 'o' || mc === 'v') params[i] = p.nick(params[i]!);
    i++;
  }
}

/** Numerics whose param at this index (after the target) is a nick or a `nick!user@host`. */
const NICK_AT: Readonly<Record<string, number>> = { '401': 1, '406': 1, '441': 1, '443': 1, '341': 1, '352': 5, '301': 1 };
const PREFIX_AT: Readonly<Record<string, number>> = { '333': 2, '367': 3 };

/** Rewrite a parsed line for the other side. Returns a new message; text params are untouched. */
export function translate(msg: IrcMessage, p: Perspective): IrcMessage {
  const params = [...msg.params];
  const source = msg.source === null ? null : mapSource(msg.source, p);
  const cmd = msg.command;
  const n = params.length;
  // Written out rather than through a helper closure: this runs once per relayed line.
  switch (cmd) {
    case 'JOIN': case 'PART': case 'TOPIC': case 'NAMES': case 'WHO':
      if (n > 0) params[0] = p.channel(params[0]!);
      break;
    case 'KICK':
      if (n > 0) params[0] = p.channel(params[0]!);
      if (n > 1) params[1] = p.nick(params[1]!);
      break;
    case 'MODE':
      if (n > 0 && params[0]!.startsWith('#')) { params[0] = p.channel(params[0]!); mapModeArgs(params, p); } else if (n > 0) params[0] = p.nick(params[0]!);
      break;
    case 'PRIVMSG': case 'NOTICE': case 'TAGMSG':
      if (n > 0) params[0] = mapTarget(params[0]!, p);
      break;
    case 'NICK':
      if (n > 0) params[0] = p.nick(params[0]!);
      break;
    case 'INVITE':
      if (n > 0) params[0] = p.nick(params[0]!);
      if (n > 1) params[1] = p.channel(params[1]!);
      break;
    default:
      if (/^\d{3}$/.test(cmd)) translateNumeric(cmd, params, p);
  }
  return { tags: null, source, command: cmd, params };
}

function translateNumeric(cmd: string, params: string[], p: Perspective): void {
  if (params.length === 0) return;
  params[0] = p.nick(params[0]!);
  const last = params.length - 1;
  for (let i = 1; i < last; i++) if (params[i]!.startsWith('#')) params[i] = p.channel(params[i]!);
  if (cmd === '353' && params.length >= 4) {
    params[3] = params[3]!.split(' ').filter((x) => x !== '').map((entry) => {
      const k = entry.search(/[^@+]/);
      return k < 0 ? entry : entry.slice(0, k) + p.nick(entry.slice(k));
    }).join(' ');
  }
  const n = NICK_AT[cmd];
  if (n !== undefined && n < params.length) params[n] = p.nick(params[n]!);
  const s = PREFIX_AT[cmd];
  if (s !== undefined && s < params.length) params[s] = mapSource(params[s]!, p);
}

/** Where a command's free text sits (its last param is then sent as trailing, as the server does locally). */
const TEXT_AT: Readonly<Record<string, number>> = { PRIVMSG: 1, NOTICE: 1, PART: 1, QUIT: 0, KICK: 2, TOPIC: 1 };
const NON_TEXT_NUMERICS = new Set(['324', '329', '333', '341', '367']);

export function hasTextParam(cmd: string, paramCount: number): boolean {
  const at = TEXT_AT[cmd];
  if (at !== undefined) return paramCount > at;
  return /^\d{3}$/.test(cmd) && !NON_TEXT_NUMERICS.has(cmd);
}
