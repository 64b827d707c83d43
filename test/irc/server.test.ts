import test from 'ava';
import IRC from 'irc-framework';
import type { IrcServer } from '../../ts/irc/index.js';
import { bounded, startTestServer } from './helpers/net.js';

// irc-framework is CommonJS without types; keep its surface small and typed here.
interface FwEvent { nick?: string; target?: string; message?: string; channel?: string; topic?: string; kicked?: string }
interface FwClient {
  connect(o: object): void; join(c: string): void; say(t: string, m: string): void; setTopic(c: string, t: string): void;
  raw(l: string): void; quit(m?: string): void; on(e: string, f: (ev: FwEvent) => void): void;
  removeListener(e: string, f: (ev: FwEvent) => void): void; connection: { end(): void };
}

function nextEvent(c: FwClient, name: string, pred: (e: FwEvent) => boolean = () => true): Promise<FwEvent> {
  return bounded(new Promise((resolve) => {
    const f = (e: FwEvent): void => { if (pred(e)) { c.removeListener(name, f); resolve(e); } };
    c.on(name, f);
  }), `irc-framework ${name}`);
}

async function connectClient(server: IrcServer, nick: string): Promise<FwClient> {
  const Client = (IRC as unknown as { Client: new () => FwClient }).Client;
  const c = new Client();
  const registered = nextEvent(c, 'registered');
  c.connect({ host: '127.0.0.1', port: server.ports.plain, nick, username: nick, gecos: `${nick} real`, auto_reconnect: false, ping_interval: 0, ping_timeout: 0 });
  await registered;
  return c;
}

test('two irc-framework clients meet in #lagoon, talk, set topic, kick, and LagoonBot helps', async (t) => {
  const server = await startTestServer();
  t.teardown(() => server.close());
  const alice = await connectClient(server, 'alice');
  const bob = await connectClient(server, 'bob');
  t.teardown(() => { alice.connection.end(); bob.connection.end(); });

  const aliceJoined = nextEvent(alice, 'join', (e) => e.nick === 'alice');
  alice.join('#lagoon');
  await aliceJoined;
  const aliceSeesBob = nextEvent(alice, 'join', (e) => e.nick === 'bob' && e.channel === '#lagoon');
  bob.join('#lagoon');
  await aliceSeesBob;

  const bobGets = nextEvent(bob, 'privmsg', (e) => e.target === '#lagoon');
  alice.say('#lagoon', 'hello bob');
  t.is((await bobGets).message, 'hello bob');

  const aliceGetsPm = nextEvent(alice, 'privmsg', (e) => e.target === 'alice');
  bob.say('alice', 'hi alice, privately');
  const pm = await aliceGetsPm;
  t.is(pm.nick, 'bob');
  t.is(pm.message, 'hi alice, privately');

  const bobSeesTopic = nextEvent(bob, 'topic', (e) => e.topic === 'Lagoon lobby');
  alice.setTopic('#lagoon', 'Lagoon lobby'); // alice owns #lagoon, so +t lets her
  t.is((await bobSeesTopic).nick, 'alice');

  const help = nextEvent(bob, 'notice', (e) => e.nick === 'LagoonBot' && /LagoonBot/.test(e.message ?? ''));
  bob.say('#lagoon', '!help');
  t.regex((await help).message!, /service bot of irc.test/);

  const kicked = nextEvent(bob, 'kick', (e) => e.kicked === 'bob');
  alice.raw('KICK #lagoon bob :out you go');
  const k = await kicked;
  t.is(k.nick, 'alice');
  t.is(k.message, 'out you go');
  t.is(server.stats().clients, 2);
});
