/** Peer record payloads: splice claims and grants round-trip, are bounded, and leave records without them unchanged. */
import test from 'ava';
import { decodeInfo, encodeInfo, MAX_GRANTS, MAX_SPLICE_CLAIMS, type PeerInfo } from '../../../ts/mesh/node/records.js';

const base: PeerInfo = { publicKey: new Uint8Array(32).fill(7), slot: 41, addrs: ['tcp://127.0.0.1:9443'], name: 'n', attestations: [] };
const json = (info: PeerInfo) => JSON.parse(Buffer.from(encodeInfo(info)).toString('utf8')) as Record<string, unknown>;
const withWire = (extra: Record<string, unknown>) => decodeInfo(Buffer.from(JSON.stringify({ ...json(base), ...extra })));

test('claims and grants round-trip; a record without them encodes exactly as before', (t) => {
  const info: PeerInfo = { ...base, splices: [{ v: 42, axis: 3, x: 17, y: 19 }], grants: [{ other: 40, key: 123 }, { other: 39, key: 7 }] };
  t.deepEqual(decodeInfo(encodeInfo(info)), info);
  t.deepEqual(Object.keys(json(base)), ['v', 'pk', 'slot', 'addrs', 'name', 'att']);
  t.deepEqual(Object.keys(json({ ...base, splices: [], grants: [] })), ['v', 'pk', 'slot', 'addrs', 'name', 'att']);
  t.deepEqual(decodeInfo(encodeInfo(base)), base);
});

test('malformed or oversized claims and grants make the record undecodable, never throw', (t) => {
  t.truthy(withWire({ sp: [[1, 9, 2, 3]] }));
  t.is(withWire({ sp: [[1, 10, 2, 3]] }), undefined, 'axis out of range');
  t.is(withWire({ sp: [[1, 2, 3]] }), undefined, 'short tuple');
  t.is(withWire({ sp: [[1, 2, -3, 4]] }), undefined, 'negative slot');
  t.is(withWire({ sp: [[1, 2, 3.5, 4]] }), undefined, 'fractional slot');
  t.is(withWire({ sp: 'x' }), undefined);
  t.is(withWire({ sp: Array.from({ length: MAX_SPLICE_CLAIMS + 1 }, () => [1, 2, 3, 4]) }), undefined, 'too many claims');
  t.truthy(withWire({ gr: [[5, 6]] }));
  t.is(withWire({ gr: [[5]] }), undefined);
  t.is(withWire({ gr: [[5, '6']] }), undefined);
  t.is(withWire({ gr: Array.from({ length: MAX_GRANTS + 1 }, () => [1, 2]) }), undefined, 'too many grants');
});
