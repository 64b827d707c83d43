/**
 * Abusive clients for the flood-isolation bench. Each registers, joins its own
 * channel, stops reading, and writes PRIVMSG lines as fast as the socket
 * accepts them. When the server disconnects it (Excess Flood, SendQ, …) it
 * reconnects, up to a fixed budget, so the flood lasts the whole run.
 */
import { RawClient } from './raw-client.js';

const LINE_TEXT = 'flood '.repeat(60);
const CHUNK_LINES = 128;
const RECONNECT_DELAY_MS = 50;

export class FloodGang {
  private readonly clients: (RawClient | null)[];
  private running = false;
  disconnects = 0;
  reconnects = 0;
  bytesWritten = 0;
  private generation = 0;

  constructor(private readonly port: number, readonly count: number, private readonly maxReconnects: number, private readonly timeoutMs: number) {
    this.clients = new Array<RawClient | null>(count).fill(null);
  }

  async start(): Promise<void> {
    this.running = true;
    await Promise.all(this.clients.map((_, i) => this.spawn(i)));
  }

  private async spawn(i: number): Promise<void> {
    if (!this.running) return;
    const nick = `f${i}g${this.generation++}`;
    let c: RawClient;
    try {
      c = await RawClient.open(this.port, nick, i, this.timeoutMs);
      await c.join(`#flood${i}`, this.timeoutMs);
    } catch {
      this.scheduleRespawn(i);
      return;
    }
    if (!this.running) {
      c.close();
      return;
    }
    this.clients[i] = c;
    c.socket.pause(); // never read again: whatever the server sends piles up
    c.onClose = () => {
      this.disconnects++;
      this.clients[i] = null;
      this.scheduleRespawn(i);
    };
    const chunk = `PRIVMSG #flood${i} :${LINE_TEXT}\r\n`.repeat(CHUNK_LINES);
    const pump = (): void => {
      for (let k = 0; k < 1000 && this.running && !c.closed; k++) {
        this.bytesWritten += chunk.length;
        if (!c.write(chunk)) {
          c.socket.once('drain', pump);
          return;
        }
      }
      if (this.running && !c.closed) setImmediate(pump);
    };
    pump();
  }

  private scheduleRespawn(i: number): void {
    if (!this.running || this.reconnects >= this.maxReconnects) return;
    this.reconnects++;
    setTimeout(() => void this.spawn(i), RECONNECT_DELAY_MS);
  }

  stop(): void {
    this.running = false;
    for (const c of this.clients) {
      if (c) {
        c.onClose = null;
        c.close();
      }
    }
    this.clients.fill(null);
  }
}
