/** SPORE wire numbers and limits, in one place (see docs/spore.md). */
export const SPORE_VERSION = 0x01;
/** Item ids: the first 16 bytes of SHA-256 over the signed record. */
export const ID_BYTES = 16;
/** Range fingerprints: the first 16 bytes of SHA-256(sum of ids mod 2^128 ‖ varint count). */
export const FP_BYTES = 16;
export const MODE_SKIP = 0;
export const MODE_FINGERPRINT = 1;
export const MODE_IDLIST = 2;
/** Hard cap on one encoded message; decoders reject anything larger. */
export const MAX_MESSAGE_BYTES = 512 * 1024;
/** Hard cap on ranges in one message (each costs ≥ 3 bytes). */
export const MAX_RANGES = MAX_MESSAGE_BYTES / 3;
/** Bounds carry at most a full id as prefix. */
export const MAX_PREFIX_BYTES = ID_BYTES;
/** Largest timestamp/sequence a bound can carry (safe integer). */
export const MAX_TS = Number.MAX_SAFE_INTEGER - 1;
