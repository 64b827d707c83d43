import type { Channel } from '../channel.js';
import { prefixOf } from '../channel.js';
import type { Client } from '../client.js';
import { PROTOCOL_LIMITS } from '../limits.js';
import type { IrcMachine } from '../machine.js';
import { globMatch } from '../mask.js';
import { ERR, RPL } from '../numerics.js';
import { commaList, type CommandSpec } from './types.js';
import { msgOf, routeChannel } from './channel.js';

/** Bound on WHO/WHOIS output so one query can't queue megabytes. */
const MAX_WHO_REPLIES = 500;

function whoReply(m: IrcMachine, c: Client, x: Client, ch: Channel | null): void {
  const mem = ch?.members.get(x);
  const flags = (x.away !== null ? 'G' : 'H') + (x.oper ? '*' : '') + (mem ? prefixOf(mem, c.caps.has('multi-prefix')) : '');
  m.reply(c, RPL.WHOREPLY, ch?.name ?? '*', x.user, x.host, m.serverName, x.nick, flags, `0 ${x.realname}`);
}

function sharesChannel(a: Client, b: Client): boolean {
  for (const ch of a.channels) if (ch.members.has(b)) return true;
  return false;
}

function who(m: IrcMachine, c: Client, mask: string): void {
  let n = 0;
  if (mask.startsWith('#')) {
    const name = routeChannel(m, c, mask, msgOf('WHO', [mask]), true);
    if (name === null) return;
    const ch = m.findChannel(name);
    if (ch !== undefined) {
      const member = ch.members.has(c);
      for (const x of ch.members.keys()) {
        if (n++ >= MAX_WHO_REPLIES) break;
        if (x.isService && c.remote !== null) continue; // LagoonBot stays on its own server
        if (member || !x.invisible) whoReply(m, c, x, ch);
      }
    }
  } else {
    for (const x of [m.bot, ...m.clients.values()]) {
      if (!x.registered || n >= MAX_WHO_REPLIES) continue;
      if (x !== c && x.invisible && !sharesChannel(c, x)) continue;
      if (mask === '*' || mask === '0' || globMatch(mask, x.nick) || globMatch(mask, x.host) || globMatch(mask, x.realname)) {
        whoReply(m, c, x, null);
        n++;
      }
    }
  }
  m.reply(c, RPL.ENDOFWHO, mask, 'End of WHO list');
}

function whois(m: IrcMachine, c: Client, nick: string, now: number): void {
  const t = m.findNick(nick);
  if (t === undefined) { m.reply(c, ERR.NOSUCHNICK, nick, 'No such nick/channel'); m.reply(c, RPL.ENDOFWHOIS, nick, 'End of /WHOIS list'); return; }
  m.reply(c, RPL.WHOISUSER, t.nick, t.user, t.host, '*', t.realname);
  const chans = [...t.channels].filter((ch) => !t.invisible || ch.members.has(c) || t === c)
    .map((ch) => prefixOf(ch.members.get(t)!, false) + ch.name);
  for (let i = 0; i < chans.length; i += 20) m.reply(c, RPL.WHOISCHANNELS, t.nick, chans.slice(i, i + 20).join(' '));
  m.reply(c, RPL.WHOISSERVER, t.nick, m.serverName, m.opts.networkName);
  if (t.away !== null) m.reply(c, RPL.AWAY, t.nick, t.away);
  if (t.oper || t.isService) m.reply(c, RPL.WHOISOPERATOR, t.nick, t.isService ? 'is a network service' : 'is an IRC operator');
  if (t.info.tls && !t.isService) m.reply(c, RPL.WHOISSECURE, t.nick, 'is using a secure connection');
  if (!t.isService) {
    m.reply(c, RPL.WHOISIDLE, t.nick, String(Math.floor((now - t.lastSpoke) / 1000)), String(Math.floor(t.signonWallMs / 1000)), 'seconds idle, signon time');
  }
  m.reply(c, RPL.ENDOFWHOIS, t.nick, 'End of /WHOIS list');
}

function whowas(m: IrcMachine, c: Client, nick: string, count: string | undefined): void {
  const max = Math.min(Math.max(Number(count) || 10, 1), 10);
  const found = m.whowas.lookup(nick, max);
  if (found.length === 0) m.reply(c, ERR.WASNOSUCHNICK, nick, 'There was no such nickname');
  for (const e of found) {
    m.reply(c, RPL.WHOWASUSER, e.nick, e.user, e.host, '*', e.realname);
    m.reply(c, RPL.WHOISSERVER, e.nick, m.serverName, new Date(e.quitWallMs).toUTCString());
  }
  m.reply(c, RPL.ENDOFWHOWAS, nick, 'End of WHOWAS');
}

export const QUERY_COMMANDS: Record<string, CommandSpec> = {
  WHO: { minParams: 0, run: (m, c, msg) => who(m, c, msg.params[0] ?? '*') },
  WHOIS: {
    minParams: 1,
    // `WHOIS server nick` names the nick last.
    run: (m, c, msg, now) => {
      const nicks = msg.params[msg.params.length > 1 ? 1 : 0]!;
      for (const n of commaList(nicks, 1)) whois(m, c, n, now);
    },
  },
  WHOWAS: { minParams: 1, run: (m, c, msg) => whowas(m, c, msg.params[0]!, msg.params[1]) },
  ISON: {
    minParams: 1,
    run: (m, c, msg) => {
      const on = msg.params.flatMap((p) => p.split(' ')).filter((n) => n !== '' && m.findNick(n) !== undefined)
        .map((n) => m.findNick(n)!.nick);
      m.reply(c, RPL.ISON, on.slice(0, 50).join(' '));
    },
  },
  USERHOST: {
    minParams: 1,
    run: (m, c, msg) => {
      const out = msg.params.slice(0, 5).map((n) => m.findNick(n)).filter((x): x is Client => x !== undefined)
        .map((x) => `${x.nick}${x.oper ? '*' : ''}=${x.away !== null ? '-' : '+'}${x.user}@${x.host}`);
      m.reply(c, RPL.USERHOST, out.join(' '));
    },
  },
};
