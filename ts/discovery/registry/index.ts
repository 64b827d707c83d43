/**
 * Bootstrap registry (seed 004): signed registrations of broadcasting
 * peers, listed only after a dial-back proves each address. See
 * docs/registry.md.
 */
import type { LagoonConfig } from '../../core/config.js';
import type { Identity } from '../../core/identity.js';
import type { Logger } from '../../core/logger.js';
import type { HttpServer } from '../../http/server.js';
import { RegistryService, transportDialBack } from './service.js';

export { RegistryService, transportDialBack, type DialBack } from './service.js';
export { BootstrapRegistry, type RegistryEntry } from './registry.js';
export { register, unregister, discover } from './client.js';
export { signRequest, requestBody, MAX_REGISTER_ADDRS } from './messages.js';

/** ±30 s (seed 004). */
export const REGISTRY_MAX_SKEW_MS = 30_000;

export function registryFromConfig(
  config: Pick<LagoonConfig, 'registryTtlMs' | 'registryMaxPeers' | 'registryDialTimeoutMs'>,
  deps: { http: HttpServer; logger: Logger; identity: Identity },
): RegistryService {
  return new RegistryService({
    http: deps.http,
    logger: deps.logger,
    dialBack: transportDialBack(deps.identity, deps.logger),
    ttlMs: config.registryTtlMs,
    maxPeers: config.registryMaxPeers,
    maxSkewMs: REGISTRY_MAX_SKEW_MS,
    dialTimeoutMs: config.registryDialTimeoutMs,
  });
}
