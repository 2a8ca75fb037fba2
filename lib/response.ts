// The handler's response: typestate in the values it returns. While the head
// is open, status and headers may change; end() sends head and body in one
// write and returns a SentResponse; stream() commits the head and returns a
// BodyWriter (a Writable) with no way to touch headers.

import { Buffer } from 'node:buffer';
import { Writable } from 'node:stream';
import {
  CHUNK_END,
  checkFieldValue,
  checkedFieldValue,
  contentLengthLine,
  encodeChunkHeader,
  encodeLastChunk,
  fieldNameKey,
  isValidStatus,
  mayHaveBody,
} from './encode.ts';
import {
  ContentLengthMismatchError,
  HeadersSentError,
  InvalidResponseError,
  ResponseEndedError,
} from './errors.ts';
import type { HeadMemo } from './head-memo.ts';

/** How a response reaches its connection. */
export interface ResponseChannel {
  /** The request's method ('HEAD' responses carry no content). */
  readonly method: string;
  /** 0 for an HTTP/1.0 request: no chunked coding, keep-alive only if asked. */
  readonly versionMinor: number;
  /** Decides keep-alive once, as the head goes out; returns the Connection / Keep-Alive lines to send. */
  commitHead(handlerWantsClose: boolean): string;
  /** Sends 100 Continue if the client asked for it and it has not been sent. */
  sendContinue(): void;
  /** The current "Date: …\r\n" line. */
  dateLine(): string;
  /** The server's last head, reused when a response repeats it. */
  readonly headMemo: HeadMemo;
  /** Writes to the socket; false when its buffer is above the high-water mark. */
  write(data: string | Uint8Array, encoding?: BufferEncoding): boolean;
  cork(): void;
  uncork(): void;
  /** Calls back once the socket has drained (at once if it has nothing buffered). */
  waitForDrain(callback: () => void): void;
  /** The server's highWaterMark: a body writer's stream buffer. */
  readonly highWaterMark: number;
  /** Bytes a body writer may hold before write() returns false: highWaterMark, more while the peer keeps up. */
  readonly writeAllowance: number;
  /** A body write was handed to the socket (uncorked): lets the allowance follow how the kernel took it. */
  noteBodyWritten(): void;
  /** The whole response has been handed to the socket. */
  finish(): void;
  /** The message cannot be completed: drop the connection. */
  destroy(error: Error): void;
  /** Reports an error nobody else will see. */
  report(error: unknown): void;
}

/** A response body accepted by end(). */
export type Body = string | Uint8Array;

/** A header value: numbers are formatted, arrays become repeated field lines. */
export type HeaderValue = string | number | readonly string[];

/** The response after end(): it can only be inspected. */
export interface SentResponse {
  readonly headersSent: true;
  readonly statusCode: number;
}

const NON_ASCII = /[^\x00-\x7f]/;
// Head plus byte body up to this size leave as one Buffer (Buffer.allocUnsafe
// serves it from its shared pool below 4 KiB); larger bodies are not copied.
const COPY_BODY_BELOW = 4 * 1024;

// Never written to: #push replaces it before the first field.
const NO_FIELDS: string[] = [];

const Phase = { Open: 0, Streaming: 1, Ended: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * The response a handler receives. Status and headers are settable until
 * end() or stream(); after that they throw HeadersSentError (and, through the
 * returned types, do not compile).
 */
export class Response {
  #channel: ResponseChannel;
  #status = 200;
  #reason: string | undefined;
  // Flat [lowerName, name, value, …] in insertion order; names as given.
  // Starts as the shared empty list: the first header allocates an array of
  // exactly three (a push onto [] would reserve 16 slots per response).
  #fields: string[] = NO_FIELDS;
  // Whether every header value is ASCII (then the head is the same bytes in UTF-8).
  #asciiHead = true;
  #phase: Phase = Phase.Open;
  #writer: BodyWriter | null = null;

  constructor(channel: ResponseChannel) {
    this.#channel = channel;
  }

  /** Whether the head has been sent (end() or stream() was called). */
  get headersSent(): boolean {
    return this.#phase !== Phase.Open;
  }

  /** The status code that is (or will be) sent. */
  get statusCode(): number {
    return this.#status;
  }

  /** Sets the status code (100–999; 101 and other 1xx are not final and are refused) and optional reason phrase. */
  status(code: number, reason?: string): this {
    this.#assertOpen('set the status');
    if (!isValidStatus(code) || code < 200) {
      throw new InvalidResponseError('ERR_HTTP_INVALID_STATUS_CODE', `invalid final status code: ${String(code)}`);
    }
    if (reason !== undefined) checkFieldValue('reason phrase', reason);
    this.#status = code;
    this.#reason = reason;
    return this;
  }

  /** Sets a header, replacing any earlier value of the same name (any case). */
  header(name: string, value: HeaderValue): this {
    this.#assertOpen('set a header');
    const lower = fieldNameKey(name);
    this.#remove(lower);
    this.#add(lower, name, value);
    return this;
  }

  /** Adds a header line, keeping earlier ones of the same name (Set-Cookie). */
  appendHeader(name: string, value: HeaderValue): this {
    this.#assertOpen('append a header');
    this.#add(fieldNameKey(name), name, value);
    return this;
  }

  /** Removes every header of `name` (any case). */
  removeHeader(name: string): this {
    this.#assertOpen('remove a header');
    this.#remove(name.toLowerCase());
    return this;
  }

  /** Returns the value of `name` (repeats joined with ", "), or undefined. */
  getHeader(name: string): string | undefined {
    return this.#get(name.toLowerCase());
  }

  #get(lower: string): string | undefined {
    let out: string | undefined;
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 3) {
      if (fields[i] !== lower) continue;
      out = out === undefined ? (fields[i + 2] as string) : `${out}, ${fields[i + 2] as string}`;
    }
    return out;
  }

  /** Whether a header `name` is set. */
  hasHeader(name: string): boolean {
    return this.getHeader(name) !== undefined;
  }

  /** Sends 100 Continue now, if the client asked for it; otherwise it is sent when the body is first read. */
  writeContinue(): void {
    this.#assertOpen('send 100 Continue');
    this.#channel.sendContinue();
  }

  /**
   * Sends the head and `body` (a string as UTF-8, or bytes) in one socket
   * write, with Content-Length, and ends the response. Throws
   * ContentLengthMismatchError if a Content-Length header disagrees with the body.
   */
  end(body?: Body): SentResponse {
    if (this.#phase === Phase.Ended) throw new ResponseEndedError();
    this.#assertOpen('end the response (use the writer returned by stream())');
    let length = 0;
    if (body !== undefined) {
      if (typeof body === 'string') length = Buffer.byteLength(body);
      else if (body instanceof Uint8Array) length = body.byteLength;
      else throw new InvalidResponseError('ERR_INVALID_ARG_TYPE', 'body must be a string or a Uint8Array');
    }
    const channel = this.#channel;
    const withBody = mayHaveBody(channel.method, this.#status);
    const declared = this.#declaredLength();
    if (declared !== -1 && (withBody || body !== undefined) && declared !== length && !(channel.method === 'HEAD' && body === undefined)) {
      throw new ContentLengthMismatchError(declared, length);
    }
    this.#phase = Phase.Ended;
    let framing = '';
    // RFC 9110 §8.6: Content-Length is sent for content, and for HEAD it tells the GET length.
    if (declared === -1 && (withBody || (channel.method === 'HEAD' && body !== undefined)) && this.#status >= 200 && this.#status !== 204 && this.#status !== 304) {
      framing = contentLengthLine(length);
    }
    const head = this.#encodeHead(framing, false);
    // A Latin-1 reason (rare) makes the head non-ASCII: it must then go out as latin1, not joined with a UTF-8 body.
    const reason = this.#reason;
    const ascii = this.#asciiHead && (reason === undefined || !NON_ASCII.test(reason));
    if (!withBody || length === 0) {
      // An ASCII head is the same bytes either way; as 'utf8' it joins the connection's batched text.
      channel.write(head, ascii ? 'utf8' : 'latin1');
    } else if (typeof body === 'string' && ascii) {
      channel.write(channel.headMemo.message(head, body), 'utf8');
    } else if (typeof body !== 'string' && head.length + length <= COPY_BODY_BELOW) {
      // A small byte body is copied behind the head: one plain write instead
      // of a corked writev of two (the writev path costs more than the copy).
      const message = Buffer.allocUnsafe(head.length + length);
      message.write(head, 0, 'latin1');
      message.set(body as Uint8Array, head.length);
      channel.write(message);
    } else {
      channel.cork();
      channel.write(head, 'latin1');
      channel.write(body as Body);
      channel.uncork();
    }
    channel.finish();
    return this as SentResponse;
  }

  /**
   * Commits the head and returns the body writer. The body is sent with the
   * Content-Length header the handler set, else chunked (HTTP/1.1), else
   * delimited by closing the connection (HTTP/1.0).
   */
  stream(): BodyWriter {
    this.#assertOpen('start streaming');
    this.#phase = Phase.Streaming;
    const channel = this.#channel;
    const withBody = mayHaveBody(channel.method, this.#status);
    const declared = this.#declaredLength();
    let mode: WriterMode;
    let framing = '';
    let wantsClose = false;
    if (!withBody) mode = WriterMode.Discard;
    else if (declared !== -1) mode = WriterMode.Length;
    else if (channel.versionMinor === 1) {
      mode = WriterMode.Chunked;
      framing = 'Transfer-Encoding: chunked\r\n';
    } else {
      mode = WriterMode.UntilClose;
      wantsClose = true;
    }
    channel.write(this.#encodeHead(framing, wantsClose), 'latin1');
    this.#writer = new BodyWriter(channel, mode, declared, channel.highWaterMark);
    return this.#writer;
  }

  /** The client went away: fail the body writer, if any, so a producer stops. */
  abort(error: Error): void {
    if (this.#writer !== null && !this.#writer.destroyed) this.#writer.destroy(error);
  }

  /** Answers with a plain error status if nothing was sent yet; returns whether it could. Used by the connection. */
  sendErrorIfOpen(status: number, text: string): boolean {
    if (this.#phase !== Phase.Open) return false;
    this.#fields = ['content-type', 'Content-Type', 'text/plain; charset=utf-8'];
    this.#asciiHead = true;
    this.#status = status;
    this.#reason = undefined;
    this.end(text);
    return true;
  }

  #assertOpen(action: string): void {
    if (this.#phase !== Phase.Open) throw new HeadersSentError(action);
  }

  #add(lower: string, name: string, value: HeaderValue): void {
    if (typeof value === 'number') value = String(value);
    if (typeof value === 'string') {
      if (!checkedFieldValue(name, value)) this.#asciiHead = false;
      this.#push(lower, name, value);
      return;
    }
    if (!Array.isArray(value)) throw new InvalidResponseError('ERR_INVALID_ARG_TYPE', `header ${JSON.stringify(name)} needs a string, number or string[]`);
    for (const item of value as readonly string[]) {
      if (typeof item !== 'string') throw new InvalidResponseError('ERR_INVALID_ARG_TYPE', `header ${JSON.stringify(name)} needs strings`);
      if (!checkedFieldValue(name, item)) this.#asciiHead = false;
      this.#push(lower, name, item);
    }
  }

  #push(lower: string, name: string, value: string): void {
    if (this.#fields === NO_FIELDS) this.#fields = [lower, name, value];
    else this.#fields.push(lower, name, value);
  }

  #remove(lower: string): void {
    const fields = this.#fields;
    for (let i = fields.length - 3; i >= 0; i -= 3) if (fields[i] === lower) fields.splice(i, 3);
  }

  // -1 when the handler did not declare a Content-Length.
  #declaredLength(): number {
    if (this.#fields.length === 0) return -1;
    const value = this.#get('content-length');
    if (value === undefined) return -1;
    if (!/^\d{1,15}$/.test(value)) throw new InvalidResponseError('ERR_INVALID_CHAR', 'Content-Length must be one non-negative integer');
    return Number(value);
  }

  // Connection and Transfer-Encoding are the connection's to decide; a
  // handler's "Connection: close" is honoured through commitHead.
  #encodeHead(framing: string, forceClose: boolean): string {
    const channel = this.#channel;
    let hasDate = false;
    let wantsClose = forceClose;
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i += 3) {
      const lower = fields[i] as string;
      if (lower === 'connection') {
        if (/(^|,)\s*close\s*(,|$)/i.test(fields[i + 2] as string)) wantsClose = true;
      } else if (lower === 'date') {
        hasDate = true;
      }
    }
    const dateLine = hasDate ? '' : channel.dateLine();
    return channel.headMemo.head(this.#status, this.#reason, fields, dateLine, framing, channel.commitHead(wantsClose));
  }
}

const WriterMode = { Discard: 0, Length: 1, Chunked: 2, UntilClose: 3 } as const;
type WriterMode = (typeof WriterMode)[keyof typeof WriterMode];

/**
 * BodyWriter streams the response body once the head is committed. write()
 * returns false while the socket is backed up, and 'drain' follows; end()
 * finishes the message (last-chunk and trailers for chunked). It has no way
 * to set headers. Errors are reported to the server's onError even without
 * an 'error' listener, so a careless handler cannot crash the process.
 */
export class BodyWriter extends Writable {
  #channel: ResponseChannel;
  #mode: WriterMode;
  #declared: number;
  #written = 0;
  #trailers: Array<readonly [string, string]> | undefined;
  #finished = false;

  constructor(channel: ResponseChannel, mode: WriterMode, declared: number, highWaterMark: number) {
    super({ highWaterMark, decodeStrings: false });
    this.#channel = channel;
    this.#mode = mode;
    this.#declared = declared;
    this.on('error', (error) => channel.report(error));
  }

  /** Sets trailer fields sent after the last chunk (chunked responses only; ignored otherwise). */
  setTrailers(trailers: Iterable<readonly [string, string]> | Record<string, string>): this {
    const list = Symbol.iterator in trailers ? [...(trailers as Iterable<readonly [string, string]>)] : Object.entries(trailers);
    encodeLastChunk(list); // validates now, where the caller can catch it
    this.#trailers = list;
    return this;
  }

  /**
   * Like Writable.write(), except that while the peer keeps up (the kernel
   * took the previous writes at once) it returns true up to the connection's
   * write allowance rather than highWaterMark, so that pieces written in one
   * go leave in one writev. 'drain' still follows every false.
   */
  override write(chunk: unknown, callback?: (error: Error | null | undefined) => void): boolean;
  override write(chunk: unknown, encoding: BufferEncoding, callback?: (error: Error | null | undefined) => void): boolean;
  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    // Writable.write sorts out an omitted encoding itself; no rest array per write.
    const ok = (super.write as (chunk: unknown, encoding: unknown, callback: unknown) => boolean)(chunk, encoding, callback);
    return ok || (!this.destroyed && this.writableLength < this.#channel.writeAllowance);
  }

  /**
   * Ends the body like Writable.end(); given a trailer object or iterable of
   * [name, value] pairs instead of a chunk, sends those trailers (chunked only).
   */
  override end(cb?: () => void): this;
  override end(chunk: unknown, cb?: () => void): this;
  override end(chunk: unknown, encoding?: BufferEncoding, cb?: () => void): this;
  override end(...args: unknown[]): this {
    const first = args[0];
    if (first !== null && typeof first === 'object' && !(first instanceof Uint8Array) && !ArrayBuffer.isView(first)) {
      this.setTrailers(first as Iterable<readonly [string, string]> | Record<string, string>);
      args.shift();
    }
    return (super.end as (...rest: unknown[]) => this)(...args);
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.#send([data], data.byteLength, callback);
  }

  // Chunks buffered while a write was pending go out together, without
  // copying them into one buffer: one chunk-size line for all of them when
  // chunked, and one corked batch (a writev) on the socket.
  override _writev(chunks: Array<{ chunk: Buffer | string; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    const pieces: Buffer[] = [];
    let total = 0;
    for (const { chunk, encoding } of chunks) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
      if (data.byteLength === 0) continue;
      pieces.push(data);
      total += data.byteLength;
    }
    this.#send(pieces, total, callback);
  }

  #send(pieces: readonly Buffer[], length: number, callback: (error?: Error | null) => void): void {
    if (length === 0 || this.#mode === WriterMode.Discard) return callback();
    const channel = this.#channel;
    if (this.#mode === WriterMode.Length && this.#written + length > this.#declared) {
      return callback(new ContentLengthMismatchError(this.#declared, this.#written + length));
    }
    this.#written += length;
    const chunked = this.#mode === WriterMode.Chunked;
    const corked = chunked || pieces.length > 1;
    if (corked) channel.cork();
    if (chunked) channel.write(encodeChunkHeader(length), 'latin1');
    let ok = true;
    for (const piece of pieces) ok = channel.write(piece);
    if (chunked) ok = channel.write(CHUNK_END, 'latin1');
    if (corked) channel.uncork();
    channel.noteBodyWritten();
    if (ok) callback();
    else channel.waitForDrain(() => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#mode === WriterMode.Length && this.#written !== this.#declared) {
      return callback(new ContentLengthMismatchError(this.#declared, this.#written));
    }
    if (this.#mode === WriterMode.Chunked) this.#channel.write(encodeLastChunk(this.#trailers), 'latin1');
    this.#finished = true;
    this.#channel.finish();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // An unfinished body can never become a valid message: the socket must go.
    if (!this.#finished) this.#channel.destroy(error ?? new ResponseEndedError());
    callback(error);
  }
}
