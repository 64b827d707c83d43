/**
 * First-bytes classification for the shared mesh port. Pure: bytes in,
 * verdict out. `more` means the bytes so far are a prefix of something we
 * accept; anything that cannot become a known preamble is rejected at once.
 */
import { TCP_MAGIC } from './constants.js';

export type SniffVerdict = 'tcp' | 'ws' | 'tls' | 'reject' | 'more';

const HTTP_GET = Buffer.from('GET ', 'ascii');
const TLS_HANDSHAKE = Buffer.from([0x16, 0x03]);

function prefixState(head: Buffer, pattern: Buffer): 'match' | 'prefix' | 'no' {
  const n = Math.min(head.length, pattern.length);
  if (!head.subarray(0, n).equals(pattern.subarray(0, n))) return 'no';
  return head.length >= pattern.length ? 'match' : 'prefix';
}

export function classify(head: Buffer, opts: { allowTls: boolean }): SniffVerdict {
  let more = false;
  const candidates: [SniffVerdict, Buffer][] = [['tcp', TCP_MAGIC], ['ws', HTTP_GET]];
  if (opts.allowTls) candidates.push(['tls', TLS_HANDSHAKE]);
  for (const [verdict, pattern] of candidates) {
    const s = prefixState(head, pattern);
    if (s === 'match') return verdict;
    if (s === 'prefix') more = true;
  }
  return more ? 'more' : 'reject';
}
