export * from './coords.js';
export * from './slots.js';
export * from './neighbours.js';
export * from './claims.js';
export * from './holes.js';
