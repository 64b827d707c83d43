/**
 * Client calls for a bootstrap registry: register (the registry dials our
 * addresses back before listing them), unregister, discover. Every call is
 * bounded by `signal`; HTTP errors come back as `{ status, body }`, not
 * exceptions, so callers can log the registry's reason.
 */
import type { Identity } from '../../core/identity.js';
import { requestBody, signRequest } from './messages.js';
import type { RegistryEntry } from './registry.js';

export interface RegistryReply<T> {
  readonly status: number;
  readonly body: T;
}

async function call<T>(url: string, init: RequestInit, signal: AbortSignal): Promise<RegistryReply<T>> {
  const res = await fetch(url, { ...init, signal, headers: { 'Content-Type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as T };
}

export interface RegisterResult {
  listed?: string[];
  refused?: Array<{ address: string; reason: string }>;
  expiresAt?: number;
  peers?: RegistryEntry[];
  error?: string;
}

export function register(base: string, identity: Identity, addrs: readonly string[], signal: AbortSignal): Promise<RegistryReply<RegisterResult>> {
  const body = requestBody(signRequest(identity, 'register', addrs, Date.now()));
  return call(`${base.replace(/\/+$/, '')}/api/bootstrap/register`, { method: 'POST', body: JSON.stringify(body) }, signal);
}

export function unregister(base: string, identity: Identity, signal: AbortSignal): Promise<RegistryReply<{ removed?: boolean; error?: string }>> {
  const body = requestBody(signRequest(identity, 'unregister', [], Date.now()));
  return call(`${base.replace(/\/+$/, '')}/api/bootstrap/unregister`, { method: 'DELETE', body: JSON.stringify(body) }, signal);
}

export function discover(base: string, limit: number, signal: AbortSignal): Promise<RegistryReply<{ peers?: RegistryEntry[]; error?: string }>> {
  return call(`${base.replace(/\/+$/, '')}/api/bootstrap/discover?limit=${limit}`, { method: 'GET' }, signal);
}
