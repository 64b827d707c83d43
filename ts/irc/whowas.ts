import { fold } from './casemap.js';
import type { Client } from './client.js';

export interface WhowasEntry { nick: string; folded: string; user: string; host: string; realname: string; server: string; quitWallMs: number }

/** Bounded WHOWAS history: a ring of the last `capacity` departures, newest first on lookup. */
export class WhowasHistory {
  private readonly ring: (WhowasEntry | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<WhowasEntry | undefined>(capacity);
  }

  add(c: Client, wallMs: number, server = ''): void {
    if (this.capacity === 0) return;
    this.ring[this.next] = { nick: c.nick, folded: c.foldedNick, user: c.user, host: c.host, realname: c.realname, server, quitWallMs: wallMs };
    this.next = (this.next + 1) % this.capacity;
  }

  lookup(nick: string, max: number): WhowasEntry[] {
    const f = fold(nick);
    const found: WhowasEntry[] = [];
    for (let i = 1; i <= this.capacity && found.length < max; i++) {
      const e = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (e === undefined) break;
      if (e.folded === f) found.push(e);
    }
    return found;
  }
}
