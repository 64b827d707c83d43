import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../core/atomic-file.js';
import { isLagoonError } from '../core/errors.js';
import { parseState, type PersistedState } from './snapshot.js';

export const STATE_FILE = 'irc-state.json';
/** Coalesce bursts of changes (a MODE storm) into one write. */
export const SAVE_DEBOUNCE_MS = 500;

/**
 * `<dataDir>/irc-state.json`: loaded once at start, saved debounced after
 * changes and flushed on close. A corrupt file is moved aside, never lost.
 */
export class IrcStateStore {
  readonly file: string;
  private timer: NodeJS.Timeout | null = null;
  private pending: (() => PersistedState) | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string, private readonly log: Logger) {
    this.file = join(dataDir, STATE_FILE);
  }

  async load(): Promise<PersistedState | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return parseState(text);
    } catch (err) {
      if (!isLagoonError(err, 'ERR_STATE_CORRUPT')) throw err;
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.file, aside);
      this.log.error({ file: this.file, movedTo: aside, code: err.code, reason: err.message }, 'irc state file is corrupt; moved aside, starting empty');
      return null;
    }
  }

  /** Save soon; later calls within the debounce window fold into one write. */
  scheduleSave(get: () => PersistedState): void {
    this.pending = get;
    if (this.timer !== null) return;
    this.timer = setTimeout(() => { this.timer = null; void this.writeNow(); }, SAVE_DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Write any pending state now and wait for every write to finish. */
  async flush(): Promise<void> {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    await this.writeNow();
  }

  private writeNow(): Promise<void> {
    const get = this.pending;
    this.pending = null;
    if (get !== null) {
      const data = `${JSON.stringify(get(), null, 2)}\n`;
      this.writing = this.writing.then(() => writeFileAtomic(this.file, data)).catch((err: unknown) => {
        this.log.error({ file: this.file, err: (err as Error).message }, 'irc state save failed');
      });
    }
    return this.writing;
  }
}
