/** Which servers a suite can run, and the repetition count chosen on the command line. */
import { ensureInstalled, INSPIRCD, NGIRCD } from '../lib/install.js';
import { lagoonCommand, DISPLAY_NAME, type ServerKind } from './servers.js';

export interface Availability {
  kinds: ServerKind[];
  notes: string[];
}

export function availableServers(want: ServerKind[], log: (l: string) => void): Availability {
  const notes: string[] = [];
  const kinds: ServerKind[] = [];
  const baselines = want.filter((k) => k !== 'lagoon').map((k) => (k === 'inspircd' ? INSPIRCD : NGIRCD));
  const installed = baselines.length > 0 ? ensureInstalled(baselines, log) : new Set<string>();
  for (const k of want) {
    if (k === 'lagoon') {
      const cmd = lagoonCommand(log);
      if ('unavailable' in cmd) notes.push(`Lagoon skipped: ${cmd.unavailable}`);
      else {
        kinds.push(k);
        notes.push(`Lagoon started as: ${cmd.how}`);
      }
    } else if (installed.has(k)) kinds.push(k);
    else notes.push(`${DISPLAY_NAME[k]} skipped: not installed (apt-get install ${k})`);
  }
  return { kinds, notes };
}

/** Repetitions per figure (set by index.ts from --runs / --quick). */
export function benchRuns(quick: boolean): number {
  const n = Number(process.env.BENCH_RUNS);
  return Number.isInteger(n) && n >= 1 && n <= 20 ? n : quick ? 1 : 3;
}
