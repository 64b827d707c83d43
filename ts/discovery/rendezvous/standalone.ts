/**
 * Rendezvous-only mode (LAGOON_RENDEZVOUS_ONLY=true, seed 001): a pure
 * presence broker for a dedicated server. The HTTP listener serves the
 * rendezvous, the bootstrap registry, /healthz and /metrics; there is no IRC
 * server and no mesh listener. The node key is still loaded: the registry's
 * dial-backs run the mesh handshake with it.
 */
import { mkdir } from 'node:fs/promises';
import type { LagoonConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { loadOrCreateIdentity, type Identity } from '../../core/identity.js';
import { createRegistry } from '../../core/metrics.js';
import { startHttpServer, sendJson, sendText } from '../../http/server.js';
import { attachPresence, type Presence } from './attach.js';

export interface RendezvousOnlyNode {
  readonly identity: Identity;
  readonly config: LagoonConfig;
  readonly ports: { readonly http: number };
  readonly presence: Presence;
  close(reason?: string): Promise<void>;
}

export async function startRendezvousOnly(config: LagoonConfig, logger: Logger, version: string): Promise<RendezvousOnlyNode> {
  const log = logger.child({ name: 'lagoon:node' });
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const identity = await loadOrCreateIdentity(config.dataDir);
  const http = await startHttpServer({ bind: config.bind, port: config.httpPort, logger });
  const registry = createRegistry();
  let presence: Presence;
  try {
    presence = attachPresence(config, { http, logger, identity, registry });
  } catch (err) {
    await http.close();
    throw err;
  }
  const startedAt = Date.now();
  http.route('GET', '/healthz', (_req, res) => {
    sendJson(res, 200, { status: 'ok', peerId: identity.peerId, version, mode: 'rendezvous-only', uptimeMs: Date.now() - startedAt });
  });
  http.route('GET', '/metrics', async (_req, res) => sendText(res, 200, await registry.metrics(), registry.contentType));
  log.info({ peer: identity.peerId, httpPort: http.port, bind: config.bind, mode: 'rendezvous-only' }, 'listening');

  let closing: Promise<void> | null = null;
  return {
    identity, config, presence,
    ports: { http: http.port },
    close(reason) {
      if (reason) log.info({ reason }, 'shutting down');
      closing ??= presence.close().then(() => http.close());
      return closing;
    },
  };
}
