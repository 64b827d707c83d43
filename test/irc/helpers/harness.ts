import { DEFAULT_IRC_LIMITS, type IrcLimits } from '../../../ts/irc/limits.js';
import { IrcMachine, type IrcMachineOptions } from '../../../ts/irc/machine.js';
import type { IrcAction } from '../../../ts/irc/actions.js';

/**
 * Drives an IrcMachine with explicit time and records what each client would
 * have received. No sockets, no timers.
 */
export class Harness {
  readonly m: IrcMachine;
  now = 0;
  wall = Date.UTC(2026, 0, 1);
  readonly inbox = new Map<number, string[]>();
  readonly closed = new Map<number, string>();
  stateChanges = 0;
  /** Clients whose input the driver would have paused (flood back-pressure). */
  readonly paused = new Set<number>();
  /** Every send action, to check fan-out grouping. */
  readonly sends: { to: readonly number[]; line: string }[] = [];

  constructor(opts: Partial<Omit<IrcMachineOptions, 'limits'>> & { limits?: Partial<IrcLimits> } = {}) {
    this.m = new IrcMachine({
      serverName: 'irc.test', networkName: 'TestNet', version: 'lagoon-test', motd: ['hello'],
      operPassword: null, password: null, wallClock: () => this.wall,
      ...opts,
      limits: { ...DEFAULT_IRC_LIMITS, ...opts.limits },
    });
  }

  apply(actions: IrcAction[]): void {
    for (const a of actions) {
      if (a.kind === 'send') {
        this.sends.push(a);
        for (const id of a.to) {
          const box = this.inbox.get(id) ?? [];
          box.push(a.line);
          this.inbox.set(id, box);
        }
      } else if (a.kind === 'close') {
        this.closed.set(a.client, a.reason);
      } else if (a.kind === 'pauseInput') {
        this.paused.add(a.client);
      } else if (a.kind === 'resumeInput') {
        this.paused.delete(a.client);
      } else {
        this.stateChanges++;
      }
    }
  }

  connect(id: number, remoteAddress = '10.0.0.1', tls = false): void {
    this.apply(this.m.connect(id, { remoteAddress, tls }, this.now));
  }

  send(id: number, ...lines: string[]): void {
    for (const l of lines) this.apply(this.m.line(id, l, this.now));
  }

  /** Connect and register; clears the welcome burst from the inbox. */
  register(id: number, nick: string, caps: string[] = [], ip = '10.0.0.1'): void {
    this.connect(id, ip);
    if (caps.length > 0) this.send(id, 'CAP LS 302', `CAP REQ :${caps.join(' ')}`);
    this.send(id, `NICK ${nick}`, `USER ${nick} 0 * :${nick} real`);
    if (caps.length > 0) this.send(id, 'CAP END');
    this.take(id);
  }

  /** Lines received since the last take. */
  take(id: number): string[] {
    const box = this.inbox.get(id) ?? [];
    this.inbox.set(id, []);
    return box;
  }

  advance(ms: number): void {
    this.now += ms;
    this.wall += ms;
    this.apply(this.m.handleTimeout(this.now));
  }

  /** Numerics (3-digit command) in a list of lines. */
  static numerics(lines: string[]): string[] {
    return lines.map((l) => l.replace(/^@\S+ /, '').split(' ')[1] ?? '').filter((c) => /^\d{3}$/.test(c));
  }
}
