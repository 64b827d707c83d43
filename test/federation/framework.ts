/**
 * irc-framework (a real-world client) for the federation tests (the same
 * shape as test/irc/server.test.ts uses). It is CommonJS without
 * types, so its surface is kept small and typed here.
 */
import IRC from 'irc-framework';
import { bounded } from '../irc/helpers/net.js';

export interface FwEvent {
  nick?: string; target?: string; message?: string; channel?: string; topic?: string; kicked?: string;
  users?: { nick: string; hostname: string }[];
}

export interface FwClient {
  connect(o: object): void; join(c: string): void; say(t: string, m: string): void; setTopic(c: string, t: string): void;
  raw(l: string): void; quit(m?: string): void; on(e: string, f: (ev: FwEvent) => void): void;
  removeListener(e: string, f: (ev: FwEvent) => void): void; connection: { end(): void };
}

/** The next `name` event matching `pred`, bounded. */
export function nextEvent(c: FwClient, name: string, pred: (e: FwEvent) => boolean = () => true): Promise<FwEvent> {
  return bounded(new Promise((resolve) => {
    const f = (e: FwEvent): void => { if (pred(e)) { c.removeListener(name, f); resolve(e); } };
    c.on(name, f);
  }), `irc-framework ${name}`);
}

/** A registered irc-framework client on 127.0.0.1:`port`. */
export async function connectFramework(port: number, nick: string): Promise<FwClient> {
  const Client = (IRC as unknown as { Client: new () => FwClient }).Client;
  const c = new Client();
  const registered = nextEvent(c, 'registered');
  c.connect({ host: '127.0.0.1', port, nick, username: nick, gecos: `${nick} real`, auto_reconnect: false, ping_interval: 0, ping_timeout: 0 });
  await registered;
  return c;
}
