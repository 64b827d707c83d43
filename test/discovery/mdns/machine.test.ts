import test from 'ava';
import dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { ephemeralIdentity } from '../../../ts/core/identity.js';
import { loadConfig } from '../../../ts/core/config.js';
import { MdnsMachine, SERVICE, instanceLabel, type MdnsAction } from '../../../ts/discovery/mdns/machine.js';
import { pickInterface } from '../../../ts/discovery/mdns/service.js';

const T0 = 1_000_000;
const packets = (acts: MdnsAction[]): Packet[] => acts.flatMap((a) => (a.type === 'send' ? [a.packet] : []));
const found = (acts: MdnsAction[]): Array<{ peerId: string; address: string }> =>
  acts.flatMap((a) => (a.type === 'found' ? [{ peerId: a.peerId, address: a.address }] : []));
/** What the wire would carry: encode and decode, as multicast-dns does. */
const wire = (p: Packet): Packet => dnsPacket.decode(dnsPacket.encode({ ...p, flags: p.type === 'response' ? dnsPacket.AUTHORITATIVE_ANSWER : 0 }));

test('two machines find each other through the packets they send (encoded and decoded as on the wire)', (t) => {
  const a = ephemeralIdentity();
  const b = ephemeralIdentity();
  const ma = new MdnsMachine({ peerId: a.peerId, port: 9443, host: '10.77.0.1' });
  const mb = new MdnsMachine({ peerId: b.peerId, port: 9444, host: '10.77.0.2' });
  const fromA = packets(ma.start(T0));
  const fromB = packets(mb.start(T0));
  t.deepEqual(fromA.map((p) => p.type).sort(), ['query', 'response']);
  const bFinds = fromA.flatMap((p) => found(mb.handlePacket(wire(p), '10.77.0.1', T0)));
  t.deepEqual(bFinds, [{ peerId: a.peerId, address: 'tcp://10.77.0.1:9443' }]);
  // A's query reaches B: B answers; A finds B from the answer.
  const answer = fromA.filter((p) => p.type === 'query').flatMap((q) => packets(mb.handlePacket(wire(q), '10.77.0.1', T0 + 2000)));
  t.is(answer.length, 1);
  t.deepEqual(found(ma.handlePacket(wire(answer[0]!), '10.77.0.2', T0 + 2000)), [{ peerId: b.peerId, address: 'tcp://10.77.0.2:9444' }]);
  // The same announcement again finds nothing new; our own looped-back packet is ignored.
  t.deepEqual(fromB.flatMap((p) => found(ma.handlePacket(wire(p), '10.77.0.2', T0 + 2000))), []);
  t.deepEqual(fromA.flatMap((p) => found(ma.handlePacket(wire(p), '10.77.0.1', T0))), []);
});

test('announces twice at start, then every announceIntervalMs; queries back off to queryMaxMs; goodbye has TTL 0', (t) => {
  const m = new MdnsMachine({ peerId: ephemeralIdentity().peerId, port: 9443, host: '10.0.0.1' }, { queryMaxMs: 8000, announceIntervalMs: 60_000 });
  m.start(T0);
  const times: Array<[number, string]> = [];
  for (let i = 0; i < 50; i++) {
    const at = m.nextTimeout()!;
    if (at > T0 + 200_000) break;
    for (const p of packets(m.handleTimeout(at))) times.push([at - T0, p.type!]);
  }
  t.deepEqual(times.filter(([, k]) => k === 'response').map(([x]) => x).slice(0, 3), [1000, 61_000, 121_000]);
  t.deepEqual(times.filter(([, k]) => k === 'query').map(([x]) => x).slice(0, 6), [1000, 3000, 7000, 15_000, 23_000, 31_000]);
  const bye = packets(m.stop());
  t.true(bye[0]!.answers!.every((r) => (r as { ttl?: number }).ttl === 0));
  t.is(m.nextTimeout(), undefined);
});

test('a node whose mesh is not on the interface listens and queries but never announces or answers', (t) => {
  const m = new MdnsMachine({ peerId: ephemeralIdentity().peerId, port: 9443, host: null });
  t.deepEqual(packets(m.start(T0)).map((p) => p.type), ['query']);
  const q: Packet = { type: 'query', questions: [{ name: SERVICE, type: 'PTR' }] };
  t.deepEqual(m.handlePacket(q, '10.0.0.9', T0), []);
  t.deepEqual(m.stop(), []);
});

test('answers to queries are rate limited; unrelated queries are ignored', (t) => {
  const m = new MdnsMachine({ peerId: ephemeralIdentity().peerId, port: 9443, host: '10.0.0.1' });
  m.start(T0);
  const q: Packet = { type: 'query', questions: [{ name: '_LAGOON._tcp.local.', type: 'PTR' }] };
  let answers = 0;
  for (let i = 0; i < 20; i++) answers += packets(m.handlePacket(q, '10.0.0.9', T0 + i * 10)).length;
  t.is(answers, 1);
  t.is(m.counters.answersRateLimited, 19);
  t.deepEqual(m.handlePacket({ type: 'query', questions: [{ name: '_http._tcp.local', type: 'PTR' }] }, '10.0.0.9', T0 + 5000), []);
});

test('hostile or broken records are counted and ignored; hints are bounded', (t) => {
  const m = new MdnsMachine({ peerId: ephemeralIdentity().peerId, port: 9443, host: '10.0.0.1' }, { maxHints: 2 });
  m.start(T0);
  const service = (peerId: string, port: number, a: string | null, extra: Answer[] = []): Packet => {
    const inst = `${instanceLabel(peerId)}.${SERVICE}`;
    const target = `${instanceLabel(peerId)}.local`;
    const answers: Answer[] = [
      { name: SERVICE, type: 'PTR', ttl: 120, data: inst },
      { name: inst, type: 'SRV', ttl: 120, data: { port, target } },
      { name: inst, type: 'TXT', ttl: 120, data: ['v=1', `peer_id=${peerId}`] },
      ...(a === null ? [] : [{ name: target, type: 'A', ttl: 120, data: a } as Answer]),
      ...extra,
    ];
    return wire({ type: 'response', answers });
  };
  t.deepEqual(found(m.handlePacket(service('not-a-peer', 9443, '10.0.0.5'), '10.0.0.5', T0)), []);
  t.deepEqual(found(m.handlePacket(service(ephemeralIdentity().peerId, 0, '10.0.0.5'), '10.0.0.5', T0)), []);
  t.is(m.counters.invalid, 2);
  // No A record: the packet's source address is used.
  const p1 = ephemeralIdentity().peerId;
  t.deepEqual(found(m.handlePacket(service(p1, 9000, null), '10.0.0.6', T0)), [{ peerId: p1, address: 'tcp://10.0.0.6:9000' }]);
  const p2 = ephemeralIdentity().peerId;
  t.is(found(m.handlePacket(service(p2, 9000, '10.0.0.7'), '10.0.0.7', T0)).length, 1);
  t.deepEqual(found(m.handlePacket(service(ephemeralIdentity().peerId, 9000, '10.0.0.8'), '10.0.0.8', T0)), []);
  t.is(m.counters.hintsDropped, 1);
  // A known peer at a new address (DHCP renewed) is reported again.
  t.deepEqual(found(m.handlePacket(service(p1, 9000, '10.0.0.16'), '10.0.0.16', T0)), [{ peerId: p1, address: 'tcp://10.0.0.16:9000' }]);
});

test('interface choice: configured, else a specific bind, else the first non-loopback IPv4', (t) => {
  const ifs = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [{ address: 'fe80::1', family: 'IPv6', internal: false }, { address: '192.168.1.20', family: 'IPv4', internal: false }],
  } as unknown as ReturnType<typeof import('node:os').networkInterfaces>;
  t.is(pickInterface('10.1.1.1', '0.0.0.0', ifs), '10.1.1.1');
  t.is(pickInterface(null, '10.2.2.2', ifs), '10.2.2.2');
  t.is(pickInterface(null, '127.0.0.1', ifs), '192.168.1.20');
  t.is(pickInterface(null, '0.0.0.0', { lo: ifs.lo } as typeof ifs), null);
});

test('LAGOON_MDNS: on by default, off in the test profile, settable either way; a bad interface is a config error', (t) => {
  t.true(loadConfig({ env: { LAGOON_PROFILE: '' } }).mdns);
  t.false(loadConfig({ env: { LAGOON_PROFILE: 'test' } }).mdns);
  t.true(loadConfig({ env: { LAGOON_PROFILE: 'test', LAGOON_MDNS: '1' } }).mdns);
  t.false(loadConfig({ env: { LAGOON_PROFILE: '', LAGOON_MDNS: 'off' } }).mdns);
  // ava runs tests with LAGOON_PROFILE=test, so an in-process node with no env is quiet too.
  t.is(process.env.LAGOON_PROFILE, 'test');
  t.false(loadConfig({ env: {} }).mdns);
  t.throws(() => loadConfig({ env: { LAGOON_MDNS_INTERFACE: 'eth0' } }), { code: 'ERR_CONFIG' });
});
