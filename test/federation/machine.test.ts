/**
 * The federation machine and the IRC machine's two federation sides, in
 * process with explicit time (world.ts): proofs, boundaries against a
 * hostile host, limits, timeouts, link loss, defederation.
 */
import test from 'ava';
import { ephemeralSiteKey, signSiteRecord } from '../../ts/federation/site-record.js';
import { World } from './world.js';

function setup(): { w: World; a: ReturnType<World['add']>; b: ReturnType<World['add']> } {
  const w = new World();
  const a = w.add('alpha.test');
  const b = w.add('beta.test');
  a.connect(1, 'alice');
  a.send(1, 'JOIN #lagoon');
  a.take(1);
  b.connect(1, 'bob');
  return { w, a, b };
}

test('a visit: JOIN confirmed by the host, names renamed per side, messages both ways, PART ends it', (t) => {
  const { a, b } = setup();
  b.send(1, 'JOIN #lagoon:alpha.test');
  const joined = b.take(1);
  t.is(joined[0], ':bob!~bob@beta.test JOIN #lagoon:alpha.test');
  t.true(joined.some((l) => l === ':beta.test 353 bob = #lagoon:alpha.test :@alice@alpha.test bob'), joined.join('\n'));
  t.deepEqual(a.take(1), [':bob@beta.test!~bob@beta.test JOIN #lagoon']);
  b.send(1, 'PRIVMSG #lagoon:alpha.test :hi');
  t.deepEqual(a.take(1), [':bob@beta.test!~bob@beta.test PRIVMSG #lagoon :hi']);
  a.send(1, 'PRIVMSG #lagoon :hello');
  t.deepEqual(b.take(1), [':alice@alpha.test!~alice@10.0.0.1 PRIVMSG #lagoon:alpha.test :hello']);
  b.send(1, 'WHO #lagoon:alpha.test');
  const who = b.take(1);
  t.deepEqual(who.filter((l) => / 352 /.test(l)).map((l) => l.split(' ').slice(3, 8).join(' ')).sort(),
    ['#lagoon:alpha.test ~alice 10.0.0.1 alpha.test alice@alpha.test', '#lagoon:alpha.test ~bob beta.test alpha.test bob']);
  t.regex(who.at(-1)!, / 315 bob #lagoon:alpha\.test /);
  b.send(1, 'PART #lagoon:alpha.test :bye');
  t.deepEqual(b.take(1), [':bob!~bob@beta.test PART #lagoon:alpha.test :bye']);
  t.is(b.irc.findNick('bob')!.visits.size, 0);
  // Nothing about alpha's room was stored on beta: no channel, no member, no remote client.
  t.is(b.irc.findChannel('#lagoon')!.members.size, 1); // LagoonBot only
  t.false([...b.irc.clients.values()].some((c) => c.remote !== null));
});

test('a hostile host reaches only our users who visit it, cannot name our rooms, cannot speak as our users', (t) => {
  const { a, b } = setup();
  b.connect(2, 'dave');
  b.send(2, 'JOIN #lagoon');
  b.take(2);
  b.send(1, 'JOIN #lagoon:alpha.test');
  b.take(1);
  // dave (vid 2) never visited alpha: a deliver naming him is dropped.
  const dropped = b.fed.counters.dropped;
  b.inject(a, [{ t: 'deliver', to: [2], line: ':alice PRIVMSG #lagoon :pumped into your room' }]);
  t.deepEqual(b.take(2), []);
  t.is(b.fed.counters.dropped, dropped + 1);
  // A channel already carrying a server is still alpha's room on this side.
  b.inject(a, [{ t: 'deliver', to: [1], line: ':alice PRIVMSG #lagoon:beta.test :fake local room' }]);
  t.deepEqual(b.take(1), [':alice@alpha.test PRIVMSG #lagoon:beta.test:alpha.test :fake local room']);
  // Speaking as dave@beta.test (a local user with no session there) is dropped; as bob (who visits) it is allowed.
  b.inject(a, [{ t: 'deliver', to: [1], line: ':dave@beta.test!x@y PRIVMSG #lagoon :i am dave' }]);
  t.deepEqual(b.take(1), []);
  // A host cannot make anyone join anything locally: a JOIN naming one of our rooms lands on alpha's side.
  b.inject(a, [{ t: 'deliver', to: [1], line: ':bob@beta.test!x@y JOIN #lagoon' }]);
  t.deepEqual([...b.irc.findNick('bob')!.channels].map((c) => c.name), []);
  t.deepEqual(b.irc.findChannel('#lagoon')!.members.size, 2); // LagoonBot and dave
});

test('a peer that proves no name is ignored; a record not listing the node, badly signed, or for another name is refused', (t) => {
  const w = new World();
  const a = w.add('alpha.test');
  const b = w.add('beta.test');
  b.connect(1, 'bob');
  b.inject(a, [{ t: 'deliver', to: [1], line: ':x PRIVMSG bob :unproven' }, { t: 'open', vid: 7, nick: 'm', user: 'm', realname: '', caps: [] }]);
  t.deepEqual(b.take(1), []);
  t.is(b.fed.counters.dropped, 2);
  t.is(b.irc.findNick('m@alpha.test'), undefined);

  const key = ephemeralSiteKey();
  const other = w.add('gamma.test');
  const notListed = signSiteRecord(key, 'alpha.test', [other.peerId], 5);
  const badSig = { ...signSiteRecord(key, 'alpha.test', [a.peerId], 5), issuedMs: 6 };
  b.inject(a, [{ t: 'site', record: notListed, ask: false }, { t: 'site', record: badSig, ask: false }]);
  t.is(b.fed.counters.siteRecordsRejected, 2);

  // A node reached for `delta.test` that proves `alpha.test` fails the visit with 402.
  const d = w.add('delta.test', { recordName: 'epsilon.test' });
  d.down = false;
  b.send(1, 'JOIN #lagoon:delta.test');
  t.regex(b.take(1).join('\n'), / 402 bob delta\.test :No such server: the node reached for delta\.test serves epsilon\.test/);
});

test('TOFU pins the first key and refuses another; with TOFU off only configured keys pass', (t) => {
  const w = new World();
  const a = w.add('alpha.test');
  const b = w.add('beta.test');
  const c = w.add('gamma.test', { tofu: false, trust: new Map([['alpha.test', a.siteKey.publicKeyHex]]) });
  b.connect(1, 'bob');
  b.send(1, 'JOIN #lagoon:alpha.test');
  t.regex(b.take(1)[0]!, /JOIN #lagoon:alpha\.test/);
  t.is(b.fed.state.pins['alpha.test']!.key, a.siteKey.publicKeyHex);
  t.true(b.persists > 0);
  // gamma trusts alpha by config; beta is unknown to it and TOFU is off.
  c.connect(1, 'carol');
  c.send(1, 'JOIN #lagoon:alpha.test');
  t.regex(c.take(1)[0]!, /JOIN #lagoon:alpha\.test/);
  c.send(1, 'JOIN #lagoon:beta.test');
  t.regex(c.take(1).join('\n'), / 402 carol beta\.test :.*TOFU is off/);
  // A different key for alpha.test now (same name, new node): beta refuses it.
  w.cut(a);
  b.take(1);
  const impostor = w.add('alpha.test');
  b.send(1, 'JOIN #lagoon:alpha.test');
  t.regex(b.take(1).join('\n'), / 402 bob alpha\.test :.*changed since it was pinned/);
  t.not(impostor.siteKey.publicKeyHex, a.siteKey.publicKeyHex);
});

test('unreachable and silent servers fail with 402 (connect timeout); a lost link parts every visit with a reason', (t) => {
  const { w, a, b } = setup();
  b.send(1, 'JOIN #x:nowhere.test');
  t.regex(b.take(1)[0]!, / 402 bob nowhere\.test :No such server: cannot reach nowhere\.test: ECONNREFUSED/);
  w.answerDials = false;
  b.send(1, 'JOIN #lagoon:alpha.test');
  t.deepEqual(b.take(1), []);
  t.is(b.fed.nextTimeout(), 5000);
  w.tick(5000);
  t.regex(b.take(1)[0]!, / 402 bob alpha\.test :No such server: alpha\.test did not answer within 5000 ms/);
  w.dials.length = 0;
  w.answerDials = true;
  // A lost answer to a session open: the visit fails after the same timeout instead of hanging.
  w.lose = (msg) => msg.t === 'opened';
  b.send(1, 'JOIN #lagoon:alpha.test');
  t.deepEqual(b.take(1), []);
  t.is(b.fed.nextTimeout(), w.now + 5000);
  w.tick(5000);
  t.regex(b.take(1)[0]!, / 402 bob alpha\.test :No such server: alpha\.test did not answer the visit within 5000 ms/);
  t.is(b.fed.nextTimeout(), undefined);
  t.is(a.irc.findNick('bob@beta.test'), undefined, 'the host was told to drop the session it did open');
  w.lose = () => false;
  b.send(1, 'JOIN #lagoon:alpha.test', 'JOIN #den:alpha.test');
  b.take(1);
  w.cut(a);
  const parted = b.take(1);
  t.deepEqual(parted.length, 1, 'only the room actually joined (#den does not exist on alpha)');
  t.regex(parted[0]!, /^:bob!~bob@10\.0\.0\.1 PART #lagoon:alpha\.test :link to the server lost/);
  t.is(b.irc.findNick('bob')!.visits.size, 0);
});

test('the host side: visitors never create or own rooms, never see LagoonBot, are rate-limited and capped per server', (t) => {
  const w = new World();
  const a = w.add('alpha.test', { fed: { visitBurst: 3, visitsPerSecond: 1, maxVisitorsPerServer: 2 } });
  const b = w.add('beta.test');
  a.connect(1, 'alice');
  a.send(1, 'JOIN #lagoon');
  b.connect(1, 'bob');
  b.send(1, 'JOIN #new:alpha.test');
  t.regex(b.take(1)[0]!, / 403 bob #new:alpha\.test :No such channel/);
  t.is(a.irc.findChannel('#new'), undefined);
  b.send(1, 'JOIN #lagoon:alpha.test');
  const names = b.take(1).find((l) => / 353 /.test(l))!;
  t.false(names.includes('LagoonBot'));
  t.false(a.irc.findChannel('#lagoon')!.members.get(a.irc.findNick('bob@beta.test')!)!.op);
  a.send(1, 'PRIVMSG #lagoon :!help');
  t.false(b.take(1).some((l) => l.includes('LagoonBot')), 'alpha\'s bot never reaches a visitor');
  // Burst of 3 visits: the open and one JOIN above used 2; one more JOIN passes, the next is 437.
  b.send(1, 'PART #lagoon:alpha.test', 'JOIN #lagoon:alpha.test');
  b.take(1);
  b.send(1, 'PART #lagoon:alpha.test', 'JOIN #lagoon:alpha.test');
  t.regex(b.take(1).join('\n'), / 437 bob #lagoon:alpha\.test :Visits from beta\.test are rate-limited/);
  w.tick(10_000);
  b.connect(2, 'dave');
  b.send(2, 'JOIN #lagoon:alpha.test');
  b.take(2);
  b.connect(3, 'erin');
  b.send(3, 'JOIN #lagoon:alpha.test');
  t.regex(b.take(3).join('\n'), / 403 erin #lagoon:alpha\.test :alpha\.test: Too many visitors from beta\.test/);
});

test('visitors may only do what a visit needs; their QUIT at home becomes PART there; nick changes follow', (t) => {
  const { a, b } = setup();
  b.send(1, 'JOIN #lagoon:alpha.test');
  b.take(1);
  a.take(1);
  const v = a.irc.findNick('bob@beta.test')!;
  a.ircApply(a.irc.federation({ kind: 'line', origin: { server: 'beta.test', peerId: b.peerId }, vid: 1, line: 'OPER x pw' }, 0));
  t.false(v.oper);
  a.ircApply(a.irc.federation({ kind: 'line', origin: { server: 'beta.test', peerId: b.peerId }, vid: 1, line: 'JOIN #elsewhere:gamma.test' }, 0));
  t.is(a.fed.status().length, 0, 'a visitor cannot make the host visit a third server');
  b.send(1, 'NICK bobby');
  t.deepEqual(a.take(1), [':bob@beta.test!~bob@beta.test NICK bobby@beta.test']);
  b.send(1, 'QUIT :gone');
  t.deepEqual(a.take(1), [':bobby@beta.test!~bob@beta.test PART #lagoon :Quit: gone']);
  t.is(a.irc.findNick('bobby@beta.test'), undefined);
});

test('DEFEDERATE ends visits both ways at once and refuses new ones until REFEDERATE', (t) => {
  const { a, b } = setup();
  a.connect(2, 'op');
  a.send(2, 'OPER op pw');
  b.send(1, 'JOIN #lagoon:alpha.test');
  b.take(1);
  a.send(2, 'DEFEDERATE beta.test');
  t.regex(b.take(1)[0]!, /^:bob!~bob@10\.0\.0\.1 PART #lagoon:alpha\.test :alpha\.test ended federation \(defederated\)/);
  t.is(a.irc.findNick('bob@beta.test'), undefined);
  t.deepEqual(a.fed.state.denied, ['beta.test']);
  b.send(1, 'JOIN #lagoon:alpha.test');
  t.regex(b.take(1).join('\n'), / 402 bob alpha\.test :No such server: alpha\.test ended federation \(defederated\)/);
  a.send(2, 'REFEDERATE beta.test');
  b.send(1, 'JOIN #lagoon:alpha.test');
  t.regex(b.take(1)[0]!, /JOIN #lagoon:alpha\.test/);
});
