/**
 * VDF heartbeat defaults and configuration. Every field: meaning, unit,
 * default, trade-off. Soundness numbers are in crates/lagoon-vdf/README.md;
 * protocol prose in docs/vdf.md.
 */
import { LagoonError } from '../../core/errors.js';

/** Bytes in a challenge nonce (128 bits; must match the crate's NONCE_LEN). */
export const NONCE_LEN = 16;
/** Bytes in an Ed25519 public key / seed. */
export const KEY_LEN = 32;

/**
 * Protocol bounds, mirrored from `crates/lagoon-vdf/src/limits.rs` (the one
 * definition; test/vdf/binding.test.ts checks this copy against the binding's
 * `vdfLimits()`). A header or opening exceeding one is rejected with reason
 * `shape` before any work, so one verification recomputes at most
 * `maxOpeningSteps` steps (≈ 7 ms) whatever the peer declares.
 */
export interface VdfLimits {
  readonly maxSegmentLen: number;
  readonly maxWindowSteps: number;
  readonly maxSegments: number;
  readonly maxNonces: number;
  readonly maxK: number;
  readonly maxOpened: number;
  readonly maxPath: number;
  readonly maxOpeningSteps: number;
}

export const VDF_LIMITS: VdfLimits = Object.freeze({
  /** Steps per segment (2^13). */
  maxSegmentLen: 8192,
  /** Steps per window (2^16 · 2^13 = 2^29). */
  maxWindowSteps: 536_870_912,
  /** Segments per window (2^16): Merkle paths ≤ 16 hashes. */
  maxSegments: 65_536,
  /** Nonces absorbed per window. */
  maxNonces: 64,
  /** Largest k a verifier may ask for. */
  maxK: 8,
  /** Segments per opening: maxK drawn + the show segment. */
  maxOpened: 9,
  /** Hashes per Merkle path. */
  maxPath: 16,
  /** Steps one opening makes the verifier recompute: maxOpened · maxSegmentLen. */
  maxOpeningSteps: 73_728,
});

export interface VdfConfig {
  /** How often a node closes a window and sends its proof to each neighbour (ms). Default 1250. Shorter: faster death detection, more bytes/s. */
  readonly windowMs: number;
  /** Slack after a window is due before it counts as missed (ms). Default 500. Covers RTT, closing and verification. */
  readonly graceMs: number;
  /** Consecutive missed or invalid windows before a neighbour is declared dead. Default 3 (dead ≤ windowMs·3 + graceMs = 4.25 s after its last good window). */
  readonly deadAfterMissed: number;
  /** Fiat–Shamir-drawn segments opened per window per verifier, besides the segment holding the verifier's nonce. Default 2, at most VDF_LIMITS.maxK (8). Each adds ~0.5 KiB per window and ≤ 8192 steps (≈ 0.8 ms) of verification. */
  readonly k: number;
  /** Share of one core the chain thread may use, in (0, 1]. Default 0.05. */
  readonly duty: number;
  /** Duty-cycle period (ms). Default 20: bursts of ≤ duty·period ms. */
  readonly dutyPeriodMs: number;
  /** Target segments per window (power of two ≤ 65536). Default 8192: verification ≥ 2^12/(k+1) × cheaper than recomputing; Merkle paths ≤ 13 hashes. Segments never exceed VDF_LIMITS.maxSegmentLen steps: a longer window gets more segments instead. */
  readonly maxSegments: number;
  /** Most neighbours tracked (SPIRAL has ≤ 20). Default 32. */
  readonly maxNeighbours: number;
  /** Challenges accepted from one neighbour per window; extra ones are dropped and counted. Default 3. */
  readonly maxChallengesPerWindow: number;
  /**
   * Close a window early (2·dutyPeriodMs after it arrives, at most once per windowMs/4) when a neighbour's
   * first nonce arrives, so a new neighbour is proved about a round trip after linking rather than up to a window
   * later. Default true. Costs at most four extra headers per window to each neighbour, only in windows where a
   * neighbour was added or relinked.
   */
  readonly earlyWindows: boolean;
}

export const DEFAULT_VDF_CONFIG: VdfConfig = Object.freeze({
  windowMs: 1250,
  graceMs: 500,
  deadAfterMissed: 3,
  k: 2,
  duty: 0.05,
  dutyPeriodMs: 20,
  maxSegments: 8192,
  maxNeighbours: 32,
  maxChallengesPerWindow: 3,
  earlyWindows: true,
});

/** Named profiles. `test` keeps engines at 1 % of a core so parallel tests fit on 2 cores. */
export const VDF_PROFILES = Object.freeze({
  default: DEFAULT_VDF_CONFIG,
  test: Object.freeze({ ...DEFAULT_VDF_CONFIG, duty: 0.01, windowMs: 200, graceMs: 200 }),
});

function int(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw LagoonError.config(`vdf.${name} must be an integer in [${min}, ${max}], got ${v}`);
}

/** Merges `overrides` onto the defaults, validates and freezes. Unknown keys are errors. */
export function vdfConfig(overrides: Partial<VdfConfig> = {}, base: VdfConfig = DEFAULT_VDF_CONFIG): VdfConfig {
  for (const key of Object.keys(overrides)) {
    if (!(key in DEFAULT_VDF_CONFIG)) throw LagoonError.config(`vdf: unknown key ${key}`);
  }
  const c: VdfConfig = { ...base, ...overrides };
  int('windowMs', c.windowMs, 10, 600_000);
  int('graceMs', c.graceMs, 0, 600_000);
  int('deadAfterMissed', c.deadAfterMissed, 1, 100);
  int('k', c.k, 1, VDF_LIMITS.maxK);
  int('dutyPeriodMs', c.dutyPeriodMs, 1, 10_000);
  int('maxSegments', c.maxSegments, 2, VDF_LIMITS.maxSegments);
  int('maxNeighbours', c.maxNeighbours, 1, 1024);
  int('maxChallengesPerWindow', c.maxChallengesPerWindow, 1, 64);
  if (typeof c.earlyWindows !== 'boolean') throw LagoonError.config(`vdf.earlyWindows must be true or false, got ${String(c.earlyWindows)}`);
  if (!(c.duty > 0 && c.duty <= 1)) throw LagoonError.config(`vdf.duty must be in (0, 1], got ${c.duty}`);
  if ((c.maxSegments & (c.maxSegments - 1)) !== 0) throw LagoonError.config('vdf.maxSegments must be a power of two');
  return Object.freeze(c);
}
