import test from 'ava';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, testEnv, ROOT } from './helpers.js';
import { RawClient } from '../irc/helpers/net.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lagoon-cli-'));
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('lagoon --version prints the package version', async (t) => {
  const run = spawnCli(['--version'], testEnv(tmp()), AbortSignal.timeout(30_000));
  let out = '';
  run.child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const { code } = await run.exit;
  t.is(code, 0);
  t.is(out.trim(), version);
});

test('lagoon config lists every LAGOON_ setting the README relies on', async (t) => {
  const run = spawnCli(['config'], testEnv(tmp()), AbortSignal.timeout(30_000));
  let out = '';
  run.child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  t.is((await run.exit).code, 0);
  for (const name of ['LAGOON_DATA_DIR', 'LAGOON_NODE_NAME', 'LAGOON_SERVER_NAME', 'LAGOON_BIND', 'LAGOON_IRC_PORT', 'LAGOON_IRC_TLS_PORT',
    'LAGOON_HTTP_PORT', 'LAGOON_MESH_PORT', 'LAGOON_PEERS', 'LAGOON_YGG']) {
    t.true(out.includes(name), name);
  }
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const line of out.trim().split('\n').slice(2)) t.true(readme.includes(line), `README has the row: ${line.slice(0, 60)}`);
});

test('an invalid setting stops start-up with exit code 2 and names the setting', async (t) => {
  const run = spawnCli(['start'], testEnv(tmp(), { LAGOON_IRC_PORT: '99999' }), AbortSignal.timeout(30_000));
  const { code } = await run.exit;
  t.is(code, 2);
  t.regex(run.stderr(), /LAGOON_IRC_PORT.*port number/);
});

test('an unknown flag is a usage error', async (t) => {
  const run = spawnCli(['start', '--irc-prot', '1'], testEnv(tmp()), AbortSignal.timeout(30_000));
  t.is((await run.exit).code, 2);
  t.regex(run.stderr(), /irc-prot/);
});

test('a corrupt identity file stops start-up naming the file', async (t) => {
  const dir = tmp();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'identity.key'), 'not a key');
  const run = spawnCli(['start'], testEnv(dir), AbortSignal.timeout(30_000));
  t.is((await run.exit).code, 1);
  t.true(run.stderr().includes(join(dir, 'identity.key')));
});

test('start serves IRC, IRC over TLS, /healthz and /metrics, and SIGTERM shuts down cleanly', async (t) => {
  const signal = AbortSignal.timeout(60_000);
  const dir = tmp();
  const run = spawnCli(['start'], testEnv(dir), signal);
  const ports = await run.listening;
  t.true(ports.ircPort > 0 && ports.ircTlsPort > 0 && ports.httpPort > 0);
  t.true(existsSync(join(dir, 'identity.key')));
  t.regex(ports.peer, /^b3b3\/[0-9a-f]{64}$/);

  const health = await fetch(`http://127.0.0.1:${ports.httpPort}/healthz`, { signal });
  t.is(health.status, 200);
  t.like(await health.json(), { status: 'ok', peerId: ports.peer, version });

  const irc = await RawClient.connect(ports.ircPort);
  await irc.register('alice');
  irc.write('JOIN #lagoon\r\n');
  await irc.waitFor(/ 366 alice #lagoon /);

  const secure = await RawClient.connect(ports.ircTlsPort, { tls: true });
  await secure.register('bob');
  secure.close();

  const metrics = await (await fetch(`http://127.0.0.1:${ports.httpPort}/metrics`, { signal })).text();
  t.regex(metrics, /^lagoon_irc_clients [1-9]/m);
  t.regex(metrics, /^lagoon_irc_channels [1-9]/m);
  t.regex(metrics, /^lagoon_irc_messages_in_total [1-9]/m);
  t.regex(metrics, /^lagoon_irc_messages_out_total [1-9]/m);
  t.regex(metrics, /^lagoon_irc_bytes_in_total [1-9]/m);
  t.regex(metrics, /^lagoon_irc_bytes_out_total [1-9]/m);
  for (const name of ['flood_disconnects', 'sendq_disconnects', 'ping_timeouts', 'rejected_connections']) {
    t.regex(metrics, new RegExp(`^lagoon_irc_${name}_total 0$`, 'm'));
  }
  t.is((await fetch(`http://127.0.0.1:${ports.httpPort}/metrics`, { method: 'POST', signal })).status, 405);
  t.is((await fetch(`http://127.0.0.1:${ports.httpPort}/nope`, { signal })).status, 404);

  run.child.kill('SIGTERM');
  await irc.waitFor(/^ERROR /);
  await irc.closed;
  const { code } = await run.exit;
  t.is(code, 0);
  t.true(existsSync(join(dir, 'irc-state.json')), 'IRC state flushed on shutdown');
});
