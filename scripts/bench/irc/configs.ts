/**
 * Config generators for the three servers under test. Pure: they return file
 * text or an env object and touch nothing; `servers.ts` writes and starts them.
 *
 * Fairness: every server gets the same client-facing limits from one
 * `ServerLimits` value — connection caps raised far above the load, per-IP caps
 * off (every bench client comes from 127.0.0.1), flood control loose enough
 * that the single sender is never throttled, and the same send queue.
 * ngIRCd's send queue is compiled in (WRITEBUFFER_MAX_LEN = 32 KiB) and
 * cannot be configured, so `sendqBytes` defaults to that value for everyone.
 */

export interface ServerLimits {
  /** TCP port on 127.0.0.1 for plain-text clients. */
  port: number;
  /** Total client connections allowed (the bench uses up to ~10,000). */
  maxClients: number;
  /** Per-IP connection cap; all bench clients share 127.0.0.1, so ≥ maxClients. */
  maxClientsPerIp: number;
  /** Bytes queued towards one client before the server drops it. */
  sendqBytes: number;
  /** Bytes of unparsed input buffered per client. */
  recvqBytes: number;
  /** Sustained lines per second a client may send before flood control acts. */
  floodRateLinesPerS: number;
  /** Lines a client may send in a burst above the sustained rate. */
  floodBurstLines: number;
}

/** ngIRCd's compiled-in per-client write buffer limit (src/ngircd/defines.h). */
export const NGIRCD_SENDQ_BYTES = 32768;

/** Limits for the fan-out bench: loose flood control, the same sendq for all. */
export function fanoutLimits(port: number, maxClients: number): ServerLimits {
  return {
    port,
    maxClients,
    maxClientsPerIp: maxClients,
    sendqBytes: NGIRCD_SENDQ_BYTES,
    recvqBytes: 65536,
    floodRateLinesPerS: 1_000_000,
    floodBurstLines: 1_000_000,
  };
}

function assertLimits(l: ServerLimits): void {
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`ServerLimits.${k} must be a non-negative integer, got ${v}`);
  }
  if (l.port < 1 || l.port > 65535) throw new RangeError(`bad port ${l.port}`);
}

/** Escape a value for an InspIRCd XML-ish attribute. */
function attr(v: string | number): string {
  return String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * inspircd.conf for InspIRCd 3. One connect class for 127.0.0.1 with:
 * `localmax`/`globalmax`/`limit` = connection caps; `commandrate` in
 * millicommands/s and `threshold` in penalty units (×1000 internally, kept
 * below 2^32); `fakelag` on (so flood control delays rather than kills);
 * `hardsendq` = sendq. No DNS or ident lookups.
 */
export function inspircdConfig(l: ServerLimits, dir: string, moduleDir = '/usr/lib/inspircd/modules'): string {
  assertLimits(l);
  const commandrate = Math.min(4_000_000_000, l.floodRateLinesPerS * 1000);
  const threshold = Math.min(4_000_000, Math.max(20, l.floodBurstLines));
  return `<config format="xml">
<server name="inspircd.bench.local" description="Lagoon bench baseline" network="Bench">
<admin name="bench" nick="bench" email="bench@localhost">
<path configdir="${attr(dir)}" datadir="${attr(dir)}" logdir="${attr(dir)}" moduledir="${attr(moduleDir)}">
<bind address="127.0.0.1" port="${l.port}" type="clients">
<connect name="bench"
         allow="127.0.0.1"
         timeout="60"
         pingfreq="600"
         hardsendq="${l.sendqBytes}"
         softsendq="${Math.min(10240, l.sendqBytes)}"
         recvq="${l.recvqBytes}"
         threshold="${threshold}"
         commandrate="${commandrate}"
         fakelag="yes"
         localmax="${l.maxClientsPerIp}"
         globalmax="${l.maxClientsPerIp}"
         limit="${l.maxClients}"
         maxchans="20"
         resolvehostnames="no"
         useident="no">
<dns server="127.0.0.1" timeout="1">
<pid file="${attr(dir)}/inspircd.pid">
<files motd="${attr(dir)}/motd.txt">
<options defaultmodes="nt" prefixquit="Quit: " syntaxhints="no" announcets="no" hostintopic="no" pingwarning="0">
<performance netbuffersize="10240" somaxconn="1024" softlimit="${l.maxClients + 64}" clonesonconnect="no" quietbursts="yes">
<security hideserver="" userstats="Pu" maxtargets="20">
<limits maxnick="30" maxchan="64">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${attr(dir)}/ircd.log">
`;
}

/**
 * ngircd.conf for ngIRCd 26. `MaxConnectionsIP = 0` is unlimited. ngIRCd has
 * no configurable flood rate: it adds penalty seconds per command beyond a
 * few per loop; `MaxPenaltyTime = 0` disables that and user mode `F`
 * ("relaxed flood protection", set on every client through DefaultUserModes)
 * lets a client have 10 commands handled per read instead of 3. Started as
 * root, ngIRCd drops to "nobody", so nothing it needs after start-up may live
 * in the (private) temp dir: no PID file, the MOTD inline.
 */
export function ngircdConfig(l: ServerLimits): string {
  assertLimits(l);
  const perIp = l.maxClientsPerIp >= l.maxClients ? 0 : l.maxClientsPerIp;
  const relaxed = l.floodRateLinesPerS >= 1000;
  return `[Global]
  Name = ngircd.bench.local
  Info = Lagoon bench baseline
  AdminInfo1 = bench
  AdminInfo2 = bench
  AdminEMail = bench@localhost
  Listen = 127.0.0.1
  Ports = ${l.port}
  MotdPhrase = bench
[Limits]
  MaxConnections = ${l.maxClients + 64}
  MaxConnectionsIP = ${perIp}
  MaxJoins = 20
  MaxNickLength = 30
  MaxPenaltyTime = ${relaxed ? 0 : -1}
  PingTimeout = 600
  PongTimeout = 120
[Options]
  DNS = no
  Ident = no
  PAM = no
  DefaultUserModes = ${relaxed ? 'F' : ''}
  NoticeBeforeRegistration = no
`;
}

/** Environment for `lagoon start` (see the CLI's LAGOON_* variables). */
export function lagoonEnv(
  l: ServerLimits,
  dir: string,
  ports: { http: number; mesh: number },
  logLevel = 'warn',
): Record<string, string> {
  assertLimits(l);
  return {
    LAGOON_BIND: '127.0.0.1',
    LAGOON_IRC_PORT: String(l.port),
    LAGOON_IRC_TLS_PORT: '0',
    LAGOON_HTTP_PORT: String(ports.http),
    LAGOON_MESH_PORT: String(ports.mesh),
    LAGOON_DATA_DIR: dir,
    LAGOON_IRC_MAX_CLIENTS: String(l.maxClients),
    LAGOON_IRC_MAX_CLIENTS_PER_IP: String(l.maxClientsPerIp),
    LAGOON_IRC_FLOOD_BURST: String(l.floodBurstLines),
    LAGOON_IRC_FLOOD_RATE: String(l.floodRateLinesPerS),
    LAGOON_IRC_SENDQ_BYTES: String(l.sendqBytes),
    LAGOON_LOG_LEVEL: logLevel,
  };
}

/**
 * inspircd.conf for one of two InspIRCd servers linked with m_spanningtree
 * (the federation bench's baseline): the bench config above under its own
 * server name and SID, a server port on 127.0.0.1, and a <link> to the other
 * one; the side with `autoconnect` dials it every 2 s until linked.
 */
export function inspircdLinkedConfig(l: ServerLimits, dir: string, me: { name: string; sid: string; linkPort: number },
  peer: { name: string; linkPort: number }, autoconnect: boolean): string {
  const base = inspircdConfig(l, dir).replace('<server name="inspircd.bench.local"', `<server name="${attr(me.name)}" id="${attr(me.sid)}"`);
  return `${base}<module name="spanningtree">
<bind address="127.0.0.1" port="${me.linkPort}" type="servers">
<link name="${attr(peer.name)}" ipaddr="127.0.0.1" port="${peer.linkPort}" allowmask="127.0.0.1/32" sendpass="benchlink" recvpass="benchlink" timeout="30">
${autoconnect ? `<autoconnect period="2" server="${attr(peer.name)}">\n` : ''}`;
}
