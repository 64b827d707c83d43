/**
 * Federation messages and their signed envelope (docs/federation.md, "Wire").
 *
 *   u8 0x46 | u8 version | u64 seq (LE) | u32 payloadLength (LE) | payload | [64] signature
 *
 * The payload is a UTF-8 JSON array of messages, batched per link per event
 * loop turn so one Ed25519 signature covers many messages. The signature is
 * the sending node's key over
 *   ENVELOPE_SIGNING_CONTEXT ‖ senderPeerId ‖ "\n" ‖ receiverPeerId ‖ "\n" ‖ header ‖ payload,
 * so an envelope cannot be replayed to another node, and `seq` must grow
 * strictly per sender, so it cannot be replayed to the same one. Every field
 * is checked before use; hostile bytes give ERR_PROTOCOL, never a crash.
 */
import { LagoonError } from '../core/errors.js';
import { ENVELOPE_SIGNING_CONTEXT, FEDERATION_LIMITS, FEDERATION_VERSION, FRAME_FEDERATION } from './constants.js';
import { parseSiteRecordWire, type SiteRecordWire } from './site-record.js';

/** A visiting user's id, chosen by their home server (its IRC client id). */
export type VisitorId = number;

export type FedMessage =
  /** "This is who I am": the sender's site record; `ask` asks for ours back (an answer never asks, so no ping-pong). */
  | { t: 'site'; record: SiteRecordWire; ask: boolean }
  /** home → host: a user starts visiting (before its first command). */
  | { t: 'open'; vid: VisitorId; nick: string; user: string; realname: string; caps: string[] }
  /** host → home: the visitor exists on the host. */
  | { t: 'opened'; vid: VisitorId }
  /** home → host: one IRC command of a visitor, already in the host's names. */
  | { t: 'line'; vid: VisitorId; line: string }
  /** home → host: the visitor changed nick at home. */
  | { t: 'nick'; vid: VisitorId; nick: string }
  /** home → host: the visitor left (QUIT at home). */
  | { t: 'close'; vid: VisitorId; reason: string }
  /** host → home: the host ended (or refused) this visitor's session. */
  | { t: 'closed'; vid: VisitorId; reason: string }
  /** host → home: one IRC line for these visitors, in the host's names. */
  | { t: 'deliver'; to: VisitorId[]; line: string }
  /** Either side: every visit between us ends (defederation, shutdown). */
  | { t: 'bye'; reason: string };

const HEADER_BYTES = 1 + 1 + 8 + 4;
const SIG_BYTES = 64;

export interface Envelope { readonly seq: bigint; readonly payload: Buffer; readonly signature: Buffer; readonly signed: Buffer }

export function encodePayload(msgs: readonly FedMessage[]): Buffer {
  return Buffer.from(JSON.stringify(msgs), 'utf8');
}

/** Build and sign an envelope. `sign` is the node identity's signer. */
export function encodeEnvelope(seq: bigint, payload: Buffer, from: string, to: string, sign: (m: Uint8Array) => Buffer): Buffer {
  if (payload.length > FEDERATION_LIMITS.maxPayloadBytes) throw LagoonError.invalidArgument(`federation payload is ${payload.length} bytes, at most ${FEDERATION_LIMITS.maxPayloadBytes}`);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length + SIG_BYTES);
  frame[0] = FRAME_FEDERATION;
  frame[1] = FEDERATION_VERSION;
  frame.writeBigUInt64LE(seq, 2);
  frame.writeUInt32LE(payload.length, 10);
  payload.copy(frame, HEADER_BYTES);
  const body = frame.subarray(0, HEADER_BYTES + payload.length);
  sign(signingBytes(from, to, body)).copy(frame, HEADER_BYTES + payload.length);
  return frame;
}

export function signingBytes(from: string, to: string, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${ENVELOPE_SIGNING_CONTEXT}${from}\n${to}\n`, 'utf8'), body]);
}

export function isFederationFrame(frame: Uint8Array): boolean {
  return frame.length > 0 && frame[0] === FRAME_FEDERATION;
}

/** Split an envelope; checks framing only (the caller verifies the signature and seq). */
export function decodeEnvelope(frame: Buffer): Envelope {
  if (frame.length < HEADER_BYTES + SIG_BYTES) throw LagoonError.protocol(`federation frame too short (${frame.length} bytes)`);
  if (frame[0] !== FRAME_FEDERATION) throw LagoonError.protocol('not a federation frame');
  if (frame[1] !== FEDERATION_VERSION) throw LagoonError.protocol(`federation version ${frame[1]} not supported (we speak ${FEDERATION_VERSION})`);
  const len = frame.readUInt32LE(10);
  if (len > FEDERATION_LIMITS.maxPayloadBytes || frame.length !== HEADER_BYTES + len + SIG_BYTES) {
    throw LagoonError.protocol(`federation payload length ${len} does not match a ${frame.length}-byte frame`);
  }
  return {
    seq: frame.readBigUInt64LE(2),
    payload: frame.subarray(HEADER_BYTES, HEADER_BYTES + len),
    signature: frame.subarray(HEADER_BYTES + len),
    signed: frame.subarray(0, HEADER_BYTES + len),
  };
}

// ---------------------------------------------------------------- validation

const CONTROL = /[\x00\x0a\x0d]/;

function str(v: unknown, max: number, what: string, allowEmpty = false): string {
  if (typeof v !== 'string' || Buffer.byteLength(v) > max || (!allowEmpty && v === '') || CONTROL.test(v)) throw bad(what);
  return v;
}

function vid(v: unknown): VisitorId {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw bad('vid');
  return v;
}

function bad(what: string): LagoonError {
  return LagoonError.protocol(`federation message has a bad ${what}`);
}

const MAX_NAME = 64;
const MAX_REASON = 400;

function parseOne(raw: unknown): FedMessage {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('message');
  const m = raw as Record<string, unknown>;
  switch (m.t) {
    case 'site': {
      if (typeof m.ask !== 'boolean') throw bad('ask flag');
      return { t: 'site', record: parseSiteRecordWire(m.record), ask: m.ask };
    }
    case 'open': {
      if (!Array.isArray(m.caps) || m.caps.length > 8) throw bad('caps');
      const caps = m.caps.map((c) => str(c, 32, 'cap'));
      return { t: 'open', vid: vid(m.vid), nick: str(m.nick, MAX_NAME, 'nick'), user: str(m.user, MAX_NAME, 'user'), realname: str(m.realname, 200, 'realname', true), caps };
    }
    case 'opened': return { t: 'opened', vid: vid(m.vid) };
    case 'line': return { t: 'line', vid: vid(m.vid), line: str(m.line, FEDERATION_LIMITS.maxLineBytes, 'line') };
    case 'nick': return { t: 'nick', vid: vid(m.vid), nick: str(m.nick, MAX_NAME, 'nick') };
    case 'close': return { t: 'close', vid: vid(m.vid), reason: str(m.reason, MAX_REASON, 'reason', true) };
    case 'closed': return { t: 'closed', vid: vid(m.vid), reason: str(m.reason, MAX_REASON, 'reason', true) };
    case 'deliver': {
      if (!Array.isArray(m.to) || m.to.length === 0 || m.to.length > FEDERATION_LIMITS.maxRecipients) throw bad('recipient list');
      return { t: 'deliver', to: m.to.map(vid), line: str(m.line, FEDERATION_LIMITS.maxLineBytes, 'line') };
    }
    case 'bye': return { t: 'bye', reason: str(m.reason, MAX_REASON, 'reason', true) };
    default: throw bad('type');
  }
}

/** Parse a payload into messages; any malformed message rejects the whole envelope. */
export function decodePayload(payload: Buffer): FedMessage[] {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw LagoonError.protocol('federation payload is not JSON', err);
  }
  if (!Array.isArray(raw) || raw.length > FEDERATION_LIMITS.maxMessagesPerEnvelope) throw bad('message list');
  return raw.map(parseOne);
}
