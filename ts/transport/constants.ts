/**
 * Wire numbers and defaults of the link layer, in one place. The prose that
 * explains them is docs/links.md.
 */

/** Noise prologue: binds the protocol name and version into the handshake hash. */
export const PROLOGUE = Buffer.from('lagoon-link/1', 'ascii');

/** First four bytes a raw-TCP mesh dialler sends, so the listener can tell it from HTTP/TLS. */
export const TCP_MAGIC = Buffer.from('LGN1', 'ascii');

/** Bytes the listener needs to classify a connection. */
export const SNIFF_BYTES = 4;

/** Length of the u32 big-endian frame header. */
export const FRAME_HEADER_BYTES = 4;

/** Default largest application frame (plaintext), in bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** Hard ceiling on any configured frame size (the u32 header could say 4 GiB). */
export const MAX_FRAME_BYTES_LIMIT = 64 * 1024 * 1024;

/** Default time a dial or an accepted connection has to finish the Noise handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Default time the listener waits for the first bytes of a connection. */
export const DEFAULT_SNIFF_TIMEOUT_MS = 5_000;

/** Default bytes queued for sending above which `send()` returns false. */
export const DEFAULT_HIGH_WATER_MARK_BYTES = 1024 * 1024;

/** Largest Noise transport message (ciphertext, tag included). */
export const NOISE_MAX_MESSAGE_BYTES = 65535;
/** Poly1305 tag. */
export const NOISE_TAG_BYTES = 16;
/** Largest plaintext per Noise transport message. */
export const NOISE_MAX_PLAINTEXT_BYTES = NOISE_MAX_MESSAGE_BYTES - NOISE_TAG_BYTES;
/**
 * noise-handshake keeps nonces as a 32-bit counter; a link closes before it
 * would wrap (2^32 − 1 chunks ≈ 256 TiB per direction), since rekeying is not
 * implemented yet.
 */
export const NOISE_MAX_NONCE = 0xffff_ffff - 1;

/** Largest handshake message we accept (XX messages here are ≤ ~600 bytes with payload). */
export const MAX_HANDSHAKE_MESSAGE_BYTES = 4096;
/** Largest handshake payload an application may attach. */
export const MAX_HANDSHAKE_PAYLOAD_BYTES = 1024;

/** Largest close reason sent to the peer, in UTF-8 bytes. */
export const MAX_CLOSE_REASON_BYTES = 256;

/** Default WebSocket path for mesh links. */
export const WS_PATH = '/lagoon-link';
