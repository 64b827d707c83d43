/**
 * IRCv3 capabilities offered. Each one changes what a client receives, so the
 * fan-out path groups recipients by `capVariant` (bitmask of the caps that
 * change the bytes of a relayed line) and serialises once per group.
 */
export const SUPPORTED_CAPS = ['cap-notify', 'server-time', 'message-tags', 'echo-message', 'multi-prefix', 'away-notify'] as const;
export type CapName = (typeof SUPPORTED_CAPS)[number];

const CAP_SET: ReadonlySet<string> = new Set(SUPPORTED_CAPS);

export function isSupportedCap(name: string): name is CapName {
  return CAP_SET.has(name);
}

/** Bits of the caps that alter a relayed line's bytes. */
export const VARIANT_SERVER_TIME = 1;
export const VARIANT_MESSAGE_TAGS = 2;
export const VARIANT_COUNT = 4;

export function capVariant(caps: ReadonlySet<string>): number {
  return (caps.has('server-time') ? VARIANT_SERVER_TIME : 0) | (caps.has('message-tags') ? VARIANT_MESSAGE_TAGS : 0);
}
