/** Shared bits for the gossip tests: machines with sim or real keys, and a tiny synchronous pump between machines. */
import { Rng } from '../../../ts/sim/rng.js';
import { ephemeralIdentity } from '../../../ts/core/identity.js';
import { ed25519Verifier, identitySigner, simSigner, simVerify } from '../../../ts/discovery/gossip/crypto.js';
import { GossipMachine, type BroadcastInfo, type GossipAction, type GossipEvent, type GossipMachineOptions } from '../../../ts/discovery/gossip/machine.js';
import type { Signer, Verify } from '../../../ts/discovery/gossip/messages.js';

export const T0 = 1_700_000_000_000;

export function simKey(rng: Rng): Signer {
  const k = new Uint8Array(32);
  for (let i = 0; i < 32; i += 4) new DataView(k.buffer).setUint32(i, rng.next());
  return simSigner(k);
}

export function realKey(): Signer {
  return identitySigner(ephemeralIdentity());
}

export function info(addr: string, topics: string[] = []): BroadcastInfo {
  return { addrs: [addr], topics, capabilities: 0 };
}

export function machine(signer: Signer, broadcast: BroadcastInfo | null, opts: { seed?: number; real?: boolean; now?: number; config?: GossipMachineOptions['config'] } = {}): GossipMachine {
  const verify: Verify = opts.real === true ? ed25519Verifier() : simVerify;
  return new GossipMachine({ signer, verify, rng: new Rng(opts.seed ?? 1), broadcast, now: opts.now ?? T0, config: opts.config });
}

export const sends = (acts: GossipAction[]): Array<{ link: string; frame: Uint8Array }> =>
  acts.flatMap((a) => (a.type === 'send' ? [{ link: a.link, frame: a.frame }] : []));
export const events = (acts: GossipAction[]): GossipEvent[] => acts.flatMap((a) => (a.type === 'event' ? [a.event] : []));

/**
 * Machines by name, linked as given, exchanging frames instantly and in
 * order until nothing is left (bounded). Every frame sent is recorded.
 */
export class Pump {
  readonly frames: Array<{ from: string; to: string; frame: Uint8Array }> = [];
  readonly events: Array<{ node: string; event: GossipEvent }> = [];
  readonly #queue: Array<{ from: string; to: string; frame: Uint8Array }> = [];
  constructor(readonly nodes: Map<string, GossipMachine>, public now = T0) {}

  link(a: string, b: string): void {
    this.feed(a, this.nodes.get(a)!.handle({ type: 'link-up', link: b }, this.now));
    this.feed(b, this.nodes.get(b)!.handle({ type: 'link-up', link: a }, this.now));
  }

  feed(node: string, acts: GossipAction[]): void {
    for (const a of acts) {
      if (a.type === 'send') this.#queue.push({ from: node, to: a.link, frame: a.frame });
      else this.events.push({ node, event: a.event });
    }
  }

  run(maxFrames = 100_000): void {
    for (let i = 0; i < maxFrames && this.#queue.length > 0; i++) {
      const f = this.#queue.shift()!;
      this.frames.push(f);
      this.feed(f.to, this.nodes.get(f.to)!.handle({ type: 'frame', link: f.from, frame: f.frame }, this.now));
    }
    if (this.#queue.length > 0) throw new Error('pump: frame budget exhausted');
  }
}
