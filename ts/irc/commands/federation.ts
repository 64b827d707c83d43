import { canonicalServerName } from '../../federation/server-name.js';
import { ERR } from '../numerics.js';
import type { CommandSpec } from './types.js';

/**
 * Operator commands (the original's names): `DEFEDERATE <server>` refuses
 * federation with a server both ways and ends its live visits at once;
 * `REFEDERATE <server>` allows it again; `DEFEDERATE` alone lists the
 * refused servers. The federation driver persists the list and answers
 * with NOTICEs. Only IRC operators may use them (481 otherwise).
 */
export const FEDERATION_COMMANDS: Record<string, CommandSpec> = {
  DEFEDERATE: {
    minParams: 0,
    run: (m, c, msg) => {
      if (!c.oper || c.remote !== null) { m.reply(c, ERR.NOPRIVILEGES, 'Permission Denied- You\'re not an IRC operator'); return; }
      if (m.visitors === null) { m.reply(c, ERR.NOSUCHSERVER, msg.params[0] ?? '*', 'Federation is not enabled on this server'); return; }
      const raw = msg.params[0];
      const server = raw === undefined ? null : canonicalServerName(raw);
      if (raw !== undefined && (server === null || server === m.ownServerKey)) { m.reply(c, ERR.NOSUCHSERVER, raw, 'Not a remote server name'); return; }
      m.pushFederate({ t: 'defederate', server, client: c.id });
    },
  },
  REFEDERATE: {
    minParams: 1,
    run: (m, c, msg) => {
      if (!c.oper || c.remote !== null) { m.reply(c, ERR.NOPRIVILEGES, 'Permission Denied- You\'re not an IRC operator'); return; }
      if (m.visitors === null) { m.reply(c, ERR.NOSUCHSERVER, msg.params[0]!, 'Federation is not enabled on this server'); return; }
      const server = canonicalServerName(msg.params[0]!);
      if (server === null) { m.reply(c, ERR.NOSUCHSERVER, msg.params[0]!, 'Not a remote server name'); return; }
      m.pushFederate({ t: 'refederate', server, client: c.id });
    },
  },
};
