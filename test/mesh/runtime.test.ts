/** The real node's mesh driver (ts/mesh/runtime.ts) over a stand-in service: a machine that throws, or leaves its timer due, does not end or spin the node. */
import test from 'ava';
import { EventEmitter } from 'node:events';
import { MAX_TIMER_DUE_AGAIN, MeshRuntime } from '../../ts/mesh/runtime.js';
import type { MeshService } from '../../ts/mesh/service.js';
import { encodeMeshFrame } from '../../ts/mesh/node/messages.js';
import { ephemeralIdentity } from '../../ts/core/identity.js';

/** What the runtime uses of MeshService, with no links: frames are emitted by the test. */
class FakeService extends EventEmitter {
  sent = 0;
  status(): { links: never[] } { return { links: [] }; }
  peer(): undefined { return undefined; }
  send(): void { this.sent++; }
  disconnect(): void {}
  parkEntryPoints(): void {}
  probeEntryPoint(): void {}
  connect(): Promise<void> { return Promise.resolve(); }
}

test('an input the node machine throws on is dropped, logged and counted; the node goes on', (t) => {
  const svc = new FakeService();
  const errors: unknown[] = [];
  const logger = { child: () => logger, error: (o: unknown) => { errors.push(o); }, warn: () => {}, info: () => {}, debug: () => {} };
  const rt = new MeshRuntime({ identity: ephemeralIdentity(), service: svc as unknown as MeshService, addrs: [], name: 'n', first: true, logger: logger as never });
  t.teardown(() => rt.close());
  rt.start();
  t.is(rt.machine.slot, 0);
  const frame = rt.machine.frame.bind(rt.machine);
  let calls = 0;
  rt.machine.frame = (...args) => {
    calls++;
    if (calls === 1) throw new RangeError('a bug in the machine');
    return frame(...args);
  };
  const bytes = encodeMeshFrame({ t: 'refuse', reason: 'x' });
  t.notThrows(() => svc.emit('frame', 'b3b3/peer', bytes));
  t.is(rt.status().machineErrors, 1);
  t.is(errors.length, 1);
  t.like(errors[0], { input: 'frame', peer: 'b3b3/peer' });
  // The next input is handled as usual.
  t.notThrows(() => svc.emit('frame', 'b3b3/peer', bytes));
  t.is(calls, 2);
  t.is(rt.status().machineErrors, 1);
  t.is(rt.status().slot, 0);
});

test('a machine timer that stays due after it fires is counted and logged, and tried a second later instead of every millisecond', async (t) => {
  const svc = new FakeService();
  let tripped: (calls: number) => void = () => {};
  const logged = new Promise<number>((resolve) => { tripped = resolve; });
  let calls = 0;
  const errors: unknown[] = [];
  const logger = { child: () => logger, error: (o: unknown) => { errors.push(o); tripped(calls); }, warn: () => {}, info: () => {}, debug: () => {} };
  const rt = new MeshRuntime({ identity: ephemeralIdentity(), service: svc as unknown as MeshService, addrs: [], name: 'n', first: true, logger: logger as never });
  t.teardown(() => rt.close());
  // The runtime's timers are unref'd (they never hold a process open): this keeps the test's process alive meanwhile.
  const alive = setInterval(() => {}, 60_000);
  t.teardown(() => clearInterval(alive));
  // A machine with the bug: its timer is always due, and handling it changes nothing.
  rt.machine.nextTimeout = () => performance.now() - 1;
  rt.machine.handleTimeout = () => { calls++; return []; };
  rt.start();
  // Bounded: without the guard no error ever comes (the timer fires every millisecond), and the test fails here.
  const none = new Promise<string>((resolve) => { const timer = setTimeout(() => resolve('no error within 10 s'), 10_000); t.teardown(() => clearTimeout(timer)); });
  t.is(await Promise.race([logged, none]), MAX_TIMER_DUE_AGAIN, 'the error comes after exactly MAX_TIMER_DUE_AGAIN firings in a row');
  t.is(rt.status().machineErrors, 1);
  t.like(errors[0], { input: 'timer', dueAgain: MAX_TIMER_DUE_AGAIN });
  t.is(calls, MAX_TIMER_DUE_AGAIN, 'no firing after the error: the next one is a second away');
});
