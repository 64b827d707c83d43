/**
 * Federation wire numbers and limits in one place (docs/federation.md).
 *
 * Frame type 0x46 ('F') on a mesh link. Taken so far: 0x01-0x03 VDF
 * (mesh/vdf/messages.ts), 0x48 HELLO (mesh/hello/constants.ts).
 */
export const FRAME_FEDERATION = 0x46;
export const FEDERATION_VERSION = 1;

/** Domain-separation prefixes so a signature made for one purpose never verifies for another. */
export const ENVELOPE_SIGNING_CONTEXT = 'lagoon-federation-envelope-v1\n';
export const SITE_RECORD_SIGNING_CONTEXT = 'lagoon-site-record-v1\n';

/** Default mesh port a bare DNS server name maps to. */
export const DEFAULT_MESH_PORT = 9443;

export const FEDERATION_LIMITS = Object.freeze({
  /** One envelope's payload (a batch of messages), bytes. Far under the transport's 1 MiB frame limit. */
  maxPayloadBytes: 256 * 1024,
  /** Messages in one envelope. */
  maxMessagesPerEnvelope: 4096,
  /** One IRC line carried in a message (512 + tags budget, generous). */
  maxLineBytes: 4096,
  /** Recipients listed in one deliver message. */
  maxRecipients: 10_000,
  /** Node peer_ids listed in one site record. */
  maxSiteNodes: 64,
  /** Commands held for a server while its link is being set up. */
  maxQueuedPerServer: 256,
  /** Remote servers tracked at once (home side). */
  maxServers: 256,
  /** Peers whose last envelope sequence is remembered (replay protection). */
  maxPeerSeqs: 4096,
  /** Server name length (DNS name or host:port). */
  maxServerNameBytes: 255,
});
