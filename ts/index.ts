/** Lagoon as a library: start a node, or use the pieces. */
export { startNode, VERSION, type LagoonNode, type NodePorts } from './node.js';
export { loadConfig, parseHostPort, type LagoonConfig, type ConfigSources, type HostPort } from './core/config.js';
export { CONFIG_FIELDS, configTableMarkdown } from './core/config-schema.js';
export { LagoonError, isLagoonError, type LagoonErrorCode } from './core/errors.js';
export { loadOrCreateIdentity, ephemeralIdentity, peerIdFromPublicKey, isPeerId, verifySignature, type Identity } from './core/identity.js';
export { createLogger, silentLogger, type Logger } from './core/logger.js';
export { startIrcServer, DEFAULT_IRC_LIMITS, type IrcServer, type IrcServerOptions, type IrcLimits } from './irc/index.js';
export { blake3, probeCapabilities, nativeInfo, type Capabilities, type NativeInfo } from './core/native.js';
export { startRendezvousOnly, type RendezvousOnlyNode } from './discovery/rendezvous/standalone.js';
export { RendezvousClient, type RendezvousClientOptions, type PresenceEvent, type PresenceRecord } from './discovery/rendezvous/index.js';
export { signPresence, verifyPresence, parsePresence, type PresenceMessage } from './discovery/presence.js';
export { register as registerBootstrap, unregister as unregisterBootstrap, discover as discoverBootstrap } from './discovery/registry/index.js';
