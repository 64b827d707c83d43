/**
 * The one table that maps codes coming out of native code onto LagoonError
 * codes. Native errors carry `.code`: errno names from the C++ addon
 * (`native/sys/src/errors.cc`), `ERR_NATIVE_*` from the Rust binding
 * (`crates/lagoon-napi/src/errors.rs`), napi-rs statuses (`InvalidArg`) for
 * arguments napi itself could not convert. The original error stays as `cause`.
 */
import { LagoonError, type LagoonErrorCode } from './errors.js';

const NATIVE_CODES: Readonly<Record<string, LagoonErrorCode>> = {
  // Rust binding (crates/lagoon-napi/src/errors.rs)
  ERR_NATIVE_INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  ERR_NATIVE_PANIC: 'ERR_NATIVE_PANIC',
  // napi-rs argument conversion
  InvalidArg: 'ERR_INVALID_ARGUMENT',
  NumberExpected: 'ERR_INVALID_ARGUMENT',
  StringExpected: 'ERR_INVALID_ARGUMENT',
  ObjectExpected: 'ERR_INVALID_ARGUMENT',
  // C++ addon (native/sys/src/errors.cc)
  ERR_INVALID_ARG_TYPE: 'ERR_INVALID_ARGUMENT',
  EPERM: 'ERR_PERMISSION',
  EACCES: 'ERR_PERMISSION',
};

/** The `.code` a native error carried, if any. */
export function nativeCodeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The LagoonError code for a native code (unknown and missing codes: ERR_NATIVE). */
export function lagoonCodeFor(nativeCode: string | undefined): LagoonErrorCode {
  return (nativeCode !== undefined && Object.hasOwn(NATIVE_CODES, nativeCode) ? NATIVE_CODES[nativeCode] : undefined) ?? 'ERR_NATIVE';
}

/** Wraps an error thrown by native function `fn` into a coded LagoonError. */
export function fromNativeError(err: unknown, fn: string): LagoonError {
  if (err instanceof LagoonError) return err;
  const nativeCode = nativeCodeOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  const prefix = nativeCode !== undefined && !detail.startsWith(nativeCode) ? `${nativeCode}: ` : '';
  return new LagoonError(lagoonCodeFor(nativeCode), `${fn}: ${prefix}${detail}`, { cause: err });
}

/** Calls a native function, turning anything it throws into a LagoonError. */
export function callNative<T>(fn: string, call: () => T): T {
  try {
    return call();
  } catch (err) {
    throw fromNativeError(err, fn);
  }
}
