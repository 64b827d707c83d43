/**
 * The federation driver: the real clock, the mesh and the IRC server around
 * a FederationMachine. It dials servers (or reuses a mesh link whose HELLO
 * announces the site), batches the messages one input caused (a socket
 * chunk, flushed in a microtask) into one signed envelope per peer, verifies
 * incoming envelopes (signature by the link's proven node key, strictly
 * growing sequence), persists pins and the DEFEDERATE list, and keeps one
 * timer at the machine's next deadline.
 */
import { performance } from 'node:perf_hooks';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Identity } from '../core/identity.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { IrcFedInput, IrcFedOp } from '../irc/actions.js';
import type { MeshService } from '../mesh/service.js';
import type { PeerEntry } from '../mesh/peer-table.js';
import type { CloseInfo } from '../transport/types.js';
import { FEDERATION_LIMITS } from './constants.js';
import { FederationMachine, type FedAction, type FederationMachineOptions, type IrcFedEvent } from './machine.js';
import { decodeEnvelope, decodePayload, encodeEnvelope, isFederationFrame, signingBytes, type FedMessage } from './messages.js';
import { canonicalServerName } from './server-name.js';
import { signSiteRecord, type SiteKey } from './site-record.js';
import type { FederationStore } from './store.js';

/** What the driver needs from the IRC server (ts/irc/index.ts `IrcServer.federation`). */
export interface IrcFederationPort {
  setSink(sink: (op: IrcFedOp) => void): void;
  /** Feed events to the IRC machine, in order, in one driver turn. */
  input(evs: readonly IrcFedInput[]): void;
}

/** The trust, deny, timeout and state settings pass through to the machine unchanged. */
export interface FederationServiceOptions extends Pick<FederationMachineOptions, 'trust' | 'tofu' | 'configDenied' | 'connectTimeoutMs' | 'state'> {
  readonly mesh: MeshService;
  readonly identity: Identity;
  readonly irc: IrcFederationPort;
  readonly serverName: string;
  readonly siteKey: SiteKey;
  readonly store: FederationStore | null;
  readonly logger?: Logger;
}

export interface FederationDriverCounters { envelopesIn: number; envelopesOut: number; badEnvelopes: number; replayed: number }

export class FederationService {
  readonly machine: FederationMachine;
  readonly counters: FederationDriverCounters = { envelopesIn: 0, envelopesOut: 0, badEnvelopes: 0, replayed: 0 };
  private readonly log: Logger;
  private readonly outbox = new Map<string, FedMessage[]>();
  private flushScheduled = false;
  private seq = BigInt(Date.now()) * 1000n;
  private readonly lastSeq = new Map<string, bigint>();
  /** Linked peers' verify keys, built once per link instead of once per envelope (the JWK import dominated). */
  private readonly keys = new Map<string, { raw: Buffer; key: KeyObject }>();
  private timer: NodeJS.Timeout | null = null;
  private readonly t0 = performance.now();
  private closed = false;
  private readonly onFrame = (peerId: string, frame: Buffer): void => this.receive(peerId, frame);
  private readonly onDown = (p: PeerEntry, info: CloseInfo): void => {
    this.outbox.delete(p.peerId);
    this.keys.delete(p.peerId);
    this.run((now) => this.machine.peerDown(p.peerId, info.reason, now));
  };

  constructor(private readonly opts: FederationServiceOptions) {
    this.log = (opts.logger ?? silentLogger()).child({ name: 'lagoon:federation' });
    const ownName = canonicalServerName(opts.serverName) ?? opts.serverName.toLowerCase();
    this.machine = new FederationMachine({
      ownName,
      ownRecord: signSiteRecord(opts.siteKey, ownName, [opts.identity.peerId], Date.now()),
      trust: opts.trust, tofu: opts.tofu, configDenied: opts.configDenied,
      connectTimeoutMs: opts.connectTimeoutMs, state: opts.state,
    });
  }

  start(): void {
    this.opts.mesh.on('frame', this.onFrame);
    this.opts.mesh.on('peer-down', this.onDown);
    this.opts.irc.setSink((op) => this.onIrcOp(op));
    this.log.info({ site: this.opts.serverName, siteKey: this.opts.siteKey.publicKeyHex, denied: this.machine.deniedList().length }, 'federation ready');
  }

  status(): { siteKey: string; denied: string[]; remotes: ReturnType<FederationMachine['status']>; counters: object } {
    return {
      siteKey: this.opts.siteKey.publicKeyHex, denied: this.machine.deniedList(), remotes: this.machine.status(),
      counters: { ...this.machine.counters, ...this.counters },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushOutbox();
    this.opts.mesh.off('frame', this.onFrame);
    this.opts.mesh.off('peer-down', this.onDown);
    if (this.timer !== null) clearTimeout(this.timer);
    await this.opts.store?.flush();
  }

  private now(): number { return performance.now() - this.t0; }

  private run(call: (now: number) => FedAction[]): void {
    if (this.closed) return;
    let actions: FedAction[];
    try {
      actions = call(this.now());
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'federation machine error');
      return;
    }
    let irc: IrcFedInput[] | null = null;
    for (const a of actions) {
      if (a.type === 'irc') (irc ??= []).push(toIrc(a.ev));
      else this.perform(a);
    }
    this.rearm();
    if (irc !== null) this.opts.irc.input(irc);
  }

  private perform(a: FedAction): void {
    switch (a.type) {
      case 'send': {
        let q = this.outbox.get(a.peerId);
        if (q === undefined) { q = []; this.outbox.set(a.peerId, q); }
        q.push(a.msg);
        // A microtask, not setImmediate: everything one input chunk caused leaves in one
        // signed envelope, without waiting for the rest of the poll phase (latency).
        if (!this.flushScheduled) { this.flushScheduled = true; queueMicrotask(() => this.flushOutbox()); }
        return;
      }
      case 'dial': this.dial(a.server, a.address); return;
      case 'persist': void this.opts.store?.save(this.machine.state); return;
    }
  }

  private dial(server: string, address: string): void {
    // A mesh peer already announcing this site: use its link (it still has to prove the name).
    const known = this.opts.mesh.status().links.find((l) => canonicalServerName(l.siteName) === server);
    if (known !== undefined) {
      queueMicrotask(() => this.run((now) => this.machine.linked(server, known.peerId, now)));
      return;
    }
    this.log.info({ server, addr: address }, 'federation dialling');
    this.opts.mesh.connect(address, { signal: AbortSignal.timeout(this.opts.connectTimeoutMs) }).then(
      (p) => { this.opts.mesh.keep(p.peerId); this.run((now) => this.machine.linked(server, p.peerId, now)); },
      (err: unknown) => {
        this.log.warn({ server, addr: address, err: (err as Error).message }, 'federation dial failed');
        this.run((now) => this.machine.linkFailed(server, (err as Error).message, now));
      },
    );
  }

  private onIrcOp(op: IrcFedOp): void {
    switch (op.t) {
      case 'command': this.run((now) => this.machine.command(op.server, op.client, op.identity, { kind: 'line', line: op.line }, now)); return;
      case 'nick': this.run((now) => this.machine.nickChange(op.client, op.nick, now)); return;
      case 'leave': this.run((now) => this.machine.leave(op.client, op.reason, now)); return;
      case 'opened': this.run((now) => this.machine.hostOpened(op.peerId, op.vid, now)); return;
      case 'closed': this.run((now) => this.machine.hostClosed(op.peerId, op.vid, op.reason, now)); return;
      case 'deliver': this.run((now) => this.machine.hostDeliver(op.peerId, op.to, op.line, now)); return;
      case 'defederate': {
        if (op.server === null) {
          const list = this.machine.deniedList();
          this.notice(op.client, list.length === 0 ? 'DEFEDERATE: no server is refused' : `DEFEDERATE: refused: ${list.join(' ')}`);
          return;
        }
        const server = op.server;
        this.log.warn({ server }, 'federation: server defederated by an operator');
        this.run((now) => this.machine.defederate(server, now));
        this.notice(op.client, `DEFEDERATE: federation with ${server} is refused; its visits ended`);
        return;
      }
      case 'refederate': {
        let ok = true;
        this.run((now) => { const r = this.machine.refederate(op.server, now); ok = r.ok; return r.actions; });
        this.notice(op.client, ok ? `REFEDERATE: federation with ${op.server} is allowed again`
          : `REFEDERATE: ${op.server} stays refused: it is listed in LAGOON_FEDERATION_DENY`);
        return;
      }
    }
  }

  private notice(client: number, text: string): void {
    this.opts.irc.input([{ kind: 'notice', client, text }]);
  }

  /** One signed envelope per peer per loop turn, split only when a batch outgrows the payload limit. */
  private flushOutbox(): void {
    this.flushScheduled = false;
    for (const [peerId, msgs] of this.outbox) {
      let batch: string[] = [];
      let bytes = 2;
      const emit = (): void => {
        if (batch.length === 0) return;
        this.sendEnvelope(peerId, Buffer.from(`[${batch.join(',')}]`, 'utf8'));
        batch = [];
        bytes = 2;
      };
      for (const m of msgs) {
        const json = JSON.stringify(m);
        const n = Buffer.byteLength(json) + 1;
        if (n + 2 > FEDERATION_LIMITS.maxPayloadBytes) { this.log.warn({ peer: peerId, bytes: n }, 'federation message too large; dropped'); continue; }
        if (bytes + n > FEDERATION_LIMITS.maxPayloadBytes || batch.length >= FEDERATION_LIMITS.maxMessagesPerEnvelope) emit();
        batch.push(json);
        bytes += n;
      }
      emit();
    }
    this.outbox.clear();
  }

  private sendEnvelope(peerId: string, payload: Buffer): void {
    const frame = encodeEnvelope(++this.seq, payload, this.opts.identity.peerId, peerId, (m) => this.opts.identity.sign(m));
    this.counters.envelopesOut++;
    this.opts.mesh.send(peerId, frame);
  }

  private receive(peerId: string, frame: Buffer): void {
    if (!isFederationFrame(frame)) return;
    this.counters.envelopesIn++;
    // A link that carries federation is not the mesh topology's to close (it may not be a SPIRAL neighbour).
    this.opts.mesh.keep(peerId);
    const peer = this.opts.mesh.peer(peerId);
    try {
      if (peer === undefined) throw new Error('no link');
      const env = decodeEnvelope(frame);
      if (!verify(null, signingBytes(peerId, this.opts.identity.peerId, env.signed), this.keyOf(peerId, peer.link.remotePublicKey), env.signature)) {
        throw new Error('bad envelope signature');
      }
      const last = this.lastSeq.get(peerId);
      if (last !== undefined && env.seq <= last) { this.counters.replayed++; return; }
      const msgs = decodePayload(env.payload);
      this.rememberSeq(peerId, env.seq);
      this.run((now) => this.machine.messages(peerId, msgs, now));
    } catch (err) {
      this.counters.badEnvelopes++;
      this.log.warn({ peer: peerId, err: (err as Error).message }, 'federation envelope dropped');
    }
  }

  private keyOf(peerId: string, raw: Buffer): KeyObject {
    let e = this.keys.get(peerId);
    if (e === undefined || !e.raw.equals(raw)) {
      e = { raw, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' }) };
      this.keys.set(peerId, e);
    }
    return e.key;
  }

  private rememberSeq(peerId: string, seq: bigint): void {
    this.lastSeq.delete(peerId);
    if (this.lastSeq.size >= FEDERATION_LIMITS.maxPeerSeqs) this.lastSeq.delete(this.lastSeq.keys().next().value!);
    this.lastSeq.set(peerId, seq);
  }

  private rearm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const at = this.machine.nextTimeout();
    if (at === undefined || this.closed) return;
    this.timer = setTimeout(() => { this.timer = null; this.run((now) => this.machine.handleTimeout(now)); }, Math.max(0, Math.ceil(at - this.now())));
    this.timer.unref();
  }
}

function toIrc(ev: IrcFedEvent): IrcFedInput {
  if (ev.kind === 'failed') return { kind: 'failed', server: ev.server, vid: ev.vid, line: ev.item.kind === 'line' ? ev.item.line : null, fail: ev.fail, text: ev.text };
  if (ev.kind === 'open') return { kind: 'open', origin: ev.origin, vid: ev.vid, info: { ...ev.info, caps: [...ev.info.caps] } };
  return ev;
}
