/**
 * CASEMAPPING=ascii: only A-Z fold to a-z. Chosen over rfc1459 because modern
 * clients agree on it and it has no surprising equivalences ({}|^ vs []\~).
 * Every nick and channel lookup goes through `fold`.
 */
export const CASEMAPPING = 'ascii';

export function fold(name: string): string {
  // Fast path: most names are already lower case.
  let needs = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) { needs = true; break; }
  }
  if (!needs) return name;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : name[i];
  }
  return out;
}
