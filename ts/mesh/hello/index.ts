export * from './constants.js';
export * from './messages.js';
export { HelloReplayCache } from './replay.js';
export * from './machine.js';
