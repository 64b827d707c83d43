/**
 * Shapes of the raw native bindings, one-to-one with what the binaries export.
 * Only `native.ts` (and sibling `native-*.ts` wrappers) call these directly;
 * everything else uses the validated wrappers.
 *
 * Adding a Rust binding (e.g. the VDF): add the functions to `CoreBinding`
 * here, and a wrapper in `native.ts` or a sibling `native-<name>.ts` that
 * validates arguments and calls through `callNative` from `native-errors.ts`.
 */

/** `prebuilds/<platform>-<arch>/lagoon-core.node`, built from crates/lagoon-napi. */
export interface CoreBinding {
  blake3(data: Uint8Array): Buffer;
  nativeVersion(): string;
  /** Test hook: panics inside Rust; must surface as a coded error. */
  _testPanic(message: string): void;
}

/** Raw result of the C++ capability probe. */
export interface RawCapabilities {
  capNetAdmin: boolean;
  tcpRepair: boolean;
  tcpRepairError?: string;
  kernelRelease: string;
}

/** `prebuilds/<platform>-<arch>/lagoon-sys.node`, built from native/sys. */
export interface SysBinding {
  probeCapabilities(): RawCapabilities;
  /** Test hook: throws the coded error for an errno value. */
  _testThrowErrno(errno: number): never;
}

export interface NativeBindings {
  core: CoreBinding;
  sys: SysBinding;
}

export type NativeModuleName = keyof NativeBindings;
