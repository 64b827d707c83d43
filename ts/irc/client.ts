import { TokenBucket } from './flood.js';
import type { Channel } from './channel.js';
import { capVariant } from './caps.js';
import { displayHost } from './names.js';

export type ClientId = number;

export interface ClientInfo { remoteAddress: string; tls: boolean }

/** A visitor from another server (host side): who sent it, over which link, under which id. */
export interface RemoteOrigin { readonly server: string; readonly peerId: string; readonly vid: number }

/** One connection's state. Plain data; the machine and commands change it. */
export class Client {
  nick = '*';
  foldedNick = '';
  user = '';
  realname = '';
  registered = false;
  /** CAP LS/REQ seen before registration: wait for CAP END. */
  capNegotiating = false;
  capVersion = 0;
  readonly caps = new Set<string>();
  variant = 0;
  passOk = false;
  away: string | null = null;
  oper = false;
  invisible = false;
  wallops = false;
  readonly channels = new Set<Channel>();
  /** Folded names of channels this client was invited to. */
  readonly invites = new Set<string>();
  signonWallMs = 0;
  /** Monotonic time of the last line received (for PING) and last message sent (for WHOIS idle). */
  lastActivity: number;
  lastSpoke: number;
  pingSentAt: number | null = null;
  /** Lines waiting for flood tokens. */
  readonly backlog: string[] = [];
  /** Earliest live timer-heap entry for this client (Infinity = none). */
  scheduledAt = Infinity;
  closing = false;
  /** Host side: set when this client is a visitor from another server (no socket here). */
  remote: RemoteOrigin | null = null;
  /** Home side: rooms on other servers this client visits, folded `#room:server` → shown name. */
  readonly visits = new Map<string, { name: string; server: string }>();
  /** Home side: this client has used federation, so its QUIT/NICK must reach the servers it used. */
  federated = false;
  private cachedPrefix: string | null = null;
  readonly flood: TokenBucket;

  constructor(
    readonly id: ClientId,
    readonly info: ClientInfo,
    readonly connectedAt: number,
    floodBurst: number,
    floodRate: number,
    /** Services (LagoonBot) have no socket and never receive lines. */
    readonly isService = false,
  ) {
    this.lastActivity = connectedAt;
    this.lastSpoke = connectedAt;
    this.flood = new TokenBucket(floodBurst, floodRate, connectedAt);
    this.host = displayHost(info.remoteAddress);
  }

  /** Shown host; `info.remoteAddress` stays the raw address (per-IP limits key on it). */
  readonly host: string;

  /** `nick!user@host`, cached because every relayed line needs it. */
  get prefix(): string {
    if (this.cachedPrefix === null) this.cachedPrefix = `${this.nick}!${this.user || '*'}@${this.host}`;
    return this.cachedPrefix;
  }

  setNick(nick: string, folded: string): void {
    this.nick = nick;
    this.foldedNick = folded;
    this.cachedPrefix = null;
  }

  setUser(user: string): void {
    this.user = user;
    this.cachedPrefix = null;
  }

  updateCaps(): void { this.variant = capVariant(this.caps); }

  /** What a reply numeric addresses this client as. */
  get target(): string { return this.nick; }
}
