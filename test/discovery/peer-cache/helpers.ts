import { ephemeralIdentity, type Identity } from '../../../ts/core/identity.js';
import { signRecord, type SignedRecord } from '../../../ts/discovery/peer-cache/record.js';
import type { NatType } from '../../../ts/discovery/peer-cache/constants.js';

/** A fresh identity and a record it signed (addresses default to one loopback port). */
export function signed(opts: { id?: Identity; seq: number; addresses?: string[]; natType?: NatType; capabilities?: number }): SignedRecord {
  const id = opts.id ?? ephemeralIdentity();
  return signRecord(id.publicKey, (m) => id.sign(m), {
    seq: opts.seq,
    addresses: opts.addresses ?? [`tcp://127.0.0.1:${20000 + (opts.seq % 1000)}`],
    natType: opts.natType ?? 'unknown',
    capabilities: opts.capabilities ?? 0,
  });
}

/** A syntactically valid peer_id that belongs to nobody. */
export function fakePeerId(n: number): string {
  return `b3b3/${n.toString(16).padStart(64, '0')}`;
}

export const T0 = 1_700_000_000_000;
