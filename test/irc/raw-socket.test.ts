import test from 'ava';
import { RawClient, clientsInChannel, startTestServer } from './helpers/net.js';

test('an over-long line gets 417 and the client stays connected', async (t) => {
  const server = await startTestServer();
  t.teardown(() => server.close());
  const c = await RawClient.connect(server.ports.plain);
  await c.register('alice');
  c.write(`PRIVMSG #x :${'a'.repeat(600)}\r\nPING after\r\n`);
  await c.waitFor(/ 417 alice :Input line was too long/);
  await c.waitFor(/PONG irc.test :after/);
  c.write(`${'b'.repeat(100_000)}\r\nPING again\r\n`); // never buffered whole
  await c.waitFor(/ 417 /);
  await c.waitFor(/PONG irc.test :again/);
  t.is(server.stats().inputTooLong, 2);
  c.close();
});

test('invalid UTF-8, NUL bytes, empty and space-only lines, bad tags do not hurt', async (t) => {
  const server = await startTestServer();
  t.teardown(() => server.close());
  const [a, b] = await clientsInChannel(server.ports.plain, ['alice', 'bob']) as [RawClient, RawClient];
  a.write(Buffer.concat([Buffer.from('PRIVMSG #a :bad '), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('\r\n')]));
  a.write(Buffer.from('PRIV\0MSG #a :nul\r\n\r\n   \r\n@;;=;+x=\\ PRIVMSG #a :tags\r\n:spoof!x@y PRIVMSG #a :src\r\n'));
  a.write('PRIVMSG #a :ok\r\n');
  const bad = await b.waitFor(/PRIVMSG #a :bad/);
  t.is(Buffer.from(bad, 'latin1').toString('utf8'), ':alice!~alice@127.0.0.1 PRIVMSG #a :bad \u00ff\u00c3(');
  await b.waitFor(/PRIVMSG #a :nul$/);
  await b.waitFor(/PRIVMSG #a :tags$/);
  t.regex(await b.waitFor(/PRIVMSG #a :src$/), /^:alice!/, 'a client cannot claim a source');
  await b.waitFor(/PRIVMSG #a :ok$/);
  a.close();
  b.close();
});

test('a client that vanishes mid-line is cleaned up; others carry on', async (t) => {
  const server = await startTestServer();
  t.teardown(() => server.close());
  const [a, b] = await clientsInChannel(server.ports.plain, ['alice', 'bob']) as [RawClient, RawClient];
  a.write('PRIVMSG #a :half a li');
  a.close();
  await b.waitFor(/^:alice!\S+ QUIT :Connection closed/);
  t.false(b.lines.some((l) => l.includes('half a li')));
  b.write('PING still\r\n');
  await b.waitFor(/PONG irc.test :still/);
  t.is(server.stats().clients, 1);
  b.close();
});

test('a client that never reads is dropped for SendQ; a reading client keeps receiving', async (t) => {
  const server = await startTestServer({ operPassword: 'op', limits: { sendQBytes: 256 * 1024 } });
  t.teardown(() => server.close());
  const sender = await RawClient.connect(server.ports.plain);
  const reader = await RawClient.connect(server.ports.plain);
  const stuck = await RawClient.connect(server.ports.plain);
  await sender.register('sender');
  await reader.register('reader');
  await stuck.register('stuck');
  sender.write('OPER sender op\r\nJOIN #big\r\n');
  await sender.waitFor(/ 381 /);
  reader.write('JOIN #big\r\n');
  stuck.write('JOIN #big\r\n');
  await sender.waitFor(/:stuck!\S+ JOIN #big/);
  stuck.sock.pause(); // stops reading: the kernel buffers fill, then our send queue
  const text = 'x'.repeat(400);
  let batch = 0;
  while (!reader.lines.some((l) => l.includes('QUIT :SendQ exceeded'))) {
    t.true(batch < 3000, 'the stuck client should have been dropped by now');
    sender.write(Array.from({ length: 100 }, (_, i) => `PRIVMSG #big :${batch}-${i} ${text}\r\n`).join(''));
    await reader.waitFor((l) => l.includes(`PRIVMSG #big :${batch}-99 `), `batch ${batch}`);
    batch++;
  }
  t.is(server.stats().sendQDisconnects, 1);
  t.regex(reader.lines.find((l) => l.includes('QUIT :SendQ exceeded'))!, /^:stuck!/);
  sender.write('PRIVMSG #big :after the drop\r\n');
  await reader.waitFor(/PRIVMSG #big :after the drop/);
  stuck.sock.resume();
  await stuck.closed;
  t.true(stuck.isClosed);
  sender.close();
  reader.close();
});

test('per-IP limit refuses with a clean ERROR', async (t) => {
  const server = await startTestServer({ limits: { maxClientsPerIp: 1 } });
  t.teardown(() => server.close());
  const a = await RawClient.connect(server.ports.plain);
  await a.register('alice');
  const b = await RawClient.connect(server.ports.plain);
  await b.waitFor(/^ERROR :Closing Link: 127.0.0.1 \(Too many connections from your IP\)/);
  await b.closed;
  t.is(server.stats().rejectedConnections, 1);
  a.close();
});

test('close() sends ERROR to clients and resolves', async (t) => {
  const server = await startTestServer();
  const a = await RawClient.connect(server.ports.plain);
  await a.register('alice');
  await server.close('Maintenance');
  await a.waitFor(/^ERROR :Closing Link: 127.0.0.1 \(Maintenance\)/);
  await a.closed;
  t.pass();
});

test('the driver arms the machine timer: PING after idle, then Ping timeout', async (t) => {
  const server = await startTestServer({ limits: { pingIntervalMs: 150, pingTimeoutMs: 150 } });
  t.teardown(() => server.close());
  const c = await RawClient.connect(server.ports.plain);
  await c.register('sleepy');
  await c.waitFor(/^PING :irc.test$/);
  c.write('PONG :irc.test\r\n');
  await c.waitFor(/^PING :irc.test$/); // answered once, idle again, pinged again
  await c.waitFor(/^ERROR :Closing Link: 127.0.0.1 \(Ping timeout: \d+ seconds\)/);
  await c.closed;
  t.is(server.stats().pingTimeouts, 1);
});
