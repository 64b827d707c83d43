import test from 'ava';
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3';
import { blake3, BLAKE3_LEN, loadNative } from '../../ts/core/native.js';
import { fromNativeError } from '../../ts/core/native-errors.js';
import { isLagoonError } from '../../ts/core/errors.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The official BLAKE3 test-vector input: byte i is i % 251. */
function pattern(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = i % 251;
  return out;
}

test('known vectors: empty, one zero byte, "abc"', (t) => {
  t.is(hex(blake3(new Uint8Array(0))), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
  t.is(hex(blake3(pattern(1))), '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213');
  t.is(hex(blake3(Buffer.from('abc'))), '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85');
});

test('returns a 32-byte Buffer', (t) => {
  const digest = blake3(Buffer.from('lagoon'));
  t.true(Buffer.isBuffer(digest));
  t.is(digest.length, BLAKE3_LEN);
});

test('chunk and tree boundaries match an independent implementation (@noble/hashes)', (t) => {
  // 1024-byte chunks; lengths straddle chunk, parent-node and SIMD-batch boundaries.
  for (const length of [63, 64, 65, 1023, 1024, 1025, 2048, 2049, 3072, 3073, 8193, 16384, 31744, 102_400, (1 << 20) + 7]) {
    const data = pattern(length);
    t.is(hex(blake3(data)), hex(nobleBlake3(data)), `length ${length}`);
  }
});

test('honours the byte offset and length of a view', (t) => {
  const backing = pattern(5000);
  const view = backing.subarray(17, 17 + 2049);
  t.is(hex(blake3(view)), hex(nobleBlake3(view.slice())));
  t.not(hex(blake3(view)), hex(blake3(backing)));
});

test('different inputs give different digests', (t) => {
  t.not(hex(blake3(Buffer.from('a'))), hex(blake3(Buffer.from('b'))));
});

test('rejects non-Uint8Array arguments with ERR_INVALID_ARGUMENT before crossing into native code', (t) => {
  for (const bad of ['abc', 42, null, undefined, new ArrayBuffer(4), [1, 2, 3], { length: 0 }]) {
    const err = t.throws(() => blake3(bad as unknown as Uint8Array));
    t.true(isLagoonError(err, 'ERR_INVALID_ARGUMENT'), `${String(bad)}: ${err?.message}`);
    t.regex(err?.message ?? '', /^ERR_INVALID_ARGUMENT: blake3: data must be a Uint8Array/);
  }
});

test('the raw binding itself answers bad arguments with a coded error that maps to ERR_INVALID_ARGUMENT', (t) => {
  const raw = loadNative('core');
  const err = t.throws(() => raw.blake3('not bytes' as unknown as Uint8Array));
  t.is((err as Error & { code?: string }).code, 'InvalidArg');
  t.is(fromNativeError(err, 'blake3').code, 'ERR_INVALID_ARGUMENT');
});

test('a Rust panic becomes a coded error and the process keeps working', (t) => {
  const raw = loadNative('core');
  const err = t.throws(() => raw._testPanic('deliberate test panic'));
  t.is((err as Error & { code?: string }).code, 'ERR_NATIVE_PANIC');
  t.regex(err?.message ?? '', /deliberate test panic/);
  const mapped = fromNativeError(err, '_testPanic');
  t.is(mapped.code, 'ERR_NATIVE_PANIC');
  t.is(mapped.cause, err);
  t.is(hex(blake3(new Uint8Array(0))), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
});
