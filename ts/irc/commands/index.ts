import { CHANNEL_COMMANDS } from './channel.js';
import { FEDERATION_COMMANDS } from './federation.js';
import { INFO_COMMANDS } from './info.js';
import { MESSAGE_COMMANDS } from './message.js';
import { MODE_COMMANDS } from './mode.js';
import { QUERY_COMMANDS } from './query.js';
import { REGISTRATION_COMMANDS } from './registration.js';
import type { CommandSpec } from './types.js';
import { USER_COMMANDS } from './user.js';

export type { CommandSpec };

/** Every command the server understands, by upper-case name. Null prototype: no `__proto__` surprises. */
export const COMMANDS: Readonly<Record<string, CommandSpec | undefined>> = Object.freeze(Object.assign(
  Object.create(null) as Record<string, CommandSpec>,
  REGISTRATION_COMMANDS, INFO_COMMANDS, CHANNEL_COMMANDS, MESSAGE_COMMANDS, MODE_COMMANDS, QUERY_COMMANDS, USER_COMMANDS, FEDERATION_COMMANDS,
));
