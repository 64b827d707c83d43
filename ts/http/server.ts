/**
 * The node's HTTP listener: a small router over node:http. Layers register
 * routes (health, metrics now; mesh status, rendezvous and dashboards later)
 * instead of each opening its own port.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/logger.js';
import { LagoonError } from '../core/errors.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface HttpServer {
  readonly port: number;
  readonly address: string;
  route(method: string, path: string, handler: Handler): void;
  close(): Promise<void>;
}

export async function startHttpServer(opts: { bind: string; port: number; logger: Logger }): Promise<HttpServer> {
  const log = opts.logger.child({ name: 'lagoon:http' });
  const routes = new Map<string, Map<string, Handler>>();

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const byMethod = routes.get(url.pathname);
    if (!byMethod) return sendText(res, 404, 'not found\n');
    const handler = byMethod.get(req.method ?? 'GET') ?? (req.method === 'HEAD' ? byMethod.get('GET') : undefined);
    if (!handler) {
      res.setHeader('Allow', [...byMethod.keys()].join(', '));
      return sendText(res, 405, 'method not allowed\n');
    }
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((err: unknown) => {
        log.error({ err, path: url.pathname }, 'handler failed');
        if (!res.headersSent) sendText(res, 500, 'internal error\n');
        else res.destroy();
      });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new LagoonError('ERR_LISTEN', `HTTP cannot listen on ${opts.bind}:${opts.port}: ${err.message}`, { cause: err })));
    server.listen(opts.port, opts.bind, () => resolve());
  });
  const addr = server.address() as AddressInfo;

  return {
    port: addr.port,
    address: addr.address,
    route(method, path, handler) {
      let byMethod = routes.get(path);
      if (!byMethod) routes.set(path, (byMethod = new Map()));
      if (byMethod.has(method)) throw LagoonError.invalidArgument(`route ${method} ${path} registered twice`);
      byMethod.set(method, handler);
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export function sendText(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, JSON.stringify(value) + '\n', 'application/json');
}
