import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Human-readable output; defaults to true when stdout is a terminal. */
  pretty?: boolean;
  /** Where JSON lines go when not pretty; defaults to stdout. */
  destination?: NodeJS.WritableStream;
}

/**
 * The root logger. Components take `root.child({ name: 'lagoon:<component>' })`;
 * the root itself carries no `name`, or every record would hold the key twice.
 * Fields are key=value (peer=, code=, client=); never keys or payloads.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  if (options.destination) return pino({ level }, options.destination);
  return pino({ level });
}

/** A logger that discards everything, for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
