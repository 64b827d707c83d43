import type { ClientId } from './client.js';

/**
 * What the machine asks its driver to do, in order:
 * - `send`: write `line` + CRLF to every client in `to` (encode once, write many);
 * - `close`: end that client's socket after its queued lines; it is already forgotten
 *   by the machine, so the driver must not report it back with `disconnected`;
 * - `stateChanged`: persistent state changed; the driver schedules a save;
 * - `pauseInput` / `resumeInput`: the client is over its flood rate; stop
 *   reading its socket until its backlog has drained, so a flooder meets TCP
 *   back-pressure instead of costing us the CPU to read and parse its lines.
 */
export type IrcAction =
  | { kind: 'send'; to: readonly ClientId[]; line: string }
  | { kind: 'close'; client: ClientId; reason: string }
  | { kind: 'stateChanged' }
  | { kind: 'pauseInput'; client: ClientId }
  | { kind: 'resumeInput'; client: ClientId };

/** Plain counters; the driver exports them as metrics. */
export interface IrcCounters {
  messagesIn: number;
  messagesOut: number;
  floodDisconnects: number;
  pingTimeouts: number;
  registrationTimeouts: number;
  rejectedConnections: number;
  inputTooLong: number;
  unknownCommands: number;
}

export function emptyCounters(): IrcCounters {
  return {
    messagesIn: 0, messagesOut: 0, floodDisconnects: 0, pingTimeouts: 0, registrationTimeouts: 0,
    rejectedConnections: 0, inputTooLong: 0, unknownCommands: 0,
  };
}
