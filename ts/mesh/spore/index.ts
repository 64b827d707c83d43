export * from './constants.js';
export * from './items.js';
export * from './messages.js';
export * from './session.js';
export * from './store.js';
