/**
 * The one timer of a sans-IO machine's driver: after every input the driver
 * re-arms it at the machine's `nextTimeout()` (monotonic ms, the
 * `performance.now()` clock). Unref'd, so an idle machine never keeps the
 * process alive.
 */
import { performance } from 'node:perf_hooks';

export class DriverTimer {
  #timer: NodeJS.Timeout | undefined;

  /** Replace any armed timer with one firing `fire` at `at`; `undefined` just disarms. */
  arm(at: number | undefined, fire: () => void): void {
    this.clear();
    if (at === undefined) return;
    this.#timer = setTimeout(() => { this.#timer = undefined; fire(); }, Math.max(0, at - performance.now()));
    this.#timer.unref?.();
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
