export { PeerCache, type CacheEntry, type PeerCacheOptions, type RecordOutcome } from './cache.js';
export { CacheGossipMachine, type CacheGossipAction, type Advertised, type Signer, type CacheGossipCounters } from './machine.js';
export { signRecord, decodeRecord, isShareableAddress, type SignedRecord, type RecordFields } from './record.js';
export { encodeCacheFrame, decodeCacheFrame, isCacheFrame, type CacheFrame } from './messages.js';
export { loadCacheFile, saveCacheFile, encodeCacheFile, decodeCacheFile } from './persist.js';
export { scoreOf, DEFAULT_SCORE_CONFIG, WEIGHTS, type ScoreConfig } from './score.js';
export { advertisedAddresses } from './advertise.js';
export { PeerCacheService, type PeerCacheServiceOptions, type PeerCacheStatus, type MeshLike } from './service.js';
export * from './constants.js';
