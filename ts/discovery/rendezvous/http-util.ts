/**
 * Small HTTP helpers shared by the rendezvous and the bootstrap registry:
 * a size-limited JSON body reader and HTTP Basic password checking.
 */
import type { IncomingMessage } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 413; reason: string };

/** Read and parse a JSON body of at most `maxBytes` (413 beyond, 400 if not JSON). */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return { ok: false, status: 413, reason: `body larger than ${maxBytes} bytes` };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      return { ok: false, status: 413, reason: `body larger than ${maxBytes} bytes` };
    }
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch (err) {
    return { ok: false, status: 400, reason: `bad JSON: ${(err as Error).message}` };
  }
}

/**
 * `Authorization: Basic …` against the configured password (any user name).
 * Compared as SHA-256 digests in constant time, so neither the password nor
 * its length leaks through timing.
 */
export function basicAuth(header: string | undefined, password: string): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(decoded.slice(colon + 1)), digest(password));
}
