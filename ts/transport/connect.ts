/** Open a socket with an AbortSignal, removing every listener on every exit. */
import type net from 'node:net';
import { LagoonError } from '../core/errors.js';

export function abortError(signal: AbortSignal): LagoonError {
  const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new LagoonError('ERR_ABORTED', `dial aborted: ${why}`, { cause: signal.reason });
}

export function connectWithSignal<S extends net.Socket>(open: () => S, readyEvent: string, signal: AbortSignal): Promise<S> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<S>((resolve, reject) => {
    const socket = open();
    const cleanup = (): void => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener(readyEvent, onReady);
      socket.removeListener('error', onError);
    };
    const onAbort = (): void => { cleanup(); socket.destroy(); reject(abortError(signal)); };
    const onReady = (): void => { cleanup(); resolve(socket); };
    const onError = (err: Error): void => {
      cleanup();
      socket.destroy();
      const code = (err as NodeJS.ErrnoException).code ?? 'ERROR';
      reject(new LagoonError('ERR_CLOSED', `connect failed (${code}): ${err.message}`, { cause: err }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
  });
}
