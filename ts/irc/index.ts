import type { Logger } from 'pino';
import { LagoonError } from '../core/errors.js';
import { IrcDriver } from './listener.js';
import { DEFAULT_IRC_LIMITS, type IrcLimits } from './limits.js';
import { IrcMachine } from './machine.js';
import type { IrcFedInput, IrcFedOp } from './actions.js';
import type { IrcFederationOptions } from './fed-host.js';
import { restore, snapshot } from './snapshot.js';
import { IrcStateStore } from './store.js';

export { DEFAULT_IRC_LIMITS, type IrcLimits } from './limits.js';
export { IrcMachine, type IrcMachineOptions } from './machine.js';
export type { IrcAction, IrcCounters, IrcFedInput, IrcFedOp } from './actions.js';
export type { IrcFederationOptions } from './fed-host.js';
export { parseChannelName, type ChannelRef } from './names.js';

export interface IrcServerOptions {
  serverName: string;
  networkName: string;
  bind: string;
  port: number;
  tlsPort: number | null;
  tls: { cert: string; key: string } | null;
  /** Where irc-state.json lives; null disables persistence. */
  dataDir: string | null;
  limits: IrcLimits;
  motd: string[];
  operPassword: string | null;
  /** Server password clients must send with PASS; null (default) = none. */
  password?: string | null;
  version: string;
  logger: Logger;
  /** Federation (`#room:server` visits); null or absent: refused with 403. */
  federation?: IrcFederationOptions | null;
}

export interface IrcServerStats {
  clients: number;
  channels: number;
  messagesIn: number;
  messagesOut: number;
  floodDisconnects: number;
  sendQDisconnects: number;
  pingTimeouts: number;
  registrationTimeouts: number;
  rejectedConnections: number;
  inputTooLong: number;
  unknownCommands: number;
  bytesIn: number;
  bytesOut: number;
}

export interface IrcServer {
  readonly ports: { plain: number; tls: number | null };
  stats(): IrcServerStats;
  /** The narrow interface the federation driver uses: it receives the machine's federation ops and feeds events back. */
  readonly federation: { setSink(sink: (op: IrcFedOp) => void): void; input(evs: readonly IrcFedInput[]): void };
  /** QUIT/ERROR to every client, stop listening, flush state. Idempotent. */
  close(reason?: string): Promise<void>;
}

function validate(opts: IrcServerOptions): void {
  for (const [k, v] of Object.entries(opts.limits)) {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw LagoonError.config(`irc limits.${k} must be a non-negative number`);
  }
  const l = opts.limits;
  if (l.floodBurstLines < 1 || l.floodLinesPerSecond <= 0) throw LagoonError.config('irc flood limits must allow at least one line');
  if (l.nickLength < 1 || l.channelLength < 2 || l.sendQBytes < 1024) throw LagoonError.config('irc limits too small (nickLength ≥1, channelLength ≥2, sendQBytes ≥1024)');
  if (opts.tlsPort !== null && opts.tls === null) throw LagoonError.config('irc tlsPort needs tls cert and key');
}

export async function startIrcServer(opts: IrcServerOptions): Promise<IrcServer> {
  validate(opts);
  const log = opts.logger.child({ name: 'lagoon:irc' });
  const limits = Object.freeze({ ...DEFAULT_IRC_LIMITS, ...opts.limits });
  const machine = new IrcMachine({
    serverName: opts.serverName, networkName: opts.networkName, version: opts.version, motd: opts.motd,
    operPassword: opts.operPassword, password: opts.password ?? null, limits, wallClock: Date.now,
    federation: opts.federation ?? null,
  });
  let fedSink: ((op: IrcFedOp) => void) | null = null;
  const store = opts.dataDir === null ? null : new IrcStateStore(opts.dataDir, log);
  const state = store === null ? null : await store.load();
  if (state !== null) restore(machine, state);
  const driver = new IrcDriver(machine, {
    bind: opts.bind, port: opts.port, tlsPort: opts.tlsPort, tls: opts.tls, sendQBytes: limits.sendQBytes, logger: log,
    onStateChanged: () => store?.scheduleSave(() => snapshot(machine)),
    onFederate: (op) => fedSink?.(op),
  });
  try {
    await driver.listen();
  } catch (err) {
    await driver.close('startup failed'); // e.g. plain bound but TLS port taken: release what we hold
    throw err;
  }
  log.info({ plain: driver.ports.plain, tls: driver.ports.tls, restoredChannels: state?.channels.length ?? 0 }, 'irc listening');
  let closing: Promise<void> | null = null;
  return {
    ports: driver.ports,
    federation: {
      setSink: (sink) => { fedSink = sink; },
      // One driver turn for a whole batch (an envelope's messages): the relayed hot path.
      input: (evs) => driver.run(() => {
        const now = driver.now();
        if (evs.length === 1) return machine.federation(evs[0]!, now);
        const out = [];
        for (const ev of evs) out.push(...machine.federation(ev, now));
        return out;
      }, null),
    },
    stats: () => {
      const c = machine.counters;
      const d = driver.counters;
      return {
        clients: machine.clientCount, channels: machine.channelCount, messagesIn: c.messagesIn, messagesOut: c.messagesOut,
        floodDisconnects: c.floodDisconnects, sendQDisconnects: d.sendQDisconnects, pingTimeouts: c.pingTimeouts,
        registrationTimeouts: c.registrationTimeouts, rejectedConnections: c.rejectedConnections,
        inputTooLong: c.inputTooLong, unknownCommands: c.unknownCommands, bytesIn: d.bytesIn, bytesOut: d.bytesOut,
      };
    },
    close: (reason = 'Server shutting down') => (closing ??= (async () => {
      await driver.close(reason);
      if (store !== null) {
        store.scheduleSave(() => snapshot(machine));
        await store.flush();
      }
      log.info({}, 'irc closed');
    })()),
  };
}
