/**
 * Lagoon's native functions, validated and with coded errors. Binaries are
 * found and loaded lazily, once each, on first use (see native-loader.ts);
 * a failed load is remembered and rethrown.
 */
import { LagoonError } from './errors.js';
import type { CoreBinding, NativeBindings, NativeModuleName, RawCapabilities, SysBinding } from './native-bindings.js';
import { callNative } from './native-errors.js';
import { findPackageRoot, loadNativeFile, locateNative, type NativeSource } from './native-loader.js';

export type { NativeModuleName } from './native-bindings.js';

/** Length of a BLAKE3 digest in bytes. */
export const BLAKE3_LEN = 32;

type Slot<T> = { ok: true; binding: T; path: string; source: NativeSource } | { ok: false; error: LagoonError };

const slots: { [K in NativeModuleName]?: Slot<NativeBindings[K]> } = {};

function load<K extends NativeModuleName>(name: K): Slot<NativeBindings[K]> {
  const cached = slots[name] as Slot<NativeBindings[K]> | undefined;
  if (cached !== undefined) return cached;
  let slot: Slot<NativeBindings[K]>;
  try {
    const location = locateNative(name, { root: findPackageRoot() });
    const binding = loadNativeFile(location.path) as NativeBindings[K];
    slot = { ok: true, binding, path: location.path, source: location.source };
  } catch (err) {
    slot = { ok: false, error: err instanceof LagoonError ? err : new LagoonError('ERR_NATIVE', String(err), { cause: err }) };
  }
  (slots as Record<string, unknown>)[name] = slot;
  return slot;
}

/** The raw binding `name`, loading it on first use; throws ERR_NATIVE_MISSING / ERR_NATIVE. */
export function loadNative<K extends NativeModuleName>(name: K): NativeBindings[K] {
  const slot = load(name);
  if (!slot.ok) throw slot.error;
  return slot.binding;
}

const core = (): CoreBinding => loadNative('core');
const sys = (): SysBinding => loadNative('sys');

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** BLAKE3 hash (32 bytes) of `data`. */
export function blake3(data: Uint8Array): Buffer {
  if (!(data instanceof Uint8Array)) {
    throw LagoonError.invalidArgument(`blake3: data must be a Uint8Array, got ${describe(data)}`);
  }
  return callNative('blake3', () => core().blake3(data));
}

/** What this process may do with sockets here. Not cached: ask again after privileges change. */
export interface Capabilities {
  /** CAP_NET_ADMIN is in the effective capability set. */
  readonly capNetAdmin: boolean;
  /** setsockopt(TCP_REPAIR) worked on a fresh TCP socket. */
  readonly tcpRepair: boolean;
  /** errno name (e.g. 'EPERM') when `tcpRepair` is false. */
  readonly tcpRepairError?: string;
  /** uname release, e.g. '6.18.44'. */
  readonly kernelRelease: string;
}

export function probeCapabilities(): Capabilities {
  const raw: RawCapabilities = callNative('probeCapabilities', () => sys().probeCapabilities());
  const caps: Capabilities = {
    capNetAdmin: raw.capNetAdmin,
    tcpRepair: raw.tcpRepair,
    kernelRelease: raw.kernelRelease,
    ...(raw.tcpRepairError !== undefined ? { tcpRepairError: raw.tcpRepairError } : {}),
  };
  return Object.freeze(caps);
}

export interface NativeModuleInfo {
  readonly loaded: boolean;
  /** Absolute path of the binary that was loaded. */
  readonly path?: string;
  readonly source?: NativeSource;
  /** Why it could not be loaded (message of the LagoonError). */
  readonly error?: string;
}

export interface NativeInfo {
  readonly platform: string;
  readonly arch: string;
  readonly modules: Readonly<Record<NativeModuleName, NativeModuleInfo>>;
  /** Version of the Rust binding crate, when it loaded. */
  readonly coreVersion?: string;
}

function moduleInfo(name: NativeModuleName): NativeModuleInfo {
  const slot = load(name);
  return slot.ok ? { loaded: true, path: slot.path, source: slot.source } : { loaded: false, error: slot.error.message };
}

/** Which native binaries are loaded, and from where. Loads them if needed; never throws for a missing one. */
export function nativeInfo(): NativeInfo {
  const modules = { core: moduleInfo('core'), sys: moduleInfo('sys') };
  const coreSlot = load('core');
  return {
    platform: process.platform,
    arch: process.arch,
    modules,
    ...(coreSlot.ok ? { coreVersion: coreSlot.binding.nativeVersion() } : {}),
  };
}
