import test from 'ava';
import { Harness } from './helpers/harness.js';

test('NICK + USER gives the welcome burst 001-005, LUSERS and MOTD', (t) => {
  const h = new Harness();
  h.connect(1);
  h.send(1, 'NICK alice', 'USER al 0 * :Alice A');
  const lines = h.take(1);
  const nums = Harness.numerics(lines);
  t.deepEqual(nums.slice(0, 4), ['001', '002', '003', '004']);
  t.true(nums.includes('005') && nums.includes('251') && nums.includes('375') && nums.includes('376'));
  t.true(lines[0]!.includes('alice!~al@10.0.0.1'));
  const isupport = lines.filter((l) => l.includes(' 005 ')).join(' ');
  for (const tok of ['CASEMAPPING=ascii', 'CHANTYPES=#', 'CHANMODES=b,k,l,imnt', 'PREFIX=(ov)@+', 'NICKLEN=30', 'CHANNELLEN=64', 'TOPICLEN=390', 'NETWORK=TestNet', 'MAXTARGETS=4', 'CHANLIMIT=#:50', 'STATUSMSG=@+', 'KICKLEN=390', 'AWAYLEN=200']) {
    t.true(isupport.includes(tok), tok);
  }
});

test('empty MOTD gives 422', (t) => {
  const h = new Harness({ motd: [] });
  h.connect(1);
  h.send(1, 'NICK a', 'USER a 0 * :a');
  t.true(Harness.numerics(h.take(1)).includes('422'));
});

test('commands before registration get 451; PING is allowed', (t) => {
  const h = new Harness();
  h.connect(1);
  h.send(1, 'JOIN #a', 'PING tok');
  const lines = h.take(1);
  t.true(lines[0]!.includes(' 451 '));
  t.is(lines[1], ':irc.test PONG irc.test :tok');
});

test('CAP LS 302 / REQ / END holds registration until END', (t) => {
  const h = new Harness();
  h.connect(1);
  h.send(1, 'CAP LS 302', 'NICK a', 'USER a 0 * :a');
  let lines = h.take(1);
  t.regex(lines[0]!, /CAP \* LS :.*server-time.*echo-message/);
  t.false(Harness.numerics(lines).includes('001'));
  h.send(1, 'CAP REQ :server-time bogus');
  t.regex(h.take(1)[0]!, /CAP a NAK :server-time bogus/);
  h.send(1, 'CAP REQ :server-time multi-prefix', 'CAP LIST');
  lines = h.take(1);
  t.regex(lines[0]!, /CAP a ACK :server-time multi-prefix/);
  t.regex(lines[1]!, /CAP a LIST :.*multi-prefix/);
  h.send(1, 'CAP END');
  t.true(Harness.numerics(h.take(1)).includes('001'));
});

test('nick errors: 431, 432, 433, and LagoonBot is reserved', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.connect(2);
  h.send(2, 'NICK', 'NICK 9bad', 'NICK ALICE', 'NICK lagoonbot');
  t.deepEqual(Harness.numerics(h.take(2)), ['431', '432', '433', '433']);
});

test('USER twice after registration is 462; unknown command 421; missing params 461', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.send(1, 'USER a 0 * :a', 'FROB x', 'JOIN', 'PASS x');
  t.deepEqual(Harness.numerics(h.take(1)), ['462', '421', '461', '462']);
});

test('server password: wrong PASS gives 464 and ERROR', (t) => {
  const h = new Harness({ password: 'sesame' });
  h.connect(1);
  h.send(1, 'PASS nope', 'NICK a', 'USER a 0 * :a');
  const lines = h.take(1);
  t.true(Harness.numerics(lines).includes('464'));
  t.regex(lines.at(-1)!, /^ERROR :Closing Link: .*Bad password/);
  t.is(h.closed.get(1), 'Bad password');
  h.connect(2);
  h.send(2, 'PASS sesame', 'NICK b', 'USER b 0 * :b');
  t.true(Harness.numerics(h.take(2)).includes('001'));
});

test('registration timeout closes an unregistered client', (t) => {
  const h = new Harness({ limits: { registrationTimeoutMs: 1000 } });
  h.connect(1);
  h.send(1, 'NICK a');
  t.is(h.m.nextTimeout(), 1000);
  h.advance(999);
  t.false(h.closed.has(1));
  h.advance(1);
  t.is(h.closed.get(1), 'Registration timed out');
  t.is(h.m.findNick('a'), undefined);
});

test('idle client gets PING, then Ping timeout; any line resets', (t) => {
  const h = new Harness({ limits: { pingIntervalMs: 1000, pingTimeoutMs: 500 } });
  h.register(1, 'alice');
  h.register(2, 'bob');
  h.send(2, 'JOIN #x');
  h.send(1, 'JOIN #x');
  h.take(1); h.take(2);
  h.advance(1000);
  t.deepEqual(h.take(1), ['PING :irc.test']);
  h.send(1, 'PONG :irc.test');
  h.send(2, 'PONG :irc.test');
  h.advance(499);
  t.false(h.closed.has(1));
  h.advance(501); // idle again: another PING
  t.deepEqual(h.take(1), ['PING :irc.test']);
  h.send(2, 'PONG :irc.test');
  h.take(2);
  h.advance(500);
  t.regex(h.closed.get(1)!, /^Ping timeout/);
  t.true(h.take(2).some((l) => l.startsWith(':alice!~alice@10.0.0.1 QUIT :Ping timeout')));
});

test('time going backwards is API misuse', (t) => {
  const h = new Harness();
  h.advance(10);
  t.throws(() => h.m.handleTimeout(5), { message: /ERR_INVALID_ARGUMENT/ });
});

test('max clients and max clients per IP refuse with ERROR', (t) => {
  const h = new Harness({ limits: { maxClients: 3, maxClientsPerIp: 2 } });
  h.connect(1, '1.1.1.1');
  h.connect(2, '1.1.1.1');
  h.connect(3, '1.1.1.1');
  t.regex(h.take(3)[0]!, /ERROR :Closing Link: 1.1.1.1 \(Too many connections from your IP\)/);
  h.connect(4, '2.2.2.2');
  h.connect(5, '3.3.3.3');
  t.regex(h.take(5)[0]!, /Server is full/);
  t.is(h.m.counters.rejectedConnections, 2);
  h.apply(h.m.disconnected(1, 'gone', h.now));
  h.connect(6, '1.1.1.1');
  t.false(h.closed.has(6));
});

test('QUIT sends ERROR to the client and QUIT to each peer once; WHOWAS remembers', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.register(2, 'bob');
  h.send(1, 'JOIN #a,#b');
  h.send(2, 'JOIN #a,#b');
  h.take(2);
  h.send(1, 'QUIT :bye now');
  t.deepEqual(h.take(2), [':alice!~alice@10.0.0.1 QUIT :Quit: bye now']);
  t.regex(h.take(1).at(-1)!, /^ERROR :Closing Link: 10.0.0.1 \(Quit: bye now\)/);
  h.send(2, 'WHOWAS alice');
  t.deepEqual(Harness.numerics(h.take(2)), ['314', '312', '369']);
});

test('nick change reaches each channel peer once', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.register(2, 'bob');
  h.send(1, 'JOIN #a,#b');
  h.send(2, 'JOIN #a,#b');
  h.take(1); h.take(2);
  h.send(1, 'NICK Alyce');
  t.deepEqual(h.take(2), [':alice!~alice@10.0.0.1 NICK :Alyce']);
  t.deepEqual(h.take(1), [':alice!~alice@10.0.0.1 NICK :Alyce']);
  t.is(h.m.findNick('ALYCE')?.nick, 'Alyce');
  t.is(h.m.findNick('alice'), undefined);
});

test('IPv6 hosts never start with a colon; IPv4-mapped shows as IPv4', (t) => {
  const h = new Harness();
  h.register(1, 'six', [], '::1');
  h.register(2, 'four', [], '::ffff:192.0.2.7');
  h.send(1, 'USERHOST six four');
  t.deepEqual(h.take(1), [':irc.test 302 six :six=+~six@0::1 four=+~four@192.0.2.7']);
});

test('garbage lines never throw and leave the client usable', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  const junk = ['', '   ', ':', ':only-source', '@', '@a=b', '@;;;=== PING x', `PRIVMSG ${'a '.repeat(10_000)}`,
    'JOIN ,,,', 'MODE', 'MODE #', 'MODE #x +kkkkkkkk', 'KICK # ,', 'PRIVMSG ,,, :x', 'NICK :', '\u0001\u0002', 'CAP', 'CAP FOO', '💥 💥'];
  t.notThrows(() => h.send(1, ...junk));
  h.send(1, 'PING alive');
  h.advance(10_000); // the junk used up the flood burst; the rest drains at 5 lines/s
  t.is(h.take(1).at(-1), ':irc.test PONG irc.test :alive');
  t.false(h.closed.has(1));
});
