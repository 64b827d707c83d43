import test from 'ava';
import { Harness } from './helpers/harness.js';

function pair(): Harness {
  const h = new Harness();
  h.register(1, 'alice');
  h.register(2, 'bob');
  h.send(1, 'JOIN #room');
  h.send(2, 'JOIN #room');
  h.take(1); h.take(2);
  return h;
}

test('JOIN creates a room, opens the first joiner, shows topic and NAMES', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.send(1, 'JOIN #Room');
  t.deepEqual(h.take(1), [
    ':alice!~alice@10.0.0.1 JOIN #Room',
    ':irc.test 353 alice = #Room :@alice',
    ':irc.test 366 alice #Room :End of /NAMES list',
  ]);
  h.register(2, 'bob', ['multi-prefix']);
  h.send(2, 'JOIN #room');
  const bob = h.take(2);
  t.is(bob[0], ':bob!~bob@10.0.0.1 JOIN #Room');
  t.deepEqual(h.take(1), [':bob!~bob@10.0.0.1 JOIN #Room']);
  h.send(1, 'MODE #room +v alice');
  h.send(2, 'NAMES #room');
  t.true(h.take(2).some((l) => l.includes('353 bob = #Room :@+alice bob')));
});

test('JOIN several channels with keys, JOIN 0, and PART with reason', (t) => {
  const h = pair();
  h.send(1, 'MODE #room +k secret');
  h.register(3, 'carol');
  h.send(3, 'JOIN #room,#other wrong');
  t.deepEqual(Harness.numerics(h.take(3)), ['475', '353', '366']);
  h.send(3, 'JOIN #room secret');
  t.true(h.take(3)[0]!.includes('JOIN #room'));
  h.take(1);
  h.send(3, 'PART #room :see ya');
  t.deepEqual(h.take(1), [':carol!~carol@10.0.0.1 PART #room :see ya']);
  h.take(3);
  h.send(3, 'JOIN 0');
  t.deepEqual(h.take(3), [':carol!~carol@10.0.0.1 PART #other :Left all channels']);
  t.is(h.m.findChannel('#other'), undefined, 'empty ordinary channel is forgotten');
  h.send(3, 'PART #room', 'PART #nope');
  t.deepEqual(Harness.numerics(h.take(3)), ['442', '403']);
});

test('#room:server is recognised and refused until federation exists', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.send(1, 'JOIN #lagoon:per.example', 'JOIN bad', 'PRIVMSG #lagoon:per.example :hi');
  const lines = h.take(1);
  t.regex(lines[0]!, / 403 alice #lagoon:per.example :Federation is not available yet/);
  t.regex(lines[1]!, / 403 alice bad /);
  t.regex(lines[2]!, / 403 .*Federation/);
  t.is(h.m.findChannel('#lagoon:per.example'), undefined);
});

test('TOPIC query, set, +t enforcement and 333', (t) => {
  const h = pair();
  h.send(2, 'TOPIC #room');
  t.deepEqual(Harness.numerics(h.take(2)), ['331']);
  h.send(2, 'TOPIC #room :bob was here');
  t.deepEqual(Harness.numerics(h.take(2)), ['482']);
  h.send(1, 'TOPIC #room :welcome all');
  t.deepEqual(h.take(2), [':alice!~alice@10.0.0.1 TOPIC #room :welcome all']);
  h.send(2, 'TOPIC #room');
  const lines = h.take(2);
  t.is(lines[0], ':irc.test 332 bob #room :welcome all');
  t.is(lines[1], `:irc.test 333 bob #room alice!~alice@10.0.0.1 ${Math.floor(h.wall / 1000)}`);
  t.is(h.stateChanges, 1);
  h.send(1, 'MODE #room -t');
  h.send(2, 'TOPIC #room :now me');
  t.true(h.take(2).includes(':bob!~bob@10.0.0.1 TOPIC #room :now me'));
});

test('KICK: 482 for non-ops, 441 for non-members, success removes', (t) => {
  const h = pair();
  h.send(2, 'KICK #room alice');
  t.deepEqual(Harness.numerics(h.take(2)), ['482']);
  h.send(1, 'KICK #room nobody', 'KICK #room bob :behave');
  t.deepEqual(Harness.numerics(h.take(1)), ['441']);
  t.deepEqual(h.take(2), [':alice!~alice@10.0.0.1 KICK #room bob :behave']);
  t.false(h.m.findChannel('#room')!.members.has(h.m.findNick('bob')!));
  h.send(2, 'KICK #room alice');
  t.deepEqual(Harness.numerics(h.take(2)), ['442']);
});

test('invite-only: 473 without invite, INVITE lets in, 443 when on channel', (t) => {
  const h = pair();
  h.send(1, 'MODE #room +i');
  h.register(3, 'carol');
  h.send(3, 'JOIN #room');
  t.deepEqual(Harness.numerics(h.take(3)), ['473']);
  h.send(2, 'INVITE carol #room');
  t.deepEqual(Harness.numerics(h.take(2)), ['482']);
  h.send(1, 'INVITE carol #room', 'INVITE bob #room', 'INVITE zed #room');
  t.deepEqual(Harness.numerics(h.take(1)).filter((n) => n !== '324'), ['341', '443', '401']);
  t.deepEqual(h.take(3), [':alice!~alice@10.0.0.1 INVITE carol #room']);
  h.send(3, 'JOIN #room');
  t.true(h.take(3)[0]!.includes('JOIN #room'));
});

test('limit +l gives 471; 405 past CHANLIMIT', (t) => {
  const h = new Harness({ limits: { maxChannelsPerClient: 2 } });
  h.register(1, 'alice');
  h.register(2, 'bob');
  h.send(1, 'JOIN #a', 'MODE #a +l 1');
  h.send(2, 'JOIN #a');
  t.deepEqual(Harness.numerics(h.take(2)), ['471']);
  h.send(2, 'JOIN #b,#c,#d');
  t.deepEqual(Harness.numerics(h.take(2)).filter((n) => n === '405'), ['405']);
});

test('bans: +b list, 474 on join, 404 on send, -b lifts', (t) => {
  const h = pair();
  h.send(1, 'MODE #room +b bob', 'MODE #room b');
  const lines = h.take(1);
  t.is(lines[0], ':alice!~alice@10.0.0.1 MODE #room +b bob!*@*');
  t.regex(lines[1]!, / 367 alice #room bob!\*@\* alice!~alice@10.0.0.1 \d+/);
  t.regex(lines[2]!, / 368 /);
  h.send(2, 'PRIVMSG #room :hi');
  t.deepEqual(Harness.numerics(h.take(2).filter((l) => !l.includes('MODE'))), ['404']);
  h.send(2, 'PART #room', 'JOIN #room');
  t.deepEqual(Harness.numerics(h.take(2)), ['474']);
  h.send(1, 'MODE #room -b bob!*@*');
  h.send(2, 'JOIN #room');
  t.true(h.take(2).some((l) => l.includes('JOIN #room')));
});

test('MODE query 324/329, unknown mode 472, +o/+v and 441/401', (t) => {
  const h = pair();
  h.send(1, 'MODE #room +kl key 5', 'MODE #room');
  const lines = h.take(1);
  t.true(lines.includes(':irc.test 324 alice #room +ntkl key 5'));
  t.regex(lines.at(-1)!, / 329 alice #room \d+/);
  h.send(2, 'MODE #room');
  t.true(h.take(2).some((l) => l.includes('324 bob #room +ntkl key 5')));
  h.send(1, 'MODE #room +z', 'MODE #room +o zed', 'MODE #room +ov bob bob');
  const out = h.take(1);
  t.deepEqual(Harness.numerics(out), ['472', '401']);
  t.true(out.includes(':alice!~alice@10.0.0.1 MODE #room +ov bob bob'));
  h.send(2, 'MODE #room -o alice');
  t.true(h.take(2).includes(':bob!~bob@10.0.0.1 MODE #room -o alice'));
});

test('moderated: only voiced and ops speak', (t) => {
  const h = pair();
  h.send(1, 'MODE #room +m');
  h.take(2);
  h.send(2, 'PRIVMSG #room :x');
  t.deepEqual(Harness.numerics(h.take(2)), ['404']);
  h.send(1, 'MODE #room +v bob');
  h.take(2);
  h.send(2, 'PRIVMSG #room :y');
  t.deepEqual(h.take(1).at(-1), ':bob!~bob@10.0.0.1 PRIVMSG #room :y');
});

test('LIST with and without names; WHO on channel', (t) => {
  const h = pair();
  h.send(1, 'TOPIC #room :t1', 'LIST');
  const lines = h.take(1).filter((l) => / 32[123] /.test(l));
  t.true(lines.some((l) => l.includes('322 alice #room 2 :[+nt] t1')));
  t.true(lines.some((l) => l.includes('322 alice #lagoon 1')));
  h.send(1, 'LIST #room');
  t.deepEqual(Harness.numerics(h.take(1)), ['321', '322', '323']);
  h.send(2, 'AWAY :lunch');
  h.send(1, 'WHO #room');
  const who = h.take(1);
  t.true(who.includes(':irc.test 352 alice #room ~alice 10.0.0.1 irc.test alice H@ :0 alice real'));
  t.true(who.includes(':irc.test 352 alice #room ~bob 10.0.0.1 irc.test bob G :0 bob real'));
  t.regex(who.at(-1)!, / 315 alice #room /);
});

test('user modes: +i hides from WHO mask, 502 for others, 221 query', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.register(2, 'bob');
  h.send(2, 'MODE bob +i', 'MODE alice +i', 'MODE bob', 'MODE bob +x');
  const lines = h.take(2);
  t.is(lines[0], ':bob!~bob@10.0.0.1 MODE bob :+i');
  t.deepEqual(Harness.numerics(lines), ['502', '221', '501']);
  h.send(1, 'WHO b*');
  t.deepEqual(Harness.numerics(h.take(1)), ['315']);
});
