import test from 'ava';
import { LineSplitter, formatPayload, parsePayload, isPing, pongFor, parseLine } from '../../scripts/bench/irc/lines.js';
import { DeliveryTracker } from '../../scripts/bench/irc/delivery-tracker.js';

function lines(chunks: string[]): string[] {
  const s = new LineSplitter();
  const out: string[] = [];
  for (const c of chunks) s.feed(Buffer.from(c), (b, st, en) => out.push(b.toString('utf8', st, en)));
  return out;
}

test('LineSplitter joins partial lines across chunks and strips CR/LF', (t) => {
  t.deepEqual(lines(['PING :a\r\n:x PRIV', 'MSG #c :hi\r', '\n\r\nlast\n', 'partial']), ['PING :a', ':x PRIVMSG #c :hi', 'last']);
});

test('payload round-trips through a server-prefixed PRIVMSG', (t) => {
  const line = Buffer.from(`:sender!u@127.0.0.1 PRIVMSG #bench :${formatPayload(42, 123456789012, 'pad')}`);
  const out = { seq: -1, sentNs: -1 };
  t.true(parsePayload(line, 0, line.length, out));
  t.deepEqual(out, { seq: 42, sentNs: 123456789012 });
});

test('parsePayload rejects other traffic', (t) => {
  const out = { seq: -1, sentNs: -1 };
  for (const s of [':r1!r1@h JOIN :#bench', ':srv 001 r1 :Welcome', 'x|12', '|12', '12|34', ':a PRIVMSG #b :a||5']) {
    const b = Buffer.from(s);
    t.false(parsePayload(b, 0, b.length, out), s);
  }
});

test('PING detection and PONG reply', (t) => {
  const b = Buffer.from('PING :irc.example');
  t.true(isPing(b, 0, b.length));
  t.is(pongFor(b, 0, b.length), 'PONG :irc.example\r\n');
  const n = Buffer.from(':srv NOTICE x :PING');
  t.false(isPing(n, 0, n.length));
});

test('parseLine handles tags, prefix and trailing parameter', (t) => {
  t.deepEqual(parseLine('@time=x :srv 366 me #Bench :End of /NAMES list.'), { prefix: 'srv', command: '366', params: ['me', '#Bench', 'End of /NAMES list.'] });
  t.deepEqual(parseLine('ERROR :Closing link'), { prefix: '', command: 'ERROR', params: ['Closing link'] });
});

test('DeliveryTracker: window, completion and in-order loss', (t) => {
  const tr = new DeliveryTracker(2, 3);
  t.is(tr.nextSeq(), 0);
  t.is(tr.nextSeq(), 1);
  t.is(tr.nextSeq(), 2);
  t.false(tr.canSend());
  t.throws(() => tr.nextSeq(), { instanceOf: RangeError });
  t.true(tr.deliver(0, 0));
  t.is(tr.completed, 0);
  t.true(tr.deliver(1, 0));
  t.is(tr.completed, 1);
  t.true(tr.canSend());
  // receiver 1 skips message 1: counted as lost, and 1 still completes once receiver 0 has it
  t.true(tr.deliver(1, 2));
  t.is(tr.lost, 1);
  t.true(tr.deliver(0, 1));
  t.is(tr.completed, 2);
  t.false(tr.deliver(0, 1), 'duplicates are ignored');
  t.false(tr.deliver(0, 9), 'unsent sequence numbers are ignored');
  t.true(tr.deliver(0, 2));
  t.is(tr.completed, 3);
  t.is(tr.deliveries, 5);
});

test('DeliveryTracker: a dead receiver no longer holds the window', (t) => {
  const tr = new DeliveryTracker(3, 4);
  tr.nextSeq();
  tr.nextSeq();
  tr.deliver(0, 0);
  tr.deliver(1, 0);
  tr.deliver(0, 1);
  tr.deliver(1, 1);
  t.is(tr.completed, 0);
  tr.kill(2);
  t.is(tr.alive, 2);
  t.is(tr.completed, 2);
  tr.nextSeq();
  tr.deliver(0, 2);
  tr.deliver(1, 2);
  t.is(tr.completed, 3);
});

test('DeliveryTracker: ring reuse over many windows', (t) => {
  const tr = new DeliveryTracker(2, 4);
  for (let i = 0; i < 1000; i++) {
    const s = tr.nextSeq();
    tr.deliver(0, s);
    tr.deliver(1, s);
  }
  t.is(tr.completed, 1000);
  t.is(tr.inFlight, 0);
});
