/**
 * An address observed on a direct link (the far end of a socket). A node
 * cannot avoid seeing its neighbours' addresses, but under the IP-sharing
 * rule it must never pass a silent neighbour's address on. This type makes
 * that structural: it is not a string, it is not a `PeerRecord`, the gossip
 * codec (messages.ts) never imports it, and it prints and serialises as a
 * placeholder. Only local code that dials back or keeps a local note calls
 * `reveal()`.
 */
const PLACEHOLDER = '[observed address]';

export class ObservedAddress {
  readonly #value: string;
  constructor(value: string) { this.#value = value; }
  /** The address, for local use only (never for anything sent to a third node). */
  reveal(): string { return this.#value; }
  toString(): string { return PLACEHOLDER; }
  toJSON(): string { return PLACEHOLDER; }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return PLACEHOLDER; }
}
