import test from 'ava';
import { Harness } from './helpers/harness.js';

test('PRIVMSG/NOTICE to a channel reach others, not the sender', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.register(2, 'bob');
  h.send(1, 'JOIN #a'); h.send(2, 'JOIN #a');
  h.take(1); h.take(2);
  h.send(1, 'PRIVMSG #a :hello there', 'NOTICE #A :note');
  t.deepEqual(h.take(2), [':alice!~alice@10.0.0.1 PRIVMSG #a :hello there', ':alice!~alice@10.0.0.1 NOTICE #A :note']);
  t.deepEqual(h.take(1), []);
});

test('error numerics: 411, 412, 401, 404 (+n), and NOTICE never gets one', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.register(2, 'bob');
  h.send(2, 'JOIN #a');
  h.send(1, 'PRIVMSG', 'PRIVMSG #a', 'PRIVMSG nobody :x', 'PRIVMSG #a :x', 'PRIVMSG #none :x');
  t.deepEqual(Harness.numerics(h.take(1)), ['411', '412', '401', '404', '401']);
  h.send(1, 'NOTICE nobody :x', 'NOTICE #a :x', 'NOTICE #none :x');
  t.deepEqual(h.take(1), []);
});

test('multiple targets up to MAXTARGETS, 407 beyond', (t) => {
  const h = new Harness();
  for (const [i, n] of ['a', 'b', 'c', 'd', 'e', 'f'].entries()) h.register(i + 1, n);
  h.send(1, 'PRIVMSG b,c,d,e,f :hi');
  t.deepEqual(Harness.numerics(h.take(1)), ['407']);
  t.is(h.take(2).length, 1);
  t.is(h.take(5).length, 1);
  t.is(h.take(6).length, 0);
});

test('private message, away reply 301, AWAY/305/306 and away-notify', (t) => {
  const h = new Harness();
  h.register(1, 'alice', ['away-notify']);
  h.register(2, 'bob');
  h.send(1, 'JOIN #a'); h.send(2, 'JOIN #a');
  h.take(1); h.take(2);
  h.send(2, 'AWAY :gone fishing');
  t.deepEqual(Harness.numerics(h.take(2)), ['306']);
  t.deepEqual(h.take(1), [':bob!~bob@10.0.0.1 AWAY :gone fishing']);
  h.send(1, 'PRIVMSG bob :are you there?');
  t.deepEqual(h.take(1), [':irc.test 301 alice bob :gone fishing']);
  t.deepEqual(h.take(2), [':alice!~alice@10.0.0.1 PRIVMSG bob :are you there?']);
  h.send(2, 'AWAY');
  t.deepEqual(Harness.numerics(h.take(2)), ['305']);
  t.deepEqual(h.take(1), [':bob!~bob@10.0.0.1 AWAY']);
});

test('fan-out: one action per capability variant, each with all its recipients', (t) => {
  const h = new Harness();
  h.register(1, 'sender');
  h.send(1, 'JOIN #big');
  const caps = [[], ['server-time'], ['message-tags'], ['server-time', 'message-tags']];
  for (let i = 0; i < 40; i++) {
    h.register(10 + i, `u${i}`, caps[i % 4]!);
    h.send(10 + i, 'JOIN #big');
  }
  h.sends.length = 0;
  h.send(1, '@+react=ok;secret=no PRIVMSG #big :hi');
  t.is(h.sends.length, 4);
  const byLine = new Map(h.sends.map((s) => [s.line, s.to.length]));
  t.is(byLine.get(':sender!~sender@10.0.0.1 PRIVMSG #big :hi'), 10);
  t.is(byLine.get('@+react=ok :sender!~sender@10.0.0.1 PRIVMSG #big :hi'), 10);
  t.is(byLine.get(`@time=${new Date(h.wall).toISOString()} :sender!~sender@10.0.0.1 PRIVMSG #big :hi`), 10);
  t.is(byLine.get(`@time=${new Date(h.wall).toISOString()};+react=ok :sender!~sender@10.0.0.1 PRIVMSG #big :hi`), 10);
});

test('echo-message returns the sender its own message; TAGMSG only to message-tags clients', (t) => {
  const h = new Harness();
  h.register(1, 'alice', ['echo-message', 'message-tags']);
  h.register(2, 'bob', ['message-tags']);
  h.register(3, 'carol');
  for (const i of [1, 2, 3]) h.send(i, 'JOIN #a');
  h.take(1); h.take(2); h.take(3);
  h.send(1, 'PRIVMSG #a :echo');
  t.deepEqual(h.take(1), [':alice!~alice@10.0.0.1 PRIVMSG #a :echo']);
  h.take(2); h.take(3);
  h.send(1, '@+typing=active TAGMSG #a');
  t.deepEqual(h.take(2), ['@+typing=active :alice!~alice@10.0.0.1 TAGMSG #a']);
  t.deepEqual(h.take(3), []);
  t.deepEqual(h.take(1), ['@+typing=active :alice!~alice@10.0.0.1 TAGMSG #a'], 'echoed with its tags');
  h.send(1, 'PRIVMSG bob :pm');
  t.deepEqual(h.take(1), [':alice!~alice@10.0.0.1 PRIVMSG bob :pm']);
});

test('STATUSMSG @#chan reaches ops only', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.register(2, 'bob');
  h.register(3, 'carol');
  for (const i of [1, 2, 3]) h.send(i, 'JOIN #a');
  h.send(1, 'MODE #a +o bob');
  h.take(1); h.take(2); h.take(3);
  h.send(3, 'PRIVMSG @#a :ops only');
  t.deepEqual(h.take(2), [':carol!~carol@10.0.0.1 PRIVMSG @#a :ops only']);
  t.deepEqual(h.take(1), [':carol!~carol@10.0.0.1 PRIVMSG @#a :ops only']);
  t.deepEqual(h.take(3), []);
});

test('WHOIS shows 311/319/312/301/313/671/317/318; 401 for unknown', (t) => {
  const h = new Harness({ operPassword: 'op' });
  h.register(1, 'alice');
  h.apply(h.m.connect(2, { remoteAddress: '10.0.0.2', tls: true }, h.now));
  h.send(2, 'NICK bob', 'USER bob 0 * :Bob B', 'JOIN #a', 'AWAY :afk', 'OPER bob op');
  h.take(2);
  h.send(1, 'WHOIS bob');
  t.deepEqual(Harness.numerics(h.take(1)), ['311', '319', '312', '301', '313', '671', '317', '318']);
  h.send(1, 'WHOIS ghost');
  t.deepEqual(Harness.numerics(h.take(1)), ['401', '318']);
});

test('OPER: 491 without operPassword, 464 on wrong password, 381 on success', (t) => {
  const h1 = new Harness();
  h1.register(1, 'alice');
  h1.send(1, 'OPER alice x');
  t.deepEqual(Harness.numerics(h1.take(1)), ['491']);
  const h2 = new Harness({ operPassword: 'pw' });
  h2.register(1, 'alice');
  h2.send(1, 'OPER alice nope', 'OPER alice pw');
  const lines = h2.take(1);
  t.deepEqual(Harness.numerics(lines), ['464', '381']);
  t.true(lines.includes(':alice!~alice@10.0.0.1 MODE alice :+o'));
});

test('ISON, USERHOST, VERSION, TIME, MOTD, LUSERS, PING', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.send(1, 'ISON alice nobody LagoonBot', 'USERHOST alice');
  const lines = h.take(1);
  t.is(lines[0], ':irc.test 303 alice :alice LagoonBot');
  t.is(lines[1], ':irc.test 302 alice :alice=+~alice@10.0.0.1');
  h.send(1, 'VERSION', 'TIME', 'MOTD', 'LUSERS', 'TIME other.server');
  const nums = Harness.numerics(h.take(1));
  for (const n of ['351', '391', '375', '372', '376', '251', '255', '402']) t.true(nums.includes(n), n);
});
