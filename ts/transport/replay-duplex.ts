/**
 * A Duplex over a socket that first replays bytes already read from it.
 * Needed because TLSSocket reads a net.Socket's handle directly and would
 * miss bytes that the sniffer `unshift`ed back. Back-pressure is kept: the
 * socket pauses while the duplex's read buffer is full.
 */
import { Duplex } from 'node:stream';
import type net from 'node:net';

export function replayDuplex(socket: net.Socket, head: Buffer): Duplex {
  const d = new Duplex({
    read() { socket.resume(); },
    write(chunk: Buffer, _enc, cb) { socket.write(chunk, cb); },
    final(cb) { socket.end(); cb(); },
    destroy(err, cb) { socket.destroy(err ?? undefined); cb(err); },
  });
  if (head.length > 0) d.push(head);
  socket.on('data', (chunk: Buffer) => { if (!d.push(chunk)) socket.pause(); });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  socket.on('error', (err) => d.destroy(err));
  return d;
}
