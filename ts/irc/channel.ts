import type { Client } from './client.js';
import { globMatch } from './mask.js';

export interface Membership { op: boolean; voice: boolean }
export interface Topic { text: string; setBy: string; setAtWallMs: number }
export interface Ban { mask: string; setBy: string; setAtWallMs: number }
export interface ChannelFlags { i: boolean; m: boolean; n: boolean; t: boolean }

/** One local room: members, modes, topic, bans and its persistent owner. */
export class Channel {
  readonly members = new Map<Client, Membership>();
  topic: Topic | null = null;
  readonly flags: ChannelFlags = { i: false, m: false, n: true, t: true };
  key: string | null = null;
  limit: number | null = null;
  bans: Ban[] = [];
  /** Folded nick that gets +o on every join; survives restart. */
  owner: string | null = null;

  constructor(readonly name: string, readonly folded: string, public createdWallMs: number) {}

  /** Humans only: services don't count towards limits or ownership. */
  get humanCount(): number {
    let n = 0;
    for (const c of this.members.keys()) if (!c.isService) n++;
    return n;
  }

  isBanned(c: Client): boolean {
    if (this.bans.length === 0) return false;
    const who = c.prefix;
    return this.bans.some((b) => globMatch(b.mask, who));
  }

  /** `+ntk key` style string for RPL_CHANNELMODEIS; key shown only to members. */
  modeString(showKey: boolean): string[] {
    let flags = '+';
    const args: string[] = [];
    for (const f of ['i', 'm', 'n', 't'] as const) if (this.flags[f]) flags += f;
    if (this.key !== null) { flags += 'k'; args.push(showKey ? this.key : '*'); }
    if (this.limit !== null) { flags += 'l'; args.push(String(this.limit)); }
    return [flags, ...args];
  }

  /** Worth keeping while empty: it carries state someone set on purpose. */
  get hasPersistentState(): boolean {
    return this.topic !== null || this.key !== null || this.limit !== null || this.bans.length > 0
      || this.owner !== null || this.flags.i || this.flags.m || !this.flags.n || !this.flags.t;
  }
}

export function prefixOf(m: Membership, multi: boolean): string {
  if (multi) return (m.op ? '@' : '') + (m.voice ? '+' : '');
  return m.op ? '@' : m.voice ? '+' : '';
}
