import type { IrcLimits } from './limits.js';

/**
 * Name syntax. Channel names reserve ':' for federation: `#room:server` names
 * another server's room (fed-home.ts), so JOIN never creates a local
 * `#room:server`.
 */
export type ChannelRef =
  | { kind: 'local'; name: string }
  | { kind: 'remote'; room: string; server: string }
  | { kind: 'invalid' };

const BAD_CHANNEL_CHARS = /[\s,\x07\x00]/;

export function parseChannelName(raw: string, limits: IrcLimits): ChannelRef {
  if (!raw.startsWith('#') || raw.length < 2 || BAD_CHANNEL_CHARS.test(raw)) return { kind: 'invalid' };
  const colon = raw.indexOf(':');
  if (colon >= 0) {
    const room = raw.slice(0, colon);
    const server = raw.slice(colon + 1);
    // The server may itself be `host:port` (federation/server-name.ts validates it).
    if (room.length < 2 || server === '') return { kind: 'invalid' };
    return { kind: 'remote', room, server };
  }
  if (Buffer.byteLength(raw) > limits.channelLength) return { kind: 'invalid' };
  return { kind: 'local', name: raw };
}

export function isChannelName(raw: string): boolean {
  return raw.startsWith('#');
}

const NICK_FIRST = /^[A-Za-z[\]\\`_^{|}]/;
const NICK_REST = /^[A-Za-z0-9[\]\\`_^{|}-]*$/;

export function isValidNick(nick: string, limits: IrcLimits): boolean {
  return nick.length > 0 && nick.length <= limits.nickLength && NICK_FIRST.test(nick) && NICK_REST.test(nick.slice(1));
}

const USER_BAD = /[\s@!\x00-\x1f]/g;

/** A USER ident made safe for the nick!user@host prefix. */
export function sanitizeUser(raw: string, max: number): string {
  const clean = raw.replace(USER_BAD, '').slice(0, max);
  return clean === '' ? 'user' : clean;
}

/**
 * The host shown in `nick!user@host`. IPv4-mapped IPv6 shows as plain IPv4;
 * a host starting with ':' (e.g. `::1`) gets a leading '0' because a middle
 * parameter may not start with ':' on the wire.
 */
export function displayHost(remoteAddress: string): string {
  const a = remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
  return a.startsWith(':') ? `0${a}` : a;
}
