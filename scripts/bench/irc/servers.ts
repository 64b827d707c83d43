/**
 * Start the servers under test as their own processes, each with a generated
 * config in its own temp dir, on a free port of 127.0.0.1 only.
 */
import { existsSync, mkdirSync, writeFileSync, statSync, readdirSync, chmodSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { spawnServer, freePort, waitForPort, type ManagedProcess } from '../lib/proc.js';
import { inspircdConfig, ngircdConfig, lagoonEnv, type ServerLimits } from './configs.js';
import { INSPIRCD, NGIRCD } from '../lib/install.js';

export type ServerKind = 'lagoon' | 'inspircd' | 'ngircd';

export const DISPLAY_NAME: Record<ServerKind, string> = { lagoon: 'Lagoon', inspircd: 'InspIRCd', ngircd: 'ngIRCd' };

export interface RunningServer {
  kind: ServerKind;
  name: string;
  port: number;
  proc: ManagedProcess;
  logFile: string;
  /** How it was started, for the report. */
  how: string;
}

/**
 * Registration handshakes the generator keeps in flight per server. InspIRCd
 * completes registrations on a 1 s tick, so it needs many at once; ngIRCd
 * listens with a short accept backlog, and overflowing it costs a 1 s SYN
 * retransmit per connection, so it goes fastest with few at once.
 */
export const CONNECT_CONCURRENCY: Record<ServerKind, number> = { lagoon: 100, inspircd: 500, ngircd: 10 };

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function newestMtimeMs(dir: string, depth = 0): number {
  let newest = 0;
  if (depth > 6 || !existsSync(dir)) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtimeMs(p, depth + 1));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * How to run `lagoon start`: the built CLI when it is at least as new as the
 * sources (after `npm run build` if it is missing and a build script exists),
 * otherwise the TypeScript CLI through tsx. Returns a reason when neither can run.
 */
export function lagoonCommand(log: (l: string) => void): { command: string; args: string[]; how: string } | { unavailable: string } {
  const dist = join(REPO_ROOT, 'dist/cli.js');
  const src = join(REPO_ROOT, 'ts/cli.ts');
  const ircIndex = join(REPO_ROOT, 'ts/irc/index.ts');
  if (!existsSync(ircIndex) && !existsSync(join(REPO_ROOT, 'dist/irc/index.js'))) return { unavailable: 'ts/irc/index.ts does not exist yet' };
  const fresh = (): boolean => existsSync(dist) && statSync(dist).mtimeMs >= newestMtimeMs(join(REPO_ROOT, 'ts'));
  const tsx = { command: process.execPath, args: ['--import', 'tsx', src, 'start'], how: 'node --import tsx ts/cli.ts start (dist/ missing or stale; RSS includes the tsx loader)' };
  const built = { command: process.execPath, args: [dist, 'start'], how: 'node dist/cli.js start' };
  if (process.env.BENCH_LAGOON === 'tsx' && existsSync(src)) return tsx;
  if (fresh()) return built;
  if (existsSync(join(REPO_ROOT, 'scripts/build.mjs'))) {
    log('lagoon: dist/ missing or older than ts/: npm run build');
    const r = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000, encoding: 'utf8' });
    if (r.status === 0 && existsSync(dist)) return built;
    log(`lagoon: build failed (${r.error?.message ?? `exit ${r.status}`}); using tsx`);
  }
  if (existsSync(src)) return tsx;
  if (existsSync(dist)) return { ...built, how: 'node dist/cli.js start (stale: ts/ is newer and could not be built)' };
  return { unavailable: 'neither dist/cli.js nor ts/cli.ts exists' };
}

/** Environment for a child: ours without LAGOON_* (the CLI rejects unknown ones) plus `extra`. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('LAGOON_')) env[k] = v;
  return { ...env, ...extra };
}

export interface StartOptions {
  kind: ServerKind;
  /** Everything but the port, which is picked here. */
  limits: Omit<ServerLimits, 'port'>;
  tmpDir: string;
  log: (l: string) => void;
  startTimeoutMs: number;
}

/** Start one server and wait until it accepts connections. Throws if it cannot. */
export async function startServer(o: StartOptions): Promise<RunningServer> {
  const port = await freePort();
  const limits: ServerLimits = { ...o.limits, port };
  const dir = join(o.tmpDir, `${o.kind}-${port}`);
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'server.log');
  let proc: ManagedProcess;
  let how: string;
  if (o.kind === 'inspircd') {
    writeFileSync(join(dir, 'motd.txt'), 'Lagoon bench baseline\n');
    writeFileSync(join(dir, 'inspircd.conf'), inspircdConfig(limits, dir));
    proc = spawnServer({ name: 'InspIRCd', command: INSPIRCD.path, args: ['--nofork', '--runasroot', `--config=${join(dir, 'inspircd.conf')}`], logFile, env: childEnv({}) });
    how = `${INSPIRCD.path} --nofork --config=<tmp>/inspircd.conf`;
  } else if (o.kind === 'ngircd') {
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'ngircd.conf'), ngircdConfig(limits), { mode: 0o644 });
    proc = spawnServer({ name: 'ngIRCd', command: NGIRCD.path, args: ['--nodaemon', '--passive', '--config', join(dir, 'ngircd.conf')], logFile, env: childEnv({}) });
    how = `${NGIRCD.path} --nodaemon --passive --config <tmp>/ngircd.conf`;
  } else {
    const cmd = lagoonCommand(o.log);
    if ('unavailable' in cmd) throw new Error(`Lagoon unavailable: ${cmd.unavailable}`);
    const env = lagoonEnv(limits, join(dir, 'data'), { http: await freePort(), mesh: await freePort() });
    proc = spawnServer({ name: 'Lagoon', command: cmd.command, args: cmd.args, logFile, cwd: REPO_ROOT, env: childEnv(env) });
    how = cmd.how;
  }
  try {
    await waitForPort(port, o.startTimeoutMs, proc);
  } catch (err) {
    await proc.stop();
    throw new Error(`${proc.name} did not start (log: ${logFile}): ${(err as Error).message}`);
  }
  o.log(`${proc.name}: pid ${proc.pid}, 127.0.0.1:${port}`);
  return { kind: o.kind, name: proc.name, port, proc, logFile, how };
}
