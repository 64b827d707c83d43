import { ephemeralIdentity } from '../../ts/core/identity.js';
import { Transport } from '../../ts/transport/transport.js';
import { MemoryNetwork } from '../../ts/transport/memory.js';
import { compliance } from './compliance.js';
import { memoryRelay } from './helpers.js';

const network = new MemoryNetwork();
let n = 0;
const RAW = { maxFrameBytes: 1 << 20, highWaterMarkBytes: 1 << 20 };

compliance('memory', {
  flipReason: 'decrypt',
  transport: (opts = {}) => new Transport({ identity: ephemeralIdentity(), memory: network, ...opts }),
  listen: async (t) => {
    const name = `node-${++n}`;
    t.listenMemory(name);
    return `memory://${name}`;
  },
  relay: (target) => memoryRelay(network, target),
  silent: async () => {
    const name = `silent-${++n}`;
    const held: { close(i: { reason: 'local'; message: string }): void }[] = [];
    const unlisten = network.listen(name, RAW, (c) => { held.push(c); });
    return { address: `memory://${name}`, close: async () => { unlisten(); for (const c of held) c.close({ reason: 'local', message: '' }); } };
  },
  garbage: async (address) => {
    // A carrier that speaks no Noise: a 40-byte "msg1" (payload where none is allowed), then junk.
    const c = network.connect(address.replace('memory://', ''), RAW);
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.send(Buffer.alloc(40, 0x41));
    await closed;
  },
});
