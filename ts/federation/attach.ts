/**
 * Assemble federation on a node from its config: site key, trust and deny
 * lists, persisted state, and the driver between the IRC server and the
 * mesh. `ts/node.ts` calls `federationIrcOptions` when it starts IRC and
 * `attachFederation` once the mesh is up.
 */
import { join } from 'node:path';
import type { LagoonConfig } from '../core/config.js';
import type { Identity } from '../core/identity.js';
import type { Logger } from '../core/logger.js';
import type { IrcFederationOptions, IrcServer } from '../irc/index.js';
import type { MeshService } from '../mesh/service.js';
import { FederationService } from './service.js';
import { loadOrCreateSiteKey } from './site-record.js';
import { FederationStore } from './store.js';
import { parseServerList, parseTrustList } from './trust.js';

export const SITE_KEY_FILE = 'site.key';

export function federationIrcOptions(config: LagoonConfig): IrcFederationOptions | null {
  if (!config.federation) return null;
  return {
    visitsPerSecond: config.federationVisitsPerSecond,
    visitBurst: config.federationVisitBurst,
    maxVisitorsPerServer: config.federationMaxVisitorsPerServer,
  };
}

/** Null when LAGOON_FEDERATION is off. Bad trust/deny lists or site key are ERR_CONFIG. */
export async function attachFederation(o: {
  config: LagoonConfig; identity: Identity; irc: IrcServer; mesh: MeshService; logger: Logger;
}): Promise<FederationService | null> {
  const { config } = o;
  if (!config.federation) return null;
  const trust = parseTrustList(config.federationTrust);
  const configDenied = parseServerList(config.federationDeny, 'LAGOON_FEDERATION_DENY');
  const siteKey = await loadOrCreateSiteKey(config.siteKeyFile ?? join(config.dataDir, SITE_KEY_FILE));
  const store = new FederationStore(config.dataDir, o.logger.child({ name: 'lagoon:federation' }));
  const state = await store.load();
  const svc = new FederationService({
    mesh: o.mesh, identity: o.identity, irc: o.irc.federation, serverName: config.serverName, siteKey,
    trust, tofu: config.federationTofu, configDenied, connectTimeoutMs: config.federationConnectTimeoutMs,
    state, store, logger: o.logger,
  });
  svc.start();
  return svc;
}
