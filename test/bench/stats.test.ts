import test from 'ava';
import { percentileSorted, percentiles, median, ratio, SampleBuffer } from '../../scripts/bench/lib/stats.js';
import { parseArgs, runCount } from '../../scripts/bench/lib/args.js';
import { formatNumber, formatReport } from '../../scripts/bench/lib/format.js';
import { compareRow, atLeast, atMost } from '../../scripts/bench/lib/rows.js';
import { parseVmRssKiB } from '../../scripts/bench/lib/proc.js';

test('percentileSorted uses nearest rank', (t) => {
  const v = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  t.is(percentileSorted(v, 50), 50);
  t.is(percentileSorted(v, 99), 99);
  t.is(percentileSorted(v, 100), 100);
  t.is(percentileSorted(v, 0), 1);
  t.is(percentileSorted([7], 99), 7);
  t.true(Number.isNaN(percentileSorted([], 50)));
  t.throws(() => percentileSorted(v, 101), { instanceOf: RangeError });
});

test('percentiles sorts numerically, not as strings', (t) => {
  t.deepEqual(percentiles([10, 9, 100, 1, 2], [50, 100]), [9, 100]);
});

test('median of odd, even, empty and NaN-holding inputs', (t) => {
  t.is(median([3, 1, 2]), 2);
  t.is(median([4, 1, 3, 2]), 2.5);
  t.true(Number.isNaN(median([])));
  t.is(median([NaN, 5, 1]), 3);
});

test('ratio is NaN for missing or zero baselines', (t) => {
  t.is(ratio(8, 10), 0.8);
  t.true(Number.isNaN(ratio(1, 0)));
  t.true(Number.isNaN(ratio(NaN, 1)));
  t.true(Number.isNaN(ratio(1, NaN)));
});

test('SampleBuffer keeps everything under capacity and a bounded reservoir above', (t) => {
  const b = new SampleBuffer(4, () => 0.99);
  for (let i = 0; i < 3; i++) b.add(i);
  t.deepEqual([...b.values()], [0, 1, 2]);
  for (let i = 3; i < 100; i++) b.add(i);
  t.is(b.count, 100);
  t.is(b.values().length, 4);
  b.clear();
  t.is(b.values().length, 0);
});

test('parseArgs: flags, suite names, errors', (t) => {
  t.deepEqual(parseArgs(['--quick', 'irc-fanout']), { quick: true, runs: undefined, suites: ['irc-fanout'], help: false });
  t.is(parseArgs(['--runs=5']).runs, 5);
  t.throws(() => parseArgs(['--runs=0']));
  t.throws(() => parseArgs(['--bogus']));
  t.throws(() => parseArgs(['../etc']));
  t.is(runCount({ quick: true, runs: undefined }), 1);
  t.is(runCount({ quick: false, runs: undefined }), 3);
  t.is(runCount({ quick: true, runs: 2 }), 2);
});

test('compareRow computes ratio and goal verdicts', (t) => {
  const up = compareRow('dps', 'msg/s', 90, { name: 'B', value: 100 }, atLeast(0.8));
  t.is(up.ratio, 0.9);
  t.is(up.pass, true);
  t.is(up.goal, '>= 0.8x');
  const down = compareRow('p99', 'ms', 3, { name: 'B', value: 2 }, atMost(1.0));
  t.is(down.pass, false);
  const missing = compareRow('p99', 'ms', NaN, { name: 'B', value: 2 }, atMost(1.0));
  t.is(missing.pass, false);
  t.is(compareRow('x', 'u', 1, { name: 'B', value: 1 }).pass, undefined);
});

test('formatReport renders a table with verdicts and notes', (t) => {
  const text = formatReport({
    suite: 's',
    rows: [compareRow('dps', 'msg/s', 150_000, { name: 'B', value: 100_000 }, atLeast(0.8), 'a note')],
    notes: ['suite note'],
  });
  t.regex(text, /== s ==/);
  t.regex(text, /150k msg\/s/);
  t.regex(text, /1\.50x/);
  t.regex(text, /met/);
  t.regex(text, /\[1\] a note/);
  t.regex(text, /\* suite note/);
  t.is(formatNumber(NaN), 'n/a');
  t.is(formatNumber(2_500_000), '2.50M');
});

test('parseVmRssKiB reads the VmRSS line', (t) => {
  t.is(parseVmRssKiB('Name:\tx\nVmPeak:\t 100 kB\nVmRSS:\t   12345 kB\n'), 12345);
  t.true(Number.isNaN(parseVmRssKiB('Name:\tx\n')));
});
