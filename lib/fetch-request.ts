// The web-standard Request a fetch handler sees. LazyRequest (the default,
// with the global Request wrapped) passes for a Request and builds a real one
// only when something needs it; FetchRequest (overrideGlobalObjects: false)
// is a real one. Neither buffers the body: it is a pull source over the
// socket, so backpressure reaches the peer (RFC 9112 §6 framing is the core's).

import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import { webClasses } from './fetch-web.ts';
import type { Request as RawRequest } from './request.ts';

type RequestInput = ConstructorParameters<typeof Request>[0];
type RequestOptions = NonNullable<ConstructorParameters<typeof Request>[1]>;
type Method = (this: unknown, ...args: unknown[]) => unknown;

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
   * Reads the whole body straight from rawhttp's Readable, without a
   * ReadableStream in between; a stream made later only reports its end.
   * Resolves with a Buffer that may view a socket buffer (copy before
   * handing it out), rejects if the client goes away first.
   */
  readAll(): Promise<Buffer> {
    this.#direct = true;
    // A body that came whole with its head (most small ones) is taken as it
    // is: a Readable with listeners would cost several ticks per request.
    const whole = this.#raw.takeCompleteBody();
    if (whole !== null) {
      this.#ended = true;
      return Promise.resolve(whole);
    }
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
 * LazyRequest is what a fetch handler gets while the globals are wrapped
 * (installLazyRequest()): an object on the global Request's prototype chain —
 * `instanceof Request`, "[object Request]" — that answers `method`, `url`,
 * `signal`, `body === null` and `bodyUsed` from rawhttp's request and builds
 * nothing for them. `headers` is a real Headers, filled on first read.
 * text(), json(), arrayBuffer() and bytes() read an untouched body straight
 * from the socket. Everything else (body stream, clone(), formData(), blob(),
 * cache, mode…) is answered by a real Request built on first need, whose
 * body is the pull stream and whose signal follows the client.
 *
 * What it cannot be is a platform object: the platform's own methods called
 * on it (`Request.prototype.clone.call(request)`) throw, and so does a
 * Request constructor captured before fetchHandler() wrapped the global.
 * The wrapped global Request and fetch() accept it.
 */
export class LazyRequest {
  readonly #raw: RawRequest;
  readonly #url: string;
  readonly #method: string;
  readonly #source: BodySource | null;
  #headers: Headers | null = null;
  // Whether #headers is the real Request's own (else filled before it existed).
  #headersShared = false;
  #real: Request | null = null;
  // text() and company took the body straight from the socket.
  #readDirectly = false;

  /**
   * Wraps `raw` with its serialized `url` and normalized `method` (both as
   * the Request constructor would make them); `source` is the body of a
   * request with content, else null. Checks nothing: the caller has.
   */
  constructor(url: string, method: string, raw: RawRequest, source: BodySource | null) {
    this.#url = url;
    this.#method = method;
    this.#raw = raw;
    this.#source = source;
  }

  /**
   * Returns the real Request behind a LazyRequest (built now if need be),
   * in step with the headers the handler sees, for code that copies a
   * request; null for anything else.
   */
  static unwrap(value: unknown): Request | null {
    if (typeof value !== 'object' || value === null || !(#raw in value)) return null;
    return value.#current();
  }

  get method(): string {
    return this.#method;
  }

  get url(): string {
    return this.#url;
  }

  /** The request's Headers; the same object on every read (the real Request's, if that came first). */
  get headers(): Headers {
    return (this.#headers ??= fillHeaders(new (webClasses().Headers)(), this.#raw));
  }

  /** rawhttp's request signal: aborted when the client goes away, made only when read. */
  get signal(): AbortSignal {
    return this.#raw.signal;
  }

  get body(): ReadableStream<Uint8Array> | null {
    // GET, HEAD and requests without content have no body, and no copy can give them one.
    return this.#source === null ? null : this.#materialize().body;
  }

  get bodyUsed(): boolean {
    return this.#real === null ? this.#readDirectly : this.#real.bodyUsed;
  }

  clone(): Request {
    return this.#current().clone();
  }

  text(): Promise<string> {
    return this.#read(decodeUtf8, (real) => real.text());
  }

  json(): Promise<unknown> {
    return this.#read((bytes) => JSON.parse(decodeUtf8(bytes)) as unknown, (real) => real.json());
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#read((bytes) => copyBytes(bytes).buffer, (real) => real.arrayBuffer());
  }

  // A body nobody touched is read whole from the socket; any other (none,
  // used, or already a stream) the standard way, which also rejects a second
  // read with the standard TypeError.
  #read<T>(convert: (bytes: Buffer) => T, standard: (real: Request) => Promise<T>): Promise<T> {
    const source = this.#source;
    if (source !== null && this.#real === null && !this.#readDirectly) {
      this.#readDirectly = true;
      return source.readAll().then(convert);
    }
    return standard(this.#materialize());
  }

  // The real Request, built on first need from what the handler sees.
  #materialize(): Request {
    if (this.#real !== null) return this.#real;
    const source = this.#source;
    // The signal is followed, so that clone() and new Request(request) copies abort with the client.
    const init: RequestOptions = { method: this.#method, signal: this.#raw.signal };
    if (this.#headers !== null) init.headers = this.#headers;
    if (source !== null) {
      init.body = source.stream();
      init.duplex = 'half';
    }
    const real = new (webClasses().Request)(this.#url, init);
    if (this.#headers === null) {
      this.#headers = fillHeaders(real.headers, this.#raw);
      this.#headersShared = true;
    }
    // A body already taken by a direct read ends its stream at once: reading
    // it once leaves the stream disturbed and locked, as a standard read does.
    if (this.#readDirectly) void real.body?.getReader().read();
    this.#real = real;
    return real;
  }

  // The real Request for members whose answer depends on the headers
  // (clone(), formData(), blob(), copies): Headers handed out before it
  // existed are a separate object, and changes made to them since are copied over.
  #current(): Request {
    const built = this.#real !== null;
    const real = this.#materialize();
    const headers = this.#headers;
    if (built && !this.#headersShared && headers !== null) replaceHeaders(real.headers, headers);
    return real;
  }

  /**
   * Puts LazyRequest on `wrapper`'s prototype chain (the global Request
   * installLazyRequest() made) and, the first time, gives it every other
   * member of the platform's Request, answered by the real Request.
   */
  static link(wrapper: typeof Request): void {
    const own = LazyRequest.prototype;
    Object.setPrototypeOf(own, wrapper.prototype);
    // request.constructor is Request, as for any Request: `new request.constructor(...)` builds a real one.
    Object.defineProperty(own, 'constructor', { value: wrapper, writable: true, configurable: true, enumerable: false });
    if (Object.hasOwn(own, 'formData')) return;
    const platform = webClasses().Request.prototype;
    for (const key of Reflect.ownKeys(platform)) {
      if (key === 'constructor' || Object.hasOwn(own, key)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(platform, key);
      if (key === 'bytes') {
        // Newer than some Node 20 releases: a direct read only where the platform has it.
        Object.defineProperty(own, key, {
          configurable: true,
          writable: true,
          value(this: LazyRequest): Promise<Uint8Array<ArrayBuffer>> {
            return this.#read(copyBytes, (real) => (Reflect.get(real, 'bytes') as Method).call(real) as Promise<Uint8Array<ArrayBuffer>>);
          },
        });
      } else if (descriptor?.get !== undefined) {
        const get = descriptor.get as Method;
        Object.defineProperty(own, key, {
          configurable: true,
          enumerable: descriptor.enumerable ?? false,
          get(this: LazyRequest): unknown {
            return get.call(this.#current());
          },
        });
      } else if (typeof descriptor?.value === 'function') {
        const method = descriptor.value as Method;
        Object.defineProperty(own, key, {
          configurable: true,
          writable: true,
          value(this: LazyRequest, ...args: unknown[]): unknown {
            return method.apply(this.#current(), args);
          },
        });
      }
    }
  }
}

// The Request wrapper installed as the global, and the global fetch wrapper
// that unwraps a LazyRequest passed to it.
let wrapper: typeof Request | null = null;
let platformFetch: typeof fetch | null = null;

/**
 * Makes the global Request accept a LazyRequest wherever it takes a Request
 * (`new Request(request, init)`, as Hono's body-limit does) and keeps
 * `instanceof Request` true for every Request; makes the global fetch()
 * accept one too. Idempotent. Code that captured the globals before still
 * has the platform's, which a LazyRequest is not.
 */
export function installLazyRequest(): void {
  if (globalThis.Request === wrapper && wrapper !== null) return;
  const previous = globalThis.Request;
  const installed = wrapRequest(previous);
  wrapper = installed;
  LazyRequest.link(installed);
  Object.defineProperty(globalThis, 'Request', { value: installed, writable: true, configurable: true, enumerable: false });
  if (platformFetch === null && typeof globalThis.fetch === 'function') {
    const original = globalThis.fetch;
    platformFetch = original;
    const unwrapping = function fetch(input: RequestInput, init?: RequestOptions): ReturnType<typeof original> {
      return original(LazyRequest.unwrap(input) ?? input, init);
    };
    Object.defineProperty(globalThis, 'fetch', { value: unwrapping, writable: true, configurable: true, enumerable: true });
  }
}

function wrapRequest(previous: typeof Request): typeof Request {
  const Wrapper = class Request extends previous {
    // Requests the platform builds (and a previous wrapper's) are Requests too.
    static override [Symbol.hasInstance](value: unknown): boolean {
      return this === Wrapper ? value instanceof previous : Function.prototype[Symbol.hasInstance].call(this, value);
    }

    constructor(input: RequestInput, init?: RequestOptions) {
      super(LazyRequest.unwrap(input) ?? input, init);
    }
  };
  return Wrapper;
}

/** What createFetchRequest() returns: a real Request. */
export type FetchRequest = Request;

let FetchRequestClass: ReturnType<typeof defineFetchRequest> | null = null;

/**
 * Returns the Request for a handler when the globals are left alone: a real
 * one (a subclass of the platform's) whose URL, method, headers and body
 * stream are set now. `signal` is rawhttp's, made only when read; text(),
 * json(), arrayBuffer() and bytes() on an untouched body read it straight
 * from the socket. Throws TypeError (from the Request constructor) for a URL
 * or method the Fetch API refuses.
 */
export function createFetchRequest(url: string, raw: RawRequest, source: BodySource | null): FetchRequest {
  FetchRequestClass ??= defineFetchRequest(webClasses().Request);
  return new FetchRequestClass(url, raw, source);
}

// A class built on first use: it extends the platform's Request, which is not
// read at import.
function defineFetchRequest(WebRequest: typeof Request) {
  class FetchRequest extends WebRequest {
    readonly #raw: RawRequest;
    readonly #source: BodySource | null;

    constructor(url: string, raw: RawRequest, source: BodySource | null) {
      // No init at all for a GET: converting the init dictionary is a measurable part of the constructor.
      super(url, source !== null ? { method: raw.method, body: source.stream(), duplex: 'half' } : raw.method === 'GET' ? undefined : { method: raw.method });
      this.#raw = raw;
      this.#source = source;
      // Filled now, not on first read: `new Request(request, init)` (Hono's
      // body-limit and method-override middleware) copies the internal
      // header list without calling the getter, and the global is not wrapped.
      fillHeaders(this.headers, raw);
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
        const standard = Reflect.get(base, name) as Method | undefined;
        return {
          configurable: true,
          writable: true,
          value(this: FetchRequest): Promise<unknown> {
            const read = this.#readDirect();
            if (read !== null) return read.then(convert);
            if (standard === undefined) return Promise.reject(new TypeError(`Request.${name} is not supported on this Node version`));
            return standard.call(this) as Promise<unknown>;
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
          value(this: FetchRequest): Request {
            return new WebRequest(baseClone.call(this), { signal: this.signal });
          },
        },
        text: direct('text', decodeUtf8),
        json: direct('json', (bytes) => JSON.parse(decodeUtf8(bytes)) as unknown),
        arrayBuffer: direct('arrayBuffer', (bytes) => copyBytes(bytes).buffer),
      });
      // bytes() is newer than some Node 20 releases' Request: only where the base has it.
      if (typeof Reflect.get(base, 'bytes') === 'function') {
        Object.defineProperty(FetchRequest.prototype, 'bytes', direct('bytes', copyBytes));
      }
    }
  }
  return FetchRequest;
}

// Every field line as received, in order; Headers lower-cases the names and
// joins repeats as the Fetch standard does.
function fillHeaders(headers: Headers, raw: RawRequest): Headers {
  for (const [name, value] of raw.headers) headers.append(name, value);
  return headers;
}

function replaceHeaders(target: Headers, from: Headers): void {
  for (const name of [...target.keys()]) target.delete(name);
  from.forEach((value, name) => {
    target.append(name, value);
  });
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
