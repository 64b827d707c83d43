/**
 * How much we trust a cached peer to answer a dial, in [0, 1]. Pure; `now` is
 * passed in. The formula (also in docs/peer-cache.md):
 *
 *   success = (successes + 1) / (successes + failures + 2)   Laplace: 0.5 for a stranger
 *   rtt     = 1 / (1 + rttAvgMs / rttRefMs)                   0.5 when unmeasured
 *   fresh   = 2^(−age / freshHalfLifeMs)                      age since last seen (else record seq, else added)
 *   reach   = by NAT type: none 1, full-cone 0.8, unknown 0.5, restricted 0.5, port-restricted 0.4, symmetric 0.1
 *   caps    = |capabilities ∩ wanted| / |wanted|              1 when nothing is wanted
 *   score   = 0.35·success + 0.20·rtt + 0.25·fresh + 0.10·reach + 0.10·caps
 *
 * Success dominates because a peer that answered before is the best bet after
 * a restart; freshness next, because addresses rot; RTT only orders peers that
 * both answer. Public (NAT none) peers are preferred, as seed 002 asks.
 */
import { CAPABILITY } from '../../mesh/hello/constants.js';
import type { NatType } from './constants.js';

export interface ScoreInput {
  readonly successes: number;
  readonly failures: number;
  readonly rttAvgMs: number | null;
  readonly lastSeenMs: number | null;
  readonly recordSeq: number | null;
  readonly addedMs: number;
  readonly natType: NatType;
  readonly capabilities: number;
}

export interface ScoreConfig {
  /** RTT at which the RTT term is 0.5, ms. Default 100. */
  readonly rttRefMs: number;
  /** Age at which the freshness term halves, ms. Default 24 h. */
  readonly freshHalfLifeMs: number;
  /** Capability bits we look for in a peer. Default IRC | VDF | SPORE. */
  readonly wantedCapabilities: number;
}

export const DEFAULT_SCORE_CONFIG: ScoreConfig = Object.freeze({
  rttRefMs: 100,
  freshHalfLifeMs: 24 * 3600_000,
  wantedCapabilities: CAPABILITY.irc | CAPABILITY.vdf | CAPABILITY.spore,
});

export const WEIGHTS = Object.freeze({ success: 0.35, rtt: 0.2, fresh: 0.25, reach: 0.1, caps: 0.1 });

const REACH: Readonly<Record<NatType, number>> = Object.freeze({
  none: 1, 'full-cone': 0.8, unknown: 0.5, restricted: 0.5, 'port-restricted': 0.4, symmetric: 0.1,
});

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}

export function scoreOf(e: ScoreInput, now: number, c: ScoreConfig = DEFAULT_SCORE_CONFIG): number {
  const success = (e.successes + 1) / (e.successes + e.failures + 2);
  const rtt = e.rttAvgMs === null ? 0.5 : 1 / (1 + Math.max(0, e.rttAvgMs) / c.rttRefMs);
  const since = e.lastSeenMs ?? e.recordSeq ?? e.addedMs;
  const fresh = 2 ** (-Math.max(0, now - since) / c.freshHalfLifeMs);
  const reach = REACH[e.natType];
  const wanted = popcount(c.wantedCapabilities);
  const caps = wanted === 0 ? 1 : popcount(e.capabilities & c.wantedCapabilities) / wanted;
  return WEIGHTS.success * success + WEIGHTS.rtt * rtt + WEIGHTS.fresh * fresh + WEIGHTS.reach * reach + WEIGHTS.caps * caps;
}
