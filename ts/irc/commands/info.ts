import { CASEMAPPING } from '../casemap.js';
import type { Client } from '../client.js';
import { PROTOCOL_LIMITS } from '../limits.js';
import type { IrcMachine } from '../machine.js';
import { ERR, RPL } from '../numerics.js';
import type { CommandSpec } from './types.js';

/** RPL_ISUPPORT tokens; the 005 lines carry at most 13 each. */
export function isupportTokens(m: IrcMachine): string[] {
  const l = m.limits;
  const t = PROTOCOL_LIMITS;
  return [
    `AWAYLEN=${t.awayLength}`, `CASEMAPPING=${CASEMAPPING}`, `CHANLIMIT=#:${l.maxChannelsPerClient}`,
    'CHANMODES=b,k,l,imnt', `CHANNELLEN=${l.channelLength}`, 'CHANTYPES=#', 'ELIST=', `HOSTLEN=64`,
    `KICKLEN=${t.kickLength}`, `MAXLIST=b:${t.maxBansPerChannel}`, `MAXTARGETS=${t.maxTargets}`,
    `MODES=${t.maxModesPerCommand}`, `NETWORK=${m.opts.networkName}`, `NICKLEN=${l.nickLength}`,
    'PREFIX=(ov)@+', 'SAFELIST', 'STATUSMSG=@+',
    `TARGMAX=PRIVMSG:${t.maxTargets},NOTICE:${t.maxTargets},TAGMSG:${t.maxTargets},JOIN:,PART:,KICK:${t.maxTargets},WHOIS:1,NAMES:1,LIST:`,
    `TOPICLEN=${l.topicLength}`, `USERLEN=${t.userLength}`,
  ];
}

export function sendWelcome(m: IrcMachine, c: Client): void {
  const o = m.opts;
  m.reply(c, RPL.WELCOME, `Welcome to the ${o.networkName} IRC Network ${c.prefix}`);
  m.reply(c, RPL.YOURHOST, `Your host is ${o.serverName}, running version ${o.version}`);
  m.reply(c, RPL.CREATED, `This server was created ${new Date(m.createdWallMs).toUTCString()}`);
  m.sendServer(c, RPL.MYINFO, [c.nick, o.serverName, o.version, 'iow', 'biklmnotv', 'bklov'], false);
  const tokens = isupportTokens(m);
  for (let i = 0; i < tokens.length; i += 13) {
    m.reply(c, RPL.ISUPPORT, ...tokens.slice(i, i + 13), 'are supported by this server');
  }
  sendLusers(m, c);
  sendMotd(m, c);
}

export function sendLusers(m: IrcMachine, c: Client): void {
  let users = 0; let invisible = 0; let unknown = 0; let opers = 0;
  for (const x of m.clients.values()) {
    if (!x.registered) { unknown++; continue; }
    users++;
    if (x.invisible) invisible++;
    if (x.oper) opers++;
  }
  m.reply(c, RPL.LUSERCLIENT, `There are ${users - invisible} users and ${invisible} invisible on 1 servers`);
  if (opers > 0) m.reply(c, RPL.LUSEROP, String(opers), 'operator(s) online');
  if (unknown > 0) m.reply(c, RPL.LUSERUNKNOWN, String(unknown), 'unknown connection(s)');
  m.reply(c, RPL.LUSERCHANNELS, String(m.channelCount), 'channels formed');
  m.reply(c, RPL.LUSERME, `I have ${users} clients and 0 servers`);
  m.reply(c, RPL.LOCALUSERS, String(users), String(m.limits.maxClients), `Current local users ${users}, max ${m.limits.maxClients}`);
  m.reply(c, RPL.GLOBALUSERS, String(users), String(m.limits.maxClients), `Current global users ${users}, max ${m.limits.maxClients}`);
}

export function sendMotd(m: IrcMachine, c: Client): void {
  const motd = m.opts.motd;
  if (motd.length === 0) { m.reply(c, ERR.NOMOTD, 'MOTD File is missing'); return; }
  m.reply(c, RPL.MOTDSTART, `- ${m.serverName} Message of the day - `);
  for (const line of motd) m.reply(c, RPL.MOTD, `- ${line}`);
  m.reply(c, RPL.ENDOFMOTD, 'End of /MOTD command.');
}

/** A server parameter naming anything but us gets 402. */
function otherServer(m: IrcMachine, c: Client, param: string | undefined): boolean {
  if (param === undefined || param === m.serverName) return false;
  m.reply(c, ERR.NOSUCHSERVER, param, 'No such server');
  return true;
}

export const INFO_COMMANDS: Record<string, CommandSpec> = {
  PING: {
    minParams: 1, preRegistration: true,
    run: (m, c, msg) => {
      if (msg.params[0] === '') { m.reply(c, ERR.NOORIGIN, 'No origin specified'); return; }
      m.sendServer(c, 'PONG', [m.serverName, msg.params[0]!]);
    },
  },
  // Any line resets the idle clock; PONG has nothing more to do.
  PONG: { minParams: 0, preRegistration: true, run: () => undefined },
  MOTD: { minParams: 0, run: (m, c, msg) => { if (!otherServer(m, c, msg.params[0])) sendMotd(m, c); } },
  LUSERS: { minParams: 0, run: (m, c) => sendLusers(m, c) },
  VERSION: {
    minParams: 0,
    run: (m, c, msg) => {
      if (otherServer(m, c, msg.params[0])) return;
      m.reply(c, RPL.VERSION, m.opts.version, m.serverName, 'Lagoon single-node IRC');
      const tokens = isupportTokens(m);
      for (let i = 0; i < tokens.length; i += 13) m.reply(c, RPL.ISUPPORT, ...tokens.slice(i, i + 13), 'are supported by this server');
    },
  },
  TIME: {
    minParams: 0,
    run: (m, c, msg) => {
      if (otherServer(m, c, msg.params[0])) return;
      m.reply(c, RPL.TIME, m.serverName, new Date(m.wallNow()).toUTCString());
    },
  },
};
