/**
 * The gossip machine as a simulator node (ts/sim/): the same machine a real
 * node runs, with simulated links. Frames are the real encoded bytes, so a
 * test can decode every message of a run. Link events come from the
 * experiment (`linkUp`/`linkDown` commands), as the mesh service's
 * peer-up/peer-down do for a real node.
 */
import { GossipMachine, type GossipAction, type GossipEvent, type GossipInput } from './machine.js';
import { ObservedAddress } from './observed.js';
import type { Out, SimNode } from '../../sim/simulator.js';

export interface SimLinkInfo {
  /** Neighbour node id (the link id). */
  readonly id: string;
  /** The neighbour's address as this node would observe it on the link. */
  readonly address: string;
  readonly publicKey: Uint8Array;
}

export interface GossipSimNodeOptions {
  readonly id: string;
  readonly neighbours: readonly SimLinkInfo[];
  /** Builds a fresh machine (at start and on restart, which loses all state). */
  readonly makeMachine: (now: number) => GossipMachine;
  /** Called for every frame this node sends (cost accounting, IP-rule inspection). */
  readonly onSend?: (from: string, to: string, frame: Uint8Array) => void;
}

export class GossipSimNode implements SimNode<Uint8Array> {
  machine: GossipMachine;
  readonly #o: GossipSimNodeOptions;
  readonly #byId: Map<string, SimLinkInfo>;

  constructor(opts: GossipSimNodeOptions, now = 0) {
    this.#o = opts;
    this.#byId = new Map(opts.neighbours.map((n) => [n.id, n]));
    this.machine = opts.makeMachine(now);
  }

  /** Bring up the link to neighbour `id` (both ends call this). */
  linkUp(id: string, now: number): Out<Uint8Array>[] {
    const n = this.#byId.get(id);
    if (n === undefined) return [];
    return this.#run({ type: 'link-up', link: id, peerKey: n.publicKey, observed: new ObservedAddress(n.address) }, now);
  }

  linkDown(id: string, now: number): Out<Uint8Array>[] {
    return this.#run({ type: 'link-down', link: id }, now);
  }

  /** Bring up every link; used at start. */
  allLinksUp(now: number): Out<Uint8Array>[] {
    return this.#o.neighbours.flatMap((n) => this.linkUp(n.id, now));
  }

  input(input: GossipInput, now: number): Out<Uint8Array>[] {
    return this.#run(input, now);
  }

  handle(from: string, msg: Uint8Array, now: number): Out<Uint8Array>[] {
    return this.#run({ type: 'frame', link: from, frame: msg }, now);
  }

  handleTimeout(now: number): Out<Uint8Array>[] {
    return this.#run({ type: 'timeout' }, now);
  }

  nextTimeout(): number | undefined {
    return this.machine.nextTimeout();
  }

  /** A reboot: every bit of gossip state is lost; the links come back up. */
  restart(now: number): Out<Uint8Array>[] {
    this.machine = this.#o.makeMachine(now);
    return this.allLinksUp(now);
  }

  #run(input: GossipInput, now: number): Out<Uint8Array>[] {
    return toOuts(this.#o.id, this.machine.handle(input, now), this.#o.onSend);
  }
}

function toOuts(id: string, actions: GossipAction[], onSend: GossipSimNodeOptions['onSend']): Out<Uint8Array>[] {
  const outs: Out<Uint8Array>[] = [];
  for (const a of actions) {
    if (a.type === 'send') {
      onSend?.(id, a.link, a.frame);
      outs.push({ send: { to: a.link, msg: a.frame, bytes: a.frame.length } });
    } else {
      outs.push({ emit: a.event satisfies GossipEvent });
    }
  }
  return outs;
}
