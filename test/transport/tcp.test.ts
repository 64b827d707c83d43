import test from 'ava';
import net from 'node:net';
import { compliance } from './compliance.js';
import { netHarness } from './net-harness.js';
import { closeOf, next } from './helpers.js';
import type { Link } from '../../ts/transport/types.js';
import type { LinkError } from '../../ts/transport/establish.js';

const h = await netHarness('tcp');
compliance('tcp', h);

test('tcp: a recorded real handshake replayed to the listener yields no link', async (t) => {
  const a = h.transport();
  const b = h.transport();
  const bAddress = await h.listen(b);
  const relay = await h.relay(bAddress);
  const accepted = next<[Link]>(b, 'link');
  const out = await a.dial(relay.address, { signal: AbortSignal.timeout(5000), expectPeerId: b.peerId });
  if (out.self) return t.fail();
  const [ba] = await accepted;
  const closed = closeOf(ba);
  out.link.close('done');
  await closed;
  const transcript = Buffer.concat(relay.recorded()); // LGN1, msg1, msg3, CLOSE
  const failed = next<[LinkError]>(b, 'handshakeFailed');
  let linked = false;
  b.on('link', () => { linked = true; });
  const s = net.connect(Number(new URL(bAddress).port), '127.0.0.1');
  s.on('error', () => undefined);
  s.on('data', () => undefined);
  await next(s, 'connect');
  s.write(transcript);
  const [err] = await failed;
  t.is(err.reason, 'handshake');
  t.false(linked);
  t.is(b.counters.linksOpened.inbound, 1, 'only the original link');
  t.is(b.counters.handshakeFailures.handshake, 1);
  s.destroy();
  await relay.close();
  await Promise.all([a.close(), b.close()]);
});

