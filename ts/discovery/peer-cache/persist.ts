/**
 * The peer cache on disk: one text file, written atomically (temp file, fsync,
 * rename; core/atomic-file.ts):
 *
 *   lagoon-peer-cache 1 sha256=<hex of the body bytes>\n
 *   <body: JSON {"savedAtMs":…, "entries":[…]}>
 *
 * The checksum catches torn or edited files. A file that fails it (or does
 * not parse) is never deleted: it is renamed to `<file>.corrupt-<ms>` so an
 * operator can look at it, and the node starts with an empty cache. Records
 * in the file are verified again on load, as if a peer had sent them.
 */
import { createHash } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import { LagoonError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { isPeerId } from '../../core/identity.js';
import { LIMITS, NAT_TYPES, type NatType } from './constants.js';
import type { CacheEntry } from './cache.js';
import { decodeRecord, isShareableAddress } from './record.js';

const MAGIC = 'lagoon-peer-cache';
const FORMAT_VERSION = 1;
/** A file larger than this is not read (a cache of 1M entries is ≈ 1 GiB; the default 1024 ≈ 1 MiB). */
export const MAX_CACHE_FILE_BYTES = 1 << 30;

/** An entry as stored: the record as base64 of its signed bytes. */
type StoredEntry = Omit<CacheEntry, 'record'> & { record: string | null };

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

export function encodeCacheFile(entries: Iterable<CacheEntry>, savedAtMs: number): string {
  const stored: StoredEntry[] = [];
  for (const e of entries) {
    stored.push({ ...e, record: e.record === null ? null : e.record.bytes.toString('base64') });
  }
  const body = JSON.stringify({ savedAtMs, entries: stored });
  return `${MAGIC} ${FORMAT_VERSION} sha256=${sha256(body)}\n${body}`;
}

export interface DecodedCacheFile {
  readonly savedAtMs: number;
  readonly entries: CacheEntry[];
  /** Entries that failed validation (bad fields, forged record) and were left out. */
  readonly invalid: number;
}

/** Throws ERR_STATE_CORRUPT when the header, checksum or JSON is wrong. Bad single entries are counted and skipped. */
export function decodeCacheFile(text: string): DecodedCacheFile {
  const nl = text.indexOf('\n');
  const m = nl < 0 ? null : /^lagoon-peer-cache (\d+) sha256=([0-9a-f]{64})$/.exec(text.slice(0, nl));
  if (m === null) throw new LagoonError('ERR_STATE_CORRUPT', 'peer cache file has no valid header');
  if (Number(m[1]) !== FORMAT_VERSION) throw new LagoonError('ERR_STATE_CORRUPT', `peer cache file format ${m[1]} is not ${FORMAT_VERSION}`);
  const body = text.slice(nl + 1);
  if (sha256(body) !== m[2]) throw new LagoonError('ERR_STATE_CORRUPT', 'peer cache file checksum mismatch');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new LagoonError('ERR_STATE_CORRUPT', `peer cache file body is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const o = parsed as { savedAtMs?: unknown; entries?: unknown };
  if (typeof o !== 'object' || o === null || !Array.isArray(o.entries) || !isTime(o.savedAtMs)) {
    throw new LagoonError('ERR_STATE_CORRUPT', 'peer cache file body has the wrong shape');
  }
  const entries: CacheEntry[] = [];
  let invalid = 0;
  for (const raw of o.entries as unknown[]) {
    const e = entryFrom(raw);
    if (e === null) invalid++;
    else entries.push(e);
  }
  return { savedAtMs: o.savedAtMs, entries, invalid };
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
function isCount(v: unknown): v is number {
  return isTime(v);
}
function isMs(v: unknown): v is number | null {
  return v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
}

function entryFrom(raw: unknown): CacheEntry | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const s = raw as Partial<StoredEntry>;
  if (typeof s.peerId !== 'string' || !isPeerId(s.peerId)) return null;
  if (!Array.isArray(s.addresses) || s.addresses.length > LIMITS.maxAddrs || !s.addresses.every((a) => typeof a === 'string' && isShareableAddress(a))) return null;
  if (!isMs(s.rttAvgMs ?? null) || !isMs(s.rttMinMs ?? null) || !isMs(s.rttMaxMs ?? null)) return null;
  if (!isCount(s.successes) || !isCount(s.failures) || !isTime(s.addedMs)) return null;
  if (!(s.lastSeenMs === null || isTime(s.lastSeenMs)) || !(s.lastFailureMs === null || isTime(s.lastFailureMs))) return null;
  if (typeof s.natType !== 'string' || !(NAT_TYPES as readonly string[]).includes(s.natType)) return null;
  if (!Number.isInteger(s.capabilities) || s.capabilities! < 0 || s.capabilities! > 0xffffffff) return null;
  let record = null;
  if (s.record !== null) {
    if (typeof s.record !== 'string') return null;
    const d = decodeRecord(Buffer.from(s.record, 'base64'));
    if (!d.ok || d.record.peerId !== s.peerId) return null;
    record = d.record;
  }
  return {
    peerId: s.peerId, addresses: [...s.addresses], record, rttAvgMs: s.rttAvgMs ?? null, rttMinMs: s.rttMinMs ?? null, rttMaxMs: s.rttMaxMs ?? null,
    successes: s.successes, failures: s.failures, lastSeenMs: s.lastSeenMs ?? null, lastFailureMs: s.lastFailureMs ?? null,
    natType: s.natType as NatType, capabilities: s.capabilities!, addedMs: s.addedMs,
  };
}

export type LoadResult =
  | { readonly status: 'missing' }
  | { readonly status: 'loaded'; readonly file: DecodedCacheFile }
  | { readonly status: 'corrupt'; readonly error: LagoonError; readonly movedTo: string | null };

/**
 * Read the cache file. Never throws for a bad file: a corrupt one is moved
 * aside and reported. `nowMs` names the moved file.
 */
export async function loadCacheFile(path: string, nowMs: number): Promise<LoadResult> {
  let text: string;
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_CACHE_FILE_BYTES) throw new LagoonError('ERR_STATE_CORRUPT', `peer cache file is ${buf.length} bytes, more than ${MAX_CACHE_FILE_BYTES}`);
    text = buf.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    if (err instanceof LagoonError) return { status: 'corrupt', error: err, movedTo: await moveAside(path, nowMs) };
    // Unreadable (permissions, EISDIR): report; moving it might fail as well but is worth a try.
    const error = new LagoonError('ERR_STATE_CORRUPT', `cannot read peer cache file ${path}: ${(err as Error).message}`, { cause: err });
    return { status: 'corrupt', error, movedTo: await moveAside(path, nowMs) };
  }
  try {
    return { status: 'loaded', file: decodeCacheFile(text) };
  } catch (err) {
    const error = err instanceof LagoonError ? err : new LagoonError('ERR_STATE_CORRUPT', String(err), { cause: err });
    return { status: 'corrupt', error, movedTo: await moveAside(path, nowMs) };
  }
}

async function moveAside(path: string, nowMs: number): Promise<string | null> {
  const to = `${path}.corrupt-${nowMs}`;
  try {
    await rename(path, to);
    return to;
  } catch {
    return null;
  }
}

export async function saveCacheFile(path: string, entries: Iterable<CacheEntry>, nowMs: number): Promise<void> {
  await writeFileAtomic(path, encodeCacheFile(entries, nowMs));
}
