// How a served socket's bytes reach its connection.
//
// A net.Socket reads each chunk into a fresh ArrayBuffer, wraps it in a
// Buffer, pushes that through its Readable and emits 'data'. Node can instead
// read into memory the caller owns and call back with the byte count (the
// Socket constructor's `onread` option): no ArrayBuffer allocated and freed
// per read, no push, no emit. A bare socket server measured 1.11–1.17× the
// requests/s that way. net.Server has no option to ask it for the sockets it
// accepts, but each of them carries the hooks `onread` sets (symbol properties
// described kBuffer, kBufferCb and kBufferGen, all null when unused) and its
// handle has useUserBuffer(). They are internal, as `readingMore` is: found by
// description, checked on every socket, and when any is missing or in use the
// socket is read the usual way, through 'data'.
//
// Every socket reads into one scratch buffer: libuv reads a socket and runs
// its callback synchronously, one socket at a time, and the callback copies
// the bytes out before it returns. The copy is a Buffer like any other: a
// small one is a slice of Node's 8 KiB pool, which it keeps alive as any
// small Buffer does, a larger one has its own memory. A socket whose reads come
// long (an upload) reads into buffers of its own instead, handed out as they
// are: copying 64 KiB reads cost an upload a third more CPU.

import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { getSystemErrorName } from 'node:util';

/** Takes one chunk read from the socket it is called on. */
export type ChunkListener = (this: Socket, chunk: Buffer) => void;

type ReadCallback = (this: Socket, nread: number, buffer: Buffer) => unknown;

interface ReadHooks {
  readonly buffer: symbol;
  readonly callback: symbol;
  readonly generator: symbol;
}

interface HookedSocket {
  [hook: symbol]: unknown;
  _handle?: { useUserBuffer?: unknown; reading?: unknown; readStart?: unknown } | null;
  _readableState?: { readingMore?: boolean };
}

// The size libuv suggests for a read; a longer message takes several reads.
const SCRATCH_BYTES = 64 * 1024;
// A read this long is handed out in place, in a buffer of the socket's own;
// at least half of such a buffer is the chunk, so it holds at most twice the
// memory a 'data' chunk would.
const IN_PLACE_BYTES = SCRATCH_BYTES / 2;
let scratch: Buffer | null = null;
// undefined until the first socket is looked at; null when this Node has no such hooks.
let hooks: ReadHooks | null | undefined;
// Where the socket just read reads next, set by its callback; Node asks for
// it (the kBufferGen hook, called without a socket) right after the callback.
let nextBuffer: Buffer | undefined;
const takeNextBuffer = (): Buffer | undefined => {
  const next = nextBuffer;
  nextBuffer = undefined;
  return next;
};

function findHooks(socket: Socket): ReadHooks | null {
  const symbols = Object.getOwnPropertySymbols(socket);
  const named = (description: string): symbol | undefined => symbols.find((symbol) => symbol.description === description);
  const buffer = named('kBuffer');
  const callback = named('kBufferCb');
  const generator = named('kBufferGen');
  if (buffer === undefined || callback === undefined || generator === undefined) return null;
  return { buffer, callback, generator };
}

/** The hooks, when this socket can take them: a connected handle and nothing set yet. */
function usableHooks(socket: Socket): ReadHooks | null {
  if (hooks === undefined) hooks = findHooks(socket);
  if (hooks === null) return null;
  const hooked = socket as unknown as HookedSocket;
  const handle = hooked._handle;
  if (handle === null || handle === undefined || typeof handle.useUserBuffer !== 'function') return null;
  if (hooked[hooks.buffer] !== null || hooked[hooks.callback] !== null || hooked[hooks.generator] !== null) return null;
  return hooks;
}

// After every chunk a flowing Readable schedules a tick (maybeReadMore) to
// read ahead up to its highWaterMark. A socket's handle already reads
// continuously while flowing, so the tick only calls read(0), which returns at
// once: one nextTick per chunk for nothing. Marked as already scheduled, the
// stream skips it. Pausing and resuming still work: resume() reads by itself.
// Only a socket read through 'data' needs it; a stopped one gets it back.
function skipReadAhead(socket: Socket, skip: boolean): void {
  const state = (socket as unknown as HookedSocket)._readableState;
  if (state !== undefined && typeof state.readingMore === 'boolean') state.readingMore = skip;
}

function copyOut(buffer: Buffer, length: number): Buffer {
  const chunk = Buffer.allocUnsafe(length);
  buffer.copy(chunk, 0, 0, length);
  return chunk;
}

/** The chunk a read of `nread` bytes into `buffer` makes; sets where the socket reads next when that changes. */
function takeChunk(buffer: Buffer, nread: number): Buffer {
  if (nread < IN_PLACE_BYTES) {
    // Back to the shared scratch buffer: an idle socket holds none of its own.
    if (buffer !== scratch) nextBuffer = scratch ?? undefined;
    return copyOut(buffer, nread);
  }
  nextBuffer = Buffer.allocUnsafe(SCRATCH_BYTES);
  return buffer === scratch ? copyOut(buffer, nread) : buffer.subarray(0, nread);
}

// After a handover the socket's reads still land in the scratch buffer (a
// handle's read listener cannot be removed), so they go on as copies into its
// Readable, which then behaves as any socket's: 'data', read(), pipe().
const pushToStream: ReadCallback = function (nread, buffer) {
  return this.push(takeChunk(buffer, nread));
};

/** Delivers sockets' bytes to one listener, through the scratch buffer where Node allows it. */
export class SocketReader {
  readonly #onChunk: ChunkListener;
  readonly #onRead: ReadCallback;

  constructor(onChunk: ChunkListener) {
    this.#onChunk = onChunk;
    this.#onRead = function (nread, buffer) {
      const chunk = takeChunk(buffer, nread);
      try {
        onChunk.call(this, chunk);
      } catch (error) {
        // Node then skips asking where to read next: the socket would read
        // over a chunk handed out in place. It cannot go on anyway.
        this.destroy();
        throw error;
      }
    };
  }

  /** Starts delivering; call it before the socket's first read (in the server's 'connection' event). */
  start(socket: Socket): void {
    const found = usableHooks(socket);
    if (found === null) {
      socket.on('data', this.#onChunk);
      skipReadAhead(socket, true);
      return;
    }
    scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
    const hooked = socket as unknown as HookedSocket;
    hooked[found.buffer] = scratch;
    hooked[found.callback] = this.#onRead;
    hooked[found.generator] = takeNextBuffer;
    (hooked._handle as { useUserBuffer(buffer: Uint8Array): void }).useUserBuffer(scratch);
  }

  /** Whether the socket's bytes come through the scratch buffer (not 'data'). */
  readsDirectly(socket: Socket): boolean {
    return this.#hooksOf(socket) !== null;
  }

  #hooksOf(socket: Socket): ReadHooks | null {
    return hooks !== null && hooks !== undefined && (socket as unknown as HookedSocket)[hooks.callback] === this.#onRead ? hooks : null;
  }

  /**
   * Stops delivering: the socket's later bytes reach its own Readable, as on
   * any socket. Call it with the socket paused; the next consumer resumes it.
   */
  stop(socket: Socket): void {
    skipReadAhead(socket, false);
    const found = this.#hooksOf(socket);
    if (found === null) {
      socket.off('data', this.#onChunk);
      return;
    }
    const hooked = socket as unknown as HookedSocket;
    hooked[found.callback] = pushToStream;
    // On a socket with these hooks pause() stops the handle, so a paused one
    // would never see the peer's FIN (a tunnel whose other side has finished
    // unpipes, pauses, and waits for that FIN). Any other socket pauses only
    // its stream and reads on into it up to highWaterMark: the handed-over
    // socket gets the stream's own pause() and resume() back, and reads again.
    const own = socket as unknown as { pause: () => Socket; resume: () => Socket };
    own.pause = Duplex.prototype.pause as () => Socket;
    own.resume = Duplex.prototype.resume as () => Socket;
    const handle = hooked._handle;
    if (socket.destroyed || handle === null || handle === undefined || handle.reading !== false || typeof handle.readStart !== 'function') return;
    handle.reading = true;
    const error: unknown = handle.readStart();
    if (typeof error === 'number' && error < 0) socket.destroy(new Error(`read ${getSystemErrorName(error)}`));
  }
}
