/**
 * Every setting Lagoon reads, in one table. The table drives parsing of the
 * environment, the config file and CLI flags, the `lagoon config` help text
 * and the README's configuration table, so documentation cannot drift from
 * what the code accepts.
 */
import { hostname } from 'node:os';

export type FieldType = 'string' | 'port' | 'int' | 'bool' | 'hostList' | 'nullableString' | 'level';

export interface FieldSpec<K extends string = string> {
  /** Key in the config object and in the JSON config file. */
  readonly key: K;
  /** Environment variable. */
  readonly env: string;
  /** CLI flag, without the leading dashes. */
  readonly flag: string;
  readonly type: FieldType;
  /** Human-readable default (the value itself is computed by `defaultValue`). */
  readonly defaultText: string;
  readonly unit?: string;
  /** For ints: inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  readonly doc: string;
}

export const CONFIG_FIELDS = [
  { key: 'dataDir', env: 'LAGOON_DATA_DIR', flag: 'data-dir', type: 'string', defaultText: '.lagoon', doc: 'Directory for the identity key, TLS certificate and persisted server state. Created with mode 0700 if missing.' },
  { key: 'nodeName', env: 'LAGOON_NODE_NAME', flag: 'node-name', type: 'string', defaultText: 'the host name', doc: 'Human-friendly label for logs and status. Metadata only: never used as an identity.' },
  { key: 'serverName', env: 'LAGOON_SERVER_NAME', flag: 'server-name', type: 'string', defaultText: 'the host name', doc: 'The IRC server name (the `server` in `#room:server`): a DNS name or host:port.' },
  { key: 'networkName', env: 'LAGOON_NETWORK_NAME', flag: 'network-name', type: 'string', defaultText: 'Lagoon', doc: 'The IRC network name announced in RPL_ISUPPORT (NETWORK=).' },
  { key: 'bind', env: 'LAGOON_BIND', flag: 'bind', type: 'string', defaultText: '127.0.0.1', doc: 'Address every listener binds to. Loopback by default; set `0.0.0.0` (or `::`) to serve other machines.' },
  { key: 'ircPort', env: 'LAGOON_IRC_PORT', flag: 'irc-port', type: 'port', defaultText: '6667', doc: 'Plain-text IRC port. 0 picks a free port (reported at start-up).' },
  { key: 'ircTlsPort', env: 'LAGOON_IRC_TLS_PORT', flag: 'irc-tls-port', type: 'port', defaultText: '6697', doc: 'TLS IRC port. 0 picks a free port. A self-signed certificate is generated in the data directory when none is configured.' },
  { key: 'httpPort', env: 'LAGOON_HTTP_PORT', flag: 'http-port', type: 'port', defaultText: '8787', doc: 'HTTP port: /healthz, /metrics (Prometheus). 0 picks a free port.' },
  { key: 'meshPort', env: 'LAGOON_MESH_PORT', flag: 'mesh-port', type: 'port', defaultText: '9443', doc: 'Mesh port: authenticated server-to-server links (Noise XX on the node key, over TCP, TLS or WebSocket, told apart on one port). 0 picks a free port.' },
  { key: 'peers', env: 'LAGOON_PEERS', flag: 'peers', type: 'hostList', defaultText: '(none)', doc: 'Comma-separated `host:port` list of mesh entry points, dialled with backoff. One address is enough; reaching yourself is recognised and skipped. Linking servers never merges their rooms.' },
  { key: 'vdfWindowMs', env: 'LAGOON_VDF_WINDOW_MS', flag: 'vdf-window-ms', type: 'int', min: 50, max: 600_000, defaultText: '1250 (1000 with LAGOON_PROFILE=test)', unit: 'ms', doc: 'VDF proof window: each SPIRAL neighbour proves its chain advanced once per window; 3 missed windows and it is pruned as a ghost. Shorter windows detect death sooner and cost more frames.' },
  { key: 'vdfDutyPercent', env: 'LAGOON_VDF_DUTY_PERCENT', flag: 'vdf-duty-percent', type: 'int', min: 1, max: 100, defaultText: '5 (1 with LAGOON_PROFILE=test)', unit: '% of one core', doc: 'CPU share of the sequential VDF chain thread. More duty means more verified work per window (weight in slot conflicts), at that CPU cost.' },
  { key: 'meshArrivalMs', env: 'LAGOON_MESH_ARRIVAL_MS', flag: 'mesh-arrival-ms', type: 'int', min: 100, max: 9999, defaultText: '3000', unit: 'ms', doc: 'A joiner the frontier node placed that has not shown up this long after its offer is given up and its slot offered again (a crashed joiner stalls the placing of new nodes this long, not 10 s). Raise it on slow links: a live joiner given up costs a slot conflict.' },
  { key: 'meshHoleStableMs', env: 'LAGOON_MESH_HOLE_STABLE_MS', flag: 'mesh-hole-stable-ms', type: 'int', min: 100, max: 86_400_000, defaultText: '30000 (10000 with LAGOON_PROFILE=test)', unit: 'ms', doc: 'A SPIRAL slot left by a pruned node must stay free this long before the outermost node moves into it (so a node that was only briefly unreachable gets its slot back).' },
  { key: 'ygg', env: 'LAGOON_YGG', flag: 'ygg', type: 'bool', defaultText: 'false', doc: 'Start the embedded Yggdrasil overlay node (reserved until the overlay lands).' },
  { key: 'tlsCertFile', env: 'LAGOON_TLS_CERT_FILE', flag: 'tls-cert-file', type: 'nullableString', defaultText: '(generated)', doc: 'PEM certificate for the TLS listeners. Must be set together with the key file.' },
  { key: 'tlsKeyFile', env: 'LAGOON_TLS_KEY_FILE', flag: 'tls-key-file', type: 'nullableString', defaultText: '(generated)', doc: 'PEM private key for the TLS listeners.' },
  { key: 'logLevel', env: 'LAGOON_LOG_LEVEL', flag: 'log-level', type: 'level', defaultText: 'info', doc: 'One of fatal, error, warn, info, debug, trace, silent.' },
  { key: 'ircMotdFile', env: 'LAGOON_IRC_MOTD_FILE', flag: 'irc-motd-file', type: 'nullableString', defaultText: '(built-in)', doc: 'Text file whose lines form the message of the day.' },
  { key: 'ircPassword', env: 'LAGOON_IRC_PASSWORD', flag: 'irc-password', type: 'nullableString', defaultText: '(none)', doc: 'Server password clients must send with PASS. Unset: no password.' },
  { key: 'ircOperPassword', env: 'LAGOON_IRC_OPER_PASSWORD', flag: 'irc-oper-password', type: 'nullableString', defaultText: '(none)', doc: 'Password for `OPER <name> <password>`. Unset: OPER is refused.' },
  { key: 'ircMaxClients', env: 'LAGOON_IRC_MAX_CLIENTS', flag: 'irc-max-clients', type: 'int', min: 1, max: 1_000_000, defaultText: '10000', unit: 'connections', doc: 'Most IRC connections at once. Each costs a file descriptor and a few KiB.' },
  { key: 'ircMaxClientsPerIp', env: 'LAGOON_IRC_MAX_CLIENTS_PER_IP', flag: 'irc-max-clients-per-ip', type: 'int', min: 0, max: 1_000_000, defaultText: '100', unit: 'connections', doc: 'Most IRC connections from one address; 0 disables the check.' },
  { key: 'ircMaxChannelsPerClient', env: 'LAGOON_IRC_MAX_CHANNELS', flag: 'irc-max-channels', type: 'int', min: 1, max: 10_000, defaultText: '50', unit: 'channels', doc: 'Most channels one client may be in (CHANLIMIT).' },
  { key: 'ircSendQBytes', env: 'LAGOON_IRC_SENDQ_BYTES', flag: 'irc-sendq-bytes', type: 'int', min: 4096, max: 1 << 30, defaultText: '1048576', unit: 'bytes', doc: 'Output a client may leave unread before it is disconnected with "SendQ exceeded".' },
  { key: 'ircFloodBurstLines', env: 'LAGOON_IRC_FLOOD_BURST', flag: 'irc-flood-burst', type: 'int', min: 1, max: 1_000_000, defaultText: '20', unit: 'lines', doc: 'Lines a client may send at once before flood control paces it.' },
  { key: 'ircFloodLinesPerSecond', env: 'LAGOON_IRC_FLOOD_RATE', flag: 'irc-flood-rate', type: 'int', min: 1, max: 1_000_000, defaultText: '5', unit: 'lines/s', doc: 'Sustained line rate per client. Beyond it the server stops reading the client (TCP back-pressure) until its backlog drains; a backlog over twice the burst disconnects it ("Excess Flood").' },
  { key: 'ircPingIntervalMs', env: 'LAGOON_IRC_PING_INTERVAL_MS', flag: 'irc-ping-interval-ms', type: 'int', min: 1000, max: 86_400_000, defaultText: '90000', unit: 'ms', doc: 'Idle time after which the server PINGs a client.' },
  { key: 'ircPingTimeoutMs', env: 'LAGOON_IRC_PING_TIMEOUT_MS', flag: 'irc-ping-timeout-ms', type: 'int', min: 1000, max: 86_400_000, defaultText: '60000', unit: 'ms', doc: 'Time a PINGed client has to answer before "Ping timeout".' },
  { key: 'broadcast', env: 'LAGOON_BROADCAST', flag: 'broadcast', type: 'bool', defaultText: 'false', doc: 'Share this node\'s mesh addresses with the mesh: a record signed by the node key goes into cache gossip (and to registries). Off, the node stays silent: it discovers and dials others, and no node ever passes its address on.' },
  { key: 'peerCacheFile', env: 'LAGOON_PEER_CACHE_FILE', flag: 'peer-cache-file', type: 'nullableString', defaultText: '`<dataDir>/peer-cache.json`', doc: 'Where the peer cache (known peers, addresses, RTT, success counts) is saved, atomically with a checksum. A corrupt file is moved aside (`.corrupt-<ms>`) and reported; the node starts with an empty cache.' },
  { key: 'peerCacheMax', env: 'LAGOON_PEER_CACHE_MAX', flag: 'peer-cache-max', type: 'int', min: 16, max: 100_000, defaultText: '1024', unit: 'entries', doc: 'Peers kept in the cache; the lowest score is evicted (a scan of the cache per newcomer when full). About 1 KiB each in memory and on disk.' },
  { key: 'peerCacheGossipMax', env: 'LAGOON_PEER_CACHE_GOSSIP_MAX', flag: 'peer-cache-gossip-max', type: 'int', min: 1, max: 64, defaultText: '16', unit: 'records', doc: 'Signed records sent to a peer in one cache exchange (on connect, per delta flush, per answered request). Bounds what a node sends, whatever the size of the mesh.' },
  { key: 'peerCacheSaveIntervalMs', env: 'LAGOON_PEER_CACHE_SAVE_INTERVAL_MS', flag: 'peer-cache-save-interval-ms', type: 'int', min: 100, max: 3_600_000, defaultText: '5000', unit: 'ms', doc: 'Least time between two saves of the peer cache. A significant change (new peer, eviction, changed addresses, first success) is saved at most this much later; shutdown saves the rest.' },
  { key: 'mdns', env: 'LAGOON_MDNS', flag: 'mdns', type: 'bool', defaultText: 'true (false when `LAGOON_PROFILE=test`)', doc: 'Announce `_lagoon._tcp` (mesh port, peer_id) by multicast DNS and dial the nodes found on the LAN. Found records are only hints: the mesh handshake authenticates the peer.' },
  { key: 'mdnsInterface', env: 'LAGOON_MDNS_INTERFACE', flag: 'mdns-interface', type: 'nullableString', defaultText: '(the bind address, else the first non-loopback IPv4)', doc: 'IPv4 address of the interface mDNS listens and announces on.' },
  { key: 'rendezvousOnly', env: 'LAGOON_RENDEZVOUS_ONLY', flag: 'rendezvous-only', type: 'bool', defaultText: 'false', doc: 'Run only the presence broker (rendezvous and bootstrap registry on the HTTP port): no IRC, no mesh listener. For a dedicated server or VPS.' },
  { key: 'rendezvousUrl', env: 'LAGOON_RENDEZVOUS_URL', flag: 'rendezvous-url', type: 'nullableString', defaultText: '(none)', doc: 'Local/LAN rendezvous (e.g. `http://127.0.0.1:8787`, this node\'s own) to publish this node\'s signed presence to and to follow. Merged with the WAN one.' },
  { key: 'rendezvousWan', env: 'LAGOON_RENDEZVOUS_WAN', flag: 'rendezvous-wan', type: 'nullableString', defaultText: '(none)', doc: 'WAN rendezvous URL (e.g. `https://rv.example.org`) used at the same time as the local one; the peer lists are merged (newest `ts` wins).' },
  { key: 'rendezvousHeartbeatMs', env: 'LAGOON_RENDEZVOUS_HEARTBEAT_MS', flag: 'rendezvous-heartbeat-ms', type: 'int', min: 50, max: 3_600_000, defaultText: '5000', unit: 'ms', doc: 'Interval of this node\'s presence heartbeats. Keep it well under the servers\' TTL.' },
  { key: 'rendezvousTtlMs', env: 'LAGOON_RENDEZVOUS_TTL_MS', flag: 'rendezvous-ttl-ms', type: 'int', min: 200, max: 86_400_000, defaultText: '20000', unit: 'ms', doc: 'A peer not heard from for this long is pruned and broadcast as offline. The prune runs every TTL/4 (at most every 5 s).' },
  { key: 'rendezvousKeepAliveMs', env: 'LAGOON_RENDEZVOUS_KEEPALIVE_MS', flag: 'rendezvous-keepalive-ms', type: 'int', min: 100, max: 3_600_000, defaultText: '15000', unit: 'ms', doc: 'Interval of the keep-alive comment on `/events` streams (keeps proxies and NATs from closing idle streams).' },
  { key: 'rendezvousMaxPeers', env: 'LAGOON_RENDEZVOUS_MAX_PEERS', flag: 'rendezvous-max-peers', type: 'int', min: 1, max: 10_000_000, defaultText: '10000', unit: 'peers', doc: 'Peers the rendezvous keeps; a newcomer beyond it evicts the least recently seen (unverified first), which is broadcast offline.' },
  { key: 'rendezvousMaxSubscribers', env: 'LAGOON_RENDEZVOUS_MAX_SUBSCRIBERS', flag: 'rendezvous-max-subscribers', type: 'int', min: 1, max: 1_000_000, defaultText: '20000', unit: 'streams', doc: 'Open `/events` streams at most (429 beyond). Each costs a file descriptor and a few KiB.' },
  { key: 'rendezvousMaxSubscribersPerIp', env: 'LAGOON_RENDEZVOUS_MAX_SUBSCRIBERS_PER_IP', flag: 'rendezvous-max-subscribers-per-ip', type: 'int', min: 1, max: 1_000_000, defaultText: '32', unit: 'streams', doc: 'Open `/events` streams from one address at most (429 beyond).' },
  { key: 'rendezvousPublishRatePerIp', env: 'LAGOON_RENDEZVOUS_PUBLISH_RATE_PER_IP', flag: 'rendezvous-publish-rate-per-ip', type: 'int', min: 1, max: 1_000_000, defaultText: '20', unit: 'requests/s', doc: 'Sustained `/publish` rate per address (429 beyond). Peers behind one NAT share it: 20/s serves 100 peers at the 5 s heartbeat.' },
  { key: 'rendezvousPublishBurstPerIp', env: 'LAGOON_RENDEZVOUS_PUBLISH_BURST_PER_IP', flag: 'rendezvous-publish-burst-per-ip', type: 'int', min: 1, max: 1_000_000, defaultText: '40', unit: 'requests', doc: 'Publishes one address may make at once before the rate applies.' },
  { key: 'rendezvousSyncPollMs', env: 'LAGOON_RENDEZVOUS_SYNC_POLL_MS', flag: 'rendezvous-sync-poll-ms', type: 'int', min: 5, max: 10_000, defaultText: '25', unit: 'ms', doc: 'With `LAGOON_PEER_DB`: how often an instance reads the shared event log for other instances\' events (one indexed query; bounds their delivery delay).' },
  { key: 'peerDb', env: 'LAGOON_PEER_DB', flag: 'peer-db', type: 'nullableString', defaultText: '(none: in memory)', doc: 'SQLite file shared by several rendezvous instances (WAL mode; needs the optional `better-sqlite3`, else start-up fails saying so). Peers and live events then reach the subscribers of every instance.' },
  { key: 'adminPassword', env: 'LAGOON_ADMIN_PASSWORD', flag: 'admin-password', type: 'nullableString', defaultText: '(none: /admin answers 403)', doc: 'Password for `GET /admin` (HTTP Basic, any user name).' },
  { key: 'registryTtlMs', env: 'LAGOON_REGISTRY_TTL_MS', flag: 'registry-ttl-ms', type: 'int', min: 1000, max: 604_800_000, defaultText: '3600000', unit: 'ms', doc: 'A bootstrap registration expires this long after it was made (peers re-register to stay listed).' },
  { key: 'registryMaxPeers', env: 'LAGOON_REGISTRY_MAX_PEERS', flag: 'registry-max-peers', type: 'int', min: 1, max: 10_000_000, defaultText: '10000', unit: 'peers', doc: 'Bootstrap registrations kept; beyond it the one expiring soonest is dropped.' },
  { key: 'registryDialTimeoutMs', env: 'LAGOON_REGISTRY_DIAL_TIMEOUT_MS', flag: 'registry-dial-timeout-ms', type: 'int', min: 100, max: 60_000, defaultText: '5000', unit: 'ms', doc: 'Time the registry gives a dial-back (connect + mesh handshake) to prove an address belongs to the registering peer.' },
  { key: 'federation', env: 'LAGOON_FEDERATION', flag: 'federation', type: 'bool', defaultText: 'true', doc: 'Allow `#room:server` visits both ways (users still choose every visit; nothing is shared automatically). Off: `#room:server` is answered with 403 and visitors are refused.' },
  { key: 'siteKeyFile', env: 'LAGOON_SITE_KEY_FILE', flag: 'site-key-file', type: 'nullableString', defaultText: '`<dataDir>/site.key`', doc: 'Ed25519 key (PEM) of the site this node serves (the server name). It signs the site record that proves the name to visiting servers. Generated when missing (single-node site); copy one file to every node of a multi-node site.' },
  { key: 'federationTrust', env: 'LAGOON_FEDERATION_TRUST', flag: 'federation-trust', type: 'nullableString', defaultText: '(none)', doc: 'Comma list `server=<site public key hex>`: the only key accepted for that server name. Names not listed are pinned on first visit (see TOFU).' },
  { key: 'federationTofu', env: 'LAGOON_FEDERATION_TOFU', flag: 'federation-tofu', type: 'bool', defaultText: 'true', doc: 'Trust on first use: the first site key that proves an unlisted name is pinned in `<dataDir>/federation.json` and any other key is refused later. Off: only names in LAGOON_FEDERATION_TRUST can be visited or visit.' },
  { key: 'federationDeny', env: 'LAGOON_FEDERATION_DENY', flag: 'federation-deny', type: 'nullableString', defaultText: '(none)', doc: 'Comma list of server names refused both ways, in addition to the ones an operator refused with DEFEDERATE (kept in `<dataDir>/federation.json`).' },
  { key: 'federationVisitsPerSecond', env: 'LAGOON_FEDERATION_VISITS_PER_SECOND', flag: 'federation-visits-per-second', type: 'int', min: 1, max: 100_000, defaultText: '5', unit: 'visits/s', doc: 'Visits (new visitors and JOINs) accepted per second from one remote server; beyond it 437.' },
  { key: 'federationVisitBurst', env: 'LAGOON_FEDERATION_VISIT_BURST', flag: 'federation-visit-burst', type: 'int', min: 1, max: 100_000, defaultText: '20', unit: 'visits', doc: 'Visits one remote server may make at once before the rate applies.' },
  { key: 'federationMaxVisitorsPerServer', env: 'LAGOON_FEDERATION_MAX_VISITORS_PER_SERVER', flag: 'federation-max-visitors-per-server', type: 'int', min: 1, max: 1_000_000, defaultText: '1000', unit: 'visitors', doc: 'Users of one remote server visiting this server at once.' },
  { key: 'federationConnectTimeoutMs', env: 'LAGOON_FEDERATION_CONNECT_TIMEOUT_MS', flag: 'federation-connect-timeout-ms', type: 'int', min: 100, max: 600_000, defaultText: '10000', unit: 'ms', doc: 'Time to reach a remote server and have it prove its name before the visit fails with 402.' },
] as const satisfies readonly FieldSpec[];

export type ConfigKey = (typeof CONFIG_FIELDS)[number]['key'];

/** Non-setting environment variables that share the prefix (tools, tests). */
export const NON_CONFIG_ENV = new Set(['LAGOON_CONFIG', 'LAGOON_SEED', 'LAGOON_PROFILE']);

/** `profile`: LAGOON_PROFILE (`test` turns mDNS off by default). */
export function defaultValues(profile?: string): Record<ConfigKey, unknown> {
  const host = hostname() || 'localhost';
  return {
    dataDir: '.lagoon',
    nodeName: host,
    serverName: host,
    networkName: 'Lagoon',
    bind: '127.0.0.1',
    ircPort: 6667,
    ircTlsPort: 6697,
    httpPort: 8787,
    meshPort: 9443,
    peers: [],
    ygg: false,
    tlsCertFile: null,
    tlsKeyFile: null,
    logLevel: 'info',
    ircMotdFile: null,
    ircPassword: null,
    ircOperPassword: null,
    ircMaxClients: 10000,
    ircMaxClientsPerIp: 100,
    ircMaxChannelsPerClient: 50,
    ircSendQBytes: 1048576,
    ircFloodBurstLines: 20,
    ircFloodLinesPerSecond: 5,
    ircPingIntervalMs: 90000,
    ircPingTimeoutMs: 60000,
    broadcast: false,
    peerCacheFile: null,
    peerCacheMax: 1024,
    peerCacheGossipMax: 16,
    peerCacheSaveIntervalMs: 5000,
    // Test nodes never multicast on the host's network (LAGOON_PROFILE=test, set by the test helpers).
    mdns: profile !== 'test',
    vdfWindowMs: profile === 'test' ? 1000 : 1250,
    vdfDutyPercent: profile === 'test' ? 1 : 5,
    meshHoleStableMs: profile === 'test' ? 10_000 : 30_000,
    meshArrivalMs: 3000,
    mdnsInterface: null,
    rendezvousOnly: false,
    rendezvousUrl: null,
    rendezvousWan: null,
    rendezvousHeartbeatMs: 5000,
    rendezvousTtlMs: 20000,
    rendezvousKeepAliveMs: 15000,
    rendezvousMaxPeers: 10000,
    rendezvousMaxSubscribers: 20000,
    rendezvousMaxSubscribersPerIp: 32,
    rendezvousPublishRatePerIp: 20,
    rendezvousPublishBurstPerIp: 40,
    rendezvousSyncPollMs: 25,
    peerDb: null,
    adminPassword: null,
    registryTtlMs: 3600000,
    registryMaxPeers: 10000,
    registryDialTimeoutMs: 5000,
    federation: true,
    siteKeyFile: null,
    federationTrust: null,
    federationTofu: true,
    federationDeny: null,
    federationVisitsPerSecond: 5,
    federationVisitBurst: 20,
    federationMaxVisitorsPerServer: 1000,
    federationConnectTimeoutMs: 10000,
  };
}

/** The README/`lagoon config` table. */
export function configTableMarkdown(): string {
  const rows = CONFIG_FIELDS.map((f) => {
    const unit = 'unit' in f ? ` (${f.unit})` : '';
    return `| \`${f.env}\` | \`--${f.flag}\` | \`${f.key}\` | ${f.defaultText}${unit} | ${f.doc} |`;
  });
  return ['| Environment | Flag | Config file key | Default | Meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}
