import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Env for a test node: every port ephemeral, mDNS-free, quiet, isolated data dir. */
export function testEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return {
    ...env,
    LAGOON_DATA_DIR: dataDir,
    LAGOON_IRC_PORT: '0',
    LAGOON_IRC_TLS_PORT: '0',
    LAGOON_HTTP_PORT: '0',
    LAGOON_MESH_PORT: '0',
    LAGOON_LOG_LEVEL: 'info',
    // The test profile turns mDNS off, so test nodes never multicast on the host's network.
    LAGOON_PROFILE: 'test',
    ...extra,
  };
}

export interface Listening { ircPort: number; ircTlsPort: number; httpPort: number; meshPort: number; peer: string }

export interface Spawned {
  child: ChildProcess;
  /** The structured 'listening' record. */
  listening: Promise<Listening>;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Run the CLI from source (tsx), parse its JSON log lines from stdout.
 * `wrap`: a command that execs the rest, e.g. `['ip', 'netns', 'exec', 'ns1']`.
 */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal, wrap: string[] = []): Spawned {
  const argv = [...wrap, process.execPath, '--import', 'tsx', 'ts/cli.ts', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGKILL' });
  child.on('error', () => undefined); // abort → SIGKILL; surfaced through `exit`
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exit = once(child, 'exit').then(([code, sig]) => ({ code: code as number | null, signal: sig as NodeJS.Signals | null }));
  const listening = new Promise<Listening>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { msg?: string };
        if (rec.msg === 'listening') resolve(rec as never);
      } catch { /* not JSON */ }
    });
    exit.then(({ code }) => reject(new Error(`lagoon exited (${code}) before listening: ${err}`)), reject);
  });
  listening.catch(() => undefined);
  return { child, listening, stderr: () => err, exit };
}
