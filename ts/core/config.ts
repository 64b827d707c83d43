/**
 * One frozen configuration object, merged from (lowest to highest precedence):
 * built-in defaults < JSON config file < environment (LAGOON_*) < CLI flags.
 * Every value is validated at start-up; an invalid one is an ERR_CONFIG error
 * naming the setting, where it came from, and the expected form. Unknown keys
 * (in the file, as LAGOON_* variables, or as flags) are errors too, because a
 * typo that is silently ignored is a misconfigured production node.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { LagoonError } from './errors.js';
import { CONFIG_FIELDS, NON_CONFIG_ENV, defaultValues, type ConfigKey, type FieldSpec } from './config-schema.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LagoonConfig {
  readonly dataDir: string;
  readonly nodeName: string;
  readonly serverName: string;
  readonly networkName: string;
  readonly bind: string;
  readonly ircPort: number;
  readonly ircTlsPort: number;
  readonly httpPort: number;
  readonly meshPort: number;
  readonly peers: readonly HostPort[];
  readonly ygg: boolean;
  readonly tlsCertFile: string | null;
  readonly tlsKeyFile: string | null;
  readonly logLevel: LogLevel;
  readonly ircMotdFile: string | null;
  readonly ircPassword: string | null;
  readonly ircOperPassword: string | null;
  readonly ircMaxClients: number;
  readonly ircMaxClientsPerIp: number;
  readonly ircMaxChannelsPerClient: number;
  readonly ircSendQBytes: number;
  readonly ircFloodBurstLines: number;
  readonly ircFloodLinesPerSecond: number;
  readonly ircPingIntervalMs: number;
  readonly ircPingTimeoutMs: number;
  readonly broadcast: boolean;
  readonly peerCacheFile: string | null;
  readonly peerCacheMax: number;
  readonly peerCacheGossipMax: number;
  readonly peerCacheSaveIntervalMs: number;
  readonly mdns: boolean;
  readonly vdfWindowMs: number;
  readonly vdfDutyPercent: number;
  readonly meshHoleStableMs: number;
  readonly meshArrivalMs: number;
  readonly mdnsInterface: string | null;
  readonly rendezvousOnly: boolean;
  readonly rendezvousUrl: string | null;
  readonly rendezvousWan: string | null;
  readonly rendezvousHeartbeatMs: number;
  readonly rendezvousTtlMs: number;
  readonly rendezvousKeepAliveMs: number;
  readonly rendezvousMaxPeers: number;
  readonly rendezvousMaxSubscribers: number;
  readonly rendezvousMaxSubscribersPerIp: number;
  readonly rendezvousPublishRatePerIp: number;
  readonly rendezvousPublishBurstPerIp: number;
  readonly rendezvousSyncPollMs: number;
  readonly peerDb: string | null;
  readonly adminPassword: string | null;
  readonly registryTtlMs: number;
  readonly registryMaxPeers: number;
  readonly registryDialTimeoutMs: number;
  readonly federation: boolean;
  readonly siteKeyFile: string | null;
  readonly federationTrust: string | null;
  readonly federationTofu: boolean;
  readonly federationDeny: string | null;
  readonly federationVisitsPerSecond: number;
  readonly federationVisitBurst: number;
  readonly federationMaxVisitorsPerServer: number;
  readonly federationConnectTimeoutMs: number;
}

export interface ConfigSources {
  /** Environment; only LAGOON_* names are read. */
  env?: Record<string, string | undefined>;
  /** Path of a JSON config file (also taken from LAGOON_CONFIG / --config). */
  file?: string | null;
  /** Already-parsed CLI flags: flag name (without dashes) to raw string. */
  flags?: Record<string, string | boolean>;
  /** Programmatic overrides (highest precedence), e.g. from tests or embedders. */
  overrides?: Partial<Record<ConfigKey, unknown>>;
}

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const BY_ENV = new Map<string, FieldSpec>(CONFIG_FIELDS.map((f) => [f.env, f]));
const BY_FLAG = new Map<string, FieldSpec>(CONFIG_FIELDS.map((f) => [f.flag, f]));
const BY_KEY = new Map<string, FieldSpec>(CONFIG_FIELDS.map((f) => [f.key, f]));

export function loadConfig(sources: ConfigSources = {}): LagoonConfig {
  const env = sources.env ?? {};
  // The profile only changes defaults. In-process embedders (tests) that pass no env still get it from the process.
  const values: Record<string, unknown> = defaultValues(env.LAGOON_PROFILE ?? process.env.LAGOON_PROFILE);

  const file = sources.file ?? env.LAGOON_CONFIG ?? null;
  if (file) applyFile(values, file);

  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('LAGOON_') || raw === undefined || NON_CONFIG_ENV.has(name)) continue;
    const field = BY_ENV.get(name);
    if (!field) throw LagoonError.config(`unknown environment variable ${name} (see \`lagoon config\` for the settings)`);
    values[field.key] = parseValue(field, raw, `environment variable ${name}`);
  }

  for (const [flag, raw] of Object.entries(sources.flags ?? {})) {
    const field = BY_FLAG.get(flag);
    if (!field) throw LagoonError.config(`unknown flag --${flag} (see \`lagoon config\`)`);
    values[field.key] = parseValue(field, raw, `flag --${flag}`);
  }

  for (const [key, raw] of Object.entries(sources.overrides ?? {})) {
    const field = BY_KEY.get(key);
    if (!field) throw LagoonError.config(`unknown setting ${key}`);
    values[key] = parseValue(field, raw, `setting ${key}`);
  }

  checkCombinations(values as unknown as LagoonConfig);
  return Object.freeze({ ...values, peers: Object.freeze([...(values.peers as HostPort[])]) }) as LagoonConfig;
}

function applyFile(values: Record<string, unknown>, path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LagoonError('ERR_CONFIG', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new LagoonError('ERR_CONFIG', `config file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw LagoonError.config(`config file ${path} must hold a JSON object`);
  }
  for (const [key, raw] of Object.entries(parsed)) {
    const field = BY_KEY.get(key);
    if (!field) throw LagoonError.config(`unknown key "${key}" in config file ${path}`);
    values[key] = parseValue(field, raw, `key "${key}" in ${path}`);
  }
}

/** Accepts strings (env, flags) and JSON-native values (file, overrides). */
export function parseValue(field: FieldSpec, raw: unknown, where: string): unknown {
  const fail = (expected: string): never => {
    throw LagoonError.config(`${where} is ${JSON.stringify(raw)}; expected ${expected}`);
  };
  switch (field.type) {
    case 'string': {
      if (typeof raw !== 'string' || raw.trim() === '') return fail('a non-empty string');
      return raw.trim();
    }
    case 'nullableString': {
      if (raw === null) return null;
      if (typeof raw !== 'string') return fail('a string');
      return raw === '' ? null : raw;
    }
    case 'port':
      return parseInteger(raw, 0, 65535, fail, 'a port number from 0 to 65535 (0 = any free port)');
    case 'int':
      return parseInteger(raw, field.min ?? 0, field.max ?? Number.MAX_SAFE_INTEGER, fail,
        `a whole number from ${field.min ?? 0} to ${field.max ?? Number.MAX_SAFE_INTEGER}${field.unit ? ` (${field.unit})` : ''}`);
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      return fail('one of 1/0, true/false, yes/no, on/off');
    }
    case 'level': {
      const s = String(raw).trim().toLowerCase();
      if (!(LEVELS as readonly string[]).includes(s)) return fail(`one of ${LEVELS.join(', ')}`);
      return s;
    }
    case 'hostList':
      return parseHostList(raw, fail);
  }
}

function parseInteger(raw: unknown, min: number, max: number, fail: (e: string) => never, expected: string): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) return fail(expected);
  return n;
}

const EXPECTED_HOSTS = 'a comma-separated list of host:port (e.g. "lagun.co:443,[::1]:9443")';

function parseHostList(raw: unknown, fail: (e: string) => never): HostPort[] {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : fail(EXPECTED_HOSTS);
  const out: HostPort[] = [];
  for (const item of items) {
    if (typeof item !== 'string') return fail(EXPECTED_HOSTS);
    const s = item.trim();
    if (s === '') continue;
    const hp = parseHostPort(s);
    if (!hp) return fail(EXPECTED_HOSTS);
    out.push(hp);
  }
  return out;
}

/** `host:port`, `[v6]:port`; the host must be a DNS name or an IP literal. */
export function parseHostPort(s: string): HostPort | null {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:\s[\]]+):(\d{1,5})$/.exec(s);
  if (!m) return null;
  const host = m[1]!;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  const isName = /^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?)*\.?$/.test(host);
  if (!isName && isIP(host) === 0) return null;
  return { host, port };
}

function checkCombinations(c: LagoonConfig): void {
  if ((c.tlsCertFile === null) !== (c.tlsKeyFile === null)) {
    throw LagoonError.config('LAGOON_TLS_CERT_FILE and LAGOON_TLS_KEY_FILE must be set together');
  }
  if (isIP(c.bind) === 0 && c.bind !== 'localhost') {
    throw LagoonError.config(`LAGOON_BIND is ${JSON.stringify(c.bind)}; expected an IP address such as 127.0.0.1, 0.0.0.0 or ::`);
  }
  const nonZero = [c.ircPort, c.ircTlsPort, c.httpPort, c.meshPort].filter((p) => p !== 0);
  if (new Set(nonZero).size !== nonZero.length) {
    throw LagoonError.config('the IRC, IRC TLS, HTTP and mesh ports must differ (0 = any free port)');
  }
  if (c.mdnsInterface !== null && isIP(c.mdnsInterface) !== 4) {
    throw LagoonError.config(`LAGOON_MDNS_INTERFACE is ${JSON.stringify(c.mdnsInterface)}; expected the IPv4 address of an interface`);
  }
  for (const [name, url] of [['LAGOON_RENDEZVOUS_URL', c.rendezvousUrl], ['LAGOON_RENDEZVOUS_WAN', c.rendezvousWan]] as const) {
    if (url !== null && !/^https?:\/\/[^\s/]+/.test(url)) throw LagoonError.config(`${name} is ${JSON.stringify(url)}; expected an http:// or https:// URL`);
  }
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(c.serverName)) {
    throw LagoonError.config(`LAGOON_SERVER_NAME is ${JSON.stringify(c.serverName)}; expected a DNS name or host:port`);
  }
}
