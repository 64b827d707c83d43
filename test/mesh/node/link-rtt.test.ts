/** Round trips per link (link-rtt.ts): RFC 6298 smoothing, one probe outstanding per link, re-probes, the sample cap. */
import test from 'ava';
import { LinkRtt, MAX_RTT_SAMPLE_MS } from '../../../ts/mesh/node/link-rtt.js';

test('the first sample is the estimate; later ones move it by an eighth', (t) => {
  const r = new LinkRtt();
  const n1 = r.ping('p', 0, 1000)!;
  t.true(r.pong('p', n1, 80));
  t.is(r.srtt('p'), 80);
  const n2 = r.ping('p', 1000, 1000)!;
  t.true(r.pong('p', n2, 1000 + 16));
  t.is(r.srtt('p'), (7 * 80 + 16) / 8);
});

test('a link is probed again only every everyMs, and only its latest nonce counts', (t) => {
  const r = new LinkRtt();
  const n1 = r.ping('p', 0, 1000)!;
  t.is(r.ping('p', 999, 1000), undefined, 'not due yet');
  const n2 = r.ping('p', 1000, 1000)!;
  t.not(n1, n2);
  t.false(r.pong('p', n1, 1001), 'an answer to a probe we gave up on');
  t.false(r.pong('q', n2, 1001), 'from another peer');
  t.true(r.pong('p', n2, 1010));
  t.false(r.pong('p', n2, 1011), 'answered already');
  t.is(r.srtt('p'), 10);
});

test('the slowest of the given peers with a measurement; a forgotten link has none; a held-back pong counts as the cap', (t) => {
  const r = new LinkRtt();
  t.is(r.slowest(['p', 'q']), undefined);
  r.pong('p', r.ping('p', 0, 1000)!, 12);
  r.pong('q', r.ping('q', 0, 1000)!, 30);
  r.ping('s', 0, 1000);
  t.is(r.slowest(['p', 'q', 's']), 30);
  t.is(r.slowest(['p', 'x']), 12);
  r.forget('q');
  t.is(r.slowest(['p', 'q']), 12);
  r.pong('s', 1_000_000, 5); // a guess at a nonce we never sent
  t.is(r.srtt('s'), undefined);
  r.forget('s');
  r.pong('s', r.ping('s', 0, 1000)!, 3_600_000);
  t.is(r.srtt('s'), MAX_RTT_SAMPLE_MS);
});
