/** Harness for carriers behind the shared TCP listener (tcp, tls, ws, wss). */
import selfsigned from 'selfsigned';
import { ephemeralIdentity } from '../../ts/core/identity.js';
import { Transport, type TransportOptions } from '../../ts/transport/transport.js';
import type { Harness } from './compliance.js';
import { rawTcpExchange, silentTcp, tcpRelay } from './helpers.js';
import type { CloseReason } from '../../ts/transport/types.js';

let material: Promise<{ cert: string; key: string }> | undefined;
export function testCert(): Promise<{ cert: string; key: string }> {
  material ??= selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' } as never)
    .then((p: { cert: string; private: string }) => ({ cert: p.cert, key: p.private }));
  return material;
}

export async function netHarness(scheme: 'tcp' | 'tls' | 'ws' | 'wss'): Promise<Harness> {
  const tls = scheme === 'tls' || scheme === 'wss' ? await testCert() : undefined;
  const flipReason: CloseReason = tls ? 'eof' : 'decrypt';
  return {
    flipReason,
    transport: (opts: Partial<TransportOptions> = {}) => new Transport({ identity: ephemeralIdentity(), ...(tls ? { tls } : {}), ...opts }),
    listen: async (t) => `${scheme}://127.0.0.1:${(await t.listen('127.0.0.1', 0)).port}`,
    relay: (target) => tcpRelay(target),
    silent: async () => {
      const s = await silentTcp();
      return { address: `${scheme}://127.0.0.1:${s.port}`, close: () => s.close() };
    },
    garbage: async (address) => {
      const port = Number(new URL(address).port);
      await rawTcpExchange(port, Buffer.from('HELO this is not a mesh peer\r\n'));
      await rawTcpExchange(port, Buffer.from('LGN2 close but no'));
      await rawTcpExchange(port, Buffer.from('GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
    },
  };
}
