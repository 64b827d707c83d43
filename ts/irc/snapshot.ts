import { LagoonError } from '../core/errors.js';
import { fold } from './casemap.js';
import { Channel } from './channel.js';
import { LAGOON_CHANNEL } from './lagoonbot.js';
import { PROTOCOL_LIMITS } from './limits.js';
import type { IrcMachine } from './machine.js';

/** What survives a restart: rooms' topics, modes, bans, keys, limits and owners. */
export interface PersistedChannel {
  name: string;
  createdAtMs: number;
  topic: { text: string; setBy: string; setAtMs: number } | null;
  /** Flag modes that are on, e.g. "nt". */
  modes: string;
  key: string | null;
  limit: number | null;
  bans: { mask: string; setBy: string; setAtMs: number }[];
  owner: string | null;
}

export interface PersistedState { version: 1; channels: PersistedChannel[] }

export function snapshot(m: IrcMachine): PersistedState {
  const channels: PersistedChannel[] = [];
  for (const ch of m.channels.values()) {
    if (!ch.hasPersistentState) continue;
    channels.push({
      name: ch.name,
      createdAtMs: ch.createdWallMs,
      topic: ch.topic && { text: ch.topic.text, setBy: ch.topic.setBy, setAtMs: ch.topic.setAtWallMs },
      modes: (['i', 'm', 'n', 't'] as const).filter((f) => ch.flags[f]).join(''),
      key: ch.key,
      limit: ch.limit,
      bans: ch.bans.map((b) => ({ mask: b.mask, setBy: b.setBy, setAtMs: b.setAtWallMs })),
      owner: ch.owner,
    });
  }
  return { version: 1, channels };
}

const corrupt = (why: string): LagoonError => new LagoonError('ERR_STATE_CORRUPT', `irc state: ${why}`);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown, what: string): string => { if (typeof x !== 'string') throw corrupt(`${what} is not a string`); return x; };
const num = (x: unknown, what: string): number => { if (typeof x !== 'number' || !Number.isFinite(x)) throw corrupt(`${what} is not a number`); return x; };
const nullable = <T>(x: unknown, f: (v: unknown) => T): T | null => (x === null || x === undefined ? null : f(x));

function parseChannel(x: unknown, i: number): PersistedChannel {
  if (!isObj(x)) throw corrupt(`channel ${i} is not an object`);
  const name = str(x.name, `channel ${i} name`);
  if (!name.startsWith('#') || /[\s,:]/.test(name)) throw corrupt(`channel ${i} has a bad name`);
  if (!Array.isArray(x.bans)) throw corrupt(`channel ${name} bans is not a list`);
  const t = x.topic;
  if (t !== null && t !== undefined && !isObj(t)) throw corrupt(`channel ${name} topic is not an object`);
  return {
    name,
    createdAtMs: num(x.createdAtMs, 'createdAtMs'),
    topic: isObj(t) ? { text: str(t.text, 'topic'), setBy: str(t.setBy, 'topic setBy'), setAtMs: num(t.setAtMs, 'topic setAtMs') } : null,
    modes: str(x.modes, 'modes').replace(/[^imnt]/g, ''),
    key: nullable(x.key, (v) => str(v, 'key')),
    limit: nullable(x.limit, (v) => num(v, 'limit')),
    bans: x.bans.slice(0, PROTOCOL_LIMITS.maxBansPerChannel).map((b: unknown) => {
      if (!isObj(b)) throw corrupt(`channel ${name} ban is not an object`);
      return { mask: str(b.mask, 'ban mask'), setBy: str(b.setBy, 'ban setBy'), setAtMs: num(b.setAtMs, 'ban setAtMs') };
    }),
    owner: nullable(x.owner, (v) => str(v, 'owner')),
  };
}

/** Parse and validate the state file's text; throws ERR_STATE_CORRUPT on anything unexpected. */
export function parseState(text: string): PersistedState {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (err) { throw new LagoonError('ERR_STATE_CORRUPT', 'irc state: not JSON', { cause: err }); }
  if (!isObj(raw) || raw.version !== 1 || !Array.isArray(raw.channels)) throw corrupt('missing version 1 header or channels');
  return { version: 1, channels: raw.channels.slice(0, PROTOCOL_LIMITS.maxPersistentChannels).map(parseChannel) };
}

/** Load persisted channels into a fresh machine (before any client connects). */
export function restore(m: IrcMachine, state: PersistedState): void {
  for (const p of state.channels) {
    const folded = fold(p.name);
    const ch = folded === LAGOON_CHANNEL ? m.ensureLagoonChannel() : new Channel(p.name, folded, p.createdAtMs);
    ch.createdWallMs = p.createdAtMs;
    ch.topic = p.topic && { text: p.topic.text, setBy: p.topic.setBy, setAtWallMs: p.topic.setAtMs };
    for (const f of ['i', 'm', 'n', 't'] as const) ch.flags[f] = p.modes.includes(f);
    ch.key = p.key;
    ch.limit = p.limit;
    ch.bans = p.bans.map((b) => ({ mask: b.mask, setBy: b.setBy, setAtWallMs: b.setAtMs }));
    ch.owner = p.owner === null ? null : fold(p.owner);
    m.channels.set(folded, ch);
  }
}
