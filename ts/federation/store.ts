/**
 * `<dataDir>/federation.json`: the operator's DEFEDERATE list and the site
 * keys pinned on first visit. Written at once on every change (they are
 * rare, and a defederation must survive a crash right after it); a corrupt
 * file is moved aside (never lost) and logged as an error.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { isLagoonError } from '../core/errors.js';
import { emptyState, parseState, type FederationState } from './trust.js';

export const FEDERATION_STATE_FILE = 'federation.json';

export class FederationStore {
  readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string, private readonly log: Logger) {
    this.file = join(dataDir, FEDERATION_STATE_FILE);
  }

  async load(): Promise<FederationState> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw err;
    }
    try {
      let raw: unknown;
      try { raw = JSON.parse(text); } catch { raw = null; }
      return parseState(raw);
    } catch (err) {
      if (!isLagoonError(err, 'ERR_STATE_CORRUPT')) throw err;
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.file, aside);
      this.log.error({ file: this.file, movedTo: aside }, 'federation state file is corrupt; moved aside, starting with no pins and no DEFEDERATE list');
      return emptyState();
    }
  }

  /** Queue a write of `state` as it is now; resolves when it (and earlier ones) are on disk. */
  save(state: FederationState): Promise<void> {
    const data = `${JSON.stringify({ denied: state.denied, pins: state.pins }, null, 2)}\n`;
    this.writing = this.writing.then(() => writeFileAtomic(this.file, data)).catch((err: unknown) => {
      this.log.error({ file: this.file, err: (err as Error).message }, 'federation state save failed');
    });
    return this.writing;
  }

  flush(): Promise<void> { return this.writing; }
}
