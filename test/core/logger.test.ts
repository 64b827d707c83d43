import test from 'ava';
import { Writable } from 'node:stream';
import { createLogger } from '../../ts/core/logger.js';

test('component loggers emit one name key per JSON record', (t) => {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
  const root = createLogger({ level: 'info', pretty: false, destination });
  root.child({ name: 'lagoon:irc' }).info({ client: 7 }, 'hello');
  t.is(lines.length, 1);
  t.is(lines[0]!.match(/"name":/g)?.length, 1);
  t.like(JSON.parse(lines[0]!), { name: 'lagoon:irc', client: 7, msg: 'hello' });
});
