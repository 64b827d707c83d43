/**
 * Wire and naming pieces: the signed envelope, message validation under
 * hostile input (seeded fuzz), site records, trust decisions, server names
 * and the name translation between the two sides of a visit.
 */
import test from 'ava';
import { ephemeralIdentity, verifySignature } from '../../ts/core/identity.js';
import { isLagoonError } from '../../ts/core/errors.js';
import { decodeEnvelope, decodePayload, encodeEnvelope, encodePayload, signingBytes, type FedMessage } from '../../ts/federation/messages.js';
import { ephemeralSiteKey, parseSiteRecordWire, signSiteRecord, verifySiteRecordSignature } from '../../ts/federation/site-record.js';
import { judgeSiteKey, parseServerList, parseState, parseTrustList } from '../../ts/federation/trust.js';
import { canonicalServerName, meshAddressOf } from '../../ts/federation/server-name.js';
import { homeToHost, hostToHome, translate } from '../../ts/irc/fed-translate.js';
import { formatLine, parseMessage } from '../../ts/irc/parser.js';
import { Rng } from '../../ts/sim/rng.js';
import { SEED } from '../helpers/seeded.js';

const A = ephemeralIdentity();
const B = ephemeralIdentity();

function verifyFor(frame: Buffer, from: typeof A, to: string): boolean {
  const env = decodeEnvelope(frame);
  return verifySignature(from.publicKey, signingBytes(from.peerId, to, env.signed), env.signature);
}

test('envelope: round trip; any flipped byte, another receiver or another sender fails the signature', (t) => {
  const msgs: FedMessage[] = [{ t: 'line', vid: 3, line: 'PRIVMSG #lagoon :hi' }, { t: 'bye', reason: '' }];
  const frame = encodeEnvelope(42n, encodePayload(msgs), A.peerId, B.peerId, A.sign);
  const env = decodeEnvelope(frame);
  t.is(env.seq, 42n);
  t.deepEqual(decodePayload(env.payload), msgs);
  t.true(verifyFor(frame, A, B.peerId));
  t.false(verifyFor(frame, A, A.peerId), 'replayed to another node');
  t.false(verifyFor(frame, B, B.peerId), 'claimed by another sender');
  for (const i of [2, 12, 20, frame.length - 1]) {
    const bad = Buffer.from(frame);
    bad[i]! ^= 1;
    let ok = false;
    try { ok = verifyFor(bad, A, B.peerId); } catch (err) { t.true(isLagoonError(err, 'ERR_PROTOCOL')); }
    t.false(ok, `byte ${i}`);
  }
});

test('hostile frames and payloads give ERR_PROTOCOL and nothing else (seeded fuzz)', (t) => {
  const rng = new Rng(SEED);
  const good = encodePayload([{ t: 'open', vid: 1, nick: 'bob', user: 'b', realname: 'B', caps: [] }, { t: 'deliver', to: [1, 2], line: 'x' }]);
  const samples: Buffer[] = [Buffer.alloc(0), Buffer.from('{}'), Buffer.from('[{"t":"deliver","to":[],"line":"x"}]'),
    Buffer.from('[{"t":"line","vid":0,"line":"x"}]'), Buffer.from('[{"t":"line","vid":1,"line":"a\\r\\nQUIT"}]'),
    Buffer.from('[{"t":"site","record":{"site":"a","key":"00","nodes":[],"issuedMs":1,"sig":""},"ask":true}]'),
    Buffer.from('[{"t":"__proto__"}]'), Buffer.from(`[${'{"t":"bye","reason":""},'.repeat(5000)}{"t":"bye","reason":""}]`)];
  for (let i = 0; i < 500; i++) {
    const b = Buffer.from(good);
    const n = 1 + rng.int(4);
    for (let k = 0; k < n; k++) b[rng.int(b.length)] = rng.int(256);
    samples.push(b);
  }
  let rejected = 0;
  for (const s of samples) {
    try { decodePayload(s); } catch (err) { t.true(isLagoonError(err, 'ERR_PROTOCOL'), String(err)); rejected++; }
    try { decodeEnvelope(s); } catch (err) { t.true(isLagoonError(err, 'ERR_PROTOCOL'), String(err)); }
  }
  t.true(rejected >= 8, `${rejected} rejected (seed ${SEED})`);
});

test('site records: signature over every field; shape checks', (t) => {
  const key = ephemeralSiteKey();
  const r = signSiteRecord(key, 'per.example', [A.peerId], 1000);
  t.true(verifySiteRecordSignature(r));
  t.deepEqual(parseSiteRecordWire(JSON.parse(JSON.stringify(r))), r);
  for (const bad of [{ ...r, site: 'other.example' }, { ...r, nodes: [B.peerId] }, { ...r, issuedMs: 1001 }, { ...r, key: ephemeralSiteKey().publicKeyHex }]) {
    t.false(verifySiteRecordSignature(bad));
  }
  for (const bad of [null, [], { ...r, nodes: [] }, { ...r, nodes: ['peer'] }, { ...r, key: 'zz' }, { ...r, issuedMs: -1 }, { ...r, sig: 'ab' }]) {
    t.throws(() => parseSiteRecordWire(bad), { code: 'ERR_PROTOCOL' });
  }
});

test('trust: configured key wins, pins hold, rollback and TOFU-off refused; lists and state validated', (t) => {
  const k1 = 'a'.repeat(64);
  const k2 = 'b'.repeat(64);
  const none = new Map<string, string>();
  t.like(judgeSiteKey('x.example', k1, 5, none, {}, true), { ok: true, pin: { key: k1, newestIssuedMs: 5 } });
  t.like(judgeSiteKey('x.example', k1, 5, none, {}, false), { ok: false });
  t.like(judgeSiteKey('x.example', k2, 9, none, { 'x.example': { key: k1, newestIssuedMs: 5 } }, true), { ok: false });
  t.like(judgeSiteKey('x.example', k1, 4, none, { 'x.example': { key: k1, newestIssuedMs: 5 } }, true), { ok: false });
  t.like(judgeSiteKey('x.example', k1, 5, none, { 'x.example': { key: k1, newestIssuedMs: 5 } }, true), { ok: true, pin: null });
  // The operator's configured key replaces an old pin.
  t.like(judgeSiteKey('x.example', k2, 1, new Map([['x.example', k2]]), { 'x.example': { key: k1, newestIssuedMs: 5 } }, false), { ok: true, pin: { key: k2 } });
  t.like(judgeSiteKey('x.example', k1, 5, new Map([['x.example', k2]]), {}, true), { ok: false });
  t.deepEqual([...parseTrustList(`Per.Example=${k1.toUpperCase()}, 10.0.0.1:9443=${k2}`)], [['per.example', k1], ['10.0.0.1:9443', k2]]);
  t.throws(() => parseTrustList('per.example=abc'), { code: 'ERR_CONFIG' });
  t.throws(() => parseServerList('ok.example,bad name', 'X'), { code: 'ERR_CONFIG' });
  t.throws(() => parseState({ denied: ['UPPER.example'], pins: {} }), { code: 'ERR_STATE_CORRUPT' });
  t.throws(() => parseState({ denied: [], pins: { 'a.example': { key: 'x', newestIssuedMs: 1 } } }), { code: 'ERR_STATE_CORRUPT' });
});

test('server names: canonical form and the mesh address they map to', (t) => {
  t.is(canonicalServerName('Per.Example.'), 'per.example');
  t.is(canonicalServerName('127.0.0.1:7000'), '127.0.0.1:7000');
  t.is(canonicalServerName('[::1]:7000'), '[::1]:7000');
  for (const bad of ['', 'a b', 'per.example:0', 'per.example:99999', 'x:y:z', '-bad.example']) t.is(canonicalServerName(bad), null, bad);
  t.is(meshAddressOf('per.example'), 'tcp://per.example:9443');
  t.is(meshAddressOf('10.1.2.3:7000'), 'tcp://10.1.2.3:7000');
  t.is(meshAddressOf('[::1]:7000'), 'tcp://[::1]:7000');
});

test('names cross the boundary: host ↔ home perspectives round-trip; text is never touched', (t) => {
  const toHome = hostToHome('per.example', 'home.example');
  const toHost = homeToHost('per.example', 'home.example');
  const cases: [string, string][] = [
    [':alice!~a@h PRIVMSG #lagoon :hi #lagoon alice', ':alice@per.example!~a@h PRIVMSG #lagoon:per.example :hi #lagoon alice'],
    [':bob@home.example!~b@home.example JOIN #lagoon', ':bob!~b@home.example JOIN #lagoon:per.example'],
    [':carol@third.example!~c@x KICK #den bob@home.example :out', ':carol@third.example!~c@x KICK #den:per.example bob :out'],
    [':alice!~a@h MODE #den +ov-b bob@home.example carol@third.example *!*@x', ':alice@per.example!~a@h MODE #den:per.example +ov-b bob carol@third.example *!*@x'],
    [':per.example 353 bob@home.example = #den :@alice +bob@home.example carol@third.example', ':home.example 353 bob = #den:per.example :@alice@per.example +bob carol@third.example'],
    [':per.example 333 bob@home.example #den alice!~a@h 1700000000', ':home.example 333 bob #den:per.example alice@per.example!~a@h 1700000000'],
    [':alice!~a@h PRIVMSG bob@home.example :dm', ':alice@per.example!~a@h PRIVMSG bob :dm'],
  ];
  for (const [host, home] of cases) {
    const m = translate(parseMessage(host)!, toHome);
    t.is(formatLine(m.source, m.command, m.params, false), home.replace(/ :(\S+)$/, ' $1'), host);
  }
  const back = translate(parseMessage('PRIVMSG @#den:per.example :hi')!, toHost);
  t.deepEqual(back.params, ['@#den', 'hi']);
  t.deepEqual(translate(parseMessage('MODE #den:per.example +o alice@per.example')!, toHost).params, ['#den', '+o', 'alice']);
  t.deepEqual(translate(parseMessage('KICK #den:per.example dave :x')!, toHost).params, ['#den', 'dave@home.example', 'x']);
});
