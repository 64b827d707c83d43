/**
 * Which mesh addresses a broadcasting node puts in its signed record. Reads the
 * host's interfaces, so it lives with the driver, not the machine.
 */
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { LIMITS } from './constants.js';

function hostPort(host: string, port: number): string {
  return `tcp://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * A specific bind address is the one address (loopback included, so nodes on
 * one machine can use it). A wildcard bind (`0.0.0.0`, `::`) lists the
 * non-internal addresses of every interface (IPv6 only for `::`, link-local
 * left out because it needs a zone), at most LIMITS.maxAddrs.
 */
export function advertisedAddresses(bind: string, port: number, interfaces = networkInterfaces()): string[] {
  if (port <= 0) return [];
  if (bind !== '0.0.0.0' && bind !== '::' && bind !== 'localhost') return [hostPort(bind, port)];
  if (bind === 'localhost') return [hostPort('127.0.0.1', port)];
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv6' && (bind !== '::' || a.address.toLowerCase().startsWith('fe80:'))) continue;
      out.push(hostPort(a.address, port));
    }
  }
  return [...new Set(out)].slice(0, LIMITS.maxAddrs);
}
