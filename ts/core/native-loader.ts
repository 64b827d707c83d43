/**
 * Finds and loads Lagoon's native binaries. Pure lookup (`locateNative`) is
 * separate from loading so it can be tested against any directory.
 *
 * Search order for each binary, relative to the package root (the nearest
 * directory above this file whose package.json is named `lagoon-mesh`, which
 * is the repo root from `ts/` and `dist/`, and the installed package inside
 * node_modules):
 *   1. `prebuilds/<platform>-<arch>/<file>` (shipped in the npm package)
 *   2. local build outputs (cargo via `napi build`, node-gyp)
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LagoonError } from './errors.js';
import type { NativeModuleName } from './native-bindings.js';

export const PACKAGE_NAME = 'lagoon-mesh';

export type NativeSource = 'prebuild' | 'local-build';

export interface NativeLocation {
  readonly path: string;
  readonly source: NativeSource;
}

interface NativeSpec {
  /** File name inside `prebuilds/<platform>-<arch>/`. */
  readonly prebuild: string;
  /** Local build outputs, relative to the package root, best first. */
  readonly localBuilds: (platform: string) => readonly string[];
  /** What it is built from, for error messages. */
  readonly source: string;
  readonly needs: string;
}

function cdylibName(crate: string, platform: string): string {
  if (platform === 'win32') return `${crate}.dll`;
  return platform === 'darwin' ? `lib${crate}.dylib` : `lib${crate}.so`;
}

const SPECS: Readonly<Record<NativeModuleName, NativeSpec>> = {
  core: {
    prebuild: 'lagoon-core.node',
    localBuilds: (platform) => ['target/napi/lagoon-core.node', `target/release/${cdylibName('lagoon_napi', platform)}`],
    source: 'the Rust binding crates/lagoon-napi',
    needs: 'cargo (Rust toolchain)',
  },
  sys: {
    prebuild: 'lagoon-sys.node',
    localBuilds: () => ['native/sys/build/Release/lagoon_sys.node'],
    source: 'the C++ addon native/sys',
    needs: 'a C++ compiler, make and python3 (node-gyp)',
  },
};

export interface LocateOptions {
  root: string;
  platform?: string;
  arch?: string;
  exists?: (path: string) => boolean;
}

/** Where binary `name` is, or a LagoonError('ERR_NATIVE_MISSING') naming what to build. */
export function locateNative(name: NativeModuleName, options: LocateOptions): NativeLocation {
  const { root, platform = process.platform, arch = process.arch, exists = existsSync } = options;
  const spec = SPECS[name];
  const prebuild = join(root, 'prebuilds', `${platform}-${arch}`, spec.prebuild);
  if (exists(prebuild)) return { path: prebuild, source: 'prebuild' };
  const locals = spec.localBuilds(platform).map((rel) => join(root, rel));
  const local = locals.find((path) => exists(path));
  if (local !== undefined) return { path: local, source: 'local-build' };
  throw new LagoonError(
    'ERR_NATIVE_MISSING',
    `no native binary '${name}' for ${platform}-${arch}: missing ${prebuild} ` +
      `(also looked for ${locals.join(', ')}). Build ${spec.source} with \`npm run build\` ` +
      `in the lagoon-mesh source tree (needs ${spec.needs}).`,
  );
}

/** The nearest directory at or above `from` whose package.json is lagoon-mesh's. */
export function findPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new LagoonError('ERR_NATIVE_MISSING', `cannot find the ${PACKAGE_NAME} package root above ${from}`);
}

function readPackageName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

const requireNative = createRequire(import.meta.url);

/** Loads a native binary: `.node` through require, a raw cdylib through process.dlopen. */
export function loadNativeFile(path: string): unknown {
  try {
    if (path.endsWith('.node')) return requireNative(path) as unknown;
    const module = { exports: {} as unknown };
    process.dlopen(module, path);
    return module.exports;
  } catch (err) {
    throw new LagoonError('ERR_NATIVE', `failed to load native binary ${path}: ${(err as Error).message}`, { cause: err });
  }
}
