import type { Client } from '../client.js';
import type { IrcMachine } from '../machine.js';
import type { IrcMessage } from '../parser.js';

export interface CommandSpec {
  /** Params required; fewer gets 461 before `run` is called. */
  minParams: number;
  /** Allowed before registration completes (else 451). */
  preRegistration?: boolean;
  run(m: IrcMachine, c: Client, msg: IrcMessage, now: number): void;
}

/** Split a comma list, dropping empty items, capped so one line can't fan out without bound. */
export function commaList(param: string, max: number): string[] {
  const items = param.split(',').filter((s) => s !== '');
  return items.length > max ? items.slice(0, max) : items;
}
