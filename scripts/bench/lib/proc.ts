/**
 * Child processes for servers under test: spawned with a raised open-file
 * limit, tracked in one registry, and always killed — on normal stop, on a
 * crash, on Ctrl-C/SIGTERM, and (SIGKILL, synchronously) on process exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      try { c.kill('SIGKILL'); } catch { /* already gone */ }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping ${live.size} server process(es)\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

/** Stop every process started through `spawnServer`. */
export async function stopAll(graceMs = 3000): Promise<void> {
  await Promise.all([...live].map((c) => stopChild(c, graceMs)));
}

function stopChild(c: ChildProcess, graceMs: number): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) {
    live.delete(c);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try { c.kill('SIGKILL'); } catch { /* gone */ }
    }, graceMs);
    c.once('exit', () => {
      clearTimeout(timer);
      live.delete(c);
      resolve();
    });
    try { c.kill('SIGTERM'); } catch { /* gone */ }
  });
}

let nofileTarget: number | null = null;

/**
 * The open-file limit we ask for: 65536 when we may raise the hard limit
 * (root with CAP_SYS_RESOURCE; probed once with prlimit), else the current
 * hard limit.
 */
export function targetNofile(): number {
  if (nofileTarget !== null) return nofileTarget;
  const want = 65536;
  const hard = readNofile().hard;
  const canRaise = hard >= want || spawnSync('prlimit', [`--nofile=${want}:${want}`, '--', 'true'], { stdio: 'ignore' }).status === 0;
  nofileTarget = canRaise ? want : Math.min(want, hard);
  return nofileTarget;
}

/** This process's open-file limits from /proc/self/limits. */
export function readNofile(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  const text = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(text);
  const n = (s: string | undefined): number => (s === undefined || s === 'unlimited' ? Infinity : Number(s));
  return { soft: n(m?.[1]), hard: n(m?.[2]) };
}

function havePrlimit(): boolean {
  return spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  /** The complete environment (default: ours). */
  env?: Record<string, string>;
  cwd?: string;
  /** stdout and stderr go to this file (never through our event loop). */
  logFile: string;
}

/**
 * Start a server as its own process with a raised open-file limit. `prlimit`
 * execs the command, so the pid we get is the server's own (VmRSS is read
 * from it); without prlimit we go through `bash -c 'ulimit -n …; exec …'`.
 */
export function spawnServer(o: SpawnOptions): ManagedProcess {
  installHooks();
  const nofile = targetNofile();
  const [cmd, args] = havePrlimit()
    ? ['prlimit', [`--nofile=${nofile}:${nofile}`, '--', o.command, ...o.args]]
    : ['bash', ['-c', `ulimit -n ${nofile} 2>/dev/null; exec "$0" "$@"`, o.command, ...o.args]];
  const fd = openSync(o.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd as string, args as string[], {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${o.name}: spawn failed (${cmd})`);
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      live.delete(child);
      resolve(`error: ${err.message}`);
    });
  });
  return {
    name: o.name,
    pid: child.pid,
    exited,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    stop: (graceMs = 3000) => stopChild(child, graceMs),
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

/** Wait until 127.0.0.1:port accepts a connection; throws after `timeoutMs` or if `proc` exits. */
export async function waitForPort(port: number, timeoutMs: number, proc?: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    if (proc && !proc.isRunning()) throw new Error(`${proc.name} exited before listening on ${port}`);
    if (await tryConnect(port)) return;
    await sleep(100);
  }
  throw new Error(`port ${port} not listening after ${timeoutMs} ms`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resident set size of a process in KiB (VmRSS), or NaN when it is gone. */
export function readRssKiB(pid: number): number {
  try {
    return parseVmRssKiB(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return NaN;
  }
}

/** Parse the VmRSS line of a /proc/<pid>/status text. Pure. */
export function parseVmRssKiB(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : NaN;
}
