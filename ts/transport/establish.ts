/**
 * Runs the Noise handshake over a fresh carrier: the driver of handshake.ts
 * (reads the monotonic clock, arms the one timer, honours the AbortSignal).
 * Resolves with a link or a self-connection; rejects with a LagoonError
 * carrying the close reason (`err.reason`). Every listener, timer and abort
 * handler is removed on every exit; on failure the carrier is closed.
 */
import { performance } from 'node:perf_hooks';
import { LagoonError, type LagoonErrorCode } from '../core/errors.js';
import { Handshake, type HandshakeAction } from './handshake.js';
import { SecureLink, type SecureLinkContext } from './secure-link.js';
import { abortError } from './connect.js';
import type { CarrierBase } from './carrier-base.js';
import type { LinkIdentity } from './noise-keys.js';
import type { CloseInfo, CloseReason } from './types.js';

export interface EstablishOptions {
  readonly identity: LinkIdentity;
  readonly initiator: boolean;
  readonly expectPeerId?: string;
  readonly payload?: Buffer;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly peerIdOf?: (publicKey: Buffer) => string;
}

export type Established = { readonly self: false; readonly link: SecureLink } | { readonly self: true; readonly peerId: string };

/** A LagoonError that also says which close reason ended the attempt. */
export type LinkError = LagoonError & { readonly reason: CloseReason };

export function linkError(code: LagoonErrorCode, reason: CloseReason, message: string, cause?: unknown): LinkError {
  const peerCaused = code === 'ERR_PROTOCOL';
  const err = new LagoonError(code, `${reason}: ${message}`, { cause, origin: peerCaused ? 'peer' : 'local' });
  return Object.assign(err, { reason });
}

const CODE_OF: Partial<Record<CloseReason, LagoonErrorCode>> = {
  timeout: 'ERR_TIMEOUT', aborted: 'ERR_ABORTED', eof: 'ERR_CLOSED', local: 'ERR_CLOSED',
};

export function establish(carrier: CarrierBase, opts: EstablishOptions, ctx: SecureLinkContext): Promise<Established> {
  const { counters, logger } = ctx;
  const hs = new Handshake(opts);
  return new Promise<Established>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const cleanup = (): void => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      carrier.removeListener('frame', onFrame);
      carrier.removeListener('close', onClose);
    };
    const failWith = (reason: CloseReason, message: string, code?: LagoonErrorCode, cause?: unknown): void => {
      if (settled) return;
      cleanup();
      counters.handshakeFailures[reason]++;
      if (reason === 'oversized') counters.oversizedFrames++;
      const c = code ?? CODE_OF[reason] ?? 'ERR_PROTOCOL';
      logger.warn({ addr: carrier.remoteAddress, kind: carrier.kind, reason, code: c, dir: opts.initiator ? 'out' : 'in', msg: message }, 'handshake failed');
      carrier.close({ reason, code: c, message });
      reject(cause instanceof LagoonError && reason === 'aborted' ? Object.assign(cause, { reason }) : linkError(c, reason, message, cause));
    };
    const apply = (actions: HandshakeAction[]): void => {
      for (const a of actions) {
        if (settled) return;
        if (a.type === 'send') {
          try { carrier.send(a.message); } catch { /* the carrier's close event reports it */ }
        } else if (a.type === 'fail') {
          failWith(a.reason, a.message);
        } else if (a.type === 'self') {
          cleanup();
          counters.selfConnections++;
          logger.info({ addr: carrier.remoteAddress, kind: carrier.kind }, 'self-connection recognised; closing quietly');
          carrier.close({ reason: 'self', message: 'self-connection' });
          resolve({ self: true, peerId: a.peerId });
        } else {
          cleanup();
          resolve({ self: false, link: new SecureLink(carrier, a.result, opts.initiator, ctx) });
        }
      }
      if (!settled) arm();
    };
    const arm = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      const at = hs.nextTimeout();
      if (at === undefined) return;
      timer = setTimeout(() => apply(hs.handleTimeout(Math.max(at, performance.now()))), Math.max(0, at - performance.now()));
    };
    const onFrame = (message: Buffer): void => apply(hs.handle(message, performance.now()));
    const onClose = (info: CloseInfo): void => failWith(info.reason === 'local' ? 'eof' : info.reason, `carrier closed during handshake: ${info.message}`, info.code);
    const onAbort = (): void => failWith('aborted', 'aborted during handshake', 'ERR_ABORTED', opts.signal ? abortError(opts.signal) : undefined);
    if (opts.signal?.aborted) {
      settled = true;
      carrier.close({ reason: 'aborted', code: 'ERR_ABORTED', message: 'aborted before handshake' });
      reject(Object.assign(abortError(opts.signal), { reason: 'aborted' as const }));
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    carrier.on('frame', onFrame);
    carrier.on('close', onClose);
    apply(hs.start(performance.now()));
  });
}
