/**
 * Server names and where to reach them.
 *
 * A server name (the part after ':' in `#room:server`) is a DNS name or
 * `host:port`. Names compare case-insensitively (lower-cased, trailing dot
 * dropped). The mesh address a name maps to:
 *   - `host:port` / `[v6]:port` → `tcp://host:port` (the port is the MESH port);
 *   - a DNS name                → `tcp://name:9443` (the default mesh port).
 * Before dialling, a server that is already a mesh peer announcing this site
 * name in its HELLO is used over its existing link. Either way the node must
 * then prove the name with a site record (site-record.ts).
 */
import { isIP } from 'node:net';
import { parseHostPort } from '../core/config.js';
import { DEFAULT_MESH_PORT, FEDERATION_LIMITS } from './constants.js';

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*$/;

/** The canonical form of a server name, or null when it is not one. */
export function canonicalServerName(raw: string): string | null {
  if (raw === '' || Buffer.byteLength(raw) > FEDERATION_LIMITS.maxServerNameBytes) return null;
  let s = raw.toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.includes(':')) {
    const hp = parseHostPort(s);
    if (hp === null) return null;
    const host = hp.host.endsWith('.') ? hp.host.slice(0, -1) : hp.host;
    return isIP(host) === 6 ? `[${host}]:${hp.port}` : `${host}:${hp.port}`;
  }
  if (isIP(s) === 4 || DNS_NAME.test(s)) return s;
  return null;
}

/** The mesh address to dial for a canonical server name. */
export function meshAddressOf(server: string): string {
  if (server.includes(':')) return `tcp://${server}`;
  return `tcp://${server}:${DEFAULT_MESH_PORT}`;
}
