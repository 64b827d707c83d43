/**
 * Runs a FloodGang on its own thread, so the flooders' writes never delay the
 * measuring thread's reads (which would inflate the latency being measured).
 * Protocol: workerData = { port, count, maxReconnects }; posts 'started';
 * on message 'stop' posts { disconnects, reconnects, bytesWritten } and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FloodGang } from './flooder.js';

const { port, count, maxReconnects } = workerData as { port: number; count: number; maxReconnects: number };
const gang = new FloodGang(port, count, maxReconnects, 10_000);
parentPort?.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  gang.stop();
  parentPort?.postMessage({ disconnects: gang.disconnects, reconnects: gang.reconnects, bytesWritten: gang.bytesWritten });
  setImmediate(() => process.exit(0));
});
void gang.start().then(() => parentPort?.postMessage('started'));
