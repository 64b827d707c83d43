/**
 * One error class for the whole project. Callers branch on `code`, never on
 * message text; the message always starts with the code so logs stay greppable.
 * `origin` separates faults a remote peer caused (bad frames, forged records)
 * from local ones (bad config, API misuse, I/O).
 */
export type LagoonErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_IDENTITY_CORRUPT'
  | 'ERR_IDENTITY_IO'
  | 'ERR_NATIVE_MISSING'
  | 'ERR_NATIVE'
  | 'ERR_NATIVE_PANIC'
  | 'ERR_PERMISSION'
  | 'ERR_STATE_CORRUPT'
  | 'ERR_LISTEN'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_CLOSED'
  | 'ERR_PROTOCOL'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_SELF'
  | 'ERR_LINK_CLOSED';

export type ErrorOrigin = 'local' | 'peer';

export class LagoonError extends Error {
  readonly code: LagoonErrorCode;
  readonly origin: ErrorOrigin;

  constructor(code: LagoonErrorCode, message: string, options: { cause?: unknown; origin?: ErrorOrigin } = {}) {
    super(`${code}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LagoonError';
    this.code = code;
    this.origin = options.origin ?? 'local';
  }

  static config(message: string): LagoonError {
    return new LagoonError('ERR_CONFIG', message);
  }

  static invalidArgument(message: string): LagoonError {
    return new LagoonError('ERR_INVALID_ARGUMENT', message);
  }

  static protocol(message: string, cause?: unknown): LagoonError {
    return new LagoonError('ERR_PROTOCOL', message, { cause, origin: 'peer' });
  }
}

export function isLagoonError(err: unknown, code?: LagoonErrorCode): err is LagoonError {
  return err instanceof LagoonError && (code === undefined || err.code === code);
}
