// A request's content on its way to the handler: pieces that arrive before
// anyone asks are kept (up to highWaterMark; then the connection pauses the
// socket), the first consumer takes them as a Readable or as one Buffer, and
// the end, an error or trailers wait for a consumer that comes later. Only a
// request with content gets one up front, so a bodiless request stays small.

import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
import { BodyTooLargeError } from './errors.ts';
import { TrailerList } from './headers.ts';

/** How a request body tells its connection about its consumer. */
export interface BodyChannel {
  /** The consumer wants more bytes: send 100 Continue if owed, resume the socket. */
  onBodyDemand(): void;
  /** The consumer gave up on the body: what remains is unread, so the connection cannot be reused. */
  onBodyAbandoned(): void;
  /** The peer's IP address and port, as the socket reports them. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** The server's highWaterMark: the default buffer of a body stream. */
  readonly highWaterMark: number;
  /** The server's maxBodyBytes: the most bytes() reads. */
  readonly maxBodyBytes: number;
}

const EMPTY = Buffer.alloc(0);

/** The content of one request, delivered to at most one consumer. */
export class RequestBody {
  readonly #channel: BodyChannel;
  // Announced Content-Length; -1 when chunked or none.
  readonly #contentLength: number;
  #highWaterMark: number;
  // Pieces that arrived before anyone asked for the stream.
  #pending: Buffer[] | null = null;
  #pendingBytes = 0;
  #stream: Readable | null = null;
  #ended: boolean;
  #error: Error | null = null;
  #discarding = false;
  #consumed = false;
  #trailers: TrailerList | undefined;

  /** `ended` is true for a request without content: its stream ends at once. */
  constructor(channel: BodyChannel, contentLength: number, ended: boolean) {
    this.#channel = channel;
    this.#contentLength = contentLength;
    this.#highWaterMark = channel.highWaterMark;
    this.#ended = ended;
  }

  /** The stream, created on first use with `highWaterMark` (the server's by default); later calls return it as it is. */
  stream(highWaterMark?: number): Readable {
    if (this.#stream !== null) return this.#stream;
    if (highWaterMark !== undefined) this.#highWaterMark = highWaterMark;
    return this.#createStream(this.#highWaterMark);
  }

  get trailers(): TrailerList | undefined {
    return this.#trailers;
  }

  /** The whole content, at most maxBodyBytes; rejects with BodyTooLargeError (and abandons the rest) beyond. */
  async bytes(): Promise<Buffer> {
    const limit = this.#channel.maxBodyBytes;
    if (this.#contentLength > limit) throw this.#abandonTooLarge(limit);
    if (this.#isWaitingWhole()) {
      // The whole body is already here: no stream needed.
      if (this.#pendingBytes <= limit) return this.#takeWhole();
      this.#consumed = true;
      this.#pending = null;
      throw this.#abandonTooLarge(limit);
    }
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of this.stream()) {
      const piece = chunk as Buffer;
      total += piece.length;
      if (total > limit) throw this.#abandonTooLarge(limit);
      parts.push(piece);
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, total);
  }

  // The rest of the body will not be read: the connection cannot be reused.
  #abandonTooLarge(limit: number): BodyTooLargeError {
    this.#channel.onBodyAbandoned();
    return new BodyTooLargeError(limit);
  }

  /**
   * The whole content, without bytes()'s limit, when all of it has arrived
   * and no one has asked for it yet; null otherwise (read the stream then).
   * Taking it needs no stream, no listener and no tick: what a fetch
   * handler's request.json() gets for a body that came with its head.
   */
  takeIfComplete(): Buffer | null {
    return this.#isWaitingWhole() ? this.#takeWhole() : null;
  }

  #isWaitingWhole(): boolean {
    return this.#stream === null && this.#ended && this.#error === null && !this.#consumed;
  }

  #takeWhole(): Buffer {
    this.#consumed = true;
    const pending = this.#pending;
    this.#pending = null;
    if (pending === null) return EMPTY;
    return pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, this.#pendingBytes);
  }

  /** A decoded piece from the connection; false when the consumer is full (pause the socket). */
  push(view: Buffer): boolean {
    if (this.#discarding) return true;
    const stream = this.#stream;
    if (stream !== null) return stream.push(view);
    (this.#pending ??= []).push(view);
    this.#pendingBytes += view.length;
    return this.#pendingBytes < this.#highWaterMark;
  }

  /** The content is complete, with any trailers. */
  end(trailers: ReadonlyArray<[string, string]> | null): void {
    if (trailers !== null && trailers.length > 0) this.#trailers = new TrailerList(trailers);
    this.#ended = true;
    if (this.#stream !== null && !this.#discarding) this.#stream.push(null);
  }

  /** Whether a consumer has taken or started reading the content. */
  get isConsumed(): boolean {
    // A handler that took the stream (e.g. to pipe it into its response) is
    // reading it, even if the first read() has not happened yet.
    return this.#consumed || this.#stream !== null;
  }

  /** Drops whatever remains: the handler is done without reading it. */
  discard(): void {
    this.#discarding = true;
    this.#pending = null;
    this.#pendingBytes = 0;
  }

  /** The content cannot complete: a consumer gets `error`. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#error = error;
    if (this.#stream !== null) this.#stream.destroy(error);
  }

  #createStream(highWaterMark: number): Readable {
    const stream = new Readable({
      highWaterMark,
      read: () => {
        this.#consumed = true;
        this.#channel.onBodyDemand();
      },
    });
    this.#stream = stream;
    if (this.#pending !== null) for (const piece of this.#pending) stream.push(piece);
    this.#pending = null;
    this.#pendingBytes = 0;
    if (this.#error !== null) stream.destroy(this.#error);
    else if (this.#ended) stream.push(null);
    // A consumer that destroys the stream early leaves the rest of the body unread.
    stream.once('close', () => {
      if (!this.#ended) {
        this.#discarding = true;
        this.#channel.onBodyAbandoned();
      }
    });
    return stream;
  }
}
