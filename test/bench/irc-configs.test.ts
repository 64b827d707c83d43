import test from 'ava';
import { inspircdConfig, ngircdConfig, lagoonEnv, fanoutLimits, NGIRCD_SENDQ_BYTES } from '../../scripts/bench/irc/configs.js';

const limits = fanoutLimits(16667, 12_000);

test('every server gets the same sendq and connection caps', (t) => {
  t.is(limits.sendqBytes, NGIRCD_SENDQ_BYTES);
  const insp = inspircdConfig(limits, '/tmp/x');
  t.regex(insp, /hardsendq="32768"/);
  t.regex(insp, /localmax="12000"/);
  t.regex(insp, /globalmax="12000"/);
  t.regex(insp, /limit="12000"/);
  const env = lagoonEnv(limits, '/tmp/x/data', { http: 1, mesh: 2 });
  t.is(env.LAGOON_IRC_SENDQ_BYTES, '32768');
  t.is(env.LAGOON_IRC_MAX_CLIENTS, '12000');
  t.is(env.LAGOON_IRC_MAX_CLIENTS_PER_IP, '12000');
  const ng = ngircdConfig(limits);
  t.regex(ng, /MaxConnectionsIP = 0/);
  t.regex(ng, /MaxConnections = 12064/);
});

test('configs bind only to 127.0.0.1', (t) => {
  t.regex(inspircdConfig(limits, '/tmp/x'), /<bind address="127\.0\.0\.1" port="16667" type="clients">/);
  t.regex(ngircdConfig(limits), /Listen = 127\.0\.0\.1\n\s+Ports = 16667/);
  t.is(lagoonEnv(limits, '/d', { http: 1, mesh: 2 }).LAGOON_BIND, '127.0.0.1');
  t.false(/0\.0\.0\.0|::/.test(inspircdConfig(limits, '/tmp/x') + ngircdConfig(limits)));
});

test('flood control: loose for the fan-out sender, real for the flood bench', (t) => {
  const insp = inspircdConfig(limits, '/tmp/x');
  const m = /commandrate="(\d+)"/.exec(insp);
  const th = /threshold="(\d+)"/.exec(insp);
  t.truthy(m && th);
  t.true(Number(m?.[1]) < 2 ** 32 && Number(th?.[1]) * 1000 < 2 ** 32, 'InspIRCd stores both as 32-bit');
  t.regex(ngircdConfig(limits), /MaxPenaltyTime = 0/);
  t.regex(ngircdConfig(limits), /DefaultUserModes = F/);
  const strict = { ...limits, floodRateLinesPerS: 50, floodBurstLines: 100 };
  t.regex(inspircdConfig(strict, '/tmp/x'), /commandrate="50000"/);
  t.regex(inspircdConfig(strict, '/tmp/x'), /threshold="100"/);
  t.regex(ngircdConfig(strict), /MaxPenaltyTime = -1/);
  t.is(lagoonEnv(strict, '/d', { http: 1, mesh: 2 }).LAGOON_IRC_FLOOD_RATE, '50');
});

test('bad limits are rejected', (t) => {
  t.throws(() => inspircdConfig({ ...limits, port: 0 }, '/tmp/x'), { instanceOf: RangeError });
  t.throws(() => ngircdConfig({ ...limits, sendqBytes: -1 }), { instanceOf: RangeError });
  t.throws(() => lagoonEnv({ ...limits, maxClients: 1.5 }, '/d', { http: 1, mesh: 2 }), { instanceOf: RangeError });
});

test('InspIRCd attribute values are escaped', (t) => {
  t.regex(inspircdConfig(limits, '/tmp/a"b'), /configdir="\/tmp\/a&quot;b"/);
});
