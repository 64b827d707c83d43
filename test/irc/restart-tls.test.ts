import test from 'ava';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { RawClient, startTestServer } from './helpers/net.js';

test('restart with the same dataDir restores topic, modes, bans, keys and the #lagoon owner', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lagoon-irc-'));
  const first = await startTestServer({ dataDir });
  const alice = await RawClient.connect(first.ports.plain);
  await alice.register('alice');
  alice.write('JOIN #lagoon\r\nJOIN #den\r\nTOPIC #den :Den of calm\r\nMODE #den +kl hunter2 9\r\nMODE #den +b *!*@bad.example\r\nMODE #den +m\r\nPING done\r\n');
  await alice.waitFor(/PONG irc.test :done/);
  alice.close();
  await first.close();

  const second = await startTestServer({ dataDir });
  t.teardown(() => second.close());
  const bob = await RawClient.connect(second.ports.plain);
  await bob.register('bob');
  bob.write('JOIN #den\r\n');
  await bob.waitFor(/ 475 bob #den :Cannot join channel \(\+k\)/);
  bob.write('JOIN #den hunter2\r\n');
  await bob.waitFor(/ 332 bob #den :Den of calm/);
  await bob.waitFor(/ 333 bob #den alice!~alice@127.0.0.1 \d+/);
  bob.write('MODE #den\r\nMODE #den b\r\n');
  await bob.waitFor(/ 324 bob #den \+mntkl hunter2 9/);
  await bob.waitFor(/ 367 bob #den \*!\*@bad.example alice!~alice@127.0.0.1 \d+/);
  bob.write('JOIN #lagoon\r\n');
  await bob.waitFor(/ 353 bob = #lagoon :@LagoonBot bob/);
  const alice2 = await RawClient.connect(second.ports.plain);
  await alice2.register('alice');
  alice2.write('JOIN #lagoon\r\n');
  await alice2.waitFor(/ 353 alice = #lagoon :.*@alice/);
  t.true((await readdir(dataDir)).includes('irc-state.json'));
  alice2.close();
  bob.close();
});

test('a corrupt state file does not stop the server', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lagoon-irc-'));
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dataDir, 'irc-state.json'), 'garbage{{');
  const server = await startTestServer({ dataDir });
  t.teardown(() => server.close());
  const c = await RawClient.connect(server.ports.plain);
  await c.register('alice');
  t.true((await readdir(dataDir)).some((f) => f.startsWith('irc-state.json.corrupt-')));
  c.close();
});

test('TLS listener: registers over TLS and WHOIS shows the secure connection', async (t) => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 });
  const server = await startTestServer({ tlsPort: 0, tls: { cert: pems.cert, key: pems.private } });
  t.teardown(() => server.close());
  t.true(typeof server.ports.tls === 'number' && server.ports.tls > 0);
  t.not(server.ports.tls, server.ports.plain);
  const c = await RawClient.connect(server.ports.tls!, { tls: true });
  await c.register('secure');
  c.write('WHOIS secure\r\n');
  await c.waitFor(/ 671 secure secure :is using a secure connection/);
  const p = await RawClient.connect(server.ports.plain);
  await p.register('plain');
  p.write('WHOIS plain\r\n');
  await p.waitFor(/ 318 plain plain /);
  t.false(p.lines.some((l) => l.includes(' 671 ')));
  c.close();
  p.close();
});

test('a taken port fails start with ERR_LISTEN and releases the other listener', async (t) => {
  const taken = await startTestServer();
  t.teardown(() => taken.close());
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 });
  const err = await t.throwsAsync(startTestServer({ tlsPort: taken.ports.plain, tls: { cert: pems.cert, key: pems.private } }));
  t.regex(err!.message, /^ERR_LISTEN/);
});
