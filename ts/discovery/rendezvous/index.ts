/**
 * Rendezvous server and client (seed 001). `rendezvousFromConfig` is what
 * the node calls: it picks the backend (memory, or SQLite with LAGOON_PEER_DB)
 * and mounts the routes on the node's HTTP listener.
 */
import type { LagoonConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { Registry } from '../../core/metrics.js';
import type { HttpServer } from '../../http/server.js';
import { PresenceStore, type StoreLimits } from './presence-store.js';
import { SqlitePresenceStore } from './sqlite-store.js';
import { Rendezvous } from './service.js';

export { Rendezvous } from './service.js';
export { PresenceStore, decidePublish, type PresenceBackend, type PresenceEvent, type PresenceRecord } from './presence-store.js';
export { SqlitePresenceStore } from './sqlite-store.js';
export { RendezvousClient, type RendezvousClientOptions } from './client.js';

/** ±30 s, the clock skew seed 004 allows on signed records. */
export const PRESENCE_MAX_SKEW_MS = 30_000;

export type RendezvousConfig = Pick<LagoonConfig,
  'rendezvousTtlMs' | 'rendezvousKeepAliveMs' | 'rendezvousMaxPeers' | 'rendezvousMaxSubscribers' | 'rendezvousMaxSubscribersPerIp' |
  'rendezvousPublishRatePerIp' | 'rendezvousPublishBurstPerIp' | 'rendezvousSyncPollMs' | 'peerDb' | 'adminPassword'>;

export function rendezvousFromConfig(config: RendezvousConfig, deps: {
  http: HttpServer;
  logger: Logger;
  registry?: Registry;
  meshLinks?: () => ReadonlyArray<{ peerId: string; remoteAddress: string; direction: string }>;
}): Rendezvous {
  const limits: StoreLimits = { ttlMs: config.rendezvousTtlMs, maxPeers: config.rendezvousMaxPeers, maxSkewMs: PRESENCE_MAX_SKEW_MS };
  const backend = config.peerDb !== null ? new SqlitePresenceStore(config.peerDb, limits) : new PresenceStore(limits);
  return new Rendezvous({
    http: deps.http,
    backend,
    logger: deps.logger,
    ttlMs: config.rendezvousTtlMs,
    keepAliveMs: config.rendezvousKeepAliveMs,
    maxSubscribers: config.rendezvousMaxSubscribers,
    maxSubscribersPerIp: config.rendezvousMaxSubscribersPerIp,
    publishRatePerIp: config.rendezvousPublishRatePerIp,
    publishBurstPerIp: config.rendezvousPublishBurstPerIp,
    adminPassword: config.adminPassword,
    syncPollMs: config.rendezvousSyncPollMs,
    ...(deps.registry ? { registry: deps.registry } : {}),
    ...(deps.meshLinks ? { meshLinks: deps.meshLinks } : {}),
  });
}
