// Finds Node-API headers for node-gyp without downloading anything.
//
// 1. Node's own headers: <dirname(dirname(process.execPath))>/include/node
//    (a distro or official Node install ships them; /usr/include/node here).
// 2. Fallback: the `node-api-headers` npm package (headers only), arranged
//    into a minimal nodedir under target/node-api-nodedir/ with a stub
//    common.gypi, which is all a Node-API addon needs.
//
// The result is passed to node-gyp as --nodedir (via npm_config_nodedir, which
// prebuildify forwards), so ~/.npmrc is never needed.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const STUB_COMMON_GYPI = `# Minimal common.gypi for building Node-API addons against node-api-headers.
{
  'variables': { 'node_shared': 'false', 'node_module_version': '' },
  'target_defaults': {
    'default_configuration': 'Release',
    'configurations': {
      'Debug': { 'defines': ['DEBUG', '_DEBUG'], 'cflags': ['-g', '-O0'] },
      'Release': { 'cflags': ['-O3'] },
    },
    'cflags': ['-fPIC', '-pthread'],
    'ldflags': ['-pthread'],
  },
}
`;

/** Node's own header prefix if it has node_api.h, else undefined. */
export function ownNodedir(execPath = process.execPath) {
  const prefix = dirname(dirname(execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/** Builds a nodedir from the node-api-headers package under `outDir`; undefined if not installed. */
export function nodeApiHeadersNodedir(root, outDir) {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(join(root, 'package.json')).resolve('node-api-headers/package.json'));
  } catch {
    return undefined;
  }
  const includeOut = join(outDir, 'include', 'node');
  mkdirSync(includeOut, { recursive: true });
  for (const file of readdirSync(join(pkgDir, 'include'))) {
    if (file.endsWith('.h')) copyFileSync(join(pkgDir, 'include', file), join(includeOut, file));
  }
  writeFileSync(join(includeOut, 'common.gypi'), STUB_COMMON_GYPI);
  writeFileSync(join(includeOut, 'config.gypi'), "# Stub: no Node build configuration.\n{ 'variables': {} }\n");
  return outDir;
}

/** { dir, how } for node-gyp's --nodedir, or throws with what to install. */
export function resolveNodedir(root, { forceHeadersPackage = false } = {}) {
  const own = forceHeadersPackage ? undefined : ownNodedir();
  if (own !== undefined) return { dir: own, how: `Node's own headers in ${join(own, 'include', 'node')}` };
  const synthetic = nodeApiHeadersNodedir(root, join(root, 'target', 'node-api-nodedir'));
  if (synthetic !== undefined) return { dir: synthetic, how: 'the node-api-headers npm package' };
  throw new Error(
    `no Node-API headers: neither ${join(dirname(dirname(process.execPath)), 'include', 'node', 'node_api.h')} ` +
      'nor the node-api-headers package (npm install --save-dev node-api-headers) is present',
  );
}
