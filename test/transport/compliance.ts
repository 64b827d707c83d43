/**
 * The one suite every carrier must pass. A carrier test file supplies a
 * harness; the suite checks authentication, framing limits, back-pressure,
 * close, cancellation, tampering and the shared listener's robustness.
 * Real sockets on 127.0.0.1 port 0; waits are events with timeouts.
 */
import test from 'ava';
import { ephemeralIdentity } from '../../ts/core/identity.js';
import { Transport, type TransportOptions } from '../../ts/transport/transport.js';
import type { CloseReason, Link } from '../../ts/transport/types.js';
import type { LinkError } from '../../ts/transport/establish.js';
import { closeOf, collect, next, spySignal, type Relay } from './helpers.js';

export interface Harness {
  /** New transport with the harness's extras (TLS, memory network) merged into `opts`. */
  transport(opts?: Partial<TransportOptions>): Transport;
  /** Make `t` listen; the address to dial it. */
  listen(t: Transport): Promise<string>;
  relay(target: string): Promise<Relay>;
  /** An address that accepts a connection and never answers. */
  silent(): Promise<{ address: string; close(): Promise<void> }>;
  /** Send junk first bytes to the listener behind `address`; resolves once it closed the connection. */
  garbage(address: string): Promise<void>;
  /** Close reason on the receiver after one ciphertext bit was flipped in transit. */
  readonly flipReason: CloseReason;
}

interface Pair { a: Transport; b: Transport; ab: Link; ba: Link; address: string; done(): Promise<void> }

async function pair(h: Harness, aOpts: Partial<TransportOptions> = {}, bOpts: Partial<TransportOptions> = {}): Promise<Pair> {
  const a = h.transport(aOpts);
  const b = h.transport(bOpts);
  const address = await h.listen(b);
  const accepted = next<[Link]>(b, 'link');
  const out = await a.dial(address, { signal: AbortSignal.timeout(5000), expectPeerId: b.peerId });
  if (out.self) throw new Error('unexpected self-connection');
  const [ba] = await accepted;
  return {
    a, b, ab: out.link, ba, address,
    done: async () => { out.link.close(); ba.close(); await Promise.all([a.close(), b.close()]); },
  };
}

function rejection(err: unknown): LinkError {
  return err as LinkError;
}

export function compliance(name: string, h: Harness): void {
  test(`${name}: handshake authenticates both identities`, async (t) => {
    const p = await pair(h);
    t.is(p.ab.peerId, p.b.peerId);
    t.is(p.ba.peerId, p.a.peerId);
    t.true(p.ab.initiator);
    t.false(p.ba.initiator);
    t.true(p.ab.handshakeHash.equals(p.ba.handshakeHash));
    t.is(p.ab.remotePublicKey.length, 32);
    t.is(p.a.counters.linksOpened.outbound, 1);
    t.is(p.b.counters.linksOpened.inbound, 1);
    await p.done();
  });

  test(`${name}: an unexpected peer aborts the dial with peer_mismatch`, async (t) => {
    const a = h.transport();
    const b = h.transport();
    const address = await h.listen(b);
    const failedAtB = next(b, 'handshakeFailed');
    const err = rejection(await t.throwsAsync(a.dial(address, { signal: AbortSignal.timeout(5000), expectPeerId: ephemeralIdentity().peerId })));
    t.is(err.code, 'ERR_PROTOCOL');
    t.is(err.reason, 'peer_mismatch');
    await failedAtB;
    t.is(b.counters.linksOpened.inbound, 0);
    t.is(a.counters.handshakeFailures.peer_mismatch, 1);
    await Promise.all([a.close(), b.close()]);
  });

  test(`${name}: frames round-trip in order, empty and max-size included`, async (t) => {
    const p = await pair(h, { maxFrameBytes: 256 * 1024 }, { maxFrameBytes: 256 * 1024 });
    const sizes = [0, 1, 17, 65518, 65519, 65520, 65535, 131038, 200_000, 256 * 1024];
    const frames = sizes.map((n, i) => Buffer.alloc(n, i + 1));
    const got = collect(p.ba, frames.length);
    for (const f of frames) p.ab.send(f);
    const received = await got;
    t.deepEqual(received.map((f) => f.length), sizes);
    t.true(received.every((f, i) => f.equals(frames[i]!)));
    // And back the other way.
    const back = collect(p.ab, 1);
    p.ba.send(Buffer.from('pong'));
    t.is((await back)[0]!.toString(), 'pong');
    t.is(p.b.counters.framesIn, sizes.length);
    t.throws(() => p.ab.send(Buffer.alloc(256 * 1024 + 1)), { message: /ERR_INVALID_ARGUMENT/ });
    await p.done();
  });

  test(`${name}: an oversized frame closes the link with a coded reason`, async (t) => {
    const p = await pair(h, { maxFrameBytes: 128 * 1024 }, { maxFrameBytes: 64 * 1024 });
    const closed = closeOf(p.ba);
    const closedA = closeOf(p.ab);
    p.ab.send(Buffer.alloc(100 * 1024, 7));
    const info = await closed;
    t.is(info.reason, 'oversized');
    t.is(info.code, 'ERR_PROTOCOL');
    t.is(p.b.counters.oversizedFrames, 1);
    t.is(p.b.counters.linksClosed.oversized, 1);
    await closedA;
    await p.done();
  });

  test(`${name}: back-pressure: send returns false, then drain`, async (t) => {
    const hwm = 64 * 1024;
    const p = await pair(h, { highWaterMarkBytes: hwm });
    const frame = Buffer.alloc(256 * 1024, 3);
    let sent = 0;
    let ok = true;
    while (ok && sent < 128) { ok = p.ab.send(frame); sent++; }
    t.false(ok, `send never pushed back after ${sent} frames`);
    const all = collect(p.ba, sent, 10_000);
    await next(p.ab, 'drain', 10_000);
    t.is((await all).length, sent);
    await p.done();
  });

  test(`${name}: close propagates with its reason`, async (t) => {
    const p = await pair(h);
    const remote = closeOf(p.ba);
    const local = closeOf(p.ab);
    p.ab.close('going away');
    t.deepEqual(await local, { reason: 'local', message: 'going away' });
    t.deepEqual(await remote, { reason: 'remote', message: 'going away' });
    t.true(p.ab.closed && p.ba.closed);
    t.throws(() => p.ab.send(Buffer.from('x')), { message: /ERR_CLOSED/ });
    t.is(p.b.counters.linksClosed.remote, 1);
    await p.done();
  });

  test(`${name}: an AbortSignal cancels a dial and its listeners are removed`, async (t) => {
    const a = h.transport();
    const silent = await h.silent();
    t.is(rejection(await t.throwsAsync(a.dial(silent.address, { signal: AbortSignal.abort() }))).code, 'ERR_ABORTED');
    const ctl = new AbortController();
    const spy = spySignal(ctl.signal);
    const dialing = a.dial(silent.address, { signal: ctl.signal });
    setImmediate(() => ctl.abort(new Error('user gave up')));
    const err = rejection(await t.throwsAsync(dialing));
    t.is(err.code, 'ERR_ABORTED');
    t.true(spy.added() > 0);
    t.is(spy.removed(), spy.added());
    // A successful dial leaves no listeners behind either.
    const b = h.transport();
    const address = await h.listen(b);
    const ok = new AbortController();
    const spy2 = spySignal(ok.signal);
    const out = await a.dial(address, { signal: ok.signal });
    t.false(out.self);
    t.is(spy2.removed(), spy2.added());
    if (!out.self) out.link.close();
    await Promise.all([a.close(), b.close(), silent.close()]);
  });

  test(`${name}: a relay forwarding to another node cannot pass as the expected peer`, async (t) => {
    const a = h.transport();
    const b = h.transport();
    const c = h.transport();
    await h.listen(b);
    const relay = await h.relay(await h.listen(c));
    const err = rejection(await t.throwsAsync(a.dial(relay.address, { signal: AbortSignal.timeout(5000), expectPeerId: b.peerId })));
    t.is(err.reason, 'peer_mismatch');
    t.is(c.counters.linksOpened.inbound, 0);
    await relay.close();
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  test(`${name}: flipping one ciphertext bit in transit closes the link`, async (t) => {
    const a = h.transport();
    const b = h.transport();
    const relay = await h.relay(await h.listen(b));
    const accepted = next<[Link]>(b, 'link');
    const out = await a.dial(relay.address, { signal: AbortSignal.timeout(5000), expectPeerId: b.peerId });
    if (out.self) return t.fail();
    const [ba] = await accepted;
    const first = collect(ba, 1);
    out.link.send(Buffer.alloc(1000, 1));
    await first;
    const closed = closeOf(ba);
    const frames: Buffer[] = [];
    ba.on('frame', (f) => frames.push(f));
    relay.armFlip();
    out.link.send(Buffer.alloc(4000, 2));
    const info = await closed;
    t.is(info.reason, h.flipReason);
    t.is(frames.length, 0, 'the tampered frame was not delivered');
    await relay.close();
    await Promise.all([a.close(), b.close()]);
  });

  test(`${name}: garbage first bytes are closed and the listener keeps serving`, async (t) => {
    const a = h.transport();
    const b = h.transport();
    const address = await h.listen(b);
    await h.garbage(address);
    await h.garbage(address);
    const out = await a.dial(address, { signal: AbortSignal.timeout(5000), expectPeerId: b.peerId });
    t.false(out.self);
    if (!out.self) out.link.close();
    await Promise.all([a.close(), b.close()]);
  });

  test(`${name}: dialling yourself is a quiet self-connection, not a failure`, async (t) => {
    const a = h.transport();
    const address = await h.listen(a);
    const acceptSide = next<[string]>(a, 'self');
    const out = await a.dial(address, { signal: AbortSignal.timeout(5000) });
    t.true(out.self);
    if (out.self) t.is(out.peerId, a.peerId);
    t.is((await acceptSide)[0], a.peerId);
    t.is(a.counters.selfConnections, 2);
    t.is(Object.values(a.counters.handshakeFailures).reduce((x, y) => x + y, 0), 0);
    t.is(a.counters.linksOpened.inbound + a.counters.linksOpened.outbound, 0);
    await a.close();
  });
}
