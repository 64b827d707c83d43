/**
 * The npm package works where nothing can be compiled: pack it, install the
 * tarball into a fresh project with a PATH holding only node and npm (no cargo,
 * cc, make, python…), then run the installed CLI and the native functions
 * through the installed loader. Needs `npm run build` first (npm test does it).
 */
import test from 'ava';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
const platformDir = `prebuilds/${process.platform}-${process.arch}`;
const EMPTY_BLAKE3 = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';
const TOOLS_THAT_MUST_BE_ABSENT = ['cargo', 'rustc', 'cc', 'c++', 'gcc', 'g++', 'make', 'go', 'python', 'python3', 'node-gyp'];

/** The npm CLI script: the one running us (npm test), else the first `npm` on PATH. */
function npmCli(): string {
  const fromEnv = process.env.npm_execpath;
  if (fromEnv !== undefined && fromEnv.endsWith('.js') && existsSync(fromEnv)) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'npm');
    if (dir !== '' && existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error('npm not found on PATH');
}

function check(result: SpawnSyncReturns<string>, what: string): string {
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${what} exited with ${result.status ?? result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result.stdout;
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

interface Installed {
  work: string;
  bin: string;
  env: Record<string, string>;
  files: string[];
  app: string;
  installed: string;
}

/** Packs the repo and installs the tarball into a fresh project, PATH = node + npm only. */
function packAndInstall(log: (message: string) => void): Installed {
  for (const file of ['dist/index.js', `${platformDir}/lagoon-core.node`, `${platformDir}/lagoon-sys.node`]) {
    if (!existsSync(join(repoRoot, file))) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const work = mkdtempSync(join(tmpdir(), 'lagoon-pack-'));
  try {
    const npm = npmCli();
    const packOut = check(
      spawnSync(process.execPath, [npm, 'pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8' }),
      'npm pack',
    );
    const packed = (JSON.parse(packOut) as PackResult[])[0];
    if (packed === undefined) throw new Error(`npm pack printed no result: ${packOut}`);
    const tarball = join(work, packed.filename);
    log(`tarball ${packed.filename}: ${(statSync(tarball).size / 1024).toFixed(0)} KiB, ${packed.files.length} files`);

    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync(npm, join(bin, 'npm'));
    const env = { PATH: bin, HOME: process.env.HOME ?? work, TMPDIR: work, CI: 'true', LANG: 'C.UTF-8' };

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'lagoon-pack-check', private: true, type: 'module' }));
    const t0 = Date.now();
    check(
      spawnSync(join(bin, 'npm'), ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: app, env, encoding: 'utf8', timeout: 300_000,
      }),
      'npm install <tarball>',
    );
    log(`npm install of the tarball took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { work, bin, env, files: packed.files.map((f) => f.path), app, installed: join(app, 'node_modules', pkg.name) };
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}

const ctx: { value?: Installed } = {};

test.before((t) => {
  ctx.value = packAndInstall((message) => t.log(message));
});

test.after.always(() => {
  if (ctx.value !== undefined) rmSync(ctx.value.work, { recursive: true, force: true });
});

function installed(): Installed {
  if (ctx.value === undefined) throw new Error('pack/install did not run');
  return ctx.value;
}

test('the tarball holds the prebuilt binaries and the compiled JS, not sources', (t) => {
  const { files } = installed();
  t.true(files.includes(`${platformDir}/lagoon-core.node`), 'Rust binding');
  t.true(files.includes(`${platformDir}/lagoon-sys.node`), 'C++ addon');
  t.true(files.includes('dist/index.js'), 'library entry');
  t.true(files.includes('dist/core/native.js'), 'native loader');
  t.true(files.includes('dist/cli.js'), 'CLI (dist/cli.js)');
  t.false(files.some((f) => /^(ts|crates|native|target|test)\//.test(f)), 'no sources or build trees');
});

test('the install PATH really has no compiler or build tool, and nothing was compiled', (t) => {
  const { env, installed: dir } = installed();
  const probe = spawnSync(process.execPath, ['-e', `
    const { spawnSync } = require('node:child_process');
    const found = ${JSON.stringify(TOOLS_THAT_MUST_BE_ABSENT)}.filter((tool) => !spawnSync(tool, ['--version']).error);
    process.stdout.write(JSON.stringify(found));`], { env, encoding: 'utf8' });
  t.deepEqual(JSON.parse(check(probe, 'tool probe')), []);
  t.false(existsSync(join(dir, 'native')));
  t.false(existsSync(join(dir, 'build')));
});

test('native functions work through the installed loader, from the shipped prebuilds', (t) => {
  const { app, bin, env, installed: dir } = installed();
  const script = join(app, 'native-check.mjs');
  writeFileSync(script, `
    import { blake3, probeCapabilities, nativeInfo } from ${JSON.stringify(join(dir, 'dist', 'core', 'native.js'))};
    process.stdout.write(JSON.stringify({ empty: blake3(new Uint8Array(0)).toString('hex'), caps: probeCapabilities(), info: nativeInfo() }));`);
  const out = JSON.parse(check(spawnSync(join(bin, 'node'), [script], { cwd: app, env, encoding: 'utf8' }), 'native check')) as {
    empty: string;
    caps: Record<string, unknown>;
    info: { modules: Record<string, { loaded: boolean; path?: string; source?: string }> };
  };
  t.is(out.empty, EMPTY_BLAKE3);
  t.is(typeof out.caps.capNetAdmin, 'boolean');
  t.is(typeof out.caps.tcpRepair, 'boolean');
  t.is(typeof out.caps.kernelRelease, 'string');
  for (const name of ['core', 'sys']) {
    const mod = out.info.modules[name];
    t.is(mod?.source, 'prebuild', `${name} loaded from the shipped prebuilds`);
    t.true(mod?.path?.startsWith(realpathSync(dir)) === true || mod?.path?.startsWith(dir) === true, `${name}: ${mod?.path}`);
  }
});

test('the installed `lagoon --version` prints the package version', (t) => {
  const { app, env } = installed();
  const out = check(spawnSync(join(app, 'node_modules', '.bin', 'lagoon'), ['--version'], { cwd: app, env, encoding: 'utf8' }), 'lagoon --version');
  t.is(out.trim(), pkg.version);
});

test('the package entry point imports with only its declared dependencies', (t) => {
  const { app, bin, env } = installed();
  const script = join(app, 'entry-check.mjs');
  writeFileSync(script, `
    const main = await import(${JSON.stringify(pkg.name)});
    process.stdout.write(JSON.stringify({
      exports: Object.keys(main).length,
      blake3: typeof main.blake3 === 'function' ? main.blake3(new Uint8Array(0)).toString('hex') : null,
    }));`);
  const out = JSON.parse(check(spawnSync(join(bin, 'node'), [script], { cwd: app, env, encoding: 'utf8' }), 'entry import')) as {
    exports: number;
    blake3: string | null;
  };
  t.true(out.exports > 0);
  if (out.blake3 === null) t.log(`note: ${pkg.name} does not re-export blake3 from its entry point (yet)`);
  else t.is(out.blake3, EMPTY_BLAKE3);
});
