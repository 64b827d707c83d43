/**
 * A Lagoon node: identity, the IRC server, and the HTTP listener (health,
 * metrics), assembled from one frozen config. Later layers (mesh, discovery,
 * federation) attach here.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { LagoonConfig } from './core/config.js';
import type { Logger } from './core/logger.js';
import { LagoonError } from './core/errors.js';
import { loadOrCreateIdentity, tightenKeyFileMode, type Identity } from './core/identity.js';
import { loadTlsMaterial } from './core/tls-cert.js';
import { createRegistry, counterFrom, gaugeFrom } from './core/metrics.js';
import { startHttpServer, sendJson, sendText, type HttpServer } from './http/server.js';
import { startIrcServer, DEFAULT_IRC_LIMITS, type IrcServer, type IrcLimits } from './irc/index.js';
import { attachFederation, federationIrcOptions, federationMetrics } from './federation/attach.js';
import type { FederationService } from './federation/service.js';
import { meshAddress, startMeshService, type MeshService } from './mesh/service.js';
import { MeshRuntime } from './mesh/runtime.js';
import { GossipDriver, registerGossipMetrics } from './discovery/gossip/driver.js';
import { vdfConfig } from './mesh/vdf/constants.js';
import { PeerCacheService } from './discovery/peer-cache/service.js';
import { advertisedAddresses } from './discovery/peer-cache/advertise.js';
import { MdnsService } from './discovery/mdns/service.js';
import { attachPresence, type Presence } from './discovery/rendezvous/attach.js';

export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export interface NodePorts {
  readonly irc: number;
  readonly ircTls: number | null;
  readonly http: number;
  readonly mesh: number;
}

export interface LagoonNode {
  readonly identity: Identity;
  readonly config: LagoonConfig;
  readonly ports: NodePorts;
  readonly tlsFingerprint256: string;
  readonly mesh: MeshService;
  readonly peerCache: PeerCacheService;
  /** Rendezvous server and client, bootstrap registry (on the HTTP port). */
  readonly presence: Presence;
  /** Idempotent: QUIT to IRC clients, state flushed, listeners closed. */
  close(reason?: string): Promise<void>;
}

const DEFAULT_MOTD = [
  'Welcome to Lagoon.',
  'Rooms here belong to this server: JOIN #lagoon to meet its people and its LagoonBot.',
  'Visiting another server\'s room is always your choice: #room:server.',
];

export function ircLimitsFrom(config: LagoonConfig): IrcLimits {
  return {
    ...DEFAULT_IRC_LIMITS,
    maxClients: config.ircMaxClients,
    maxClientsPerIp: config.ircMaxClientsPerIp,
    maxChannelsPerClient: config.ircMaxChannelsPerClient,
    sendQBytes: config.ircSendQBytes,
    floodBurstLines: config.ircFloodBurstLines,
    floodLinesPerSecond: config.ircFloodLinesPerSecond,
    pingIntervalMs: config.ircPingIntervalMs,
    pingTimeoutMs: config.ircPingTimeoutMs,
  };
}

async function readMotd(path: string | null): Promise<string[]> {
  if (path === null) return DEFAULT_MOTD;
  try {
    return (await readFile(path, 'utf8')).split(/\r?\n/).filter((l, i, all) => l !== '' || i < all.length - 1);
  } catch (err) {
    throw new LagoonError('ERR_CONFIG', `cannot read LAGOON_IRC_MOTD_FILE ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export async function startNode(config: LagoonConfig, logger: Logger): Promise<LagoonNode> {
  const log = logger.child({ name: 'lagoon:node' });
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const identity = await loadOrCreateIdentity(config.dataDir);
  if (identity.path && (await tightenKeyFileMode(identity.path))) {
    log.warn({ file: identity.path }, 'identity key was readable by others; mode set to 0600');
  }
  const tls = await loadTlsMaterial({
    certFile: config.tlsCertFile,
    keyFile: config.tlsKeyFile,
    dataDir: config.dataDir,
    commonName: config.serverName,
  });

  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => log.error({ err }, 'close failed'));
  };

  let irc: IrcServer;
  let http: HttpServer;
  let mesh: MeshService;
  let runtime: MeshRuntime;
  let gossip: GossipDriver;
  let peerCache: PeerCacheService;
  let mdns: MdnsService | null = null;
  let federation: FederationService | null = null;
  try {
    irc = await startIrcServer({
      serverName: config.serverName,
      networkName: config.networkName,
      bind: config.bind,
      port: config.ircPort,
      tlsPort: config.ircTlsPort,
      tls: { cert: tls.cert, key: tls.key },
      dataDir: config.dataDir,
      limits: ircLimitsFrom(config),
      motd: await readMotd(config.ircMotdFile),
      password: config.ircPassword,
      operPassword: config.ircOperPassword,
      version: `lagoon-${VERSION}`,
      logger,
      federation: federationIrcOptions(config),
    });
    closers.push(() => irc.close('Server shutting down'));

    // Loaded before the mesh starts: its best peers are dialled before the bootstrap addresses (seed 002).
    peerCache = await PeerCacheService.open({
      identity,
      file: config.peerCacheFile ?? join(config.dataDir, 'peer-cache.json'),
      max: config.peerCacheMax,
      saveIntervalMs: config.peerCacheSaveIntervalMs,
      gossip: { gossipMax: config.peerCacheGossipMax },
      logger,
    });

    // Servers CAN talk over the mesh; nothing here joins any room (seed 000's golden rule).
    mesh = await startMeshService({
      identity,
      bind: config.bind,
      port: config.meshPort,
      peers: [], // LAGOON_PEERS go through the peer cache, after the cached peers
      nodeName: config.nodeName,
      siteName: config.serverName,
      // TLS and WebSocket-over-TLS on the same port (told apart by their first bytes), so the mesh can be
      // served on 443 behind ordinary HTTPS infrastructure. Noise inside authenticates the peer either way.
      tls: { cert: tls.cert, key: tls.key },
      logger,
    });
    closers.push(() => mesh.close());
    peerCache.attach(mesh, config.peers.map(meshAddress));
    // SPIRAL, SPORE and VDF liveness over the mesh links. Only a broadcasting node puts its addresses in its
    // mesh record (seed 004's IP-sharing rule); a silent one dials its neighbours itself.
    runtime = new MeshRuntime({
      identity, service: mesh, name: config.nodeName, first: config.peers.length === 0, logger,
      config: { holeStableMs: config.meshHoleStableMs, arrivalMs: config.meshArrivalMs },
      addrs: config.broadcast ? advertisedAddresses(config.bind, mesh.port).map((a) => (a.includes('://') ? a : `tcp://${a}`)) : [],
      vdf: vdfConfig({ windowMs: config.vdfWindowMs, duty: config.vdfDutyPercent / 100, graceMs: Math.min(500, config.vdfWindowMs) }),
    });
    runtime.start();
    const rt = runtime;
    closers.push(async () => rt.close());
    // Epidemic gossip (seed 004) over the same links: a broadcasting node announces itself once linked and
    // everyone learns broadcasting peers (GET /api/gossip); topology stays SPIRAL's, so nothing here dials.
    const meshAddrs = advertisedAddresses(config.bind, mesh.port);
    gossip = new GossipDriver({ mesh, identity, logger, broadcast: config.broadcast ? { addrs: meshAddrs, topics: [], capabilities: 0 } : null });
    gossip.start();
    const g = gossip;
    mesh.once('peer-up', () => { if (config.broadcast) g.announce(); g.request(''); });
    closers.push(async () => g.close());
    if (config.broadcast) peerCache.advertise({ addresses: advertisedAddresses(config.bind, mesh.port), capabilities: 0, natType: 'unknown' });
    closers.push(() => peerCache.close());
    if (config.mdns) {
      // LAN discovery is a convenience: a node whose mDNS socket cannot open still runs (logged).
      mdns = await MdnsService.start({
        peerId: identity.peerId, meshPort: mesh.port, bind: config.bind, interface: config.mdnsInterface, logger,
        onFound: (address) => { mesh.addEntryPoint(address); },
      }).catch((err: unknown) => { log.error({ err: (err as Error).message }, 'mDNS failed to start; LAN discovery is off'); return null; });
      const m = mdns;
      if (m !== null) closers.push(() => m.close());
    }

    // Visits (#room:server) happen only when a user asks for one; attaching creates no relay.
    const fed = await attachFederation({ config, identity, irc, mesh, logger });
    if (fed !== null) closers.push(() => fed.close());
    federation = fed;

    http = await startHttpServer({ bind: config.bind, port: config.httpPort, logger });
    closers.push(() => http.close());
  } catch (err) {
    await closeAll();
    throw err;
  }

  const registry = createRegistry();
  gaugeFrom(registry, 'lagoon_irc_clients', 'Connected IRC clients.', () => irc.stats().clients);
  gaugeFrom(registry, 'lagoon_irc_channels', 'Channels on this server.', () => irc.stats().channels);
  counterFrom(registry, 'lagoon_irc_messages_in_total', 'IRC lines received from clients.', () => irc.stats().messagesIn);
  counterFrom(registry, 'lagoon_irc_messages_out_total', 'IRC lines sent to clients.', () => irc.stats().messagesOut);
  counterFrom(registry, 'lagoon_irc_bytes_in_total', 'Bytes read from IRC clients.', () => irc.stats().bytesIn);
  counterFrom(registry, 'lagoon_irc_bytes_out_total', 'Bytes queued to IRC clients.', () => irc.stats().bytesOut);
  counterFrom(registry, 'lagoon_irc_flood_disconnects_total', 'Clients disconnected for Excess Flood.', () => irc.stats().floodDisconnects);
  counterFrom(registry, 'lagoon_irc_sendq_disconnects_total', 'Clients disconnected for SendQ exceeded.', () => irc.stats().sendQDisconnects);
  counterFrom(registry, 'lagoon_irc_ping_timeouts_total', 'Clients disconnected for Ping timeout.', () => irc.stats().pingTimeouts);
  counterFrom(registry, 'lagoon_irc_rejected_connections_total', 'Connections refused (server full, per-IP limit).', () => irc.stats().rejectedConnections);

  const startedAt = Date.now();
  http.route('GET', '/healthz', (_req, res) => {
    sendJson(res, 200, { status: 'ok', peerId: identity.peerId, version: VERSION, uptimeMs: Date.now() - startedAt });
  });
  http.route('GET', '/api/mesh', (_req, res) => {
    sendJson(res, 200, { ...mesh.status(), spiral: runtime.status() });
  });
  if (federation !== null) federationMetrics(registry, federation);
  http.route('GET', '/api/federation', (_req, res) => {
    sendJson(res, 200, federation === null ? { enabled: false } : { enabled: true, ...federation.status() });
  });
  http.route('GET', '/api/peer-cache', (_req, res) => {
    sendJson(res, 200, peerCache.status());
  });
  gaugeFrom(registry, 'lagoon_peer_cache_entries', 'Peers in the peer cache.', () => peerCache.cache.size);
  counterFrom(registry, 'lagoon_peer_cache_corrupt_files_total', 'Peer cache files found corrupt and moved aside.', () => peerCache.counters.corruptFiles);
  counterFrom(registry, 'lagoon_peer_cache_saves_total', 'Peer cache saves.', () => peerCache.counters.saves);
  counterFrom(registry, 'lagoon_peer_cache_records_accepted_total', 'Signed peer records accepted from cache gossip.', () => peerCache.machine.counters.recordsAccepted);
  counterFrom(registry, 'lagoon_peer_cache_records_dropped_total', 'Cache-gossip records and frames dropped (forged, stale, expired, malformed, rate limited).',
    () => Object.values(peerCache.machine.counters.dropped).reduce((a, b) => a + b, 0));
  counterFrom(registry, 'lagoon_mdns_found_total', 'Peers found by mDNS on the LAN (addresses handed to the mesh).', () => mdns?.machine.counters.found ?? 0);
  gaugeFrom(registry, 'lagoon_mesh_links', 'Established, authenticated mesh links.', () => mesh.status().links.length);
  registerGossipMetrics(registry, gossip);
  http.route('GET', '/api/gossip', (_req, res) => {
    sendJson(res, 200, { counters: gossip.machine.counters, peers: gossip.machine.table.size });
  });
  gaugeFrom(registry, 'lagoon_mesh_slot', 'This node\'s SPIRAL slot (-1 until it has joined).', () => runtime.machine.slot ?? -1);
  gaugeFrom(registry, 'lagoon_mesh_neighbours', 'SPIRAL neighbours (at most 20).', () => runtime.machine.neighbours.size);
  gaugeFrom(registry, 'lagoon_mesh_records', 'Signed peer records held (bounded by the SPIRAL scope).', () => runtime.machine.recordCount);
  counterFrom(registry, 'lagoon_mesh_ghosts_pruned_total', 'Neighbours pruned for lack of valid VDF proofs.', () => runtime.machine.counters.pruned);
  counterFrom(registry, 'lagoon_mesh_records_forged_total', 'Peer records dropped for a bad signature.', () => runtime.machine.counters.records.forged);
  counterFrom(registry, 'lagoon_mesh_slots_returned_total', 'Joiners offered back the slot their record still held (restarted nodes).', () => runtime.machine.counters.slotsReturned);
  counterFrom(registry, 'lagoon_mesh_stranded_rejoins_total', 'Times this node, with no SPIRAL neighbour for strandedMs, asked an entry point for a slot again.', () => runtime.machine.counters.strandedRejoins);
  counterFrom(registry, 'lagoon_mesh_placed_unseen_total', 'Slots this node placed as the frontier without the records of the cells below them, after waiting a tick (tickMs) for them.', () => runtime.machine.counters.placedUnseen);
  counterFrom(registry, 'lagoon_mesh_stale_links_replaced_total', 'Old links replaced by a new link from the same peer (it restarted, or the old one was half-open).', () => mesh.status().counters.staleLinksReplaced);
  counterFrom(registry, 'lagoon_mesh_machine_errors_total', 'Inputs the mesh node machine threw on, dropped and logged (a bug: report it).', () => runtime.machineErrors);
  http.route('GET', '/metrics', async (_req, res) => {
    sendText(res, 200, await registry.metrics(), registry.contentType);
  });
  let presence: Presence;
  try {
    presence = attachPresence(config, { http, logger, identity, registry, meshLinks: () => mesh.status().links, meshPort: mesh.port });
    closers.push(() => presence.close());
  } catch (err) {
    await closeAll();
    throw err;
  }

  const ports: NodePorts = { irc: irc.ports.plain, ircTls: irc.ports.tls, http: http.port, mesh: mesh.port };
  log.info({ peer: identity.peerId, ircPort: ports.irc, ircTlsPort: ports.ircTls, httpPort: ports.http, meshPort: ports.mesh, bind: config.bind }, 'listening');

  let closing: Promise<void> | null = null;
  return {
    identity,
    config,
    ports,
    tlsFingerprint256: tls.fingerprint256,
    mesh,
    peerCache,
    presence,
    close(reason) {
      if (reason) log.info({ reason }, 'shutting down');
      closing ??= closeAll();
      return closing;
    },
  };
}
