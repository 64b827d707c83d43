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
  | { kind: 'resumeInput'; client: ClientId }
  /** Hand a federation operation to the federation driver (see fed-home.ts / fed-host.ts). */
  | { kind: 'federate'; op: IrcFedOp };

/** What a user on this server wants from another server, as its home server sends it. */
export interface VisitorIdentity { nick: string; user: string; realname: string; caps: string[] }

/**
 * Federation operations the IRC machine emits. Home side (our users visiting
 * elsewhere): `command`, `nick`, `leave`. Host side (visitors in our rooms):
 * `opened`, `closed`, `deliver`, addressed by the visitor's origin link
 * `peerId` and its home-chosen `vid`. Operator: `defederate`, `refederate`.
 */
export type IrcFedOp =
  | { t: 'command'; server: string; client: ClientId; identity: VisitorIdentity; line: string }
  | { t: 'nick'; client: ClientId; nick: string }
  | { t: 'leave'; client: ClientId; reason: string }
  | { t: 'opened'; peerId: string; vid: number }
  | { t: 'closed'; peerId: string; vid: number; reason: string }
  | { t: 'deliver'; peerId: string; to: number[]; line: string }
  | { t: 'defederate'; server: string | null; client: ClientId }
  | { t: 'refederate'; server: string; client: ClientId };

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

/** Federation events fed into the IRC machine (`IrcMachine.federation`). */
export type IrcFedInput =
  // home side: our users' visits
  | { kind: 'deliver'; server: string; to: number[]; line: string }
  | { kind: 'failed'; server: string; vid: number; line: string | null; fail: string; text: string }
  | { kind: 'ended'; server: string; vid: number; reason: string }
  // host side: visitors in our rooms
  | { kind: 'open'; origin: { server: string; peerId: string }; vid: number; info: VisitorIdentity }
  | { kind: 'line'; origin: { server: string; peerId: string }; vid: number; line: string }
  | { kind: 'nick'; origin: { server: string; peerId: string }; vid: number; nick: string }
  | { kind: 'close'; origin: { server: string; peerId: string }; vid: number; reason: string }
  | { kind: 'gone'; origin: { server: string; peerId: string }; reason: string }
  // operator feedback
  | { kind: 'notice'; client: number; text: string };
