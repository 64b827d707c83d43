/**
 * Make sure the baseline servers are installed: Debian packages `inspircd`
 * (3.x) and `ngircd`. When a binary is missing and we are root, install with
 * apt-get, with a policy-rc.d in place so the packages' own services never
 * start on their default ports. Not root: report, and the caller skips.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, unlinkSync } from 'node:fs';

export interface BaselineBinary {
  pkg: string;
  path: string;
}

export const INSPIRCD: BaselineBinary = { pkg: 'inspircd', path: '/usr/sbin/inspircd' };
export const NGIRCD: BaselineBinary = { pkg: 'ngircd', path: '/usr/sbin/ngircd' };

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

function run(cmd: string, args: string[], timeoutMs: number, log: (l: string) => void): boolean {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
    log(`  failed (${r.error?.message ?? `exit ${r.status}`}): ${tail}`);
    return false;
  }
  return true;
}

/** Stop a packaged service if the package managed to start one anyway. */
function stopPackagedService(pkg: string, log: (l: string) => void): void {
  const pids = spawnSync('pgrep', ['-x', pkg], { encoding: 'utf8' }).stdout?.trim();
  if (!pids) return;
  log(`${pkg}: the package started its own service (pid ${pids}); stopping it`);
  run('service', [pkg, 'stop'], 30_000, log);
}

/**
 * Returns the subset of `wanted` whose binaries are present afterwards.
 * Messages explain anything skipped.
 */
export function ensureInstalled(wanted: BaselineBinary[], log: (l: string) => void): Set<string> {
  const missing = wanted.filter((b) => !existsSync(b.path));
  if (missing.length > 0) {
    const names = missing.map((b) => b.pkg);
    if (process.getuid?.() !== 0) {
      log(`baseline servers missing (${names.join(', ')}) and not root: skipping them. Install with: apt-get install ${names.join(' ')}`);
    } else {
      installAsRoot(names, log);
      for (const n of names) stopPackagedService(n, log);
    }
  }
  return new Set(wanted.filter((b) => existsSync(b.path)).map((b) => b.pkg));
}

function installAsRoot(names: string[], log: (l: string) => void): void {
  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy) writeFileSync(POLICY_RC_D, '#!/bin/sh\n# temporary, from lagoon bench: do not start services\nexit 101\n', { mode: 0o755 });
  try {
    const apt = ['-y', '-q', '--no-install-recommends', 'install', ...names];
    if (!run('apt-get', apt, 300_000, log)) {
      run('apt-get', ['update', '-q'], 300_000, log);
      run('apt-get', apt, 300_000, log);
    }
  } finally {
    if (ownPolicy) {
      try { unlinkSync(POLICY_RC_D); } catch { /* already gone */ }
    }
  }
}
