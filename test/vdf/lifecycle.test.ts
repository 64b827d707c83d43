/**
 * Engine lifetimes against the native binding: churn of create / close /
 * collect while windows close and verifications run on the libuv pool, and
 * processes that end with engines still computing. A use-after-free or a
 * thread outliving its memory shows up as a crash (a signal), not a failed
 * assertion, so the exits are checked in child processes.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { VdfEngine, VdfProver, verifyHeader, verifyOpening } from '../../ts/mesh/vdf/engine.js';
import { isLagoonError } from '../../ts/core/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/exit-with-engines.ts', import.meta.url));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live chain threads of this process (Linux: thread names in /proc). */
function chainThreads(): number {
  let n = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'lagoon-vdf') n++;
    } catch {
      // the thread ended while we looked
    }
  }
  return n;
}

async function until(what: string, ok: () => boolean, signal: AbortSignal): Promise<void> {
  while (!ok()) {
    if (signal.aborted) throw new Error(`timed out waiting for ${what}`);
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

test.serial('create, close twice, use after close and collect unclosed engines while work is in flight', async (t) => {
  const signal = AbortSignal.timeout(60_000);
  const before = chainThreads();
  const p = new VdfProver(randomBytes(32));
  const n = randomBytes(16);
  p.absorb(n);
  p.advance(20_000);
  const header = p.closeWindow()!;
  const c = randomBytes(16);
  const opening = p.open(0, c, n);
  for (let round = 0; round < 12; round++) {
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < 4; i++) {
      const e = new VdfEngine(randomBytes(32), i % 2 === 0 ? { duty: 1 } : { duty: 0.05, dutyPeriodMs: 1 });
      e.absorb(randomBytes(16));
      inFlight.push(e.closeWindow(), verifyHeader(p.publicKey, header, null, n), verifyOpening(p.publicKey, header, opening, c, n));
      if (i === 0) {
        // Closed while its closeWindow is still on the pool, twice.
        e.close();
        e.close();
        const err = t.throws(() => e.stats());
        t.true(isLagoonError(err, 'ERR_CLOSED'));
        await t.throwsAsync(e.closeWindow(), { code: 'ERR_CLOSED' } as never);
      }
      // The others are dropped unclosed: the collector's finalizer joins their threads.
    }
    const results = await Promise.all(inFlight);
    for (const r of results) {
      if (r !== null && typeof r === 'object' && 'ok' in r) t.true((r as { ok: boolean }).ok);
    }
    gc();
  }
  await until('unclosed engines to be collected and their threads joined', () => chainThreads() === before, signal);
  t.is(chainThreads(), before);
});

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function runFixture(scenario: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, scenario], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], signal: AbortSignal.timeout(60_000), killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const SCENARIOS: Array<{ scenario: string; runs: number; code: number }> = [
  { scenario: 'exit', runs: 4, code: 0 },
  { scenario: 'drain', runs: 3, code: 0 },
  { scenario: 'throw', runs: 1, code: 1 },
  { scenario: 'worker', runs: 2, code: 0 },
];

for (const { scenario, runs, code } of SCENARIOS) {
  test(`the process ends cleanly with engines still running: ${scenario} ×${runs}`, async (t) => {
    for (let i = 0; i < runs; i++) {
      const r = await runFixture(scenario);
      t.is(r.signal, null, `run ${i}: killed by ${r.signal}\n${r.stderr}`);
      t.is(r.code, code, `run ${i}: exit ${r.code}\n${r.stderr}`);
      if (code === 0) t.regex(r.stdout, /^ended/);
    }
  });
}
