import test from 'ava';
import { escapeTagValue, formatLine, parseMessage, unescapeTagValue } from '../../ts/irc/parser.js';
import { globMatch, normalizeBanMask } from '../../ts/irc/mask.js';
import { parseChannelName, isValidNick } from '../../ts/irc/names.js';
import { DEFAULT_IRC_LIMITS } from '../../ts/irc/limits.js';
import { fold } from '../../ts/irc/casemap.js';

test('parses tags, source, command and trailing', (t) => {
  const m = parseMessage('@+draft/x=a\\sb\\:c;id=1 :nick!u@h privmsg #chan :hello world');
  t.deepEqual(m?.tags && [...m.tags], [['+draft/x', 'a b;c'], ['id', '1']]);
  t.is(m?.source, 'nick!u@h');
  t.is(m?.command, 'PRIVMSG');
  t.deepEqual(m?.params, ['#chan', 'hello world']);
});

test('empty and space-only lines are not messages', (t) => {
  t.is(parseMessage(''), null);
  t.is(parseMessage('     '), null);
  t.is(parseMessage('@a=b '), null);
});

test('10,000 params fold into 15', (t) => {
  const m = parseMessage(`FOO ${Array.from({ length: 10_000 }, (_, i) => `p${i}`).join(' ')}`);
  t.is(m?.params.length, 15);
  t.is(m?.params[13], 'p13');
  t.true(m?.params[14]?.startsWith('p14 p15'));
});

test('bad tag keys are dropped, the message survives', (t) => {
  const m = parseMessage('@=x;;b!d=1;ok=2 PING x');
  t.deepEqual(m?.tags && [...m.tags], [['ok', '2']]);
  t.is(m?.command, 'PING');
});

test('tag escaping round-trips and a lone trailing backslash is dropped', (t) => {
  const v = 'a;b c\\d\r\ne';
  t.is(unescapeTagValue(escapeTagValue(v)), v);
  t.is(unescapeTagValue('abc\\'), 'abc');
  t.is(unescapeTagValue('\\x'), 'x');
});

test('formatLine adds a colon only where needed unless asked', (t) => {
  t.is(formatLine('s', 'JOIN', ['#a']), ':s JOIN #a');
  t.is(formatLine('s', 'PRIVMSG', ['#a', 'hi there']), ':s PRIVMSG #a :hi there');
  t.is(formatLine(null, 'PRIVMSG', ['#a', ':)']), 'PRIVMSG #a ::)');
  t.is(formatLine(null, 'PRIVMSG', ['#a', '']), 'PRIVMSG #a :');
  t.is(formatLine(null, 'X', ['a'], true, 'time=1'), '@time=1 X :a');
});

test('glob matching is case-insensitive and handles pathological masks', (t) => {
  t.true(globMatch('*!*@10.0.*', 'Bob!~b@10.0.0.1'));
  t.true(globMatch('b?b!*@*', 'BOB!x@y'));
  t.false(globMatch('alice!*@*', 'bob!x@y'));
  t.false(globMatch('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)));
});

test('ban masks are completed', (t) => {
  t.is(normalizeBanMask('bob'), 'bob!*@*');
  t.is(normalizeBanMask('*@host'), '*!*@host');
  t.is(normalizeBanMask('bob!u'), 'bob!u@*');
});

test('channel names recognise #room:server as a federation ref', (t) => {
  t.deepEqual(parseChannelName('#lagoon', DEFAULT_IRC_LIMITS), { kind: 'local', name: '#lagoon' });
  t.deepEqual(parseChannelName('#lagoon:per.example', DEFAULT_IRC_LIMITS), { kind: 'remote', room: '#lagoon', server: 'per.example' });
  t.is(parseChannelName('lagoon', DEFAULT_IRC_LIMITS).kind, 'invalid');
  t.is(parseChannelName('#a,b', DEFAULT_IRC_LIMITS).kind, 'invalid');
  t.is(parseChannelName(`#${'x'.repeat(64)}`, DEFAULT_IRC_LIMITS).kind, 'invalid');
});

test('nick validation and ascii casemapping', (t) => {
  t.true(isValidNick('[bob]_-1', DEFAULT_IRC_LIMITS));
  t.false(isValidNick('1bob', DEFAULT_IRC_LIMITS));
  t.false(isValidNick('bo b', DEFAULT_IRC_LIMITS));
  t.false(isValidNick('x'.repeat(31), DEFAULT_IRC_LIMITS));
  t.is(fold('BoB[]'), 'bob[]');
});
