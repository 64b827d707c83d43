export { Transport, type TransportOptions, type TransportEvents } from './transport.js';
export { Handshake, type HandshakeAction, type HandshakeOptions, type HandshakeResult } from './handshake.js';
export { MemoryNetwork, memoryPair, MemoryCarrier } from './memory.js';
export { FrameDecoder, encodeHeader } from './framing.js';
export { createCounters, type TransportCounters } from './counters.js';
export { parseAddress, type MeshAddress } from './address.js';
export { establish, linkError, type LinkError, type Established } from './establish.js';
export { SecureLink } from './secure-link.js';
export type { Link, LinkKind, CloseInfo, CloseReason, DialOptions, DialOutcome, SelfConnection, Carrier } from './types.js';
