// Probes shared by the backpressure specs (issue 4): the server-side socket
// reached through the public 'net.server.socket' diagnostics channel, a raw
// client, bounded waits, an exposed gc, and a streaming response counter.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const KIB = 1024;
export const MIB = 1024 * KIB;

/**
 * One socket read delivers at most this much: libuv reads into a 64 KiB
 * buffer, so a 'data' chunk (and the decoded body view made from it) is never
 * larger. A Readable's push() accepts a whole chunk even past highWaterMark,
 * so every bound below allows one such read on top of a highWaterMark.
 */
export const SOCKET_READ_BYTES = 64 * KIB;

/**
 * ServerSockets records every socket a net.Server in this process accepts,
 * through the documented 'net.server.socket' diagnostics channel. rawhttp
 * keeps its sockets private; this is how a test reaches them soundly.
 */
export class ServerSockets {
  readonly all: Socket[] = [];
  readonly #onSocket = (message: unknown): void => {
    this.all.push((message as { socket: Socket }).socket);
  };

  constructor() {
    subscribe('net.server.socket', this.#onSocket);
  }

  /** Returns the accepted socket whose peer is the client socket `client`, or throws. */
  peerOf(client: Socket): Socket {
    const found = this.#find(client);
    if (found === undefined) throw new Error(`no server-side socket for client port ${String(client.localPort)} among ${this.all.length}`);
    return found;
  }

  /** Waits (bounded) until the peer of `client` has been accepted, then returns it. */
  async waitForPeerOf(client: Socket, timeoutMs = 3_000): Promise<Socket> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.#find(client);
      if (found !== undefined) return found;
      if (Date.now() > deadline) return this.peerOf(client);
      await sleep(2);
    }
  }

  #find(client: Socket): Socket | undefined {
    return this.all.find((s) => s.remotePort === client.localPort && s.localPort === client.remotePort);
  }

  dispose(): void {
    unsubscribe('net.server.socket', this.#onSocket);
    this.all.length = 0;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Opens a raw TCP connection to 127.0.0.1:port; resolves once connected. */
export function connectRaw(port: number, options: { readonly paused?: boolean } = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    if (options.paused === true) socket.pause();
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** Writes `data` and resolves once the kernel took it; rejects if the socket fails or `timeoutMs` passes. */
export function writeAll(socket: Socket, data: string | Uint8Array, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`write of ${data.length} bytes not flushed within ${timeoutMs} ms`)), timeoutMs);
    socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    });
  });
}

/**
 * Waits for 'drain' on `stream`; rejects on 'error', on 'close' before the
 * drain, or after `timeoutMs`. Always removes its listeners.
 */
export function waitForDrain(stream: NodeJS.EventEmitter, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = (): void => done();
    const onError = (error: Error): void => done(error);
    const onClose = (): void => done(new Error('closed while waiting for drain'));
    const timer = setTimeout(() => done(new Error(`no 'drain' within ${timeoutMs} ms`)), timeoutMs);
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** Polls `predicate` every `stepMs` until it holds or `timeoutMs` passes; resolves whether it held. */
export async function until(predicate: () => boolean, timeoutMs: number, stepMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() >= deadline) return false;
    await sleep(stepMs);
  }
  return true;
}

let gcFunction: (() => void) | undefined;

/** Returns a full-GC function (V8's gc, exposed at run time so no CLI flag is needed). */
export function exposeGc(): () => void {
  if (gcFunction === undefined) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  return gcFunction;
}

/** Bytes the process holds in the JS heap and in ArrayBuffers (Buffers), after a full GC. */
export function liveBytesAfterGc(): number {
  const gc = exposeGc();
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Returns the most the kernel can buffer for one loopback TCP stream: the
 * receiver's largest autotuned receive buffer (tcp_rmem max) plus the
 * sender's largest send buffer (tcp_wmem max). Bytes a client wrote that the
 * server has not consumed beyond this (plus the server's own bound) would
 * have to be held by the server.
 */
export function kernelStreamBufferMax(): number {
  const max = (file: string): number => {
    const fields = readFileSync(file, 'latin1').trim().split(/\s+/);
    const value = Number(fields[2]);
    if (!Number.isFinite(value)) throw new Error(`cannot read ${file}`);
    return value;
  };
  return max('/proc/sys/net/ipv4/tcp_rmem') + max('/proc/sys/net/ipv4/tcp_wmem');
}

/** Counts of `process.getActiveResourcesInfo()` entries by type. */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Total listeners on `emitter` over every event name. */
export function listenerTotal(emitter: NodeJS.EventEmitter): number {
  let total = 0;
  for (const name of emitter.eventNames()) total += emitter.listenerCount(name);
  return total;
}

/** Listener counts of `emitter` by event name, as a stable string for failure messages. */
export function listenerSummary(emitter: NodeJS.EventEmitter): string {
  return emitter
    .eventNames()
    .map((name) => `${String(name)}=${emitter.listenerCount(name)}`)
    .sort()
    .join(' ');
}

/** The largest value seen and when; `at` is what the test was doing then. */
export class Peak {
  value = 0;
  at = '';
  samples = 0;

  note(value: number, at: string): void {
    this.samples++;
    if (value > this.value) {
      this.value = value;
      this.at = at;
    }
  }

  toString(): string {
    return `${this.value} bytes (${this.at}; ${this.samples} samples)`;
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** One response seen by ResponseCounter: status, fields (lower-cased names), body length and its first bytes. */
export interface CountedResponse {
  readonly status: number;
  readonly fields: ReadonlyMap<string, string>;
  readonly bodyLength: number;
  /** The first 64 bytes of the body as latin1 (the rest is not kept, so thousands of responses stay cheap). */
  readonly bodyStart: string;
}

/**
 * ResponseCounter splits a stream of Content-Length-framed responses
 * incrementally (linear in the bytes received), for tests that receive
 * thousands of pipelined responses. It stops at the first thing it cannot
 * frame and records why in `error`.
 */
export class ResponseCounter {
  readonly responses: CountedResponse[] = [];
  error: string | undefined;
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    if (this.error !== undefined) return;
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let pos = 0;
    const data = this.#pending;
    for (;;) {
      const headEnd = data.indexOf(CRLFCRLF, pos);
      if (headEnd < 0) break;
      const lines = data.toString('latin1', pos, headEnd).split('\r\n');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(lines[0] ?? '');
      if (status === null) {
        this.error = `bad status line ${JSON.stringify(lines[0])}`;
        return;
      }
      const fields = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      const length = Number(fields.get('content-length'));
      if (!Number.isInteger(length)) {
        this.error = `response without Content-Length: ${JSON.stringify(lines)}`;
        return;
      }
      const end = headEnd + 4 + length;
      if (end > data.length) break;
      this.responses.push({ status: Number(status[1]), fields, bodyLength: length, bodyStart: data.toString('latin1', headEnd + 4, Math.min(end, headEnd + 4 + 64)) });
      pos = end;
    }
    this.#pending = pos === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(pos));
  }
}

/** A raw client and what it has received so far. */
export interface RawClient {
  readonly socket: Socket;
  received(): Buffer;
  ended(): boolean;
}

/** Raw node:net clients that record what they receive; destroyAll() in afterEach. */
export class RawClients {
  #sockets: Socket[] = [];

  /** Connects to 127.0.0.1:port and starts recording. */
  async open(port: number): Promise<RawClient> {
    const socket = await connectRaw(port);
    this.#sockets.push(socket);
    const chunks: Buffer[] = [];
    let ended = false;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      ended = true;
    });
    socket.on('close', () => {
      ended = true;
    });
    socket.on('error', () => {
      // EPIPE / ECONNRESET once the server has closed: the assertions look at what arrived.
    });
    return { socket, received: () => Buffer.concat(chunks), ended: () => ended };
  }

  /** Takes a socket connected elsewhere into the set destroyed by destroyAll(). */
  track(socket: Socket): Socket {
    this.#sockets.push(socket);
    return socket;
  }

  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets = [];
  }
}

/**
 * The bytes a server socket holds that the kernel has not taken yet: what
 * libuv has queued (its handle's writeQueueSize: a write rawhttp made through
 * the handle, and the stream's write in flight) and what the stream still
 * buffers behind that. writableLength alone misses a write made beneath the
 * stream, and counts the part of one in flight that the kernel already took.
 */
export function unsentBytes(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { writeQueueSize?: number } | null })._handle;
  let bytes = handle?.writeQueueSize ?? 0;
  // The chunks the stream buffers behind its write in flight (Writable's writableBuffer, which @types/node omits).
  const buffered = (socket as unknown as { writableBuffer: Array<{ chunk: Buffer | string; encoding: BufferEncoding }> }).writableBuffer;
  for (const { chunk, encoding } of buffered) {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.byteLength;
  }
  return bytes;
}
