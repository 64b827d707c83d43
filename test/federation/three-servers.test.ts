/**
 * Three real server processes. Real clients (irc-framework) visit one
 * server's room from the two others; then a seeded random mix of local and
 * federated JOIN/PART checks the golden rule on every room of every server.
 * Replay a failing mix with LAGOON_SEED=<n>.
 */
import test, { type ExecutionContext } from 'ava';
import { connectFramework, nextEvent, type FwClient, type FwEvent } from './framework.js';
import { SEED, rng } from '../helpers/seeded.js';
import { getJson, names, startServer, user, waitLinked, type FedStatus, type Server } from './helpers.js';

/**
 * irc-framework reads a NAMES entry `alice@alpha.test` as a userhost
 * (nick `alice`, host `alpha.test`); put it back together to compare.
 */
function userlist(e: FwEvent): string[] {
  return e.users!.map((u) => (u.hostname ? `${u.nick}@${u.hostname}` : u.nick)).sort();
}

async function fw(s: Server, nick: string): Promise<FwClient> {
  return connectFramework(s.ports.ircPort, nick);
}

async function three(t: ExecutionContext, signal: AbortSignal): Promise<[Server, Server, Server]> {
  const alpha = await startServer(t, 'alpha.test', signal);
  const peers = { LAGOON_PEERS: `127.0.0.1:${alpha.ports.meshPort}` };
  const beta = await startServer(t, 'beta.test', signal, { env: peers });
  // Test names don't resolve in DNS: every pair is a mesh peer, so a visit finds the server by its HELLO site name.
  const gamma = await startServer(t, 'gamma.test', signal, { env: { LAGOON_PEERS: `127.0.0.1:${alpha.ports.meshPort},127.0.0.1:${beta.ports.meshPort}` } });
  await waitLinked(beta, alpha, signal);
  await waitLinked(gamma, alpha, signal);
  await waitLinked(beta, gamma, signal);
  return [alpha, beta, gamma];
}

test('irc-framework users of two servers visit a third server\'s room, see each other as nick@server and talk', async (t) => {
  const signal = AbortSignal.timeout(60_000);
  const [alpha, beta, gamma] = await three(t, signal);
  const alice = await fw(alpha, 'alice');
  const bob = await fw(beta, 'bob');
  const carol = await fw(gamma, 'carol');
  t.teardown(() => { alice.connection.end(); bob.connection.end(); carol.connection.end(); });

  const aliceIn = nextEvent(alice, 'join', (e) => e.nick === 'alice');
  alice.join('#lagoon');
  await aliceIn;
  const bobIn = nextEvent(bob, 'userlist', (e) => e.channel === '#lagoon:alpha.test');
  const aliceSeesBob = nextEvent(alice, 'join', (e) => e.nick === 'bob@beta.test' && e.channel === '#lagoon');
  bob.join('#lagoon:alpha.test');
  t.deepEqual(userlist(await bobIn), ['alice@alpha.test', 'bob']);
  await aliceSeesBob;

  const bobSeesCarol = nextEvent(bob, 'join', (e) => e.nick === 'carol@gamma.test' && e.channel === '#lagoon:alpha.test');
  const carolIn = nextEvent(carol, 'userlist', (e) => e.channel === '#lagoon:alpha.test');
  carol.join('#lagoon:alpha.test');
  t.deepEqual(userlist(await carolIn), ['alice@alpha.test', 'bob@beta.test', 'carol']);
  await bobSeesCarol;

  const carolGets = nextEvent(carol, 'privmsg', (e) => e.target === '#lagoon:alpha.test');
  const aliceGets = nextEvent(alice, 'privmsg', (e) => e.target === '#lagoon');
  bob.say('#lagoon:alpha.test', 'hello from beta');
  t.like(await carolGets, { nick: 'bob@beta.test', message: 'hello from beta' });
  t.like(await aliceGets, { nick: 'bob@beta.test', message: 'hello from beta' });

  const bobGets = nextEvent(bob, 'privmsg', (e) => e.target === '#lagoon:alpha.test');
  alice.say('#lagoon', 'welcome');
  t.like(await bobGets, { nick: 'alice@alpha.test', message: 'welcome' });

  // A DM to a user of another server goes to that server (a session for bob on gamma, no room).
  const carolPm = nextEvent(carol, 'privmsg', (e) => e.target === 'carol');
  bob.say('carol@gamma.test', 'hi carol');
  t.like(await carolPm, { nick: 'bob@beta.test', message: 'hi carol' });

  // One relay link per remote server, shared by every room and user visiting it.
  const dave = await fw(beta, 'dave');
  t.teardown(() => dave.connection.end());
  const daveIn = nextEvent(dave, 'userlist', (e) => e.channel === '#lagoon:alpha.test');
  dave.join('#lagoon:alpha.test');
  await daveIn;
  const fed = await getJson<FedStatus>(beta, '/api/federation', signal);
  t.deepEqual(fed.remotes.map((r) => [r.server, r.visitors]).sort(), [['alpha.test', 2], ['gamma.test', 1]]);
  const mesh = await getJson<{ links: { peerId: string }[] }>(beta, '/api/mesh', signal);
  t.is(mesh.links.filter((l) => l.peerId === alpha.ports.peer).length, 1);
});

test('after a random mix of local and federated JOIN/PART on three servers, no room holds a user who did not join it', async (t) => {
  const signal = AbortSignal.timeout(90_000);
  const servers = await three(t, signal);
  const random = rng(SEED);
  t.log(`seed ${SEED} (replay with LAGOON_SEED=${SEED})`);
  const rooms = ['#lagoon', '#den'];
  const people: { nick: string; home: Server; c: Awaited<ReturnType<typeof user>>; in: Set<string> }[] = [];
  for (const s of servers) {
    for (const n of ['u1', 'u2']) {
      const nick = `${n}${s.name[0]}`;
      people.push({ nick, home: s, c: await user(s, nick), in: new Set() });
    }
  }
  // Every room exists on every server: an `anchor` local user keeps it open.
  for (const s of servers) {
    const a = await user(s, `anchor${s.name[0]}`);
    for (const r of rooms) { a.write(`JOIN ${r}\r\n`); await a.waitFor(new RegExp(` 366 \\S+ ${r} `)); }
  }
  for (let step = 0; step < 40; step++) {
    const p = people[Math.floor(random() * people.length)]!;
    const s = servers[Math.floor(random() * servers.length)]!;
    const r = rooms[Math.floor(random() * rooms.length)]!;
    const name = s === p.home ? r : `${r}:${s.name}`;
    const key = `${r}@${s.name}`;
    if (p.in.has(key)) {
      p.c.write(`PART ${name}\r\n`);
      await p.c.waitFor((l) => new RegExp(`^:${p.nick}!\\S+ PART ${name}( |$)`).test(l), `${p.nick} PART ${name}`);
      p.in.delete(key);
    } else {
      p.c.write(`JOIN ${name}\r\n`);
      await p.c.waitFor(new RegExp(` 366 \\S+ ${name} `), `${p.nick} JOIN ${name}`);
      p.in.add(key);
    }
  }
  // The invariant, on every room of every server, seen by a local user of that server.
  for (const s of servers) {
    const viewer = people.find((p) => p.home === s)!;
    for (const r of rooms) {
      const got = (await names(viewer.c, r)).sort();
      const want = [`anchor${s.name[0]}`, ...(r === '#lagoon' ? ['LagoonBot'] : []), ...people
        .filter((p) => p.in.has(`${r}@${s.name}`))
        .map((p) => (p.home === s ? p.nick : `${p.nick}@${p.home.name}`))];
      t.deepEqual(got, want.sort(), `${r} on ${s.name}`);
    }
  }
});
