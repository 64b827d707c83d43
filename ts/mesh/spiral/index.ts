export * from './coords.js';
export * from './slots.js';
export * from './neighbours.js';
export * from './slot-index.js';
export * from './local-links.js';
export * from './claims.js';
export * from './holes.js';
