/**
 * The rendezvous server's recent log for `/admin`: every record it logs goes
 * to pino as usual and into a bounded ring (oldest dropped), so an operator
 * sees what happened lately without shell access. Fields are the same
 * key=value fields pino gets (never keys or payloads).
 */
import type { Logger } from '../../core/logger.js';

export interface LogEntry {
  readonly timeMs: number;
  readonly level: 'info' | 'warn' | 'debug';
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export class LogRing {
  private readonly entries: LogEntry[] = [];

  constructor(private readonly log: Logger, private readonly max = 200) {}

  note(level: LogEntry['level'], fields: Record<string, unknown>, msg: string): void {
    this.log[level](fields, msg);
    this.entries.push({ timeMs: Date.now(), level, msg, fields });
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  recent(): readonly LogEntry[] {
    return this.entries;
  }
}
