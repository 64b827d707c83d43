/**
 * Mesh addresses a dial understands:
 *   tcp://host:port     raw TCP with length-prefixed frames (also plain `host:port`)
 *   tls://host:port     the same inside TLS
 *   ws://host:port[/p]  WebSocket (default path /lagoon-link)
 *   wss://host:port[/p] WebSocket over TLS
 *   memory://name       in-process (tests, simulator)
 */
import { LagoonError } from '../core/errors.js';
import { WS_PATH } from './constants.js';

export type MeshAddress =
  | { readonly scheme: 'tcp' | 'tls'; readonly host: string; readonly port: number }
  | { readonly scheme: 'ws' | 'wss'; readonly url: string }
  | { readonly scheme: 'memory'; readonly name: string };

export function parseAddress(address: string): MeshAddress {
  const text = address.includes('://') ? address : `tcp://${address}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw LagoonError.invalidArgument(`not a mesh address: ${JSON.stringify(address)}`);
  }
  const scheme = u.protocol.slice(0, -1);
  if (scheme === 'memory') {
    const name = u.host + u.pathname.replace(/^\/$/, '');
    if (name === '') throw LagoonError.invalidArgument(`memory address needs a name: ${address}`);
    return { scheme, name };
  }
  if (u.hostname === '' || u.port === '') throw LagoonError.invalidArgument(`mesh address needs host and port: ${address}`);
  const port = Number(u.port);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (scheme === 'tcp' || scheme === 'tls') return { scheme, host, port };
  if (scheme === 'ws' || scheme === 'wss') {
    const path = u.pathname === '/' ? WS_PATH : u.pathname;
    return { scheme, url: `${scheme}://${u.host}${path}` };
  }
  throw LagoonError.invalidArgument(`unknown mesh address scheme ${scheme}: in ${address}`);
}
