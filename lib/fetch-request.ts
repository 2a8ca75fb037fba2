// The web-standard Request a fetch handler sees: a real Request (subclass of
// the global one) built from rawhttp's request with as little work as the
// Fetch API allows. Must not buffer the body: it is a pull source over the
// socket, so backpressure reaches the peer (RFC 9112 §6 framing is the core's).

import type { Readable } from 'node:stream';
import type { Request as RawRequest } from './request.ts';

// Captured once: a later override of globalThis.Request (as @hono/node-server
// does) must not change what we extend.
const WebRequest = globalThis.Request;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * BodySource feeds a request body to a ReadableStream on demand. It opens
 * rawhttp's body Readable only when the handler first reads (so an unread
 * body is drained by the connection as usual), moves one chunk per read, and
 * pauses the Readable in between — the socket pauses behind it.
 */
export class BodySource {
  readonly #raw: RawRequest;
  #readable: Readable | null = null;
  #ended = false;
  // The body is being read whole by readAll(): the stream only closes.
  #direct = false;
  #stream: ReadableStream<Uint8Array> | null = null;

  constructor(raw: RawRequest) {
    this.#raw = raw;
  }

  /** Returns a new ReadableStream over the body; highWaterMark 0, so nothing is read until someone asks. */
  stream(): ReadableStream<Uint8Array> {
    this.#stream = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => {
          if (this.#direct) return controller.close();
          const readable = this.#readable ?? this.#open(controller);
          readable.resume();
        },
        cancel: () => {
          this.#readable?.destroy();
        },
      },
      { highWaterMark: 0 },
    );
    return this.#stream;
  }

  /**
   * Whether readAll() may take the body for a request whose body is
   * `stream`: it must be the stream made here (clone() swaps in a tee
   * branch), not yet reading.
   */
  canReadAll(stream: ReadableStream<Uint8Array> | null): boolean {
    return stream !== null && stream === this.#stream && !stream.locked && this.#readable === null && !this.#direct;
  }

  /**
   * Reads the whole body straight from rawhttp's Readable, without the
   * ReadableStream in between; from now on the stream only reports its end.
   * Resolves with a Buffer that may view a socket buffer (copy before
   * handing it out), rejects if the client goes away first.
   */
  readAll(): Promise<Buffer> {
    this.#direct = true;
    const readable = this.#raw.body;
    this.#readable = readable;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let total = 0;
      readable.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        total += chunk.length;
      });
      readable.once('end', () => {
        this.#ended = true;
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
      });
      readable.once('error', reject);
    });
  }

  /**
   * Gives up on a body the handler started reading but did not finish, once
   * the response is complete: a paused body would otherwise hold the
   * connection until its request timeout.
   */
  release(): void {
    const readable = this.#readable;
    if (readable !== null && !this.#ended && !readable.destroyed) readable.destroy();
  }

  #open(controller: ReadableStreamDefaultController<Uint8Array>): Readable {
    const readable = this.#raw.body;
    this.#readable = readable;
    readable.on('data', (chunk: Buffer) => {
      // Body chunks are views into socket buffers: enqueued as they are, never
      // copied (a 'bytes' stream would detach the shared ArrayBuffer).
      controller.enqueue(chunk);
      if ((controller.desiredSize ?? 0) <= 0) readable.pause();
    });
    readable.once('end', () => {
      this.#ended = true;
      controller.close();
    });
    readable.once('error', (error: Error) => controller.error(error));
    return readable;
  }
}

/**
 * FetchRequest is the Request handed to a fetch handler: a real Request
 * (`instanceof Request`, body mixin, clone()) whose URL, method, headers and
 * body stream are set at construction. `signal` is lazy: it is rawhttp's
 * request signal (aborted when the client goes away), created only when read.
 * text(), json(), arrayBuffer() and bytes() on an untouched body read it
 * straight from the socket rather than through the stream.
 */
export class FetchRequest extends WebRequest {
  readonly #raw: RawRequest;
  readonly #source: BodySource | null;

  /**
   * Builds the request for `url`; `source` is the body of a request that has
   * content, else null. Throws TypeError (from the Request constructor) for
   * a URL or method the Fetch API refuses.
   */
  constructor(url: string, raw: RawRequest, source: BodySource | null) {
    // No init at all for a GET: converting the init dictionary is a measurable part of the constructor.
    super(url, source !== null ? { method: raw.method, body: source.stream(), duplex: 'half' } : raw.method === 'GET' ? undefined : { method: raw.method });
    this.#raw = raw;
    this.#source = source;
    // Filled now, not on first read: code such as `new Request(request, init)`
    // (Hono's body-limit and method-override middleware) copies the internal
    // header list without calling the getter.
    const headers = this.headers;
    for (const [name, value] of raw.headers) headers.append(name, value);
  }

  // Starts a direct read of the whole body, or returns null when the body
  // must go through the standard path (none, already used, locked, teed by
  // clone(), or the stream has started). The stream is read once so that it ends disturbed
  // and locked — bodyUsed true, a second read a TypeError — as after any
  // standard read.
  #readDirect(): Promise<Buffer> | null {
    const source = this.#source;
    if (source === null) return null;
    const stream = this.body;
    if (stream === null || this.bodyUsed || !source.canReadAll(stream)) return null;
    const all = source.readAll();
    void stream.getReader().read();
    return all;
  }

  // The lib typings declare Request's accessors and methods as fields, so the
  // overrides are installed on the prototype rather than written as members.
  static {
    const base = WebRequest.prototype;
    const baseClone = base.clone;
    const direct = (name: 'text' | 'json' | 'arrayBuffer' | 'bytes', convert: (bytes: Buffer) => unknown): PropertyDescriptor => {
      const standard = (base as unknown as Record<string, (() => Promise<unknown>) | undefined>)[name];
      return {
        configurable: true,
        writable: true,
        value(this: FetchRequest): Promise<unknown> {
          const read = this.#readDirect();
          if (read !== null) return read.then(convert);
          if (standard === undefined) return Promise.reject(new TypeError(`Request.${name} is not supported on this Node version`));
          return standard.call(this);
        },
      };
    };
    Object.defineProperties(FetchRequest.prototype, {
      // rawhttp's signal instead of `init.signal`: following a signal costs
      // more than the rest of the constructor on Node 20 (bench/hono/construct.js).
      signal: {
        configurable: true,
        enumerable: true,
        get(this: FetchRequest): AbortSignal {
          return this.#raw.signal;
        },
      },
      // The base clone follows the constructor's own signal, which never
      // aborts: re-wrap it so the copy follows the client too.
      clone: {
        configurable: true,
        writable: true,
        value(this: FetchRequest): globalThis.Request {
          return new WebRequest(baseClone.call(this), { signal: this.signal });
        },
      },
      text: direct('text', decodeUtf8),
      json: direct('json', (bytes) => JSON.parse(decodeUtf8(bytes)) as unknown),
      arrayBuffer: direct('arrayBuffer', (bytes) => copyBytes(bytes).buffer),
    });
    // bytes() is newer than Node 20's Request: only where the base has it.
    if (typeof (base as unknown as Record<string, unknown>)['bytes'] === 'function') {
      Object.defineProperty(FetchRequest.prototype, 'bytes', direct('bytes', copyBytes));
    }
  }
}

// Encoding §4.4 "UTF-8 decode": a leading BOM is dropped, bad sequences become U+FFFD.
function decodeUtf8(bytes: Buffer): string {
  const bom = bytes.length >= 3 && bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2];
  return bytes.toString('utf8', bom ? 3 : 0);
}

// A fresh ArrayBuffer the handler owns: the read may view a shared socket buffer.
function copyBytes(bytes: Buffer): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}
