import type { Channel, ChannelFlags } from '../channel.js';
import type { Client } from '../client.js';
import { PROTOCOL_LIMITS } from '../limits.js';
import type { IrcMachine } from '../machine.js';
import { normalizeBanMask } from '../mask.js';
import { ERR, RPL } from '../numerics.js';
import { existingChannel, msgOf } from './channel.js';
import type { CommandSpec } from './types.js';

/** Applied changes, collected so the channel sees one MODE line per command. */
class ModeChanges {
  private modes = '';
  private sign = '';
  readonly args: string[] = [];
  persistent = false;

  add(plus: boolean, ch: string, arg?: string): void {
    const s = plus ? '+' : '-';
    if (s !== this.sign) { this.modes += s; this.sign = s; }
    this.modes += ch;
    if (arg !== undefined) this.args.push(arg);
  }

  get empty(): boolean { return this.modes === ''; }
  get params(): string[] { return [this.modes, ...this.args]; }
}

const FLAG_MODES = new Set(['i', 'm', 'n', 't']);

function sendBanList(m: IrcMachine, c: Client, ch: Channel): void {
  for (const b of ch.bans) {
    m.sendServer(c, RPL.BANLIST, [c.nick, ch.name, b.mask, b.setBy, String(Math.floor(b.setAtWallMs / 1000))], false);
  }
  m.reply(c, RPL.ENDOFBANLIST, ch.name, 'End of channel ban list');
}

function applyBan(m: IrcMachine, c: Client, ch: Channel, plus: boolean, raw: string, out: ModeChanges): void {
  const mask = normalizeBanMask(raw);
  const idx = ch.bans.findIndex((b) => b.mask.toLowerCase() === mask.toLowerCase());
  if (plus) {
    if (idx >= 0) return;
    if (ch.bans.length >= PROTOCOL_LIMITS.maxBansPerChannel) { m.reply(c, ERR.BANLISTFULL, ch.name, mask, 'Channel ban list is full'); return; }
    ch.bans.push({ mask, setBy: c.prefix, setAtWallMs: m.wallNow() });
  } else {
    if (idx < 0) return;
    ch.bans.splice(idx, 1);
  }
  out.add(plus, 'b', mask);
  out.persistent = true;
}

function applyMember(m: IrcMachine, c: Client, ch: Channel, plus: boolean, mode: 'o' | 'v', nick: string, out: ModeChanges): void {
  const t = m.findNick(nick);
  if (t === undefined) { m.reply(c, ERR.NOSUCHNICK, nick, 'No such nick/channel'); return; }
  const mem = ch.members.get(t);
  if (mem === undefined) { m.reply(c, ERR.USERNOTINCHANNEL, t.nick, ch.name, "They aren't on that channel"); return; }
  const key = mode === 'o' ? 'op' : 'voice';
  if (mem[key] === plus) return;
  mem[key] = plus;
  out.add(plus, mode, t.nick);
}

/** Walk a mode string; returns the applied changes. Non-ops may only list bans. */
function applyChannelModes(m: IrcMachine, c: Client, ch: Channel, modestr: string, args: string[]): ModeChanges {
  const out = new ModeChanges();
  const isOp = ch.members.get(c)?.op === true;
  let plus = true;
  let paramModes = 0;
  let deniedSent = false;
  const denied = (): boolean => {
    if (isOp) return false;
    if (!deniedSent) m.reply(c, ERR.CHANOPRIVSNEEDED, ch.name, "You're not channel operator");
    deniedSent = true;
    return true;
  };
  for (const mc of modestr) {
    if (mc === '+' || mc === '-') { plus = mc === '+'; continue; }
    const takesArg = mc === 'b' || mc === 'o' || mc === 'v' || mc === 'k' || (mc === 'l' && plus);
    if (takesArg && args.length > 0 && ++paramModes > PROTOCOL_LIMITS.maxModesPerCommand) break;
    const arg = takesArg ? args.shift() : undefined;
    if (mc === 'b') {
      if (arg === undefined) sendBanList(m, c, ch);
      else if (!denied()) applyBan(m, c, ch, plus, arg, out);
    } else if (FLAG_MODES.has(mc)) {
      if (denied()) continue;
      const f = mc as keyof ChannelFlags;
      if (ch.flags[f] !== plus) { ch.flags[f] = plus; out.add(plus, mc); out.persistent = true; }
    } else if (mc === 'o' || mc === 'v') {
      if (arg !== undefined && !denied()) applyMember(m, c, ch, plus, mc, arg, out);
    } else if (mc === 'k') {
      if (denied()) continue;
      if (plus && (arg === undefined || arg === '' || /[\s,]/.test(arg))) { m.reply(c, ERR.INVALIDKEY, ch.name, 'Key is not well-formed'); continue; }
      if (plus) { ch.key = arg!.slice(0, 32); out.add(true, 'k', ch.key); out.persistent = true; }
      else if (ch.key !== null) { ch.key = null; out.add(false, 'k', '*'); out.persistent = true; }
    } else if (mc === 'l') {
      if (denied()) continue;
      const n = Number(arg);
      if (plus && Number.isInteger(n) && n > 0) { ch.limit = n; out.add(true, 'l', String(n)); out.persistent = true; }
      else if (!plus && ch.limit !== null) { ch.limit = null; out.add(false, 'l'); out.persistent = true; }
    } else {
      m.reply(c, ERR.UNKNOWNMODE, mc, 'is unknown mode char to me');
    }
  }
  return out;
}

function channelMode(m: IrcMachine, c: Client, name: string, modestr: string | undefined, args: string[]): void {
  const ch = existingChannel(m, c, name, msgOf('MODE', [name, modestr, ...args]));
  if (ch === undefined) return;
  if (modestr === undefined) {
    m.sendServer(c, RPL.CHANNELMODEIS, [c.nick, ch.name, ...ch.modeString(ch.members.has(c))], false);
    m.sendServer(c, RPL.CREATIONTIME, [c.nick, ch.name, String(Math.floor(ch.createdWallMs / 1000))], false);
    return;
  }
  const out = applyChannelModes(m, c, ch, modestr, args);
  if (out.empty) return;
  m.relay(ch.members.keys(), c.prefix, 'MODE', [ch.name, ...out.params]);
  if (out.persistent) m.markDirty();
}

function userMode(m: IrcMachine, c: Client, nick: string, modestr: string | undefined): void {
  const t = m.findNick(nick);
  if (t === undefined) { m.reply(c, ERR.NOSUCHNICK, nick, 'No such nick/channel'); return; }
  if (t !== c) { m.reply(c, ERR.USERSDONTMATCH, "Can't change mode for other users"); return; }
  if (modestr === undefined) {
    m.sendServer(c, RPL.UMODEIS, [c.nick, `+${c.invisible ? 'i' : ''}${c.oper ? 'o' : ''}${c.wallops ? 'w' : ''}`], false);
    return;
  }
  const out = new ModeChanges();
  let plus = true;
  let unknown = false;
  for (const mc of modestr) {
    if (mc === '+' || mc === '-') { plus = mc === '+'; continue; }
    if (mc === 'i' && c.invisible !== plus) { c.invisible = plus; out.add(plus, 'i'); }
    else if (mc === 'w' && c.wallops !== plus) { c.wallops = plus; out.add(plus, 'w'); }
    else if (mc === 'o') { if (!plus && c.oper) { c.oper = false; out.add(false, 'o'); } } // +o only via OPER
    else if (mc !== 'i' && mc !== 'w') unknown = true;
  }
  if (unknown) m.reply(c, ERR.UMODEUNKNOWNFLAG, 'Unknown MODE flag');
  if (!out.empty) m.relay([c], c.prefix, 'MODE', [c.nick, ...out.params], { trailing: true });
}

export const MODE_COMMANDS: Record<string, CommandSpec> = {
  MODE: {
    minParams: 1,
    run: (m, c, msg) => {
      const [target, modestr, ...args] = msg.params;
      if (target!.startsWith('#')) channelMode(m, c, target!, modestr, args);
      else userMode(m, c, target!, modestr);
    },
  },
};
