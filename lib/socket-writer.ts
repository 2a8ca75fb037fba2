// How a connection's bytes reach the socket, while its stream holds none.
//
// socket.write() runs the socket's Writable: its bookkeeping, a request
// object (WriteWrap) made per write, and a nextTick after the write to settle
// the stream. Underneath it calls the handle's writeUtf8String(request, text)
// (or writeLatin1String, writeBuffer), which tries the write at once: when
// the kernel takes it all, that is the whole write, and the request object
// is only looked at when part of the write has to wait. A bare socket server
// served 1.05× the requests written that way.
//
// So a socket whose stream is idle (nothing buffered or in flight, not
// corked, not ending) is written through its handle, with one request
// object shared by all writes the kernel takes at once. A write the kernel
// takes only in part keeps that object (libuv sends the rest, in order,
// before anything written later by either way) and reports back when it is
// sent. The request constructor and the write state come from Node's
// stream_wrap binding through process.binding, which Node keeps for exactly
// such modules; where it is missing, denied (the permission model) or would
// warn (--pending-deprecation), every write goes through the stream.

import type { Socket } from 'node:net';
import { getSystemErrorName, types } from 'node:util';

/** Told that the rest of a write the kernel took only in part has been sent (status 0) or failed (< 0: the socket is destroyed). */
export type SentListener = (this: Socket, status: number) => void;

/** What write() returns when the socket must be written through its stream instead. */
export const THROUGH_STREAM = -1;

interface WriteRequest {
  oncomplete?: (this: WriteRequest, status: number) => void;
  socket?: Socket | null;
  // Keeps a buffer being sent alive until libuv is done with it.
  buffer?: Uint8Array | null;
}

interface StreamHandle {
  writeUtf8String(request: WriteRequest, text: string): number;
  writeLatin1String(request: WriteRequest, text: string): number;
  writeBuffer(request: WriteRequest, bytes: Uint8Array): number;
  readonly writeQueueSize: number;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteRequest;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

interface WrittenSocket {
  _handle?: Partial<StreamHandle> | null;
}

function pendingDeprecation(): boolean {
  const flag = '--pending-deprecation';
  return process.execArgv.includes(flag) || (process.env['NODE_OPTIONS'] ?? '').includes(flag) || process.env['NODE_PENDING_DEPRECATION'] === '1';
}

function loadBinding(): StreamWrapBinding | null {
  if (pendingDeprecation()) return null;
  let found: Partial<StreamWrapBinding>;
  try {
    found = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
  } catch {
    return null;
  }
  const { WriteWrap, streamBaseState, kLastWriteWasAsync } = found;
  if (typeof WriteWrap !== 'function' || !(streamBaseState instanceof Int32Array) || typeof kLastWriteWasAsync !== 'number') return null;
  return { WriteWrap, streamBaseState, kLastWriteWasAsync };
}

// undefined until the first write; null when this Node cannot write beneath the stream.
let binding: StreamWrapBinding | null | undefined;
// The request object every write the kernel takes whole shares; replaced when one is kept.
let spare: WriteRequest | null = null;

function writeError(status: number): Error {
  return Object.assign(new Error(`write ${getSystemErrorName(status)}`), { code: getSystemErrorName(status), errno: status, syscall: 'write' });
}

/** Writes sockets' bytes through their handles while their streams are idle. */
export class SocketWriter {
  readonly #onComplete: (this: WriteRequest, status: number) => void;

  constructor(onSent: SentListener) {
    this.#onComplete = function (status) {
      const socket = this.socket;
      this.socket = null;
      this.buffer = null;
      if (socket === null || socket === undefined) return;
      // As the stream does with a failed write (a socket closed meanwhile is cancelled: nothing to do).
      if (status < 0) socket.destroy(writeError(status));
      onSent.call(socket, status);
    };
  }

  /**
   * Writes `data` (a string in `encoding`, utf8 or latin1, or bytes) through
   * the socket's handle. Returns the bytes left to send (0 when the kernel
   * took all; the SentListener hears when the rest is gone, and until then
   * this socket must be written through its stream), or
   * THROUGH_STREAM, having written nothing, when the socket's stream holds
   * bytes or this Node has no way beneath it. A failed write destroys the
   * socket with the error, as the stream would, and returns 0.
   */
  write(socket: Socket, data: string | Uint8Array, encoding: BufferEncoding | undefined): number {
    if (socket.writableLength !== 0 || socket.writableCorked !== 0 || socket.writableEnded || socket.destroyed) return THROUGH_STREAM;
    const handle = (socket as unknown as WrittenSocket)._handle;
    if (handle === null || handle === undefined) return THROUGH_STREAM;
    if (binding === undefined) binding = loadBinding();
    if (binding === null) return THROUGH_STREAM;
    const request = (spare ??= new binding.WriteWrap());
    let status: number;
    if (typeof data !== 'string') {
      // The handle asserts a true Uint8Array (Node 24 aborts the process on
      // anything else); the stream converts or refuses other views itself.
      if (!types.isUint8Array(data) || typeof handle.writeBuffer !== 'function') return THROUGH_STREAM;
      status = handle.writeBuffer(request, data);
    } else if (encoding === 'latin1') {
      if (typeof handle.writeLatin1String !== 'function') return THROUGH_STREAM;
      status = handle.writeLatin1String(request, data);
    } else if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') {
      if (typeof handle.writeUtf8String !== 'function') return THROUGH_STREAM;
      status = handle.writeUtf8String(request, data);
    } else {
      return THROUGH_STREAM;
    }
    if (status < 0) {
      socket.destroy(writeError(status));
      return 0;
    }
    if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) return 0;
    // libuv holds the rest, and this request object with it, until it is sent.
    spare = null;
    request.socket = socket;
    request.buffer = typeof data === 'string' ? null : data;
    request.oncomplete = this.#onComplete;
    return handle.writeQueueSize ?? 0;
  }
}
