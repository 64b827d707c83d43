/**
 * An in-process world of servers for federation unit tests: each node is an
 * IrcMachine plus a FederationMachine, wired by a FIFO of messages (through
 * the real payload codec) with explicit time. No sockets, no timers.
 */
import { ephemeralIdentity } from '../../ts/core/identity.js';
import { DEFAULT_IRC_LIMITS } from '../../ts/irc/limits.js';
import { IrcMachine } from '../../ts/irc/machine.js';
import type { IrcAction, IrcFedInput, IrcFedOp } from '../../ts/irc/actions.js';
import type { IrcFederationOptions } from '../../ts/irc/fed-host.js';
import { FederationMachine, type FedAction, type IrcFedEvent } from '../../ts/federation/machine.js';
import { decodePayload, encodePayload, type FedMessage } from '../../ts/federation/messages.js';
import { ephemeralSiteKey, signSiteRecord, type SiteKey } from '../../ts/federation/site-record.js';
import { emptyState } from '../../ts/federation/trust.js';

export interface NodeOptions { fed?: Partial<IrcFederationOptions>; tofu?: boolean; trust?: Map<string, string>; denied?: Set<string>; siteKey?: SiteKey; recordName?: string }

export class WorldNode {
  readonly peerId = ephemeralIdentity().peerId;
  readonly siteKey: SiteKey;
  readonly irc: IrcMachine;
  readonly fed: FederationMachine;
  readonly inbox = new Map<number, string[]>();
  persists = 0;
  down = false;

  constructor(readonly world: World, readonly name: string, o: NodeOptions) {
    this.siteKey = o.siteKey ?? ephemeralSiteKey();
    this.irc = new IrcMachine({
      serverName: name, networkName: 'TestNet', version: 'test', motd: [], operPassword: 'pw', password: null,
      limits: { ...DEFAULT_IRC_LIMITS, floodBurstLines: 1000, floodLinesPerSecond: 1000 }, wallClock: () => 1_700_000_000_000,
      federation: { visitsPerSecond: 5, visitBurst: 20, maxVisitorsPerServer: 100, ...o.fed },
    });
    this.fed = new FederationMachine({
      ownName: name, ownRecord: signSiteRecord(this.siteKey, o.recordName ?? name, [this.peerId], 1), trust: o.trust ?? new Map(),
      tofu: o.tofu ?? true, configDenied: o.denied ?? new Set(), connectTimeoutMs: 5000, state: emptyState(),
    });
  }

  ircApply(actions: IrcAction[]): void {
    for (const a of actions) {
      if (a.kind === 'send') for (const id of a.to) (this.inbox.get(id) ?? this.inbox.set(id, []).get(id)!).push(a.line);
      else if (a.kind === 'federate') this.onOp(a.op);
    }
  }

  private onOp(op: IrcFedOp): void {
    const now = this.world.now;
    switch (op.t) {
      case 'command': this.fedApply(this.fed.command(op.server, op.client, op.identity, { kind: 'line', line: op.line }, now)); break;
      case 'nick': this.fedApply(this.fed.nickChange(op.client, op.nick, now)); break;
      case 'leave': this.fedApply(this.fed.leave(op.client, op.reason, now)); break;
      case 'opened': this.fedApply(this.fed.hostOpened(op.peerId, op.vid, now)); break;
      case 'closed': this.fedApply(this.fed.hostClosed(op.peerId, op.vid, op.reason, now)); break;
      case 'deliver': this.fedApply(this.fed.hostDeliver(op.peerId, op.to, op.line, now)); break;
      case 'defederate': if (op.server !== null) this.fedApply(this.fed.defederate(op.server, now)); break;
      case 'refederate': this.fedApply(this.fed.refederate(op.server, now).actions); break;
    }
  }

  fedApply(actions: FedAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') this.world.queue.push({ from: this, to: a.peerId, msg: a.msg });
      else if (a.type === 'dial') this.world.dials.push({ node: this, server: a.server });
      else if (a.type === 'irc') this.ircApply(this.irc.federation(toIrc(a.ev), this.world.now));
      else this.persists++;
    }
  }

  connect(id: number, nick: string): void {
    this.ircApply(this.irc.connect(id, { remoteAddress: '10.0.0.1', tls: false }, this.world.now));
    this.send(id, `NICK ${nick}`, `USER ${nick} 0 * :${nick}`);
    this.take(id);
  }

  send(id: number, ...lines: string[]): void {
    for (const l of lines) this.ircApply(this.irc.line(id, l, this.world.now));
    this.world.run();
  }

  take(id: number): string[] {
    const box = this.inbox.get(id) ?? [];
    this.inbox.set(id, []);
    return box;
  }

  /** Inject messages as if `from` sent them (a hostile or buggy peer). */
  inject(from: WorldNode, msgs: FedMessage[]): void {
    this.fedApply(this.fed.messages(from.peerId, decodePayload(encodePayload(msgs)), this.world.now));
    this.world.run();
  }
}

function toIrc(ev: IrcFedEvent): IrcFedInput {
  if (ev.kind === 'failed') return { kind: 'failed', server: ev.server, vid: ev.vid, line: ev.item.kind === 'line' ? ev.item.line : null, fail: ev.fail, text: ev.text };
  if (ev.kind === 'open') return { kind: 'open', origin: ev.origin, vid: ev.vid, info: { ...ev.info, caps: [...ev.info.caps] } };
  return ev;
}

export class World {
  now = 0;
  readonly nodes: WorldNode[] = [];
  readonly queue: { from: WorldNode; to: string; msg: FedMessage }[] = [];
  readonly dials: { node: WorldNode; server: string }[] = [];
  /** When false, dials wait (to test the connect timeout). */
  answerDials = true;
  /** Messages for which this returns true are lost on the way. */
  lose: (msg: FedMessage) => boolean = () => false;

  add(name: string, o: NodeOptions = {}): WorldNode {
    const n = new WorldNode(this, name, o);
    this.nodes.push(n);
    return n;
  }

  /** Deliver queued messages and dials until quiet (bounded). */
  run(): void {
    for (let i = 0; i < 100_000 && (this.queue.length > 0 || (this.answerDials && this.dials.length > 0)); i++) {
      const q = this.queue.shift();
      if (q !== undefined) {
        const to = this.nodes.find((n) => n.peerId === q.to);
        if (to === undefined || to.down || q.from.down || this.lose(q.msg)) continue;
        to.fedApply(to.fed.messages(q.from.peerId, decodePayload(encodePayload([q.msg])), this.now));
        continue;
      }
      const d = this.dials.shift()!;
      const target = this.nodes.find((n) => n.name === d.server && !n.down);
      d.node.fedApply(target === undefined ? d.node.fed.linkFailed(d.server, 'ECONNREFUSED', this.now) : d.node.fed.linked(d.server, target.peerId, this.now));
    }
  }

  /** A node's links drop: everyone linked to it hears peer-down. */
  cut(node: WorldNode): void {
    node.down = true;
    for (const n of this.nodes) if (n !== node) n.fedApply(n.fed.peerDown(node.peerId, 'closed', this.now));
    this.run();
  }

  tick(ms: number): void {
    this.now += ms;
    for (const n of this.nodes) n.fedApply(n.fed.handleTimeout(this.now));
    this.run();
  }
}
