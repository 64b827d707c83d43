/** The early-window policy the VDF handshake and the simulator's stand-in share (ts/mesh/vdf/early-windows.ts). */
import test from 'ava';
import { EarlyWindows, earlyWindowTiming } from '../../ts/mesh/vdf/early-windows.js';

const T = { windowMs: 1000, graceMs: 300, delayMs: 40 };
const none = (): boolean => false;
const some = (): boolean => true;

test('a first nonce asks for an early window delayMs later, due once', (t) => {
  const e = new EarlyWindows(T);
  e.firstNonce(100, 1000);
  t.true(e.wanted);
  t.is(e.wakeAt(none), 140);
  t.false(e.due(139, 1000, none));
  t.true(e.due(140, 1000, none));
  t.false(e.wanted);
  t.false(e.due(141, 1000, none), 'one early window per first nonce');
});

test('early windows are spaced by a quarter window, so resent nonces cannot close windows at will', (t) => {
  const e = new EarlyWindows(T);
  e.firstNonce(0, 5000);
  t.true(e.due(40, 5000, none));
  e.closed(40);
  e.firstNonce(50, 5000);
  t.is(e.wakeAt(none), 290, 'the last early one (40) plus windowMs/4');
  t.false(e.due(289, 5000, none));
  t.true(e.due(290, 5000, none));
});

test('no early window in the last quarter before the scheduled one', (t) => {
  const e = new EarlyWindows(T);
  e.firstNonce(720, 1000);
  t.false(e.wanted, '760 is past 1000 - 250');
  e.firstNonce(700, 1000);
  t.true(e.wanted, '740 is before 750');
  // Held up (by owed nonces) until the quarter: dropped, the scheduled window answers.
  e.closed(600);
  t.false(e.due(760, 1000, some));
  t.false(e.wanted);
});

test('an early window waits for owed nonces until graceMs after the last header', (t) => {
  const e = new EarlyWindows(T);
  e.closed(0);
  e.firstNonce(10, 5000);
  t.is(e.wakeAt(some), 300, 'grace after the header at 0');
  t.is(e.wakeAt(none), 50);
  t.false(e.due(50, 5000, some));
  t.true(e.due(50, 5000, none), 'every nonce is in');
  e.firstNonce(400, 5000);
  t.true(e.due(440, 5000, some), 'past the grace, an owed nonce no longer holds it');
});

test('the scheduled window cancels a wanted early one; nothing without a schedule', (t) => {
  const e = new EarlyWindows(T);
  e.firstNonce(0, 1000);
  e.scheduled();
  t.false(e.wanted);
  t.is(e.wakeAt(none), undefined);
  e.firstNonce(0, undefined);
  t.false(e.wanted);
});

test('the real handshake waits two duty periods after a first nonce', (t) => {
  t.deepEqual(earlyWindowTiming({ windowMs: 1000, graceMs: 250, dutyPeriodMs: 20 }), { windowMs: 1000, graceMs: 250, delayMs: 40 });
});
