import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLagoonError } from '../../ts/core/errors.js';
import { nativeInfo } from '../../ts/core/native.js';
import { lagoonCodeFor } from '../../ts/core/native-errors.js';
import { findPackageRoot, loadNativeFile, locateNative, PACKAGE_NAME } from '../../ts/core/native-loader.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function tempRoot(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lagoon-native-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function touch(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
}

test('nothing built: ERR_NATIVE_MISSING naming the missing file and how to build it', (t) => {
  const root = tempRoot(t);
  for (const name of ['core', 'sys'] as const) {
    const err = t.throws(() => locateNative(name, { root, platform: 'linux', arch: 'x64' }));
    t.true(isLagoonError(err, 'ERR_NATIVE_MISSING'));
    const file = name === 'core' ? 'lagoon-core.node' : 'lagoon-sys.node';
    t.true(err?.message.includes(join(root, 'prebuilds', 'linux-x64', file)), err?.message);
    t.true(err?.message.includes('npm run build'), err?.message);
  }
  t.regex(t.throws(() => locateNative('core', { root }))?.message ?? '', /cargo/);
  t.regex(t.throws(() => locateNative('sys', { root }))?.message ?? '', /C\+\+ compiler/);
});

test('a prebuild for the platform wins over local build outputs', (t) => {
  const root = tempRoot(t);
  touch(join(root, 'prebuilds', 'linux-arm64', 'lagoon-core.node'));
  touch(join(root, 'target', 'napi', 'lagoon-core.node'));
  touch(join(root, 'target', 'release', 'liblagoon_napi.so'));
  t.deepEqual(locateNative('core', { root, platform: 'linux', arch: 'arm64' }), {
    path: join(root, 'prebuilds', 'linux-arm64', 'lagoon-core.node'),
    source: 'prebuild',
  });
  // Another arch's prebuild is never used: fall back to the local build.
  t.deepEqual(locateNative('core', { root, platform: 'linux', arch: 'x64' }), {
    path: join(root, 'target', 'napi', 'lagoon-core.node'),
    source: 'local-build',
  });
});

test('local build outputs: napi output, then the raw cargo cdylib, then node-gyp Release', (t) => {
  const root = tempRoot(t);
  touch(join(root, 'target', 'release', 'liblagoon_napi.so'));
  t.is(locateNative('core', { root, platform: 'linux', arch: 'x64' }).path, join(root, 'target', 'release', 'liblagoon_napi.so'));
  t.is(locateNative('core', { root, platform: 'darwin', arch: 'arm64', exists: (p) => p.endsWith('liblagoon_napi.dylib') }).source, 'local-build');
  touch(join(root, 'native', 'sys', 'build', 'Release', 'lagoon_sys.node'));
  t.deepEqual(locateNative('sys', { root, platform: 'linux', arch: 'x64' }), {
    path: join(root, 'native', 'sys', 'build', 'Release', 'lagoon_sys.node'),
    source: 'local-build',
  });
});

test('the package root is found from ts/ and from nested directories, and only for lagoon-mesh', (t) => {
  t.is(findPackageRoot(join(repoRoot, 'ts', 'core')), repoRoot);
  t.is(findPackageRoot(join(repoRoot, 'dist', 'core')), repoRoot);
  const other = tempRoot(t);
  writeFileSync(join(other, 'package.json'), JSON.stringify({ name: 'not-lagoon' }));
  const err = t.throws(() => findPackageRoot(join(other, 'a', 'b')));
  t.true(isLagoonError(err, 'ERR_NATIVE_MISSING'));
  writeFileSync(join(other, 'package.json'), JSON.stringify({ name: PACKAGE_NAME }));
  t.is(findPackageRoot(join(other, 'a', 'b')), other);
});

test('a file that is not a loadable binary gives ERR_NATIVE, not a crash', (t) => {
  const root = tempRoot(t);
  const bogus = join(root, 'bogus.node');
  writeFileSync(bogus, 'not an ELF file');
  t.true(isLagoonError(t.throws(() => loadNativeFile(bogus)), 'ERR_NATIVE'));
  const bogusSo = join(root, 'libbogus.so');
  writeFileSync(bogusSo, 'not an ELF file');
  t.true(isLagoonError(t.throws(() => loadNativeFile(bogusSo)), 'ERR_NATIVE'));
});

test('nativeInfo says which binaries were loaded from where', (t) => {
  const info = nativeInfo();
  t.is(info.platform, process.platform);
  t.is(info.arch, process.arch);
  for (const name of ['core', 'sys'] as const) {
    const mod = info.modules[name];
    t.true(mod.loaded, mod.error);
    t.true(mod.path?.startsWith(repoRoot), mod.path);
    t.is(mod.source, 'prebuild', 'npm run build puts every binary into prebuilds/');
    t.true(mod.path?.includes(join('prebuilds', `${process.platform}-${process.arch}`)), mod.path);
  }
  t.regex(info.coreVersion ?? '', /^\d+\.\d+\.\d+/);
});

test('native code table', (t) => {
  t.is(lagoonCodeFor('EPERM'), 'ERR_PERMISSION');
  t.is(lagoonCodeFor('EACCES'), 'ERR_PERMISSION');
  t.is(lagoonCodeFor('ERR_NATIVE_PANIC'), 'ERR_NATIVE_PANIC');
  t.is(lagoonCodeFor('ERR_NATIVE_INVALID_ARGUMENT'), 'ERR_INVALID_ARGUMENT');
  t.is(lagoonCodeFor('InvalidArg'), 'ERR_INVALID_ARGUMENT');
  t.is(lagoonCodeFor('ECONNRESET'), 'ERR_NATIVE');
  t.is(lagoonCodeFor(undefined), 'ERR_NATIVE');
  t.is(lagoonCodeFor('toString'), 'ERR_NATIVE', 'no prototype lookups');
});
