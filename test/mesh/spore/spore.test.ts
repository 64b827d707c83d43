import test from 'ava';
import { createHash } from 'node:crypto';
import { ItemSet, idKey, type Item } from '../../../ts/mesh/spore/items.js';
import { runReconciliation } from '../../../ts/mesh/spore/run.js';
import { MESH_SPORE_OPTIONS } from '../../../ts/mesh/node/sync.js';
import { SporeSession } from '../../../ts/mesh/spore/session.js';
import { decodeMessage, encodeMessage } from '../../../ts/mesh/spore/messages.js';
import { RecordStore, encodeRecord, decodeRecord, recordId, signedBytes, type SporeRecord } from '../../../ts/mesh/spore/store.js';
import { MAX_MESSAGE_BYTES } from '../../../ts/mesh/spore/constants.js';
import { isLagoonError } from '../../../ts/core/errors.js';

const h = (s: string): Buffer => createHash('sha256').update(s).digest();
// A test "signature": HMAC-like digest the verifier recomputes (the real one is Ed25519, injected).
const fakeSign = (r: Omit<SporeRecord, 'signature'>): Uint8Array => Buffer.concat([h('k:' + r.origin).subarray(0, 16), createHash('sha256').update(signedBytes(r)).digest(), Buffer.alloc(16)]);
const verify = (r: SporeRecord): boolean => Buffer.compare(Buffer.from(fakeSign(r)), Buffer.from(r.signature)) === 0;

function record(i: number, seq = 1, tag = ''): SporeRecord {
  const origin = 'b3b3/' + h('origin' + i).toString('hex');
  const payload = Buffer.from(`{"ygg":"200:${i.toString(16)}::1","ws":"wss://node-${i}.example:9443","slot":${i}}${tag}`.padEnd(100, ' '));
  const r = { origin, seq, payload };
  return { ...r, signature: fakeSign(r) };
}

const RECORD_BYTES = encodeRecord(record(1)).length;

function syntheticItems(n: number, salt: string): Item[] {
  return Array.from({ length: n }, (_, i) => ({ ts: i % 997, id: new Uint8Array(h(salt + i).subarray(0, 16)) }));
}

const bases = new Map<number, Item[]>();
const baseOf = (n: number): Item[] => {
  let b = bases.get(n);
  if (b === undefined) bases.set(n, (b = syntheticItems(n, 'base')));
  return b;
};

for (const n of [10_000, 100_000]) {
  for (const d of [0, 1, 10, 1000]) {
    test(`n=${n} d=${d}: both sides learn the difference; bytes ≤ 2×diff records + 1 KiB`, (t) => {
      const base = baseOf(n);
      const extra = syntheticItems(d, 'extra');
      const a = new ItemSet([...base, ...extra.filter((_, i) => i % 2 === 0)]);
      const b = new ItemSet([...base, ...extra.filter((_, i) => i % 2 === 1)]);
      const r = runReconciliation(a, b);
      t.is(r.aOnly.length + r.bOnly.length, d);
      t.deepEqual([...r.aOnly, ...r.bOnly].map(idKey).sort(), extra.map((it) => idKey(it.id)).sort());
      const diffBytes = d * RECORD_BYTES;
      t.log(`${r.bytes} B in ${r.messages} messages; diff records ${diffBytes} B; full set ${n * RECORD_BYTES} B`);
      t.true(r.bytes <= 2 * diffBytes + 1024, `${r.bytes} > ${2 * diffBytes + 1024}`);
      if (d === 0) t.true(r.bytes <= 32, 'identical sets cost one fingerprint');
    });
  }
}

test("the mesh's SPORE shape (8-way splits, id lists up to 16) reconciles with the library's default shape and stays within the byte goal", (t) => {
  for (const n of [1_000, 10_000]) {
    const base = baseOf(n === 10_000 ? n : 10_000).slice(0, n);
    for (const d of [1, 10, 100]) {
      const extra = syntheticItems(d, `mixed${n}`);
      const a = new ItemSet([...base, ...extra.filter((_, i) => i % 2 === 0)]);
      const b = new ItemSet([...base, ...extra.filter((_, i) => i % 2 === 1)]);
      for (const [oa, ob] of [[MESH_SPORE_OPTIONS, {}], [{}, MESH_SPORE_OPTIONS], [MESH_SPORE_OPTIONS, MESH_SPORE_OPTIONS]] as const) {
        const r = runReconciliation(a, b, oa, 64, ob);
        t.deepEqual([...r.aOnly, ...r.bOnly].map(idKey).sort(), extra.map((it) => idKey(it.id)).sort(), `n=${n} d=${d}`);
        t.true(r.bytes <= 2 * d * RECORD_BYTES + 1024, `n=${n} d=${d}: ${r.bytes} B`);
      }
    }
  }
});

test('identical sets cost the same bytes whatever their size', (t) => {
  const sizes = [0, 1, 100, 50_000].map((n) => {
    const s = new ItemSet(syntheticItems(n, 'same'));
    return runReconciliation(s, s).bytes;
  });
  t.true(sizes.every((b) => b === sizes[0]), JSON.stringify(sizes));
});

test('one side empty: the other learns everything in bounded messages', (t) => {
  const full = new ItemSet(syntheticItems(60_000, 'full'));
  const r = runReconciliation(new ItemSet([]), full);
  t.is(r.bOnly.length, 60_000);
  t.is(r.aOnly.length, 0);
});

test('an initiator holding little sends its whole set as ids: the responder learns both differences from that one message and replies nothing', (t) => {
  const base = baseOf(2000);
  const mine = [...base.slice(0, 20), ...syntheticItems(3, 'joiner')];
  const a = new SporeSession(new ItemSet(mine), MESH_SPORE_OPTIONS);
  const b = new SporeSession(new ItemSet(base), MESH_SPORE_OPTIONS);
  t.true(a.initiatesWhole(64));
  t.false(a.initiatesWhole(22));
  const first = a.initiate(64);
  const decoded = decodeMessage(first);
  if (!decoded.ok) return t.fail('undecodable');
  t.deepEqual(decoded.msg.ranges.map((r) => r.mode), ['idlist']);
  const res = b.reconcile(first);
  t.is(res.reply, undefined);
  t.is(res.have.length, 1980, 'what the joiner lacks');
  t.deepEqual(res.need.map(idKey).sort(), syntheticItems(3, 'joiner').map((it) => idKey(it.id)).sort(), 'what the responder lacks');
  // Above the bound, the usual fingerprint (a set of 23 is not sent whole under a bound of 22).
  const above = decodeMessage(new SporeSession(new ItemSet(mine), MESH_SPORE_OPTIONS).initiate(22));
  t.deepEqual(above.ok ? above.msg.ranges.map((r) => r.mode) : [], ['fingerprint']);
});

test('a reply marked final asks nothing back: the peer answers it with nothing, so both sides may drop the exchange', (t) => {
  let finals = 0;
  let open = 0;
  for (const d of [0, 1, 5, 40, 300]) {
    for (const options of [{}, MESH_SPORE_OPTIONS]) {
      const base = baseOf(2000);
      const extra = syntheticItems(d, 'final');
      const a = new SporeSession(new ItemSet([...base, ...extra.filter((_, i) => i % 3 !== 0)]), options);
      const b = new SporeSession(new ItemSet([...base, ...extra.filter((_, i) => i % 3 !== 1)]), options);
      let msg: Uint8Array | undefined = a.initiate();
      let side = b;
      let found = 0;
      for (let round = 0; msg !== undefined; round++) {
        t.true(round < 64);
        const res = side.reconcile(msg);
        t.is(res.error, undefined);
        found += res.have.length + res.need.length;
        if (res.final === true) {
          finals++;
          const answer = (side === a ? b : a).reconcile(res.reply!);
          t.is(answer.reply, undefined, `d=${d}: a final reply was answered`);
          found += answer.have.length + answer.need.length;
          msg = undefined;
        } else {
          if (res.reply !== undefined) open++;
          msg = res.reply;
          side = side === a ? b : a;
        }
      }
      t.is(found, extra.filter((_, i) => i % 3 !== 2).length, `d=${d}: every difference found`);
    }
  }
  t.true(finals > 0 && open > 0, `${finals} final replies, ${open} others`);
});

test('a record store snapshot equals the same items sorted from scratch (ids, order, fingerprints)', (t) => {
  const store = new RecordStore({ maxRecords: 1000, verify });
  for (let i = 0; i < 300; i++) store.put(record(i, 1 + (i % 7)));
  for (let i = 0; i < 300; i += 11) store.put(record(i, 50, 'newer'));
  const snap = store.items();
  const fresh = new ItemSet(snap.items.map((it) => ({ ts: it.ts, id: it.id.slice() })).reverse());
  t.deepEqual(snap.items.map((it) => idKey(it.id)), fresh.items.map((it) => idKey(it.id)));
  for (const [b, e] of [[0, 300], [0, 1], [17, 230], [299, 300]] as const) t.deepEqual(snap.fingerprint(b, e), fresh.fingerprint(b, e));
  t.throws(() => ItemSet.trusted(snap.items.slice(), new Uint32Array(4)), { instanceOf: RangeError });
});

test('store-backed sync: both stores end with the union (records move for have/need)', (t) => {
  const sa = new RecordStore({ maxRecords: 20_000, verify });
  const sb = new RecordStore({ maxRecords: 20_000, verify });
  for (let i = 0; i < 10_000; i++) {
    if (i % 1000 !== 1) sa.put(record(i));
    if (i % 1000 !== 2) sb.put(record(i));
  }
  sb.put(record(5, 2, 'newer')); // a newer version of origin 5 on B only
  const r = runReconciliation(sa.items(), sb.items());
  for (const id of r.aOnly) t.is(sb.put(decodeRecord(encodeRecord(sa.getById(id)!))!) === 'forged', false);
  for (const id of r.bOnly) sa.put(decodeRecord(encodeRecord(sb.getById(id)!))!);
  t.is(sa.size, 10_000);
  t.is(sb.size, 10_000);
  t.is(sa.get(record(5).origin)!.seq, 2);
  t.is(sb.get(record(5).origin)!.seq, 2, 'the stale seq 1 from A was dropped');
  t.true(sb.counters.stale >= 1);
  t.deepEqual(runReconciliation(sa.items(), sb.items()).bytes, 20);
});

test('store: verify before store; stale, replayed, forged, equivocation counted; bounded with eviction', (t) => {
  let verified = 0;
  const s = new RecordStore({ maxRecords: 3, verify: (r) => (verified++, verify(r)) });
  t.is(s.put(record(1, 5)), 'accepted');
  t.is(s.put(record(1, 5)), 'replayed');
  t.is(s.put(record(1, 4)), 'stale');
  t.is(s.put(record(1, 6)), 'replaced');
  const forged = { ...record(1, 7), signature: new Uint8Array(64) };
  t.is(s.put(forged), 'forged');
  t.is(s.get(record(1).origin)!.seq, 6, 'forged record never stored');
  const equiv = record(1, 6, 'other');
  t.is(s.put(equiv), 'equivocation');
  s.put(record(2));
  s.put(record(3));
  t.is(s.put(record(4)), 'accepted');
  t.is(s.size, 3);
  t.is(s.counters.evicted, 1);
  t.is(s.get(record(1).origin), undefined, 'oldest-updated origin evicted');
  t.like(s.counters, { accepted: 4, replaced: 1, stale: 1, replayed: 1, forged: 1, equivocation: 1 });
  t.true(verified > 0);
  t.is(s.put({ ...record(9), seq: -1 }), 'malformed');
  t.is(decodeRecord(new Uint8Array([1, 200])), undefined);
  t.is(decodeRecord(encodeRecord(record(1)).subarray(0, 50)), undefined);
});

test('a decoded record copied with one field changed is encoded, identified and checked as the copy, not as the original', (t) => {
  const original = decodeRecord(encodeRecord({ origin: 'b3b3/x', seq: 3, payload: new Uint8Array([1, 2, 3]), signature: new Uint8Array(64).fill(7) }))!;
  const id = recordId(original);
  const copy = { ...original, signature: new Uint8Array(16).fill(9) };
  t.is(encodeRecord(copy).length, encodeRecord(original).length - 48);
  t.deepEqual(Buffer.from(encodeRecord(copy).subarray(-16)), Buffer.alloc(16, 9));
  t.notDeepEqual(Buffer.from(recordId(copy)), Buffer.from(id));
  t.deepEqual(Buffer.from(signedBytes(copy)), Buffer.from(signedBytes(original)));
  // payload and signature are views of one private copy: the frame they came in can be reused freely
  const frame = Buffer.from(encodeRecord(original));
  const again = decodeRecord(frame)!;
  frame.fill(0);
  t.deepEqual(Buffer.from(again.signature), Buffer.alloc(64, 7));
  t.deepEqual(Buffer.from(again.payload), Buffer.from([1, 2, 3]));
});

test('malformed messages are rejected with ERR_PROTOCOL, never thrown, never over-allocated', (t) => {
  const s = new SporeSession(new ItemSet(syntheticItems(100, 'x')));
  const good = s.initiate();
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['wrong version', Uint8Array.of(0x7f, ...good.subarray(1))],
    ['truncated', good.subarray(0, good.length - 3)],
    ['unknown mode', Uint8Array.of(1, 0, 0, 9)],
    ['absurd id count', Uint8Array.of(1, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f)],
    ['huge prefix', Uint8Array.of(1, 5, 200)],
    ['varint too long', Uint8Array.of(1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)],
    ['bounds not increasing', Uint8Array.of(1, 5, 0, 0, 3, 0, 0)],
    ['oversized', new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(1)],
  ];
  for (const [name, bytes] of cases) {
    const res = s.reconcile(bytes);
    t.truthy(res.error, name);
    t.true(isLagoonError(res.error, 'ERR_PROTOCOL'), name);
    t.is(res.error!.origin, 'peer');
    t.is(res.reply, undefined);
  }
  t.is(s.counters.malformed, cases.length);
  // random garbage never throws
  for (let i = 0; i < 2000; i++) {
    const junk = new Uint8Array(h('junk' + i).subarray(0, (i % 32) + 1));
    junk[0] = 1;
    t.notThrows(() => s.reconcile(junk));
  }
  const round = decodeMessage(good);
  t.true(round.ok);
  if (round.ok) t.deepEqual(encodeMessage(round.msg), good);
});

test('range fingerprints are SHA-256(Σ ids mod 2^128, little-endian ‖ varint(count)) for every range, carries and borrows included', (t) => {
  // The wire definition (items.ts), computed here with BigInt: fingerprints come from prefix sums, and a wrong
  // borrow would still reconcile between two new nodes but not with a node that sums each range directly.
  const ids = Array.from({ length: 40 }, (_, i) => {
    const id = new Uint8Array(h('fp' + i).subarray(0, 16));
    if (i % 3 === 0) id.fill(0xff, 0, 12); // limbs near 2^32 − 1: carries between limbs and across 2^128
    return { ts: i, id };
  });
  const set = new ItemSet(ids);
  const reference = (begin: number, end: number): Buffer => {
    let sum = 0n;
    for (let i = begin; i < end; i++) sum += BigInt('0x' + Buffer.from(set.items[i]!.id).reverse().toString('hex'));
    sum %= 1n << 128n;
    const le = Buffer.from(sum.toString(16).padStart(32, '0'), 'hex').reverse();
    let n = end - begin;
    const count: number[] = [];
    do { count.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0)); n >>>= 7; } while (n > 0);
    return createHash('sha256').update(Buffer.concat([le, Buffer.from(count)])).digest().subarray(0, 16);
  };
  for (let begin = 0; begin <= set.size; begin++) {
    for (let end = begin; end <= set.size; end++) t.deepEqual(Buffer.from(set.fingerprint(begin, end)), reference(begin, end), `[${begin}, ${end})`);
  }
});
