/**
 * LAN discovery by multicast DNS (RFC 6762/6763) as a sans-IO machine: it
 * builds and reads dns-packet objects, the driver (service.ts) owns the
 * socket and the clock. Inputs take `now` (ms); outputs are action lists;
 * `nextTimeout()` says when to call `handleTimeout`.
 *
 * We announce one service instance:
 *   PTR  _lagoon._tcp.local            → lagoon-<32 hex of peer_id>._lagoon._tcp.local
 *   SRV  lagoon-….​_lagoon._tcp.local   → port = mesh port, target lagoon-….local
 *   TXT  lagoon-….​_lagoon._tcp.local   → "v=1", "peer_id=b3b3/…"
 *   A    lagoon-….local                 → the interface address
 * twice at start (1 s apart, as RFC 6762 §8.3 asks), then every
 * announceIntervalMs (before the TTL runs out), a goodbye (TTL 0) at stop,
 * and an answer to queries for the service (at most one per answerMinIntervalMs).
 * We query at start and then with doubling intervals up to queryMaxMs.
 *
 * What we find is a hint, not a claim we trust: the address goes to the mesh,
 * whose Noise handshake and HELLO prove who answers. Hints are bounded.
 */
import type { Answer, Packet, Question } from 'dns-packet';
import { isIP } from 'node:net';
import { LagoonError } from '../../core/errors.js';
import { isPeerId } from '../../core/identity.js';

export const SERVICE = '_lagoon._tcp.local';

export interface MdnsConfig {
  /** TTL of our records, s. Default 120 (RFC 6762's recommendation for SRV/TXT/A). */
  readonly ttlSec: number;
  /** Re-announce period, ms. Default 60 s (half the TTL). */
  readonly announceIntervalMs: number;
  /** First re-query delay, ms; doubles up to queryMaxMs. Default 1 s. */
  readonly queryInitialMs: number;
  /** Longest query interval, ms. Default 60 s. */
  readonly queryMaxMs: number;
  /** Least time between two answers to queries, ms. Default 1 s (RFC 6762 §6). */
  readonly answerMinIntervalMs: number;
  /** Peers remembered (peer_id → address); more are ignored and counted. Default 64. */
  readonly maxHints: number;
}

export const DEFAULT_MDNS_CONFIG: MdnsConfig = Object.freeze({
  ttlSec: 120, announceIntervalMs: 60_000, queryInitialMs: 1_000, queryMaxMs: 60_000, answerMinIntervalMs: 1_000, maxHints: 64,
});

export interface MdnsSelf {
  readonly peerId: string;
  /** Mesh port announced in SRV. */
  readonly port: number;
  /** IPv4 announced in A; null = listen and query only (the mesh is not reachable on this interface). */
  readonly host: string | null;
}

export type MdnsAction =
  | { readonly type: 'send'; readonly packet: Packet }
  | { readonly type: 'found'; readonly peerId: string; readonly address: string };

export interface MdnsCounters {
  packetsIn: number;
  queriesAnswered: number;
  answersRateLimited: number;
  announcements: number;
  queriesSent: number;
  found: number;
  /** Service records that failed validation (bad peer_id, port, address). */
  invalid: number;
  /** New peers ignored because maxHints were held. */
  hintsDropped: number;
}

export function instanceLabel(peerId: string): string {
  return `lagoon-${peerId.slice(peerId.indexOf('/') + 1, peerId.indexOf('/') + 33)}`;
}

const lower = (s: string): string => s.toLowerCase().replace(/\.$/, '');

export class MdnsMachine {
  readonly config: MdnsConfig;
  readonly counters: MdnsCounters = { packetsIn: 0, queriesAnswered: 0, answersRateLimited: 0, announcements: 0, queriesSent: 0, found: 0, invalid: 0, hintsDropped: 0 };
  private readonly instance: string;
  private readonly target: string;
  private readonly hints = new Map<string, string>();
  private started = false;
  private announceAtMs = Infinity;
  private announcesLeftFast = 0;
  private queryAtMs = Infinity;
  private queryDelayMs: number;
  private lastAnswerMs = -Infinity;

  constructor(private readonly self: MdnsSelf, config: Partial<MdnsConfig> = {}) {
    for (const k of Object.keys(config)) if (!(k in DEFAULT_MDNS_CONFIG)) throw LagoonError.config(`unknown mdns config key ${k}`);
    this.config = Object.freeze({ ...DEFAULT_MDNS_CONFIG, ...config });
    if (!isPeerId(self.peerId)) throw LagoonError.invalidArgument(`mdns needs a peer_id, got ${self.peerId}`);
    if (!Number.isInteger(self.port) || self.port < 1 || self.port > 65535) throw LagoonError.invalidArgument(`mdns port must be 1..65535, got ${self.port}`);
    if (self.host !== null && isIP(self.host) !== 4) throw LagoonError.invalidArgument(`mdns host must be IPv4, got ${self.host}`);
    this.instance = `${instanceLabel(self.peerId)}.${SERVICE}`;
    this.target = `${instanceLabel(self.peerId)}.local`;
    this.queryDelayMs = this.config.queryInitialMs;
  }

  get announcing(): boolean { return this.self.host !== null; }

  start(now: number): MdnsAction[] {
    if (this.started) return [];
    this.started = true;
    const out: MdnsAction[] = [this.query(now)];
    if (this.announcing) {
      out.push(this.announce());
      this.announcesLeftFast = 1;
      this.announceAtMs = now + 1_000;
    }
    return out;
  }

  /** Goodbye: our records with TTL 0, so caches drop them now. */
  stop(): MdnsAction[] {
    this.started = false;
    this.announceAtMs = Infinity;
    this.queryAtMs = Infinity;
    return this.announcing ? [{ type: 'send', packet: { type: 'response', answers: this.records(0) } }] : [];
  }

  handleTimeout(now: number): MdnsAction[] {
    if (!this.started) return [];
    const out: MdnsAction[] = [];
    if (now >= this.queryAtMs) out.push(this.query(now));
    if (now >= this.announceAtMs) {
      out.push(this.announce());
      if (this.announcesLeftFast > 0) this.announcesLeftFast--;
      this.announceAtMs = now + this.config.announceIntervalMs;
    }
    return out;
  }

  nextTimeout(): number | undefined {
    const at = Math.min(this.queryAtMs, this.announceAtMs);
    return this.started && at !== Infinity ? at : undefined;
  }

  /** A decoded packet from `fromAddress` (the UDP source). */
  handlePacket(packet: Packet, fromAddress: string, now: number): MdnsAction[] {
    if (!this.started) return [];
    this.counters.packetsIn++;
    if (packet.type === 'query') return this.onQuery(packet.questions ?? [], now);
    return this.onResponse([...(packet.answers ?? []), ...(packet.additionals ?? [])], fromAddress);
  }

  // ------------------------------------------------------------ internals

  private query(now: number): MdnsAction {
    this.counters.queriesSent++;
    this.queryAtMs = now + this.queryDelayMs;
    this.queryDelayMs = Math.min(this.config.queryMaxMs, this.queryDelayMs * 2);
    const questions: Question[] = [{ name: SERVICE, type: 'PTR' }];
    return { type: 'send', packet: { type: 'query', questions } };
  }

  private announce(): MdnsAction {
    this.counters.announcements++;
    return { type: 'send', packet: { type: 'response', answers: this.records(this.config.ttlSec) } };
  }

  private records(ttl: number): Answer[] {
    const host = this.self.host!;
    return [
      { name: SERVICE, type: 'PTR', ttl, data: this.instance },
      { name: this.instance, type: 'SRV', ttl, flush: true, data: { port: this.self.port, target: this.target, priority: 0, weight: 0 } },
      { name: this.instance, type: 'TXT', ttl, flush: true, data: ['v=1', `peer_id=${this.self.peerId}`] },
      { name: this.target, type: 'A', ttl, flush: true, data: host },
    ];
  }

  private onQuery(questions: readonly Question[], now: number): MdnsAction[] {
    if (!this.announcing) return [];
    const ours = new Set([SERVICE, lower(this.instance), lower(this.target)]);
    if (!questions.some((q) => ours.has(lower(q.name)))) return [];
    if (now - this.lastAnswerMs < this.config.answerMinIntervalMs) { this.counters.answersRateLimited++; return []; }
    this.lastAnswerMs = now;
    this.counters.queriesAnswered++;
    return [{ type: 'send', packet: { type: 'response', answers: this.records(this.config.ttlSec) } }];
  }

  private onResponse(records: readonly Answer[], fromAddress: string): MdnsAction[] {
    const out: MdnsAction[] = [];
    const aRecords = new Map<string, string>();
    for (const r of records) if (r.type === 'A' && typeof r.data === 'string') aRecords.set(lower(r.name), r.data);
    for (const srv of records) {
      if (srv.type !== 'SRV' || !lower(srv.name).endsWith(`.${SERVICE}`) || srv.ttl === 0) continue;
      const txt = records.find((r) => r.type === 'TXT' && lower(r.name) === lower(srv.name));
      const peerId = txt === undefined ? undefined : txtValue((txt as { data?: unknown }).data, 'peer_id');
      const port = srv.data.port;
      const host = aRecords.get(lower(srv.data.target)) ?? fromAddress;
      if (peerId === undefined || !isPeerId(peerId) || !Number.isInteger(port) || port < 1 || port > 65535 || isIP(host) !== 4) {
        this.counters.invalid++;
        continue;
      }
      if (peerId === this.self.peerId) continue; // our own announcement, looped back
      const address = `tcp://${host}:${port}`;
      if (this.hints.get(peerId) === address) continue;
      if (!this.hints.has(peerId) && this.hints.size >= this.config.maxHints) { this.counters.hintsDropped++; continue; }
      this.hints.set(peerId, address);
      this.counters.found++;
      out.push({ type: 'found', peerId, address });
    }
    return out;
  }
}

/** `key=value` from TXT data (strings or buffers, as dns-packet gives them). */
function txtValue(data: unknown, key: string): string | undefined {
  const items = Array.isArray(data) ? data : [data];
  for (const it of items) {
    const s = typeof it === 'string' ? it : Buffer.isBuffer(it) ? it.toString('utf8') : '';
    if (s.startsWith(`${key}=`)) return s.slice(key.length + 1);
  }
  return undefined;
}
