import test from 'ava';
import { RawClient, bounded, clientsInChannel, startTestServer } from './helpers/net.js';

// A flooder is stopped by back-pressure and disconnection, not by us reading
// everything it sends: the server must take in only a small part of a 16 MiB
// burst, and a calm client on the same server keeps being served.
test('a flooding client meets back-pressure: the server reads a fraction of its burst', async (t) => {
  const server = await startTestServer({ limits: { floodBurstLines: 10, floodLinesPerSecond: 5 } });
  t.teardown(() => server.close());
  const [calm, flooder] = await clientsInChannel(server.ports.plain, ['calm', 'flooder']) as [RawClient, RawClient];

  const line = Buffer.from(`PRIVMSG #a :${'x'.repeat(400)}\r\n`);
  const burst = Buffer.concat(Array.from({ length: Math.ceil((16 << 20) / line.length) }, () => line));
  const before = server.stats().bytesIn;
  flooder.sock.write(burst);

  await calm.waitFor(/:flooder!\S+ QUIT :Excess Flood/);
  await bounded(flooder.closed, 'flooder socket closed');
  t.is(server.stats().floodDisconnects, 1);
  const read = server.stats().bytesIn - before;
  t.true(read < burst.length / 8, `server read ${read} of ${burst.length} bytes`);

  calm.write('PING still-here\r\n');
  await calm.waitFor(/PONG \S+ :still-here/);
  calm.close();
});
