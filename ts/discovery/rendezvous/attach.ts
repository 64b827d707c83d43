/**
 * What the node mounts on its HTTP listener for presence and discovery: the
 * rendezvous server, the bootstrap registry, and (when LAGOON_RENDEZVOUS_URL
 * or LAGOON_RENDEZVOUS_WAN is set) the client that publishes this node's
 * signed presence and follows those servers. Used by the full node and by
 * rendezvous-only mode alike.
 */
import type { LagoonConfig } from '../../core/config.js';
import type { Identity } from '../../core/identity.js';
import type { Logger } from '../../core/logger.js';
import { counterFrom, gaugeFrom, type Registry } from '../../core/metrics.js';
import type { HttpServer } from '../../http/server.js';
import { advertisedAddresses } from '../peer-cache/advertise.js';
import { registryFromConfig, type RegistryService } from '../registry/index.js';
import { rendezvousFromConfig } from './index.js';
import { RendezvousClient } from './client.js';
import type { Rendezvous } from './service.js';

export interface Presence {
  readonly rendezvous: Rendezvous;
  readonly registry: RegistryService;
  readonly client: RendezvousClient | null;
  close(): Promise<void>;
}

export function attachPresence(config: LagoonConfig, deps: {
  http: HttpServer;
  logger: Logger;
  identity: Identity;
  registry?: Registry;
  meshLinks?: () => ReadonlyArray<{ peerId: string; remoteAddress: string; direction: string }>;
  /** Our mesh port, when there is a mesh (published only with LAGOON_BROADCAST). */
  meshPort?: number;
}): Presence {
  const rendezvous = rendezvousFromConfig(config, deps);
  const registry = registryFromConfig(config, deps);
  if (deps.registry) {
    const r = deps.registry;
    const c = registry.table.counters;
    gaugeFrom(r, 'lagoon_registry_entries', 'Bootstrap registrations listed.', () => registry.table.size);
    counterFrom(r, 'lagoon_registry_listed_total', 'Bootstrap registrations listed after a dial-back.', () => c.listed);
    counterFrom(r, 'lagoon_registry_refused_total', 'Registry requests refused as forged, stale, replayed or busy.', () => c.forged + c.stale + c.replayed + c.busy);
    counterFrom(r, 'lagoon_registry_dial_back_failures_total', 'Addresses whose dial-back failed (not listed).', () => registry.dialBackFailures);
  }
  const urls = [config.rendezvousUrl, config.rendezvousWan].filter((u): u is string => u !== null);
  let client: RendezvousClient | null = null;
  if (urls.length > 0) {
    const addrs = config.broadcast && deps.meshPort !== undefined ? advertisedAddresses(config.bind, deps.meshPort) : [];
    client = new RendezvousClient({
      identity: deps.identity, urls, heartbeatMs: config.rendezvousHeartbeatMs,
      content: config.nodeName, addrs: () => addrs, logger: deps.logger,
    });
    client.start();
  }
  return {
    rendezvous, registry, client,
    async close() {
      await client?.close();
      registry.close();
      rendezvous.close();
    },
  };
}
