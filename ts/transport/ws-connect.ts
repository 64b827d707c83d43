/** Open a WebSocket with an AbortSignal, removing every listener on every exit. */
import { WebSocket, type ClientOptions } from 'ws';
import { LagoonError } from '../core/errors.js';
import { abortError } from './connect.js';

export function connectAbortable(url: string, options: ClientOptions, signal: AbortSignal): Promise<WebSocket> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const cleanup = (): void => {
      signal.removeEventListener('abort', onAbort);
      ws.removeListener('open', onOpen);
      ws.removeListener('error', onError);
    };
    const onAbort = (): void => {
      cleanup();
      ws.on('error', () => undefined); // terminate() before open reports an error we no longer care about
      ws.terminate();
      reject(abortError(signal));
    };
    const onOpen = (): void => { cleanup(); resolve(ws); };
    const onError = (err: Error): void => {
      cleanup();
      ws.on('error', () => undefined);
      ws.terminate();
      reject(new LagoonError('ERR_CLOSED', `WebSocket connect to ${url} failed: ${err.message}`, { cause: err }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    ws.once('open', onOpen);
    ws.once('error', onError);
  });
}
