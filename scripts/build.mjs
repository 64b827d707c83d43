#!/usr/bin/env node
// Builds everything `npm test` and `npm pack` need, in order:
//   rust  crates/lagoon-napi (napi-rs, release) -> prebuilds/<platform>-<arch>/lagoon-core.node
//   sys   native/sys (node-gyp via prebuildify)  -> prebuilds/<platform>-<arch>/lagoon-sys.node
//   ts    tsc -p tsconfig.json                   -> dist/
//
// Usage: node scripts/build.mjs [rust] [sys] [ts]   (no argument: all steps)
// Env:   LAGOON_BUILD_JOBS (default 2) caps cargo's parallelism;
//        LAGOON_NODE_API_HEADERS=1 forces the node-api-headers fallback.
// Nothing is downloaded except crates from crates.io by cargo.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveNodedir } from './build-nodedir.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(root, 'package.json'));
const platformDir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const STEPS = ['rust', 'sys', 'ts'];

class StepError extends Error {}

function log(message) {
  process.stdout.write(`[build] ${message}\n`);
}

/** Absolute path of an npm package's bin script. */
function binOf(pkg, name) {
  const manifestPath = require.resolve(`${pkg}/package.json`);
  const { bin } = require(manifestPath);
  return join(dirname(manifestPath), typeof bin === 'string' ? bin : bin[name]);
}

/** Runs `node <script> ...args`, labelled `what` in logs and errors. */
function runNode(step, what, script, args, options = {}) {
  log(`${step}: ${what} ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw new StepError(`${step}: could not start ${what}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new StepError(`${step}: ${what} exited with ${result.status ?? `signal ${result.signal}`} (see its output above)`);
  }
}

function findOnPath(name, extraDirs = []) {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extraDirs]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Newest mtime of the files under `paths` (directories walked), 0 if none. */
function newestMtime(paths) {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      newest = Math.max(newest, newestMtime(readdirSync(path).map((entry) => join(path, entry))));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  }
  return newest;
}

/**
 * Install a built binary. Never rewrite a .node file in place: copyFileSync
 * truncates and refills the same inode, and every process that has it mapped
 * (a running node, ava workers, a bench) dies with SIGBUS/SIGSEGV. Write a
 * sibling and rename it over, so running processes keep the old inode; and
 * compare bytes, not mtimes, so a no-op build installs nothing.
 */
function copyIfChanged(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  const same = existsSync(to) && statSync(to).size === statSync(from).size && readFileSync(to).equals(readFileSync(from));
  if (!same) {
    const tmp = `${to}.${process.pid}.tmp`;
    copyFileSync(from, tmp);
    renameSync(tmp, to);
  }
  log(`${same ? 'up to date' : 'installed'}: ${relative(root, to)}`);
}

function buildRust() {
  const cargoHome = join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin');
  const cargo = findOnPath('cargo', [cargoHome]);
  if (cargo === undefined) {
    throw new StepError('rust: cargo not found on PATH or in ~/.cargo/bin: install a Rust toolchain (rustup)');
  }
  const env = {
    ...process.env,
    PATH: [dirname(cargo), process.env.PATH].join(delimiter),
    CARGO_BUILD_JOBS: process.env.LAGOON_BUILD_JOBS ?? process.env.CARGO_BUILD_JOBS ?? '2',
  };
  const outDir = join(root, 'target', 'napi');
  runNode('rust', 'napi', binOf('@napi-rs/cli', 'napi'), [
    'build', '--release', '--strip',
    '--manifest-path', 'crates/lagoon-napi/Cargo.toml',
    '--package-json-path', 'crates/lagoon-napi/package.json',
    '--output-dir', relative(root, outDir), '--no-js', '--dts', 'lagoon-core.d.ts',
  ], { env });
  copyIfChanged(join(outDir, 'lagoon-core.node'), join(platformDir, 'lagoon-core.node'));
}

function buildSys() {
  const sysDir = join(root, 'native', 'sys');
  const output = join(platformDir, 'lagoon-sys.node');
  const sources = [join(sysDir, 'binding.gyp'), join(sysDir, 'src'), join(root, 'node_modules', 'node-addon-api', 'package.json')];
  if (existsSync(output) && statSync(output).mtimeMs > newestMtime(sources)) {
    log(`sys: up to date: ${relative(root, output)} is newer than native/sys sources (skipping prebuildify)`);
    return;
  }
  let nodedir;
  try {
    nodedir = resolveNodedir(root, { forceHeadersPackage: process.env.LAGOON_NODE_API_HEADERS === '1' });
  } catch (err) {
    throw new StepError(`sys: ${err.message}`);
  }
  log(`sys: Node-API headers from ${nodedir.how}`);
  const env = {
    ...process.env,
    // node-gyp reads npm_config_* as its own options: this is its --nodedir,
    // so it never tries to download headers.
    npm_config_nodedir: nodedir.dir,
    npm_config_loglevel: process.env.npm_config_loglevel ?? 'warn',
    PREBUILD_NODE_GYP: binOf('node-gyp', 'node-gyp'),
    JOBS: process.env.LAGOON_BUILD_JOBS ?? '2',
  };
  runNode('sys', 'prebuildify', binOf('prebuildify', 'prebuildify'), [
    '--napi', '--strip',
    '--target', `node@${process.versions.node}`, '--out', root,
  ], { cwd: sysDir, env });
  if (!existsSync(output)) throw new StepError(`sys: prebuildify finished but ${relative(root, output)} is missing`);
  log(`sys: built ${relative(root, output)}`);
}

function buildTs() {
  runNode('ts', 'tsc', binOf('typescript', 'tsc'), ['-p', 'tsconfig.json']);
}

const BUILDERS = { rust: buildRust, sys: buildSys, ts: buildTs };

function main(argv) {
  const unknown = argv.filter((arg) => !STEPS.includes(arg));
  if (unknown.length > 0) {
    process.stderr.write(`[build] unknown step(s): ${unknown.join(', ')}; steps are ${STEPS.join(', ')}\n`);
    return 2;
  }
  const steps = argv.length > 0 ? STEPS.filter((step) => argv.includes(step)) : STEPS;
  const started = Date.now();
  for (const step of steps) {
    const t0 = Date.now();
    try {
      BUILDERS[step]();
    } catch (err) {
      const message = err instanceof StepError ? err.message : `${step}: ${err?.stack ?? err}`;
      process.stderr.write(`\n[build] FAILED in step '${step}': ${message}\n`);
      return 1;
    }
    log(`${step}: done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  log(`all done (${steps.join(', ')}) in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
