/**
 * Two real server processes linked by LAGOON_PEERS, raw IRC clients.
 * Seed 000's "What this means in code", one assertion each, plus the
 * failure rules of issue 6.
 */
import test, { type ExecutionContext } from 'ava';
import { getJson, names, numericOf, OPER_PASSWORD, startServer, stopServer, until, user, waitLinked, type FedStatus, type Server } from './helpers.js';

async function pair(t: ExecutionContext, signal: AbortSignal): Promise<[Server, Server]> {
  const alpha = await startServer(t, 'alpha.test', signal);
  const beta = await startServer(t, 'beta.test', signal, { env: { LAGOON_PEERS: `127.0.0.1:${alpha.ports.meshPort}` } });
  await waitLinked(beta, alpha, signal);
  await waitLinked(alpha, beta, signal);
  return [alpha, beta];
}

/** Two linked servers, and bob of beta visiting alpha's #lagoon. */
async function bobVisiting(t: ExecutionContext, signal: AbortSignal): Promise<{ alpha: Server; beta: Server; bob: Awaited<ReturnType<typeof user>> }> {
  const [alpha, beta] = await pair(t, signal);
  const bob = await user(beta, 'bob');
  bob.write('JOIN #lagoon:alpha.test\r\n');
  await bob.waitFor(/ 366 \S+ #lagoon:alpha\.test/);
  return { alpha, beta, bob };
}

/** `s` again from its data dir and mesh port (same node key), linked to `other`. */
async function restart(t: ExecutionContext, s: Server, other: Server, signal: AbortSignal): Promise<Server> {
  const again = await startServer(t, s.name, signal, { dataDir: s.dataDir, env: { LAGOON_MESH_PORT: String(s.ports.meshPort) } });
  await waitLinked(other, again, signal);
  return again;
}

test('local JOIN never federates; #room:server visits; remote users never enter local rooms; LagoonBot stays home', async (t) => {
  const signal = AbortSignal.timeout(60_000);
  const [alpha, beta] = await pair(t, signal);
  const alice = await user(alpha, 'alice');
  const bob = await user(beta, 'bob');
  const dave = await user(beta, 'dave');

  // `#lagoon` JOIN = local room, local users, local LagoonBot. Zero federation.
  for (const c of [alice, bob, dave]) {
    c.write('JOIN #lagoon\r\n');
    await c.waitFor(/ 366 \S+ #lagoon /);
  }
  t.deepEqual((await names(bob, '#lagoon')).sort(), ['LagoonBot', 'bob', 'dave']);
  t.deepEqual((await names(alice, '#lagoon')).sort(), ['LagoonBot', 'alice']);
  // NEVER auto-create relays: the servers are mesh peers, yet no visit link exists and no federation frame was sent.
  const idle = await getJson<FedStatus>(beta, '/api/federation', signal);
  t.deepEqual(idle.remotes, []);
  t.is(idle.counters.envelopesOut, 0);

  // `#lagoon:alpha.test` JOIN = explicit visit: bob sees alpha's users as nick@server, not alpha's LagoonBot.
  bob.write('JOIN #lagoon:alpha.test\r\n');
  t.regex(await bob.waitFor(/JOIN/), /^:bob!\S+ JOIN :?#lagoon:alpha\.test$/);
  t.regex(await alice.waitFor(/JOIN/), /^:bob@beta\.test!\S+ JOIN :?#lagoon$/);
  t.deepEqual((await names(bob, '#lagoon:alpha.test')).sort(), ['alice@alpha.test', 'bob']);

  // NEVER merge remote users into local channel NAMES; NEVER pump remote state into local rooms.
  t.deepEqual((await names(bob, '#lagoon')).sort(), ['LagoonBot', 'bob', 'dave']);
  t.deepEqual((await names(dave, '#lagoon')).sort(), ['LagoonBot', 'bob', 'dave']);
  alice.write('TOPIC #lagoon :alpha topic\r\nPRIVMSG #lagoon :hello visitors\r\n');
  t.is(await bob.waitFor(/PRIVMSG/), ':alice@alpha.test!~alice@127.0.0.1 PRIVMSG #lagoon:alpha.test :hello visitors');
  // The visited room's names as alpha's own users see them: bob is there because he chose to visit.
  t.deepEqual((await names(alice, '#lagoon')).sort(), ['LagoonBot', 'alice', 'bob@beta.test']);

  // LagoonBot is per-server: alpha's bot answers alice's !help; bob (a visitor) never sees alpha's bot speak.
  alice.write('PRIVMSG #lagoon :!help\r\n');
  await alice.waitFor(/:LagoonBot!\S+ NOTICE #lagoon :.*alpha\.test/);
  bob.write('PRIVMSG #lagoon:alpha.test :after help\r\n');
  await alice.waitFor(/PRIVMSG #lagoon :after help/);
  dave.write('PRIVMSG #lagoon :local only\r\n');
  await bob.waitFor(/PRIVMSG #lagoon :local only/);
  // Every line bob got: none from alpha's bot, none naming a remote user in a local room.
  t.false(bob.lines.some((l) => /LagoonBot@alpha\.test/i.test(l)), 'alpha\'s LagoonBot crossed');
  t.false(dave.lines.some((l) => /@alpha\.test/.test(l)), 'a remote user reached a local-only user');
  t.false(bob.lines.some((l) => / #lagoon /.test(l) && /alice/.test(l)), 'alice appeared in beta\'s local #lagoon');

  const fed = await getJson<FedStatus>(beta, '/api/federation', signal);
  t.deepEqual(fed.remotes.map((r) => [r.server, r.state, r.visitors]), [['alpha.test', 'ready', 1]]);
  const metrics = await (await fetch(`http://127.0.0.1:${beta.ports.httpPort}/metrics`, { signal })).text();
  t.regex(metrics, /^lagoon_federation_remote_servers 1$/m);
  t.regex(metrics, /^lagoon_federation_bad_envelopes_total 0$/m);
});

test('PRIVMSG, NOTICE, TOPIC, MODE, KICK, PART flow both ways; DMs reach nick@server; messages keep their order', async (t) => {
  const signal = AbortSignal.timeout(60_000);
  const [alpha, beta] = await pair(t, signal);
  const alice = await user(alpha, 'alice');
  const bob = await user(beta, 'bob');
  alice.write('JOIN #den\r\n');
  await alice.waitFor(/ 366 /);
  bob.write('JOIN #den:alpha.test\r\n');
  await bob.waitFor(/ 366 \S+ #den:alpha\.test/);
  await alice.waitFor(/JOIN/);

  bob.write('NOTICE #den:alpha.test :a notice\r\n');
  t.is(await alice.waitFor(/NOTICE/), ':bob@beta.test!~bob@beta.test NOTICE #den :a notice');
  alice.write('MODE #den +o bob@beta.test\r\n');
  t.is(await bob.waitFor(/MODE/), ':alice@alpha.test!~alice@127.0.0.1 MODE #den:alpha.test +o bob');
  bob.write('TOPIC #den:alpha.test :set by a visitor\r\n');
  t.is(await alice.waitFor(/TOPIC/), ':bob@beta.test!~bob@beta.test TOPIC #den :set by a visitor');
  bob.write('MODE #den:alpha.test +v alice@alpha.test\r\n');
  t.is(await alice.waitFor(/MODE/), ':bob@beta.test!~bob@beta.test MODE #den +v alice');

  // Direct messages both ways.
  alice.write('PRIVMSG bob@beta.test :psst\r\n');
  t.is(await bob.waitFor(/PRIVMSG bob /), ':alice@alpha.test!~alice@127.0.0.1 PRIVMSG bob :psst');
  bob.write('PRIVMSG alice@alpha.test :hi back\r\n');
  t.is(await alice.waitFor(/PRIVMSG alice /), ':bob@beta.test!~bob@beta.test PRIVMSG alice :hi back');

  // Order across the relay, both directions.
  const N = 200;
  let burst = '';
  for (let i = 0; i < N; i++) burst += `PRIVMSG #den:alpha.test :b${i}\r\n`;
  bob.write(burst);
  for (let i = 0; i < N; i++) t.is(await alice.waitFor(/PRIVMSG #den /), `:bob@beta.test!~bob@beta.test PRIVMSG #den :b${i}`);
  burst = '';
  for (let i = 0; i < N; i++) burst += `PRIVMSG #den :a${i}\r\n`;
  alice.write(burst);
  for (let i = 0; i < N; i++) t.is(await bob.waitFor(/PRIVMSG #den:alpha\.test /), `:alice@alpha.test!~alice@127.0.0.1 PRIVMSG #den:alpha.test :a${i}`);

  // KICK by a visiting op, then the kicked local user rejoins; PART by the visitor.
  bob.write('KICK #den:alpha.test alice@alpha.test :bye alice\r\n');
  t.is(await alice.waitFor(/KICK/), ':bob@beta.test!~bob@beta.test KICK #den alice :bye alice');
  alice.write('JOIN #den\r\n');
  await bob.waitFor(/:alice@alpha\.test!\S+ JOIN :?#den:alpha\.test/);
  bob.write('PART #den:alpha.test :leaving\r\n');
  t.is(await alice.waitFor(/PART/), ':bob@beta.test!~bob@beta.test PART #den :leaving');
  t.regex(await bob.waitFor(/PART/), /^:bob!\S+ PART #den:alpha\.test :leaving$/);
  bob.write('PRIVMSG #den:alpha.test :not a member any more\r\n');
  t.is(numericOf(await bob.waitFor(/ 442 /)), '442');
  t.deepEqual(await names(alice, '#den'), ['alice']);
});

test('unknown, unreachable or unproven servers get 402; visitors cannot create rooms; no half-joined state', async (t) => {
  const signal = AbortSignal.timeout(60_000);
  const [alpha, beta] = await pair(t, signal);
  const bob = await user(beta, 'bob');
  bob.write('JOIN #lagoon:127.0.0.1:1\r\n');
  t.regex(await bob.waitFor(/ 402 /), / 402 bob 127\.0\.0\.1:1 :No such server: cannot reach/);
  // alpha answers at this address but proves the name alpha.test, not "127.0.0.1:<port>".
  bob.write(`JOIN #lagoon:127.0.0.1:${alpha.ports.meshPort}\r\n`);
  t.regex(await bob.waitFor(/ 402 /), /serves alpha\.test, not 127\.0\.0\.1/);
  bob.write('JOIN #no-such-room:alpha.test\r\n');
  t.regex(await bob.waitFor(/ 403 /), / 403 bob #no-such-room:alpha\.test :No such channel/);
  bob.write('NAMES #no-such-room:alpha.test\r\nPRIVMSG #no-such-room:alpha.test :x\r\n');
  t.is(numericOf(await bob.waitFor(/ 442 /)), '442');
  t.is(numericOf(await bob.waitFor(/ 442 /)), '442');
  bob.write('WHOIS bob\r\n');
  const chans = bob.waitFor(/ 319 | 318 /);
  t.regex(await chans, / 318 /, 'bob is in no channel at all after failed visits');
});

test('a dropped relay link parts the visit with a reason; after the server is back the user can rejoin', async (t) => {
  const signal = AbortSignal.timeout(90_000);
  const { alpha, beta, bob } = await bobVisiting(t, signal);
  await stopServer(alpha);
  t.regex(await bob.waitFor(/PART/), /^:bob!\S+ PART #lagoon:alpha\.test :link to the server lost/);
  bob.write('PRIVMSG #lagoon:alpha.test :anyone?\r\n');
  t.is(numericOf(await bob.waitFor(/ 442 /)), '442', 'no half-joined state');
  const again = await restart(t, alpha, beta, signal);
  bob.write('JOIN #lagoon:alpha.test\r\n');
  t.regex(await bob.waitFor(/JOIN/), /^:bob!\S+ JOIN :?#lagoon:alpha\.test$/);
});

test('DEFEDERATE ends live visits within 1 s, is persisted across restarts, REFEDERATE allows again', async (t) => {
  const signal = AbortSignal.timeout(90_000);
  const { alpha, beta, bob } = await bobVisiting(t, signal);
  const op = await user(alpha, 'admin');
  op.write('DEFEDERATE beta.test\r\n');
  t.regex(await op.waitFor(/ 481 /), /not an IRC operator/);
  op.write(`OPER admin ${OPER_PASSWORD}\r\n`);
  await op.waitFor(/ 381 /);
  const t0 = performance.now();
  op.write('DEFEDERATE beta.test\r\n');
  t.regex(await bob.waitFor(/PART/), /PART #lagoon:alpha\.test :/);
  const ms = performance.now() - t0;
  t.log(`visit ended ${ms.toFixed(1)} ms after DEFEDERATE was sent`);
  t.true(ms < 1000, `visit ended after ${ms} ms`);
  await op.waitFor(/NOTICE admin :DEFEDERATE: federation with beta\.test is refused/);
  bob.write('JOIN #lagoon:alpha.test\r\n');
  t.regex(await bob.waitFor(/ 40[23] /), /refused|defederated/i);

  await stopServer(alpha);
  const again = await restart(t, alpha, beta, signal);
  t.deepEqual((await getJson<FedStatus>(again, '/api/federation', signal)).denied, ['beta.test']);
  bob.write('JOIN #lagoon:alpha.test\r\n');
  t.regex(await bob.waitFor(/ 40[23] /), /refused|defederated/i);
  const op2 = await user(again, 'admin');
  op2.write(`OPER admin ${OPER_PASSWORD}\r\nDEFEDERATE\r\n`);
  await op2.waitFor(/NOTICE admin :DEFEDERATE: refused: beta\.test/);
  op2.write('REFEDERATE beta.test\r\n');
  await op2.waitFor(/REFEDERATE: federation with beta\.test is allowed again/);
  bob.write('JOIN #lagoon:alpha.test\r\n');
  t.regex(await bob.waitFor(/JOIN/), /JOIN :?#lagoon:alpha\.test$/);
  await until<FedStatus>(again, '/api/federation', (f) => f.denied.length === 0, signal);
});

test('a site key that changes after the first visit is refused (TOFU pin); LAGOON_FEDERATION_DENY refuses from config', async (t) => {
  const signal = AbortSignal.timeout(90_000);
  const { alpha, beta, bob } = await bobVisiting(t, signal);
  await stopServer(alpha);
  await bob.waitFor(/PART/);
  // Same node identity and address, a different site key: not the site bob's server pinned.
  const { rm } = await import('node:fs/promises');
  await rm(`${alpha.dataDir}/site.key`);
  await restart(t, alpha, beta, signal);
  bob.write('JOIN #lagoon:alpha.test\r\n');
  t.regex(await bob.waitFor(/ 402 /), /site key for alpha\.test changed since it was pinned/);

  const gamma = await startServer(t, 'gamma.test', signal, { env: { LAGOON_PEERS: `127.0.0.1:${beta.ports.meshPort}`, LAGOON_FEDERATION_DENY: 'beta.test' } });
  await waitLinked(beta, gamma, signal);
  bob.write('JOIN #lagoon:gamma.test\r\n');
  t.regex(await bob.waitFor(/ 40[23] /), /refused|defederated/i);
  const carol = await user(gamma, 'carol');
  carol.write('JOIN #lagoon:beta.test\r\n');
  t.regex(await carol.waitFor(/ 402 /), /refused by this server's operator/);
});
