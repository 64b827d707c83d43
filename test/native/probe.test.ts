import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadNative, probeCapabilities } from '../../ts/core/native.js';
import { fromNativeError } from '../../ts/core/native-errors.js';

const CAP_NET_ADMIN = 12n;

/** CAP_NET_ADMIN from /proc/self/status: a second opinion that does not go through capget(). */
function procHasNetAdmin(): boolean {
  const line = readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s*([0-9a-f]+)$/m);
  if (line?.[1] === undefined) throw new Error('no CapEff line in /proc/self/status');
  return ((BigInt(`0x${line[1]}`) >> CAP_NET_ADMIN) & 1n) === 1n;
}

test('probe result has the documented shape', (t) => {
  const caps = probeCapabilities();
  t.is(typeof caps.capNetAdmin, 'boolean');
  t.is(typeof caps.tcpRepair, 'boolean');
  t.is(caps.kernelRelease, release());
  if (caps.tcpRepair) {
    t.false('tcpRepairError' in caps);
  } else {
    t.regex(caps.tcpRepairError ?? '', /^E[A-Z0-9]+$/);
  }
  t.true(Object.isFrozen(caps));
});

test('capNetAdmin agrees with CapEff in /proc/self/status', (t) => {
  t.is(probeCapabilities().capNetAdmin, procHasNetAdmin());
});

test('with CAP_NET_ADMIN, TCP_REPAIR works on this kernel', (t) => {
  const caps = probeCapabilities();
  if (!caps.capNetAdmin) {
    t.log('not running with CAP_NET_ADMIN: nothing to check here');
    t.false(caps.tcpRepair);
    return;
  }
  t.true(caps.tcpRepair, `TCP_REPAIR failed: ${caps.tcpRepairError}`);
});

const probeScript = fileURLToPath(new URL('./fixtures/probe-child.ts', import.meta.url));

test('without CAP_NET_ADMIN the probe reports it and TCP_REPAIR fails with EPERM', (t) => {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/setpriv') || !procHasNetAdmin()) {
    t.log('needs root, setpriv and CAP_NET_ADMIN to drop it');
    t.pass();
    return;
  }
  const child = spawnSync(
    '/usr/bin/setpriv',
    ['--bounding-set', '-net_admin', '--inh-caps', '-net_admin', process.execPath, '--import=tsx', probeScript],
    { encoding: 'utf8', timeout: 60_000 },
  );
  t.is(child.status, 0, child.stderr);
  const caps = JSON.parse(child.stdout) as Record<string, unknown>;
  t.deepEqual(caps, { capNetAdmin: false, tcpRepair: false, tcpRepairError: 'EPERM', kernelRelease: release() });
});

test('errors thrown from C++ carry the errno name as .code and map to LagoonError codes', (t) => {
  const raw = loadNative('sys');
  const eperm = t.throws(() => raw._testThrowErrno(1)) as Error & { code?: string; errno?: number; syscall?: string };
  t.is(eperm.code, 'EPERM');
  t.is(eperm.errno, 1);
  t.is(eperm.syscall, '_testThrowErrno');
  t.is(fromNativeError(eperm, 'x').code, 'ERR_PERMISSION');

  const enoent = t.throws(() => raw._testThrowErrno(2)) as Error & { code?: string };
  t.is(enoent.code, 'ENOENT');
  const mapped = fromNativeError(enoent, 'open');
  t.is(mapped.code, 'ERR_NATIVE');
  t.regex(mapped.message, /^ERR_NATIVE: open: ENOENT/);

  const badArg = t.throws(() => raw._testThrowErrno('x' as unknown as number)) as Error & { code?: string };
  t.is(badArg.code, 'ERR_INVALID_ARG_TYPE');
  t.is(fromNativeError(badArg, '_testThrowErrno').code, 'ERR_INVALID_ARGUMENT');
});
