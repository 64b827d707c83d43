/**
 * Idiomatic wrapper over the native VDF: validates arguments before they
 * cross, owns the engine handle (idempotent close), maps native errors to
 * LagoonError codes. Verification runs on the libuv pool, never on the JS thread.
 */
import { LagoonError } from '../../core/errors.js';
import { callNative } from '../../core/native-errors.js';
import { vdfBinding, type RawVdfEngine, type RawVdfProver } from './binding.js';
import { DEFAULT_VDF_CONFIG, KEY_LEN, NONCE_LEN, VDF_LIMITS, type VdfLimits } from './constants.js';

export type RejectReason =
  | 'malformed' | 'shape' | 'version' | 'signature' | 'replay' | 'fork' | 'gap' | 'nonce-missing' | 'empty'
  | 'opening-mismatch' | 'opening-set' | 'merkle' | 'segment';

/** What a verified header proves. */
export interface HeaderFacts {
  window: number;
  startHeight: number;
  endHeight: number;
  steps: number;
  /** Steps at or after the required nonce (all steps when none was required). */
  freshSteps: number;
  noncePosition: number | undefined;
  end: Buffer;
}

export type HeaderResult = { ok: true; facts: HeaderFacts } | { ok: false; reason: RejectReason };
export type CheckResult = { ok: true } | { ok: false; reason: RejectReason };

export interface EngineOptions {
  /** Share of one core, (0, 1]. Default 0.05. */
  duty?: number;
  /** Duty-cycle period in ms. Default 20. */
  dutyPeriodMs?: number;
  /** Most segments per window (power of two). Default 8192. */
  maxSegments?: number;
}

export interface EngineStats {
  height: number;
  /** Nanoseconds the chain thread spent computing. */
  busyNs: number;
  windows: number;
  pendingNonces: number;
}

function bytes(name: string, v: unknown, len: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== len) {
    throw LagoonError.invalidArgument(`vdf: ${name} must be a ${len}-byte Uint8Array`);
  }
  return v;
}

function anyBytes(name: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) throw LagoonError.invalidArgument(`vdf: ${name} must be a Uint8Array`);
  return v;
}

function safeInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw LagoonError.invalidArgument(`vdf: ${name} must be a non-negative safe integer`);
  return v;
}

/** The Ed25519 seed (32 bytes) of a Node private key, for the native signer. */
export function seedOf(privateKey: import('node:crypto').KeyObject): Buffer {
  const d = privateKey.export({ format: 'jwk' }).d;
  if (typeof d !== 'string') throw LagoonError.invalidArgument('vdf: not an Ed25519 private key');
  return Buffer.from(d, 'base64url');
}

/** The chain running on its own OS thread under a duty cycle. */
export class VdfEngine {
  readonly publicKey: Buffer;
  #raw: RawVdfEngine;
  #closed = false;

  constructor(seed: Uint8Array, options: EngineOptions = {}) {
    bytes('seed', seed, KEY_LEN);
    const duty = options.duty ?? DEFAULT_VDF_CONFIG.duty;
    const period = options.dutyPeriodMs ?? DEFAULT_VDF_CONFIG.dutyPeriodMs;
    const maxSegments = options.maxSegments ?? DEFAULT_VDF_CONFIG.maxSegments;
    if (!(duty > 0 && duty <= 1)) throw LagoonError.invalidArgument(`vdf: duty must be in (0, 1], got ${duty}`);
    if (!Number.isInteger(period) || period < 1 || period > 10_000) throw LagoonError.invalidArgument('vdf: dutyPeriodMs must be in [1, 10000]');
    if (!Number.isInteger(maxSegments) || maxSegments < 2 || maxSegments > VDF_LIMITS.maxSegments) throw LagoonError.invalidArgument(`vdf: maxSegments must be in [2, ${VDF_LIMITS.maxSegments}]`);
    const b = vdfBinding();
    this.#raw = callNative('VdfEngine', () => new b.VdfEngine(seed, duty, period, maxSegments));
    this.publicKey = this.#raw.publicKey();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #live(): RawVdfEngine {
    if (this.#closed) throw new LagoonError('ERR_CLOSED', 'vdf: engine is closed');
    return this.#raw;
  }

  /** Queues a neighbour's nonce for absorption at the next step boundary; false if the queue is full. */
  absorb(nonce: Uint8Array): boolean {
    bytes('nonce', nonce, NONCE_LEN);
    return callNative('absorb', () => this.#live().absorb(nonce));
  }

  /** Closes the current window: the signed header, or null if no step ran since the last one. */
  async closeWindow(): Promise<Buffer | null> {
    const raw = this.#live();
    return raw.closeWindow();
  }

  /** Opens a closed window for a verifier's challenge (and the segment of its previous nonce `show`). */
  open(window: number, challenge: Uint8Array, show: Uint8Array | null, k: number = DEFAULT_VDF_CONFIG.k): Buffer {
    safeInt('window', window);
    bytes('challenge', challenge, NONCE_LEN);
    if (show !== null) bytes('show', show, NONCE_LEN);
    return callNative('open', () => this.#live().open(window, challenge, show, k));
  }

  stats(): EngineStats {
    return callNative('stats', () => this.#live().stats());
  }

  /** Stops and joins the chain thread. Idempotent; never keeps the process alive. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#raw.close();
  }
}

/** The same prover without a thread (tests, benches, simulations): steps run when asked. */
export class VdfProver {
  readonly publicKey: Buffer;
  #raw: RawVdfProver;

  constructor(seed: Uint8Array, maxSegments: number = DEFAULT_VDF_CONFIG.maxSegments) {
    bytes('seed', seed, KEY_LEN);
    const b = vdfBinding();
    this.#raw = callNative('VdfProver', () => new b.VdfProver(seed, maxSegments));
    this.publicKey = this.#raw.publicKey();
  }

  get height(): number {
    return this.#raw.height();
  }

  advance(steps: number): number {
    return callNative('advance', () => this.#raw.advance(safeInt('steps', steps)));
  }

  absorb(nonce: Uint8Array): void {
    bytes('nonce', nonce, NONCE_LEN);
    callNative('absorb', () => this.#raw.absorb(nonce));
  }

  closeWindow(): Buffer | null {
    return callNative('closeWindow', () => this.#raw.closeWindow());
  }

  open(window: number, challenge: Uint8Array, show: Uint8Array | null, k: number = DEFAULT_VDF_CONFIG.k): Buffer {
    bytes('challenge', challenge, NONCE_LEN);
    if (show !== null) bytes('show', show, NONCE_LEN);
    return callNative('open', () => this.#raw.open(safeInt('window', window), challenge, show, k));
  }
}

/** The native crate's protocol bounds (`lagoon_vdf::limits`); `VDF_LIMITS` in constants.ts mirrors them. */
export function nativeLimits(): VdfLimits {
  const l = callNative('vdfLimits', () => vdfBinding().vdfLimits());
  return Object.freeze({
    maxSegmentLen: l.maxSegmentLen, maxWindowSteps: l.maxWindowSteps, maxSegments: l.maxSegments, maxNonces: l.maxNonces,
    maxK: l.maxK, maxOpened: l.maxOpened, maxPath: l.maxPath, maxOpeningSteps: l.maxOpeningSteps,
  });
}

export function genesis(publicKey: Uint8Array): Buffer {
  return callNative('vdfGenesis', () => vdfBinding().vdfGenesis(bytes('publicKey', publicKey, KEY_LEN)));
}

/** Checks a header's signature, its chaining to `prev` and that `required` was absorbed (libuv pool). */
export async function verifyHeader(publicKey: Uint8Array, header: Uint8Array, prev: Uint8Array | null, required: Uint8Array | null): Promise<HeaderResult> {
  bytes('publicKey', publicKey, KEY_LEN);
  anyBytes('header', header);
  if (prev !== null) anyBytes('prev', prev);
  if (required !== null) bytes('required', required, NONCE_LEN);
  const r = await callNative('vdfVerifyHeader', () => vdfBinding().vdfVerifyHeader(publicKey, header, prev, required));
  if (!r.ok) return { ok: false, reason: (r.reason ?? 'malformed') as RejectReason };
  return {
    ok: true,
    facts: {
      window: r.window, startHeight: r.startHeight, endHeight: r.endHeight, steps: r.steps, freshSteps: r.freshSteps,
      noncePosition: r.noncePosition ?? undefined, end: r.end ?? Buffer.alloc(32),
    },
  };
}

/** Checks an opening of `header` for `challenge` by recomputing the opened segments (libuv pool). */
export async function verifyOpening(
  publicKey: Uint8Array, header: Uint8Array, opening: Uint8Array, challenge: Uint8Array, show: Uint8Array | null, k: number = DEFAULT_VDF_CONFIG.k,
): Promise<CheckResult> {
  bytes('publicKey', publicKey, KEY_LEN);
  anyBytes('header', header);
  anyBytes('opening', opening);
  bytes('challenge', challenge, NONCE_LEN);
  if (show !== null) bytes('show', show, NONCE_LEN);
  const r = await callNative('vdfVerifyOpening', () => vdfBinding().vdfVerifyOpening(publicKey, header, opening, challenge, show, k));
  return r.ok ? { ok: true } : { ok: false, reason: (r.reason ?? 'malformed') as RejectReason };
}

export interface Attestation {
  subject: Buffer;
  fromHeight: number;
  toHeight: number;
  steps: number;
  end: Buffer;
  attester: Buffer;
}

/** Signs "I verified `steps` of `subject`'s work between these heights, ending at `end`". */
export function signAttestation(seed: Uint8Array, a: Omit<Attestation, 'attester'>): Buffer {
  bytes('seed', seed, KEY_LEN);
  bytes('subject', a.subject, KEY_LEN);
  bytes('end', a.end, 32);
  return callNative('vdfSignAttestation', () =>
    vdfBinding().vdfSignAttestation(seed, a.subject, safeInt('fromHeight', a.fromHeight), safeInt('toHeight', a.toHeight), safeInt('steps', a.steps), a.end));
}

export function verifyAttestation(bytesIn: Uint8Array): { ok: true; attestation: Attestation } | { ok: false; reason: RejectReason } {
  const r = callNative('vdfVerifyAttestation', () => vdfBinding().vdfVerifyAttestation(anyBytes('attestation', bytesIn)));
  if (!r.ok || !r.subject || !r.end || !r.attester) return { ok: false, reason: (r.reason ?? 'malformed') as RejectReason };
  return { ok: true, attestation: { subject: r.subject, fromHeight: r.fromHeight, toHeight: r.toHeight, steps: r.steps, end: r.end, attester: r.attester } };
}
