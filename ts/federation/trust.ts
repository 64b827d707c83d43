/**
 * Which site key a server name is trusted with, and which servers are refused.
 *
 * Trust order for a name:
 *   1. LAGOON_FEDERATION_TRUST `name=hexkey` (configured by the operator): only that key;
 *   2. a pin from an earlier visit (persisted): only that key;
 *   3. otherwise, when LAGOON_FEDERATION_TOFU is on (default), the first key
 *      that proves the name is pinned (trust on first use); when off, refused.
 * The trade-off of TOFU: whoever answers for the name at the very first
 * visit (a hijacked DNS name or route at that moment) is believed; after that
 * a different key is refused until the operator removes the pin. Configure
 * LAGOON_FEDERATION_TRUST for names that matter and turn TOFU off to close
 * that window.
 */
import { LagoonError } from '../core/errors.js';
import { canonicalServerName } from './server-name.js';
import { verifySiteRecordSignature, type SiteRecordWire } from './site-record.js';

export interface Pin { readonly key: string; readonly newestIssuedMs: number }

export interface FederationState {
  /** Servers refused by DEFEDERATE (the config list is kept apart). */
  denied: string[];
  pins: Record<string, Pin>;
}

export function emptyState(): FederationState {
  return { denied: [], pins: {} };
}

export type TrustVerdict =
  | { ok: true; pin: Pin | null }
  | { ok: false; reason: string };

/** Decide on a verified-signature record `key`/`issuedMs` for `site`. Pure. */
export function judgeSiteKey(site: string, key: string, issuedMs: number, configured: ReadonlyMap<string, string>,
  pins: Readonly<Record<string, Pin>>, tofu: boolean): TrustVerdict {
  const want = configured.get(site);
  const pin = Object.hasOwn(pins, site) ? pins[site]! : undefined;
  if (want !== undefined && want !== key) return { ok: false, reason: `site key for ${site} is not the configured one` };
  if (pin !== undefined) {
    if (pin.key !== key) {
      if (want === undefined) return { ok: false, reason: `site key for ${site} changed since it was pinned` };
    } else if (issuedMs < pin.newestIssuedMs) {
      return { ok: false, reason: `site record for ${site} is older than one already seen (rollback)` };
    }
  } else if (want === undefined && !tofu) {
    return { ok: false, reason: `no trusted key for ${site} (LAGOON_FEDERATION_TRUST) and TOFU is off` };
  }
  const newest = pin !== undefined && pin.key === key ? Math.max(pin.newestIssuedMs, issuedMs) : issuedMs;
  const changed = pin === undefined || pin.key !== key || pin.newestIssuedMs !== newest;
  return { ok: true, pin: changed ? { key, newestIssuedMs: newest } : null };
}

/**
 * Does this record prove its name for the node on this link? `proven` is the
 * name the peer proved before, if any. Checks, in order: a canonical name
 * that is not ours and not a change of name; the node listed; the site
 * key's signature; then the key trust above. Pure (the signature check is
 * deterministic crypto).
 */
export function judgeSiteRecord(rec: SiteRecordWire, peerId: string, proven: string | null, ownName: string,
  configured: ReadonlyMap<string, string>, pins: Readonly<Record<string, Pin>>, tofu: boolean): TrustVerdict {
  const site = canonicalServerName(rec.site);
  const no = (reason: string): TrustVerdict => ({ ok: false, reason });
  if (site === null || site !== rec.site) return no(`site record names an invalid server ${JSON.stringify(rec.site)}`);
  if (site === ownName) return no(`peer claims our own name ${site}`);
  if (proven !== null && proven !== site) return no(`peer already proved ${proven}, now claims ${site}`);
  if (!rec.nodes.includes(peerId)) return no(`site record for ${site} does not list node ${peerId}`);
  if (!verifySiteRecordSignature(rec)) return no(`site record for ${site} has a bad signature`);
  return judgeSiteKey(site, rec.key, rec.issuedMs, configured, pins, tofu);
}

/** Parse `name=hexkey,name=hexkey` (LAGOON_FEDERATION_TRUST). */
export function parseTrustList(raw: string | null): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === null) return out;
  for (const item of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = item.lastIndexOf('=');
    const name = eq > 0 ? canonicalServerName(item.slice(0, eq)) : null;
    const key = eq > 0 ? item.slice(eq + 1).toLowerCase() : '';
    if (name === null || !/^[0-9a-f]{64}$/.test(key)) {
      throw LagoonError.config(`LAGOON_FEDERATION_TRUST item ${JSON.stringify(item)}; expected server=<64 hex chars of the site public key>`);
    }
    out.set(name, key);
  }
  return out;
}

/** Parse a comma list of server names (LAGOON_FEDERATION_DENY). */
export function parseServerList(raw: string | null, setting: string): Set<string> {
  const out = new Set<string>();
  if (raw === null) return out;
  for (const item of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const name = canonicalServerName(item);
    if (name === null) throw LagoonError.config(`${setting} item ${JSON.stringify(item)} is not a server name (DNS name or host:port)`);
    out.add(name);
  }
  return out;
}

/** Validate a state file's content; throws ERR_STATE_CORRUPT on anything unexpected. */
export function parseState(raw: unknown): FederationState {
  const bad = (): never => { throw new LagoonError('ERR_STATE_CORRUPT', 'federation state has an unexpected shape'); };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return bad();
  const r = raw as Record<string, unknown>;
  if (!Array.isArray(r.denied) || r.denied.some((d) => typeof d !== 'string' || canonicalServerName(d) !== d)) return bad();
  if (r.pins === null || typeof r.pins !== 'object' || Array.isArray(r.pins)) return bad();
  const pins: Record<string, Pin> = Object.create(null) as Record<string, Pin>;
  for (const [name, p] of Object.entries(r.pins as Record<string, unknown>)) {
    const pin = p as Record<string, unknown> | null;
    if (canonicalServerName(name) !== name || pin === null || typeof pin !== 'object' || typeof pin.key !== 'string'
      || !/^[0-9a-f]{64}$/.test(pin.key) || typeof pin.newestIssuedMs !== 'number' || !Number.isSafeInteger(pin.newestIssuedMs)) return bad();
    pins[name] = { key: pin.key, newestIssuedMs: pin.newestIssuedMs };
  }
  return { denied: [...new Set(r.denied as string[])], pins };
}
