#!/usr/bin/env node
/**
 * `lagoon` command line.
 *   lagoon start [--flag value …]   run a node (settings: `lagoon config`)
 *   lagoon config                   print every setting with its default
 *   lagoon id [--data-dir DIR]      print this node's peer_id (creating the key if needed)
 *   lagoon status                   ask the running node (its HTTP port) for its mesh links
 *   lagoon --version
 * Exit codes: 0 ok, 1 runtime failure, 2 bad configuration or usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CONFIG_FIELDS, configTableMarkdown } from './core/config-schema.js';
import { loadConfig, type LagoonConfig } from './core/config.js';
import { createLogger } from './core/logger.js';
import { isLagoonError, LagoonError } from './core/errors.js';
import { loadOrCreateIdentity } from './core/identity.js';
import { startNode, VERSION } from './node.js';
import { startRendezvousOnly } from './discovery/rendezvous/standalone.js';

const USAGE = `Usage: lagoon <command> [options]

Commands:
  start     run a Lagoon node (IRC server, HTTP health and metrics)
  config    list every setting: environment variable, flag, default, meaning
  id        print this node's peer_id
  status    show the running node's mesh: peer_id, mesh port, links (from GET /api/mesh)
  version   print the version (also --version)

Options for start and id: --config FILE (JSON), and one --<flag> per setting
(see \`lagoon config\`). Precedence: defaults < config file < LAGOON_* environment < flags.
`;

function parseFlags(argv: string[]): { flags: Record<string, string | boolean>; configFile: string | null } {
  const options: NonNullable<ParseArgsConfig['options']> = { config: { type: 'string' } };
  for (const f of CONFIG_FIELDS) options[f.flag] = { type: f.type === 'bool' ? 'boolean' : 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw LagoonError.config(`${(err as Error).message.replace(/\. To specify.*$/s, '')} (see \`lagoon config\`)`);
  }
  const { config, ...rest } = parsed.values as Record<string, string | boolean | undefined>;
  const flags: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) flags[k] = v;
  return { flags, configFile: typeof config === 'string' ? config : null };
}

function configFrom(argv: string[]): LagoonConfig {
  const { flags, configFile } = parseFlags(argv);
  return loadConfig({ env: process.env, file: configFile, flags });
}

async function start(argv: string[]): Promise<void> {
  const config = configFrom(argv);
  const logger = createLogger({ level: config.logLevel });
  const host = config.bind.includes(':') ? `[${config.bind}]` : config.bind;
  if (config.rendezvousOnly) {
    const rv = await startRendezvousOnly(config, logger, VERSION);
    process.stderr.write(`Lagoon ${VERSION} — rendezvous only (no IRC, no mesh)\n  peer_id   ${rv.identity.peerId}\n` +
      `  HTTP      http://${host}:${rv.ports.http}/  /events  /publish  /admin  /api/bootstrap/*  /healthz  /metrics\n`);
    return handleSignals(rv, logger);
  }
  const node = await startNode(config, logger);
  process.stderr.write(
    `Lagoon ${VERSION} — node ${config.nodeName}, server ${config.serverName}\n` +
      `  peer_id   ${node.identity.peerId}\n` +
      `  IRC       ${host}:${node.ports.irc}` +
      (node.ports.ircTls !== null ? `, TLS ${host}:${node.ports.ircTls} (sha256 ${node.tlsFingerprint256})` : '') + '\n' +
      `  mesh      ${host}:${node.ports.mesh}` + (config.peers.length > 0 ? `, joining via ${config.peers.map((p) => `${p.host}:${p.port}`).join(', ')}` : ' (waiting for peers)') + '\n' +
      `  HTTP      http://${host}:${node.ports.http}/healthz  /metrics  /api/mesh\n` +
      `  data      ${config.dataDir}\n`,
  );
  handleSignals(node, logger);
}

function handleSignals(node: { close(reason?: string): Promise<void> }, logger: ReturnType<typeof createLogger>): void {
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(`lagoon: second ${signal}, exiting without a clean shutdown\n`);
      process.exit(1);
    }
    node.close(`received ${signal}`).then(
      () => {
        logger.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`lagoon: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** `lagoon status`: the running node's view of the mesh, from its HTTP port. */
async function status(argv: string[]): Promise<void> {
  const config = configFrom(argv);
  const host = config.bind === '0.0.0.0' ? '127.0.0.1' : config.bind === '::' ? '::1' : config.bind;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.httpPort}/api/mesh`;
  let body: {
    peerId: string; port: number;
    links: Array<{ peerId: string; nodeName: string; siteName: string; kind: string; direction: string; remoteAddress: string }>;
    spiral?: { slot: number | null; neighbours: string[]; records: number; meshed?: boolean; meshedAfterMs?: number | null; machineErrors?: number; rttMs?: Record<string, number> };
  };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw new LagoonError('ERR_LISTEN', `no node answering at ${url} (${(err as Error).message}); is \`lagoon start\` running with the same settings?`);
  }
  const lines = [`peer_id   ${body.peerId}`, `mesh port ${body.port}`];
  if (body.spiral !== undefined) {
    lines.push(`slot      ${body.spiral.slot ?? '(joining)'}`, `neighbours ${body.spiral.neighbours.length} (SPIRAL), records ${body.spiral.records}`);
    if (body.spiral.meshed !== undefined) lines.push(`meshed    ${body.spiral.meshed ? 'yes' : 'no'}${typeof body.spiral.meshedAfterMs === 'number' ? ` (first ${body.spiral.meshedAfterMs} ms after start)` : ''}`);
    if ((body.spiral.machineErrors ?? 0) > 0) lines.push(`errors    ${body.spiral.machineErrors} inputs the mesh machine threw on (a bug: see the node's log)`);
  }
  lines.push(`links     ${body.links.length}`);
  for (const l of body.links) {
    const rtt = body.spiral?.rttMs?.[l.peerId];
    lines.push(`  ${l.peerId}  ${l.nodeName} (${l.siteName})  ${l.kind} ${l.direction} ${l.remoteAddress}${rtt === undefined ? '' : `  rtt ${rtt} ms`}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'config':
      process.stdout.write(configTableMarkdown() + '\n');
      return;
    case 'id': {
      const config = configFrom(rest);
      process.stdout.write((await loadOrCreateIdentity(config.dataDir)).peerId + '\n');
      return;
    }
    case 'status':
      return status(rest);
    case 'version':
    case '--version':
    case '-v':
      process.stdout.write(VERSION + '\n');
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`lagoon: unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (isLagoonError(err, 'ERR_CONFIG')) {
    process.stderr.write(`lagoon: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`lagoon: ${isLagoonError(err) ? err.message : (err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
