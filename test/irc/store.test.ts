import test from 'ava';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { IrcStateStore, STATE_FILE } from '../../ts/irc/store.js';
import { restore, snapshot } from '../../ts/irc/snapshot.js';
import { silentLogger } from '../../ts/core/logger.js';
import { Harness } from './helpers/harness.js';

function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const dest = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { logger: pino({ level: 'info' }, dest), lines };
}

test('state round-trips through the store: topic, modes, bans, key, limit, owner', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lagoon-irc-'));
  const h = new Harness();
  h.register(1, 'alice');
  h.send(1, 'JOIN #lagoon', 'JOIN #den', 'TOPIC #den :the den', 'MODE #den +imkl-t sekrit 7', 'MODE #den +b *!*@evil.example');
  const store = new IrcStateStore(dir, silentLogger());
  store.scheduleSave(() => snapshot(h.m));
  await store.flush();

  const loaded = await new IrcStateStore(dir, silentLogger()).load();
  t.truthy(loaded);
  const h2 = new Harness();
  restore(h2.m, loaded!);
  const den = h2.m.findChannel('#DEN')!;
  t.is(den.topic?.text, 'the den');
  t.is(den.topic?.setBy, 'alice!~alice@10.0.0.1');
  t.deepEqual(den.flags, { i: true, m: true, n: true, t: false });
  t.is(den.key, 'sekrit');
  t.is(den.limit, 7);
  t.deepEqual(den.bans.map((b) => b.mask), ['*!*@evil.example']);
  t.is(h2.m.findChannel('#lagoon')!.owner, 'alice');
  t.true(h2.m.findChannel('#lagoon')!.members.has(h2.m.bot));
  // An empty persisted room keeps its rules: a stranger still needs the key.
  h2.register(5, 'mallory', [], '6.6.6.6');
  h2.send(5, 'JOIN #den');
  t.deepEqual(Harness.numerics(h2.take(5)), ['473']);
});

test('a missing file loads as empty', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lagoon-irc-'));
  t.is(await new IrcStateStore(dir, silentLogger()).load(), null);
});

for (const [what, content] of [['not JSON', '{"version":1,"chan'], ['wrong shape', '{"version":1,"channels":[{"name":"#x","bans":"no"}]}'], ['wrong version', '{"version":9,"channels":[]}']] as const) {
  test(`a corrupt state file (${what}) is moved aside with a clear error`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'lagoon-irc-'));
    await writeFile(join(dir, STATE_FILE), content);
    const { logger, lines } = capturingLogger();
    t.is(await new IrcStateStore(dir, logger).load(), null);
    const files = await readdir(dir);
    const aside = files.find((f) => f.startsWith(`${STATE_FILE}.corrupt-`));
    t.truthy(aside);
    t.false(files.includes(STATE_FILE));
    t.is(await readFile(join(dir, aside!), 'utf8'), content, 'the bad file is kept verbatim');
    const log = lines.map((l) => JSON.parse(l) as { level: number; file: string; msg: string }).find((l) => l.level === 50);
    t.is(log?.file, join(dir, STATE_FILE));
    t.regex(log!.msg, /corrupt/);
  });
}

test('debounced saves coalesce into one write of the latest state', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lagoon-irc-'));
  const store = new IrcStateStore(dir, silentLogger());
  let calls = 0;
  const h = new Harness();
  h.register(1, 'a');
  h.send(1, 'JOIN #x', 'TOPIC #x :one');
  store.scheduleSave(() => { calls++; return snapshot(h.m); });
  h.send(1, 'TOPIC #x :two');
  store.scheduleSave(() => { calls++; return snapshot(h.m); });
  await store.flush();
  t.is(calls, 1);
  const saved = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as { channels: { name: string; topic: { text: string } }[] };
  t.is(saved.channels.find((c) => c.name === '#x')?.topic.text, 'two');
});
