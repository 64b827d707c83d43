import { PROTOCOL_LIMITS } from '../limits.js';
import { ERR, RPL } from '../numerics.js';
import type { CommandSpec } from './types.js';

export const USER_COMMANDS: Record<string, CommandSpec> = {
  AWAY: {
    minParams: 0,
    run: (m, c, msg) => {
      const text = (msg.params[0] ?? '').slice(0, PROTOCOL_LIMITS.awayLength);
      c.away = text === '' ? null : text;
      if (c.away === null) m.reply(c, RPL.UNAWAY, 'You are no longer marked as being away');
      else m.reply(c, RPL.NOWAWAY, 'You have been marked as being away');
      const notify = [...m.peersOf(c, false)].filter((x) => x.caps.has('away-notify'));
      m.relay(notify, c.prefix, 'AWAY', c.away === null ? [] : [c.away], { trailing: c.away !== null });
    },
  },
  OPER: {
    minParams: 2,
    run: (m, c, msg) => {
      if (m.opts.operPassword === null) { m.reply(c, ERR.NOOPERHOST, 'No O-lines for your host'); return; }
      if (msg.params[1] !== m.opts.operPassword) { m.reply(c, ERR.PASSWDMISMATCH, 'Password incorrect'); return; }
      if (c.oper) return;
      c.oper = true;
      m.reply(c, RPL.YOUREOPER, 'You are now an IRC operator');
      m.relay([c], c.prefix, 'MODE', [c.nick, '+o'], { trailing: true });
    },
  },
  QUIT: {
    minParams: 0, preRegistration: true,
    run: (m, c, msg) => m.quit(c, msg.params[0] ? `Quit: ${msg.params[0].slice(0, PROTOCOL_LIMITS.kickLength)}` : 'Client Quit'),
  },
};
