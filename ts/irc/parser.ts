/**
 * IRC message parsing and serialisation (RFC 1459/2812 framing plus IRCv3
 * message-tags). Parsing never throws: a line that is not a message gives
 * `null` and the caller ignores it, as ircds do with empty lines.
 */
export type Tags = Map<string, string>;

export interface IrcMessage {
  tags: Tags | null;
  /** Ignored for client input (a client may not claim a source). */
  source: string | null;
  /** Upper-cased command or three-digit numeric. */
  command: string;
  params: string[];
}

/** RFC 2812: at most 14 middle params plus a trailing one; extra words fold into the last. */
export const MAX_PARAMS = 15;

const UNESCAPE: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };

export function unescapeTagValue(v: string): string {
  if (!v.includes('\\')) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    if (ch !== '\\') { out += ch; continue; }
    const next = v[++i];
    if (next === undefined) break; // a trailing lone backslash is dropped
    out += UNESCAPE[next] ?? next;
  }
  return out;
}

export function escapeTagValue(v: string): string {
  let out = '';
  for (const ch of v) {
    switch (ch) {
      case ';': out += '\\:'; break;
      case ' ': out += '\\s'; break;
      case '\\': out += '\\\\'; break;
      case '\r': out += '\\r'; break;
      case '\n': out += '\\n'; break;
      default: out += ch;
    }
  }
  return out;
}

const TAG_KEY = /^\+?([A-Za-z0-9.-]+\/)?[A-Za-z0-9-]+$/;

function parseTags(raw: string): Tags {
  const tags: Tags = new Map();
  for (const part of raw.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (!TAG_KEY.test(key)) continue; // a bad key is dropped, the message survives
    tags.set(key, eq < 0 ? '' : unescapeTagValue(part.slice(eq + 1)));
  }
  return tags;
}

export function parseMessage(line: string): IrcMessage | null {
  let pos = 0;
  const len = line.length;
  const skipSpaces = (): void => { while (pos < len && line.charCodeAt(pos) === 32) pos++; };
  const word = (): string => {
    const end = line.indexOf(' ', pos);
    const w = end < 0 ? line.slice(pos) : line.slice(pos, end);
    pos = end < 0 ? len : end;
    return w;
  };
  skipSpaces();
  let tags: Tags | null = null;
  if (line[pos] === '@') { pos++; tags = parseTags(word()); skipSpaces(); }
  let source: string | null = null;
  if (line[pos] === ':') { pos++; source = word(); skipSpaces(); }
  const command = word().toUpperCase();
  if (command === '') return null;
  const params: string[] = [];
  for (;;) {
    skipSpaces();
    if (pos >= len) break;
    if (line[pos] === ':') { params.push(line.slice(pos + 1)); break; }
    if (params.length === MAX_PARAMS - 1) { params.push(line.slice(pos)); break; }
    params.push(word());
  }
  return { tags, source, command, params };
}

/**
 * Serialise one line (without CRLF). The last param gets a ':' when it must
 * (empty, has a space, starts with ':') or when `trailing` asks for it, which
 * text-bearing messages do for the benefit of naive clients.
 */
export function formatLine(
  source: string | null,
  command: string,
  params: readonly string[],
  trailing = false,
  tags: string | null = null,
): string {
  let out = tags ? `@${tags} ` : '';
  if (source !== null) out += `:${source} `;
  out += command;
  const n = params.length;
  for (let i = 0; i < n; i++) {
    const p = params[i]!;
    if (i === n - 1 && (trailing || p === '' || p.includes(' ') || p.startsWith(':'))) out += ` :${p}`;
    else out += ` ${p}`;
  }
  return out;
}

/** Serialise a tag map (already filtered) as the text after '@'. */
export function formatTags(tags: Iterable<[string, string]>): string {
  let out = '';
  for (const [k, v] of tags) {
    if (out) out += ';';
    out += v === '' ? k : `${k}=${escapeTagValue(v)}`;
  }
  return out;
}
