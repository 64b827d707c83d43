import test from 'ava';
import { LineFramer } from '../../ts/irc/framing.js';

const lines = (f: LineFramer, s: string | Buffer): unknown[] => f.push(Buffer.isBuffer(s) ? s : Buffer.from(s));

test('CRLF, LF and CR all end lines; empty lines vanish', (t) => {
  const f = new LineFramer();
  t.deepEqual(lines(f, 'A\r\nB\nC\r\r\n\n   \nD'), [
    { kind: 'line', line: 'A' }, { kind: 'line', line: 'B' }, { kind: 'line', line: 'C' },
  ]);
  t.deepEqual(lines(f, '\n'), [{ kind: 'line', line: 'D' }]);
});

test('partial lines join across chunks', (t) => {
  const f = new LineFramer();
  t.deepEqual(lines(f, 'PRIV'), []);
  t.deepEqual(lines(f, 'MSG #a :hi\r'), [{ kind: 'line', line: 'PRIVMSG #a :hi' }]);
});

test('510-byte body passes, 511 is too long, and the framer recovers', (t) => {
  const f = new LineFramer();
  t.deepEqual(lines(f, `${'a'.repeat(510)}\r\n`), [{ kind: 'line', line: 'a'.repeat(510) }]);
  t.deepEqual(lines(f, `${'a'.repeat(511)}\r\nPING x\r\n`), [{ kind: 'tooLong' }, { kind: 'line', line: 'PING x' }]);
});

test('a huge line without newline is reported once and not buffered', (t) => {
  const f = new LineFramer();
  const ev1 = lines(f, 'x'.repeat(20_000));
  const ev2 = lines(f, 'x'.repeat(20_000));
  t.deepEqual(ev1, [{ kind: 'tooLong' }]);
  t.deepEqual(ev2, []);
  t.deepEqual(lines(f, 'tail\nPING y\n'), [{ kind: 'line', line: 'PING y' }]);
});

test('tags get their own 8191-byte allowance', (t) => {
  const f = new LineFramer();
  const tags = `@+x=${'v'.repeat(8000)}`;
  t.is((lines(f, `${tags} ${'a'.repeat(500)}\n`)[0] as { kind: string }).kind, 'line');
  t.deepEqual(lines(f, `@+x=${'v'.repeat(8200)} PING\n`), [{ kind: 'tooLong' }]);
});

test('NUL bytes are stripped and invalid UTF-8 decodes as Latin-1', (t) => {
  const f = new LineFramer();
  t.deepEqual(lines(f, Buffer.from('PRIV\0MSG #a :x\n')), [{ kind: 'line', line: 'PRIVMSG #a :x' }]);
  t.deepEqual(lines(f, Buffer.from([0x50, 0x20, 0xff, 0xfe, 0x0a])), [{ kind: 'line', line: 'P ÿþ' }]);
  t.deepEqual(lines(f, Buffer.from('P é\n')), [{ kind: 'line', line: 'P é' }]);
});
