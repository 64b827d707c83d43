import { fold } from './casemap.js';

/**
 * Glob matching for ban masks and WHO masks: `*` any run, `?` one character,
 * compared after case folding. Iterative with one backtrack point, so a
 * hostile mask like `*a*a*a*a*b` stays linear-ish instead of exponential.
 */
export function globMatch(mask: string, text: string): boolean {
  const p = fold(mask);
  const s = fold(text);
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    const pc = p[pi];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === s[si])) {
      pi++; si++;
    } else if (pc === '*') {
      star = pi++; mark = si;
    } else if (star >= 0) {
      pi = star + 1; si = ++mark;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * Complete a partial ban mask the way ircds do: `nick` → `nick!*@*`,
 * `user@host` → `*!user@host`, `nick!user` → `nick!user@*`.
 */
export function normalizeBanMask(mask: string): string {
  let m = mask;
  if (!m.includes('!') && !m.includes('@')) return `${m}!*@*`;
  if (!m.includes('!')) m = `*!${m}`;
  if (!m.includes('@')) m = `${m}@*`;
  const bang = m.indexOf('!');
  if (bang === 0) m = `*${m}`;
  if (m.endsWith('@')) m = `${m}*`;
  return m;
}
