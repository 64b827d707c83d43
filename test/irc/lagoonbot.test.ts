import test from 'ava';
import { Harness } from './helpers/harness.js';
import { restore, snapshot } from '../../ts/irc/snapshot.js';

test('#lagoon exists with LagoonBot; the first human becomes its owner with +o', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.send(1, 'JOIN #lagoon');
  const lines = h.take(1);
  t.true(lines.includes(':irc.test 353 alice = #lagoon :@LagoonBot @alice'));
  t.is(h.m.findChannel('#lagoon')!.owner, 'alice');
  t.is(h.stateChanges, 1);
  h.register(2, 'bob');
  h.send(2, 'JOIN #lagoon');
  t.true(h.take(2).includes(':irc.test 353 bob = #lagoon :@LagoonBot @alice bob'));
});

test('the owner gets +o again after leaving, and after a restart', (t) => {
  const h = new Harness();
  h.register(1, 'Alice');
  h.send(1, 'JOIN #lagoon', 'PART #lagoon');
  h.register(2, 'bob');
  h.send(2, 'JOIN #lagoon');
  t.false(h.m.findChannel('#lagoon')!.members.get(h.m.findNick('bob')!)!.op, 'bob is not owner though first in');
  h.send(1, 'JOIN #lagoon');
  t.true(h.m.findChannel('#lagoon')!.members.get(h.m.findNick('alice')!)!.op);

  const saved = JSON.parse(JSON.stringify(snapshot(h.m)));
  const h2 = new Harness();
  restore(h2.m, saved);
  h2.register(1, 'bob');
  h2.send(1, 'JOIN #lagoon');
  h2.register(2, 'alice');
  h2.send(2, 'JOIN #lagoon');
  const ch = h2.m.findChannel('#lagoon')!;
  t.false(ch.members.get(h2.m.findNick('bob')!)!.op);
  t.true(ch.members.get(h2.m.findNick('alice')!)!.op);
});

test('!help in the channel and any private message get the help text', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.register(2, 'bob');
  h.send(1, 'JOIN #lagoon'); h.send(2, 'JOIN #lagoon');
  h.take(1); h.take(2);
  h.send(1, 'PRIVMSG #lagoon :!help');
  const seen = h.take(2);
  t.is(seen[0], ':alice!~alice@10.0.0.1 PRIVMSG #lagoon :!help');
  t.regex(seen[1]!, /^:LagoonBot!lagoon@irc.test NOTICE #lagoon :Hi, I'm LagoonBot/);
  t.true(h.take(1).length >= 4, 'the asker sees the help too');
  h.send(2, 'PRIVMSG lagoonbot :what is this');
  const pm = h.take(2);
  t.regex(pm[0]!, /^:LagoonBot!lagoon@irc.test NOTICE bob :Hi/);
  h.send(2, 'NOTICE LagoonBot :no loops');
  t.deepEqual(h.take(2), []);
});

test('LagoonBot cannot be kicked and stays after everyone leaves', (t) => {
  const h = new Harness();
  h.register(1, 'alice');
  h.send(1, 'JOIN #lagoon', 'KICK #lagoon LagoonBot');
  t.deepEqual(Harness.numerics(h.take(1)).at(-1), '482');
  h.send(1, 'PART #lagoon');
  t.true(h.m.findChannel('#lagoon')!.members.has(h.m.bot));
});
