/** The shared polling loop: what it returns, what it retries, and its bounds. */
import test from 'ava';
import { holds, isFetchFailure, pollUntil } from './poll.js';

const hiccup = (code: string): TypeError => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

test('returns the first reading that holds, and reads no further', async (t) => {
  let reads = 0;
  const v = await pollUntil(async () => ++reads, (n) => (n >= 3 ? null : `only ${n}`), { signal: AbortSignal.timeout(10_000), what: 'count', paceMs: 0 });
  t.is(v, 3);
  t.is(reads, 3);
});

test('a reused connection closed under fetch is read again; any other error is thrown at once', async (t) => {
  let reads = 0;
  const v = await pollUntil(async () => { if (++reads < 3) throw hiccup('ECONNRESET'); return 'ok'; }, () => null, { signal: AbortSignal.timeout(10_000), what: 'x', paceMs: 0 });
  t.is(v, 'ok');
  t.is(reads, 3);
  let failing = 0;
  const refused = pollUntil(async () => { failing++; throw hiccup('ECONNREFUSED'); }, () => null, { signal: AbortSignal.timeout(10_000), what: 'x', paceMs: 0 });
  await t.throwsAsync(refused, { message: 'fetch failed' });
  t.is(failing, 1);
  t.true(isFetchFailure(hiccup('UND_ERR_SOCKET')));
  t.false(isFetchFailure(hiccup('ECONNREFUSED')));
  t.false(isFetchFailure(new Error('fetch failed')));
});

test('bounded by its count and by its signal, and the error says why it never held', async (t) => {
  let reads = 0;
  await t.throwsAsync(pollUntil(async () => ++reads, holds((n: number) => n > 100), { signal: AbortSignal.timeout(10_000), what: 'the counter', paceMs: 0, maxPolls: 5 }),
    { message: 'the counter never reached the expected state in 5 polls: last reading: 5' });
  t.is(reads, 5);
  const ac = new AbortController();
  ac.abort(new Error('gave up'));
  await t.throwsAsync(pollUntil(async () => 1, () => 'never', { signal: ac.signal, what: 'y' }), { message: 'y never reached the expected state (Error: gave up): not read yet' });
});
