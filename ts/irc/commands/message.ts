import type { Client } from '../client.js';
import type { Channel } from '../channel.js';
import { botOnChannelMessage, botOnPrivateMessage } from '../lagoonbot.js';
import { PROTOCOL_LIMITS } from '../limits.js';
import type { IrcMachine } from '../machine.js';
import { parseChannelName } from '../names.js';
import { ERR, RPL } from '../numerics.js';
import { formatTags, type IrcMessage } from '../parser.js';
import type { CommandSpec } from './types.js';
import { forward, resolveRemoteNick } from '../fed-home.js';
import { msgOf, routeChannel } from './channel.js';

type MessageCommand = 'PRIVMSG' | 'NOTICE' | 'TAGMSG';

/** Client-only tags (`+foo`) to relay, formatted, or null; bounded per IRCv3. */
function clientTagsOf(msg: IrcMessage): string | null {
  if (msg.tags === null) return null;
  const kept: [string, string][] = [];
  for (const [k, v] of msg.tags) if (k.startsWith('+')) kept.push([k, v]);
  if (kept.length === 0) return null;
  const s = formatTags(kept);
  return Buffer.byteLength(s) > PROTOCOL_LIMITS.clientTagBytes ? null : s;
}

function canSend(ch: Channel, c: Client): boolean {
  const mem = ch.members.get(c);
  if (mem === undefined) return !ch.flags.n && !ch.isBanned(c) && !ch.flags.m;
  if (mem.op || mem.voice) return true;
  return !ch.flags.m && !ch.isBanned(c);
}

function toChannel(m: IrcMachine, c: Client, cmd: MessageCommand, target: string, text: string, tags: string | null): void {
  const quiet = cmd === 'NOTICE';
  // STATUSMSG: `@#chan` reaches ops only, `+#chan` voiced and ops.
  const status = target[0] === '@' || target[0] === '+' ? target[0] : null;
  const raw = status === null ? target : target.slice(1);
  // Tags do not cross federation; TAGMSG stays local.
  const fwd = cmd === 'TAGMSG' ? null : msgOf(cmd, [target, text]);
  const name = parseChannelName(raw, m.limits).kind === 'remote' ? routeChannel(m, c, raw, fwd, quiet) : raw;
  if (name === null) return;
  const ch = m.findChannel(name);
  if (ch === undefined) { if (!quiet) m.reply(c, ERR.NOSUCHNICK, target, 'No such nick/channel'); return; }
  if (!canSend(ch, c)) { if (!quiet) m.reply(c, ERR.CANNOTSENDTOCHAN, ch.name, 'Cannot send to channel'); return; }
  let recipients: Iterable<Client> = ch.members.keys();
  if (status !== null) {
    recipients = [...ch.members].filter(([, mem]) => mem.op || (status === '+' && mem.voice)).map(([x]) => x);
  }
  if (cmd === 'TAGMSG') recipients = [...recipients].filter((x) => x.caps.has('message-tags'));
  const params = cmd === 'TAGMSG' ? [target] : [target, text];
  const echo = c.caps.has('echo-message');
  m.relay(echo ? withSelf(recipients, c) : recipients, c.prefix, cmd, params,
    { exclude: echo ? null : c, trailing: cmd !== 'TAGMSG', clientTags: tags });
  if (cmd === 'PRIVMSG' && status === null) botOnChannelMessage(m, ch, text);
}

function withSelf(recipients: Iterable<Client>, c: Client): Iterable<Client> {
  const s = new Set(recipients);
  s.add(c);
  return s;
}

function toUser(m: IrcMachine, c: Client, cmd: MessageCommand, target: string, text: string, tags: string | null): void {
  let t = m.findNick(target);
  if (t === undefined && m.visitors !== null) {
    // `nick@server`: our own name means a local nick; another server's is a DM over federation.
    const r = resolveRemoteNick(m, target);
    if (r?.kind === 'local') t = m.findNick(r.name);
    else if (r?.kind === 'remote' && c.remote === null && cmd !== 'TAGMSG') { forward(m, c, r.server, msgOf(cmd, [target, text])); return; }
  }
  if (t === undefined) { if (cmd !== 'NOTICE') m.reply(c, ERR.NOSUCHNICK, target, 'No such nick/channel'); return; }
  const to: Client[] = [];
  if (cmd !== 'TAGMSG' || t.caps.has('message-tags')) to.push(t);
  if (c.caps.has('echo-message') && t !== c) to.push(c);
  m.relay(to, c.prefix, cmd, cmd === 'TAGMSG' ? [t.nick] : [t.nick, text], { trailing: cmd !== 'TAGMSG', clientTags: tags });
  if (t === m.bot) botOnPrivateMessage(m, c, cmd);
  else if (cmd === 'PRIVMSG' && t.away !== null) m.reply(c, RPL.AWAY, t.nick, t.away);
}

function message(m: IrcMachine, c: Client, msg: IrcMessage, cmd: MessageCommand, now: number): void {
  const quiet = cmd === 'NOTICE';
  const targets = msg.params[0] ?? '';
  const text = msg.params[1] ?? '';
  if (targets === '') { if (!quiet) m.reply(c, ERR.NORECIPIENT, `No recipient given (${cmd})`); return; }
  if (cmd !== 'TAGMSG' && text === '') { if (!quiet) m.reply(c, ERR.NOTEXTTOSEND, 'No text to send'); return; }
  const tags = clientTagsOf(msg);
  if (cmd === 'TAGMSG' && tags === null) return;
  const list = targets.split(',').filter((s) => s !== '');
  if (list.length > PROTOCOL_LIMITS.maxTargets) {
    if (!quiet) m.reply(c, ERR.TOOMANYTARGETS, list[PROTOCOL_LIMITS.maxTargets]!, `Too many targets. The maximum is ${PROTOCOL_LIMITS.maxTargets}`);
    list.length = PROTOCOL_LIMITS.maxTargets;
  }
  if (cmd !== 'NOTICE') c.lastSpoke = now;
  for (const target of new Set(list)) {
    if (target.includes('#')) toChannel(m, c, cmd, target, text, tags);
    else toUser(m, c, cmd, target, text, tags);
  }
}

export const MESSAGE_COMMANDS: Record<string, CommandSpec> = {
  PRIVMSG: { minParams: 0, run: (m, c, msg, now) => message(m, c, msg, 'PRIVMSG', now) },
  NOTICE: { minParams: 0, run: (m, c, msg, now) => message(m, c, msg, 'NOTICE', now) },
  TAGMSG: { minParams: 1, run: (m, c, msg, now) => message(m, c, msg, 'TAGMSG', now) },
};
