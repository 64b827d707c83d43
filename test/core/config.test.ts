import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseHostPort } from '../../ts/core/config.js';
import { CONFIG_FIELDS, configTableMarkdown } from '../../ts/core/config-schema.js';
import { isLagoonError } from '../../ts/core/errors.js';

test('defaults match the documented ports', (t) => {
  const c = loadConfig({ env: {} });
  t.is(c.ircPort, 6667);
  t.is(c.ircTlsPort, 6697);
  t.is(c.httpPort, 8787);
  t.is(c.meshPort, 9443);
  t.is(c.bind, '127.0.0.1');
  t.deepEqual(c.peers, []);
  t.is(c.ygg, false);
  t.true(Object.isFrozen(c));
});

test('precedence: defaults < file < environment < flags', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lagoon-cfg-'));
  const file = join(dir, 'lagoon.json');
  writeFileSync(file, JSON.stringify({ ircPort: 7000, httpPort: 7001, nodeName: 'from-file' }));
  const c = loadConfig({ file, env: { LAGOON_IRC_PORT: '7100', LAGOON_NODE_NAME: 'from-env' }, flags: { 'irc-port': '7200' } });
  t.is(c.ircPort, 7200, 'flag beats env');
  t.is(c.nodeName, 'from-env', 'env beats file');
  t.is(c.httpPort, 7001, 'file beats default');
});

test('LAGOON_CONFIG names the config file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lagoon-cfg-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ serverName: 'per.example' }));
  t.is(loadConfig({ env: { LAGOON_CONFIG: file } }).serverName, 'per.example');
});

test('LAGOON_PEERS parses host:port lists including IPv6', (t) => {
  const c = loadConfig({ env: { LAGOON_PEERS: 'lagun.co:443, [::1]:9443,10.0.0.1:1' } });
  t.deepEqual(c.peers, [{ host: 'lagun.co', port: 443 }, { host: '::1', port: 9443 }, { host: '10.0.0.1', port: 1 }]);
  t.is(parseHostPort('nohost'), null);
  t.is(parseHostPort('a:70000'), null);
  t.is(parseHostPort('bad host:1'), null);
});

const invalid: Array<[Record<string, string>, RegExp]> = [
  [{ LAGOON_IRC_PORT: '65536' }, /LAGOON_IRC_PORT.*port number from 0 to 65535/],
  [{ LAGOON_IRC_PORT: 'abc' }, /LAGOON_IRC_PORT/],
  [{ LAGOON_HTTP_PORT: '-1' }, /LAGOON_HTTP_PORT/],
  [{ LAGOON_YGG: 'maybe' }, /LAGOON_YGG.*1\/0, true\/false/],
  [{ LAGOON_PEERS: 'lagun.co' }, /LAGOON_PEERS.*host:port/],
  [{ LAGOON_LOG_LEVEL: 'loud' }, /LAGOON_LOG_LEVEL.*one of/],
  [{ LAGOON_IRC_SENDQ_BYTES: '10' }, /LAGOON_IRC_SENDQ_BYTES.*4096/],
  [{ LAGOON_NODE_NAME: '   ' }, /LAGOON_NODE_NAME.*non-empty/],
  [{ LAGOON_BIND: 'everywhere' }, /LAGOON_BIND.*IP address/],
  [{ LAGOON_TLS_CERT_FILE: '/x.pem' }, /set together/],
  [{ LAGOON_IRC_PORT: '7000', LAGOON_HTTP_PORT: '7000' }, /ports must differ/],
  [{ LAGOON_IRC_PROT: '1' }, /unknown environment variable LAGOON_IRC_PROT/],
];
for (const [env, pattern] of invalid) {
  test(`rejects ${JSON.stringify(env)} naming the setting`, (t) => {
    const err = t.throws(() => loadConfig({ env }));
    t.true(isLagoonError(err, 'ERR_CONFIG'));
    t.regex(err!.message, pattern);
  });
}

test('port 0 is accepted for every listener and may repeat', (t) => {
  const c = loadConfig({ env: { LAGOON_IRC_PORT: '0', LAGOON_IRC_TLS_PORT: '0', LAGOON_HTTP_PORT: '0', LAGOON_MESH_PORT: '0' } });
  t.is(c.ircPort + c.ircTlsPort + c.httpPort + c.meshPort, 0);
});

test('unknown keys in the config file and unknown flags are errors', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lagoon-cfg-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ ircPrt: 1 }));
  t.regex(t.throws(() => loadConfig({ file }))!.message, /unknown key "ircPrt"/);
  t.regex(t.throws(() => loadConfig({ flags: { 'irc-prt': '1' } }))!.message, /unknown flag --irc-prt/);
  writeFileSync(file, '{ not json');
  t.regex(t.throws(() => loadConfig({ file }))!.message, /not valid JSON/);
  writeFileSync(file, '[1]');
  t.regex(t.throws(() => loadConfig({ file }))!.message, /JSON object/);
});

test('non-LAGOON variables are ignored and tool variables are allowed', (t) => {
  t.notThrows(() => loadConfig({ env: { PATH: '/bin', LAGOON_SEED: '42', HOME: '/root' } }));
});

test('every field is in the documentation table with its env, flag and default', (t) => {
  const table = configTableMarkdown();
  for (const f of CONFIG_FIELDS) {
    t.true(table.includes(`\`${f.env}\``), f.env);
    t.true(table.includes(`\`--${f.flag}\``), f.flag);
  }
  t.is(new Set(CONFIG_FIELDS.map((f) => f.env)).size, CONFIG_FIELDS.length, 'env names unique');
});

test('LAGOON_MESH_ARRIVAL_MS is read and must stay below the 10 s a reservation lasts', (t) => {
  t.is(loadConfig({ env: {} }).meshArrivalMs, 3000);
  t.is(loadConfig({ env: { LAGOON_MESH_ARRIVAL_MS: '6000' } }).meshArrivalMs, 6000);
  for (const bad of ['10000', '50', 'soon']) {
    const e = t.throws(() => loadConfig({ env: { LAGOON_MESH_ARRIVAL_MS: bad } }));
    t.true(isLagoonError(e) && e.message.includes('LAGOON_MESH_ARRIVAL_MS'), `${bad}: ${e?.message}`);
  }
});
