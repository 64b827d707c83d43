import type { Channel } from './channel.js';
import { fold } from './casemap.js';
import { Client } from './client.js';
import type { IrcMachine } from './machine.js';

/**
 * LagoonBot: this server's own service user. It is not a socket; it sits in
 * `#lagoon` (opped), its nick is reserved, it answers `!help` in channels and
 * any private message with a help text, and it records the owner of
 * `#lagoon` (the first human to join it while empty), who gets +o on every
 * join, also after a restart. It never crosses federation boundaries.
 */
export const LAGOONBOT_NICK = 'LagoonBot';
export const LAGOON_CHANNEL = '#lagoon';
/** Service clients use ids below zero so they never collide with driver ids. */
const BOT_ID = -1;

export function createLagoonBot(m: IrcMachine): Client {
  const bot = new Client(BOT_ID, { remoteAddress: m.serverName, tls: true }, 0, 1, 1, true);
  bot.setNick(LAGOONBOT_NICK, fold(LAGOONBOT_NICK));
  bot.setUser('lagoon');
  bot.realname = 'Lagoon service bot';
  bot.registered = true;
  m.nicks.set(bot.foldedNick, bot);
  return bot;
}

export function helpText(m: IrcMachine): string[] {
  return [
    `Hi, I'm ${LAGOONBOT_NICK}, the service bot of ${m.serverName}.`,
    `Rooms here belong to ${m.serverName}: JOIN #name opens or creates a local room.`,
    `${LAGOON_CHANNEL} is this server's lobby; the first person to join it owns it (kept across restarts).`,
    'To visit a room on another server, JOIN #room:server; its people show as nick@server.',
    'Commands: !help in a channel, or message me anything.',
  ];
}

/** Called after a human joined `ch`; returns true when the joiner should be opped as owner. */
export function claimOwnership(m: IrcMachine, ch: Channel, c: Client): boolean {
  if (ch.folded !== LAGOON_CHANNEL) return false;
  if (ch.owner === null && ch.humanCount === 0) {
    ch.owner = c.foldedNick;
    m.markDirty();
    return true;
  }
  return ch.owner === c.foldedNick;
}

export function botOnChannelMessage(m: IrcMachine, ch: Channel, text: string): void {
  if (!ch.members.has(m.bot) || text.trim().toLowerCase() !== '!help') return;
  for (const line of helpText(m)) m.relay(ch.members.keys(), m.bot.prefix, 'NOTICE', [ch.name, line], { trailing: true });
}

export function botOnPrivateMessage(m: IrcMachine, from: Client, command: string): void {
  // Never answer a NOTICE: two bots would loop forever (RFC 2812 3.3.2).
  if (command !== 'PRIVMSG') return;
  for (const line of helpText(m)) m.relay([from], m.bot.prefix, 'NOTICE', [from.nick, line], { trailing: true });
}
