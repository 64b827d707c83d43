/**
 * The links a mesh node holds, which of their peers are its SPIRAL
 * neighbours, which neighbours it is dialling, and which links linger before
 * it closes them. Links are authenticated before they get here.
 */

export interface LinkState { readonly publicKey: Uint8Array; readonly since: number; readonly entry: boolean }

export interface NeighbourChange {
  /** New neighbours we hold a link to. */
  readonly added: { peerId: string; publicKey: Uint8Array }[];
  /** Every former neighbour, linked or not. */
  readonly dropped: string[];
}

export class LinkTable {
  readonly #links = new Map<string, LinkState>();
  readonly #neighbours = new Set<string>();
  readonly #dialling = new Map<string, number>();
  readonly #lingerUntil = new Map<string, number>();

  constructor(readonly lingerMs: number, readonly dialRetryMs: number) {}

  get links(): ReadonlyMap<string, LinkState> { return this.#links; }
  get neighbours(): ReadonlySet<string> { return this.#neighbours; }
  has(peerId: string): boolean { return this.#links.has(peerId); }
  get(peerId: string): LinkState | undefined { return this.#links.get(peerId); }

  /** True if we dialled this peer. */
  up(peerId: string, publicKey: Uint8Array, entry: boolean, now: number): boolean {
    this.#links.set(peerId, { publicKey, since: now, entry });
    return this.#dialling.delete(peerId);
  }

  /** True if we held that link. */
  down(peerId: string): boolean {
    if (!this.#links.delete(peerId)) return false;
    this.#lingerUntil.delete(peerId);
    return true;
  }

  /** Dial a peer that is not (yet) a neighbour, once per dialRetryMs; the link lingers when it comes up. False if already dialling. */
  dialOnce(peerId: string, now: number): boolean {
    const since = this.#dialling.get(peerId);
    if (this.#links.has(peerId) || (since !== undefined && now - since < this.dialRetryMs)) return false;
    this.#dialling.set(peerId, now);
    return true;
  }

  /** Close this link after lingerMs unless its peer is a neighbour by then. */
  linger(peerId: string, now: number): void { this.#lingerUntil.set(peerId, now + this.lingerMs); }

  setNeighbours(want: ReadonlySet<string>, now: number): NeighbourChange {
    const change: NeighbourChange = { added: [], dropped: [] };
    for (const p of this.#neighbours) {
      if (want.has(p)) continue;
      this.#neighbours.delete(p);
      change.dropped.push(p);
      // A former neighbour's link lingers.
      if (this.#links.has(p)) this.linger(p, now);
    }
    for (const p of want) {
      if (this.#neighbours.has(p)) continue;
      this.#neighbours.add(p);
      this.#lingerUntil.delete(p);
      const link = this.#links.get(p);
      if (link !== undefined) change.added.push({ peerId: p, publicKey: link.publicKey });
    }
    return change;
  }

  /** Neighbours to dial now: not linked, not dialled within dialRetryMs, with an address. */
  toDial(now: number, addrsOf: (peerId: string) => readonly string[]): { peerId: string; addrs: readonly string[] }[] {
    const out: { peerId: string; addrs: readonly string[] }[] = [];
    for (const p of this.#neighbours) {
      if (this.#links.has(p)) continue;
      const since = this.#dialling.get(p);
      if (since !== undefined && now - since < this.dialRetryMs) continue;
      const addrs = addrsOf(p);
      if (addrs.length === 0) continue; // a silent peer: it dials us
      this.#dialling.set(p, now);
      out.push({ peerId: p, addrs });
    }
    return out;
  }

  /** Lingering links whose time is up and whose peer is still no neighbour: to close. `keep`: not yet (asked again later). */
  lingerExpired(now: number, keep: (peerId: string) => boolean = () => false): string[] {
    const out: string[] = [];
    for (const [p, until] of this.#lingerUntil) {
      if (until > now || keep(p)) continue;
      this.#lingerUntil.delete(p);
      if (!this.#neighbours.has(p) && this.#links.has(p)) out.push(p);
    }
    return out;
  }
}
