/**
 * The raw VDF functions of `lagoon-core.node` (crates/lagoon-napi/src/vdf.rs).
 * Only engine.ts calls these. The shapes live here rather than in
 * ts/core/native-bindings.ts so the VDF can evolve without touching core.
 */
import { loadNative } from '../../core/native.js';

export interface RawVdfStats { height: number; busyNs: number; windows: number; pendingNonces: number }

export interface RawVdfEngine {
  publicKey(): Buffer;
  absorb(nonce: Uint8Array): boolean;
  closeWindow(): Promise<Buffer | null>;
  open(window: number, challenge: Uint8Array, show: Uint8Array | undefined | null, k: number): Buffer;
  stats(): RawVdfStats;
  close(): void;
}

export interface RawVdfProver {
  publicKey(): Buffer;
  height(): number;
  advance(steps: number): number;
  absorb(nonce: Uint8Array): void;
  closeWindow(): Buffer | null;
  open(window: number, challenge: Uint8Array, show: Uint8Array | undefined | null, k: number): Buffer;
}

export interface RawHeaderResult {
  ok: boolean;
  reason?: string | null;
  window: number;
  startHeight: number;
  endHeight: number;
  steps: number;
  freshSteps: number;
  noncePosition?: number | null;
  end?: Buffer | null;
}

export interface RawCheck { ok: boolean; reason?: string | null }

export interface RawAttestation extends RawCheck {
  subject?: Buffer | null;
  fromHeight: number;
  toHeight: number;
  steps: number;
  end?: Buffer | null;
  attester?: Buffer | null;
}

/** `lagoon_vdf::limits`: protocol bounds on every peer-declared size. */
export interface RawVdfLimits {
  maxSegmentLen: number;
  maxWindowSteps: number;
  maxSegments: number;
  maxNonces: number;
  maxK: number;
  maxOpened: number;
  maxPath: number;
  maxOpeningSteps: number;
}

export interface VdfBinding {
  VdfEngine: new (seed: Uint8Array, duty: number, periodMs: number, maxSegments: number) => RawVdfEngine;
  VdfProver: new (seed: Uint8Array, maxSegments: number) => RawVdfProver;
  vdfLimits(): RawVdfLimits;
  vdfGenesis(publicKey: Uint8Array): Buffer;
  vdfVerifyHeader(publicKey: Uint8Array, header: Uint8Array, prev?: Uint8Array | null, required?: Uint8Array | null): Promise<RawHeaderResult>;
  vdfVerifyOpening(publicKey: Uint8Array, header: Uint8Array, opening: Uint8Array, challenge: Uint8Array, show: Uint8Array | null | undefined, k: number): Promise<RawCheck>;
  vdfSignAttestation(seed: Uint8Array, subject: Uint8Array, fromHeight: number, toHeight: number, steps: number, end: Uint8Array): Buffer;
  vdfVerifyAttestation(bytes: Uint8Array): RawAttestation;
  vdfBenchPlainLoop(steps: number): number;
  vdfBenchVerifyOpening(publicKey: Uint8Array, header: Uint8Array, opening: Uint8Array, challenge: Uint8Array, show: Uint8Array | null | undefined, k: number, iterations: number): number;
}

/** The VDF part of the core binding, loaded on first use. */
export function vdfBinding(): VdfBinding {
  return loadNative('core') as unknown as VdfBinding;
}
