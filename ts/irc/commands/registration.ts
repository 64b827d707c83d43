import { isSupportedCap, SUPPORTED_CAPS } from '../caps.js';
import { fold } from '../casemap.js';
import type { Client } from '../client.js';
import { PROTOCOL_LIMITS } from '../limits.js';
import type { IrcMachine } from '../machine.js';
import { isValidNick, sanitizeUser } from '../names.js';
import { ERR } from '../numerics.js';
import { sendWelcome } from './info.js';
import { homeNick } from '../fed-home.js';
import type { CommandSpec } from './types.js';

/** Complete registration once NICK, USER (and CAP END if negotiating) are in. */
export function tryRegister(m: IrcMachine, c: Client): void {
  if (c.registered || c.closing || c.nick === '*' || c.user === '' || c.capNegotiating) return;
  if (m.opts.password !== null && !c.passOk) {
    m.reply(c, ERR.PASSWDMISMATCH, 'Password incorrect');
    m.quit(c, 'Bad password');
    return;
  }
  c.registered = true;
  m.reschedule(c);
  sendWelcome(m, c);
}

function nick(m: IrcMachine, c: Client, wanted: string): void {
  if (!isValidNick(wanted, m.limits)) { m.reply(c, ERR.ERRONEUSNICKNAME, wanted, 'Erroneous nickname'); return; }
  const folded = fold(wanted);
  const holder = m.nicks.get(folded);
  if (holder !== undefined && holder !== c) { m.reply(c, ERR.NICKNAMEINUSE, wanted, 'Nickname is already in use'); return; }
  if (wanted === c.nick) return;
  const oldPrefix = c.prefix;
  if (c.foldedNick && m.nicks.get(c.foldedNick) === c) m.nicks.delete(c.foldedNick);
  if (c.registered) m.whowas.add(c, m.wallNow(), m.serverName);
  c.setNick(wanted, folded);
  m.nicks.set(folded, c);
  if (c.registered) {
    m.relay(m.peersOf(c, true), oldPrefix, 'NICK', [wanted], { trailing: true });
    homeNick(m, c);
  } else {
    tryRegister(m, c);
  }
}

function cap(m: IrcMachine, c: Client, sub: string, arg: string | undefined): void {
  const who = c.nick;
  switch (sub) {
    case 'LS': {
      if (!c.registered) c.capNegotiating = true;
      const v = Number(arg ?? '0');
      if (v >= 302) { c.capVersion = Math.max(c.capVersion, v); c.caps.add('cap-notify'); }
      m.sendServer(c, 'CAP', [who, 'LS', SUPPORTED_CAPS.join(' ')]);
      return;
    }
    case 'LIST':
      m.sendServer(c, 'CAP', [who, 'LIST', [...c.caps].join(' ')]);
      return;
    case 'REQ': {
      if (!c.registered) c.capNegotiating = true;
      const items = (arg ?? '').split(' ').filter((s) => s !== '');
      const ok = items.length > 0 && items.every((i) => isSupportedCap(i.startsWith('-') ? i.slice(1) : i));
      if (!ok) { m.sendServer(c, 'CAP', [who, 'NAK', arg ?? '']); return; }
      for (const i of items) {
        if (i.startsWith('-')) c.caps.delete(i.slice(1)); else c.caps.add(i);
      }
      c.updateCaps();
      m.sendServer(c, 'CAP', [who, 'ACK', items.join(' ')]);
      return;
    }
    case 'END':
      if (!c.registered && c.capNegotiating) { c.capNegotiating = false; tryRegister(m, c); }
      return;
    default:
      m.reply(c, '410', sub, 'Invalid CAP command');
  }
}

export const REGISTRATION_COMMANDS: Record<string, CommandSpec> = {
  PASS: {
    minParams: 1, preRegistration: true,
    run: (m, c, msg) => {
      if (c.registered) { m.reply(c, ERR.ALREADYREGISTERED, 'You may not reregister'); return; }
      // Without a configured password PASS is accepted and ignored, as ircds do.
      c.passOk = m.opts.password === null || msg.params[0] === m.opts.password;
    },
  },
  NICK: {
    minParams: 0, preRegistration: true,
    run: (m, c, msg) => {
      const wanted = msg.params[0];
      if (wanted === undefined || wanted === '') { m.reply(c, ERR.NONICKNAMEGIVEN, 'No nickname given'); return; }
      nick(m, c, wanted);
    },
  },
  USER: {
    minParams: 4, preRegistration: true,
    run: (m, c, msg) => {
      if (c.registered) { m.reply(c, ERR.ALREADYREGISTERED, 'You may not reregister'); return; }
      c.setUser(`~${sanitizeUser(msg.params[0]!, PROTOCOL_LIMITS.userLength - 1)}`);
      c.realname = msg.params[3]!.slice(0, PROTOCOL_LIMITS.realnameLength);
      tryRegister(m, c);
    },
  },
  CAP: {
    minParams: 1, preRegistration: true,
    run: (m, c, msg) => cap(m, c, msg.params[0]!.toUpperCase(), msg.params[1]),
  },
};
