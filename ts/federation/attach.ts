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
import { counterFrom, gaugeFrom } from '../core/metrics.js';
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

/** `lagoon_federation_*` metrics from the machine's and the driver's plain counters. */
export function federationMetrics(registry: Parameters<typeof gaugeFrom>[0], svc: FederationService): void {
  const m = svc.machine.counters;
  const d = svc.counters;
  gaugeFrom(registry, 'lagoon_federation_remote_servers', 'Remote servers our users visit (linking or ready).', () => svc.machine.status().length);
  counterFrom(registry, 'lagoon_federation_messages_in_total', 'Federation messages received in accepted envelopes.', () => m.messagesIn);
  counterFrom(registry, 'lagoon_federation_messages_out_total', 'Federation messages sent.', () => m.messagesOut);
  counterFrom(registry, 'lagoon_federation_dropped_total', 'Federation messages dropped (unproven peer, unknown visitor, not ours to receive).', () => m.dropped);
  counterFrom(registry, 'lagoon_federation_site_records_rejected_total', 'Site records refused (bad signature, node not listed, untrusted or changed key, rollback).', () => m.siteRecordsRejected);
  counterFrom(registry, 'lagoon_federation_visits_failed_total', 'Visits that failed before starting (unreachable, unproven, refused, busy).', () => m.visitsFailed);
  counterFrom(registry, 'lagoon_federation_bad_envelopes_total', 'Envelopes dropped for a bad signature or framing.', () => d.badEnvelopes);
  counterFrom(registry, 'lagoon_federation_replayed_envelopes_total', 'Envelopes dropped because their sequence was not new.', () => d.replayed);
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
