import test from 'ava';
import { Harness } from './helpers/harness.js';

test('lines past the burst are delayed, then delivered at the refill rate', (t) => {
  const h = new Harness({ limits: { floodBurstLines: 3, floodLinesPerSecond: 2 } });
  h.connect(1);
  h.send(1, 'NICK a', 'USER a 0 * :a');
  h.take(1);
  h.send(1, 'PING 1', 'PING 2', 'PING 3');
  t.deepEqual(h.take(1), [':irc.test PONG irc.test :1']); // one token was left after NICK+USER
  t.is(h.m.nextTimeout(), 500);
  h.advance(500);
  t.deepEqual(h.take(1), [':irc.test PONG irc.test :2']);
  h.advance(500);
  t.deepEqual(h.take(1), [':irc.test PONG irc.test :3']);
  t.false(h.closed.has(1));
});

test('a backlog beyond 2 × burst disconnects with Excess Flood; others are unaffected', (t) => {
  const h = new Harness({ limits: { floodBurstLines: 5, floodLinesPerSecond: 1 } });
  h.register(1, 'flooder');
  h.register(2, 'calm');
  h.send(2, 'JOIN #a');
  h.send(1, 'JOIN #a');
  h.take(2);
  for (let i = 0; i < 30 && !h.closed.has(1); i++) h.send(1, `PRIVMSG #a :spam ${i}`);
  t.is(h.closed.get(1), 'Excess Flood');
  t.is(h.m.counters.floodDisconnects, 1);
  const calm = h.take(2);
  t.true(calm.at(-1)!.includes('QUIT :Excess Flood'));
  h.send(2, 'PING ok');
  t.deepEqual(h.take(2), [':irc.test PONG irc.test :ok']);
});

test('opers are exempt from flood control', (t) => {
  const h = new Harness({ operPassword: 'pw', limits: { floodBurstLines: 5, floodLinesPerSecond: 1 } });
  h.connect(1);
  h.send(1, 'NICK o', 'USER o 0 * :o', 'OPER o pw');
  h.take(1);
  for (let i = 0; i < 100; i++) h.send(1, `PING ${i}`);
  t.is(h.take(1).length, 100);
  t.false(h.closed.has(1));
});

test('a throttled client is paused until its backlog drains, then resumed', (t) => {
  const h = new Harness({ limits: { floodBurstLines: 3, floodLinesPerSecond: 2 } });
  h.register(1, 'fast');
  h.advance(10_000); // refill the bucket after registration
  h.take(1);
  h.send(1, 'PING 1', 'PING 2', 'PING 3');
  t.false(h.paused.has(1), 'within the burst nothing is paused');
  h.send(1, 'PING 4');
  t.true(h.paused.has(1), 'the first line that has to wait pauses input');
  h.send(1, 'PING 5');
  t.true(h.paused.has(1));
  h.advance(500);
  t.true(h.paused.has(1), 'still a line waiting');
  h.advance(500);
  t.false(h.paused.has(1), 'resumed once the backlog is empty');
  t.deepEqual(h.take(1).map((l) => l.split(' ').at(-1)), [':1', ':2', ':3', ':4', ':5']);
});
