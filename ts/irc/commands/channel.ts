import { fold } from '../casemap.js';
import { Channel, prefixOf } from '../channel.js';
import type { Client } from '../client.js';
import { claimOwnership, LAGOON_CHANNEL } from '../lagoonbot.js';
import { PROTOCOL_LIMITS } from '../limits.js';
import type { IrcMachine } from '../machine.js';
import { parseChannelName } from '../names.js';
import { ERR, RPL } from '../numerics.js';
import type { IrcMessage } from '../parser.js';
import { onRemoteRoom, resolveRemote, visitJoin, forward } from '../fed-home.js';
import { commaList, type CommandSpec } from './types.js';

/**
 * A channel param that may name another server's room. Returns the local
 * name to act on, or null when it was handled here: forwarded to the room's
 * server (`fwd`, for our users visiting it) or refused with a numeric.
 */
export function routeChannel(m: IrcMachine, c: Client, name: string, fwd: IrcMessage | null, quiet = false): string | null {
  const ref = parseChannelName(name, m.limits);
  if (ref.kind !== 'remote') return name;
  const r = m.visitors === null ? null : resolveRemote(m, ref.room, ref.server);
  if (r?.kind === 'local') return r.name;
  if (r?.kind === 'remote' && c.remote === null && fwd !== null) { onRemoteRoom(m, c, r.room, r.server, fwd); return null; }
  // Visitors act in this server's rooms only: no visit on another server through us.
  if (!quiet) m.reply(c, ERR.NOSUCHCHANNEL, name, m.visitors === null ? 'Federation is not available yet' : 'No such channel');
  return null;
}

export function msgOf(command: string, params: (string | undefined)[]): IrcMessage {
  return { tags: null, source: null, command, params: params.filter((p): p is string => p !== undefined) };
}

/** Resolve a channel parameter to an existing local channel, or reply with the right error. */
export function existingChannel(m: IrcMachine, c: Client, raw: string, fwd: IrcMessage | null = null): Channel | undefined {
  const name = routeChannel(m, c, raw, fwd);
  if (name === null) return undefined;
  const ref = parseChannelName(name, m.limits);
  const ch = ref.kind === 'local' ? m.channels.get(fold(name)) : undefined;
  if (ch === undefined) m.reply(c, ERR.NOSUCHCHANNEL, name, 'No such channel');
  return ch;
}

function joinRefusal(ch: Channel, c: Client, key: string | undefined): [string, string] | null {
  const invited = c.invites.has(ch.folded);
  if (ch.isBanned(c)) return [ERR.BANNEDFROMCHAN, 'Cannot join channel (+b)'];
  if (ch.flags.i && !invited) return [ERR.INVITEONLYCHAN, 'Cannot join channel (+i)'];
  if (ch.key !== null && key !== ch.key) return [ERR.BADCHANNELKEY, 'Cannot join channel (+k)'];
  if (ch.limit !== null && ch.humanCount >= ch.limit && !invited) return [ERR.CHANNELISFULL, 'Cannot join channel (+l)'];
  return null;
}

function joinOne(m: IrcMachine, c: Client, raw: string, key: string | undefined): void {
  const ref = parseChannelName(raw, m.limits);
  if (ref.kind === 'remote' && m.visitors !== null && c.remote === null) {
    const r = resolveRemote(m, ref.room, ref.server);
    if (r.kind === 'remote') { visitJoin(m, c, r.room, r.server, key); return; }
  }
  const name = routeChannel(m, c, raw, null);
  if (name === null) return;
  if (parseChannelName(name, m.limits).kind === 'invalid') { m.reply(c, ERR.NOSUCHCHANNEL, name, 'No such channel'); return; }
  const folded = fold(name);
  let ch = m.channels.get(folded);
  if (ch?.members.has(c)) return;
  if (c.channels.size + c.visits.size >= m.limits.maxChannelsPerClient) { m.reply(c, ERR.TOOMANYCHANNELS, name, 'You have joined too many channels'); return; }
  if (ch !== undefined) {
    const refusal = joinRefusal(ch, c, key);
    if (refusal !== null) { m.reply(c, refusal[0], ch.name, refusal[1]); return; }
  } else if (c.remote !== null) {
    // A visitor visits rooms that exist; it never creates one on this server.
    m.reply(c, ERR.NOSUCHCHANNEL, name, 'No such channel');
    return;
  } else {
    ch = new Channel(name, folded, m.wallNow());
    m.channels.set(folded, ch);
  }
  // Ops: the recorded owner, or whoever opens an empty ordinary channel. Never a visitor.
  const owner = c.remote === null && claimOwnership(m, ch, c);
  const op = owner || (c.remote === null && ch.humanCount === 0 && ch.folded !== LAGOON_CHANNEL);
  ch.members.set(c, { op, voice: false });
  c.channels.add(ch);
  c.invites.delete(folded);
  m.relay(ch.members.keys(), c.prefix, 'JOIN', [ch.name]);
  if (c.away !== null) {
    const notify = [...ch.members.keys()].filter((x) => x.caps.has('away-notify'));
    m.relay(notify, c.prefix, 'AWAY', [c.away], { exclude: c, trailing: true });
  }
  if (ch.topic !== null) sendTopic(m, c, ch);
  sendNames(m, c, ch);
}

export function sendTopic(m: IrcMachine, c: Client, ch: Channel): void {
  if (ch.topic === null) { m.reply(c, RPL.NOTOPIC, ch.name, 'No topic is set'); return; }
  m.reply(c, RPL.TOPIC, ch.name, ch.topic.text);
  m.sendServer(c, RPL.TOPICWHOTIME, [c.nick, ch.name, ch.topic.setBy, String(Math.floor(ch.topic.setAtWallMs / 1000))], false);
}

/** RPL_NAMREPLY in chunks that keep each line well under 512 bytes. */
export function sendNames(m: IrcMachine, c: Client, ch: Channel): void {
  const multi = c.caps.has('multi-prefix');
  const showInvisible = ch.members.has(c);
  let batch: string[] = [];
  let size = 0;
  for (const [x, mem] of ch.members) {
    if (x.invisible && !showInvisible) continue;
    if (x.isService && c.remote !== null) continue; // LagoonBot stays on its own server
    const entry = prefixOf(mem, multi) + x.nick;
    if (size + entry.length + 1 > 400) { m.reply(c, RPL.NAMREPLY, '=', ch.name, batch.join(' ')); batch = []; size = 0; }
    batch.push(entry);
    size += entry.length + 1;
  }
  if (batch.length > 0) m.reply(c, RPL.NAMREPLY, '=', ch.name, batch.join(' '));
  m.reply(c, RPL.ENDOFNAMES, ch.name, 'End of /NAMES list');
}

export function partOne(m: IrcMachine, c: Client, name: string, reason: string | undefined): void {
  const ch = existingChannel(m, c, name, msgOf('PART', [name, reason]));
  if (ch === undefined) return;
  if (!ch.members.has(c)) { m.reply(c, ERR.NOTONCHANNEL, ch.name, "You're not on that channel"); return; }
  m.relay(ch.members.keys(), c.prefix, 'PART', reason === undefined ? [ch.name] : [ch.name, reason], { trailing: reason !== undefined });
  m.removeMember(ch, c);
}

function topic(m: IrcMachine, c: Client, name: string, text: string | undefined): void {
  const ch = existingChannel(m, c, name, msgOf('TOPIC', [name, text]));
  if (ch === undefined) return;
  if (text === undefined) { sendTopic(m, c, ch); return; }
  const mem = ch.members.get(c);
  if (mem === undefined) { m.reply(c, ERR.NOTONCHANNEL, ch.name, "You're not on that channel"); return; }
  if (ch.flags.t && !mem.op) { m.reply(c, ERR.CHANOPRIVSNEEDED, ch.name, "You're not channel operator"); return; }
  const cut = text.slice(0, m.limits.topicLength);
  ch.topic = cut === '' ? null : { text: cut, setBy: c.prefix, setAtWallMs: m.wallNow() };
  m.relay(ch.members.keys(), c.prefix, 'TOPIC', [ch.name, cut], { trailing: true });
  m.markDirty();
}

function kick(m: IrcMachine, c: Client, name: string, targets: string, reason: string | undefined): void {
  const ch = existingChannel(m, c, name, msgOf('KICK', [name, targets, reason]));
  if (ch === undefined) return;
  const mem = ch.members.get(c);
  if (mem === undefined) { m.reply(c, ERR.NOTONCHANNEL, ch.name, "You're not on that channel"); return; }
  if (!mem.op) { m.reply(c, ERR.CHANOPRIVSNEEDED, ch.name, "You're not channel operator"); return; }
  const why = (reason ?? c.nick).slice(0, PROTOCOL_LIMITS.kickLength);
  for (const nick of commaList(targets, PROTOCOL_LIMITS.maxTargets)) {
    const t = m.findNick(nick);
    if (t === undefined || !ch.members.has(t)) { m.reply(c, ERR.USERNOTINCHANNEL, nick, ch.name, "They aren't on that channel"); continue; }
    if (t.isService) { m.reply(c, ERR.CHANOPRIVSNEEDED, ch.name, 'Cannot kick a network service'); continue; }
    m.relay(ch.members.keys(), c.prefix, 'KICK', [ch.name, t.nick, why], { trailing: true });
    m.removeMember(ch, t);
  }
}

function invite(m: IrcMachine, c: Client, nick: string, name: string): void {
  const t = m.findNick(nick);
  if (t === undefined) { m.reply(c, ERR.NOSUCHNICK, nick, 'No such nick/channel'); return; }
  const ch = existingChannel(m, c, name);
  if (ch === undefined) return;
  const mem = ch.members.get(c);
  if (mem === undefined) { m.reply(c, ERR.NOTONCHANNEL, ch.name, "You're not on that channel"); return; }
  if (ch.flags.i && !mem.op) { m.reply(c, ERR.CHANOPRIVSNEEDED, ch.name, "You're not channel operator"); return; }
  if (ch.members.has(t)) { m.reply(c, ERR.USERONCHANNEL, t.nick, ch.name, 'is already on channel'); return; }
  if (t.invites.size >= PROTOCOL_LIMITS.maxInvitesPerClient) {
    const oldest = t.invites.values().next().value;
    if (oldest !== undefined) t.invites.delete(oldest);
  }
  t.invites.add(ch.folded);
  m.sendServer(c, RPL.INVITING, [c.nick, t.nick, ch.name], false);
  if (t.away !== null) m.reply(c, RPL.AWAY, t.nick, t.away);
  m.relay([t], c.prefix, 'INVITE', [t.nick, ch.name]);
}

function list(m: IrcMachine, c: Client, names: string | undefined): void {
  m.reply(c, RPL.LISTSTART, 'Channel', 'Users  Name');
  const chans = names === undefined
    ? m.channels.values()
    : commaList(names, 100).map((n) => m.findChannel(n)).filter((x): x is Channel => x !== undefined);
  for (const ch of chans) {
    const modes = ch.modeString(false).join(' ');
    m.reply(c, RPL.LIST, ch.name, String(ch.members.size), `[${modes}] ${ch.topic?.text ?? ''}`);
  }
  m.reply(c, RPL.LISTEND, 'End of /LIST');
}

export const CHANNEL_COMMANDS: Record<string, CommandSpec> = {
  JOIN: {
    minParams: 1,
    run: (m, c, msg) => {
      if (msg.params[0] === '0') {
        for (const ch of [...c.channels]) partOne(m, c, ch.name, 'Left all channels');
        for (const v of [...c.visits.values()]) forward(m, c, v.server, msgOf('PART', [v.name, 'Left all channels']));
        return;
      }
      const keys = (msg.params[1] ?? '').split(',');
      // Bounded so one line can't make unbounded work; extra names still get their 405.
      const names = commaList(msg.params[0]!, m.limits.maxChannelsPerClient + PROTOCOL_LIMITS.maxTargets);
      names.forEach((n, i) => joinOne(m, c, n, keys[i] || undefined));
    },
  },
  PART: {
    minParams: 1,
    run: (m, c, msg) => { for (const n of commaList(msg.params[0]!, m.limits.maxChannelsPerClient)) partOne(m, c, n, msg.params[1]); },
  },
  TOPIC: { minParams: 1, run: (m, c, msg) => topic(m, c, msg.params[0]!, msg.params[1]) },
  NAMES: {
    minParams: 0,
    run: (m, c, msg) => {
      if (msg.params[0] === undefined) { m.reply(c, RPL.ENDOFNAMES, '*', 'End of /NAMES list'); return; }
      for (const raw of commaList(msg.params[0], PROTOCOL_LIMITS.maxTargets)) {
        const n = routeChannel(m, c, raw, msgOf('NAMES', [raw]), true);
        if (n === null) { if (m.visitors === null || c.remote !== null) m.reply(c, RPL.ENDOFNAMES, raw, 'End of /NAMES list'); continue; }
        const ch = m.findChannel(n);
        if (ch === undefined) m.reply(c, RPL.ENDOFNAMES, n, 'End of /NAMES list');
        else sendNames(m, c, ch);
      }
    },
  },
  LIST: { minParams: 0, run: (m, c, msg) => list(m, c, msg.params[0]) },
  KICK: { minParams: 2, run: (m, c, msg) => kick(m, c, msg.params[0]!, msg.params[1]!, msg.params[2]) },
  INVITE: { minParams: 2, run: (m, c, msg) => invite(m, c, msg.params[0]!, msg.params[1]!) },
};
