// A lazy stand-in for the global Response, installed by fetchHandler() (opt
// out with overrideGlobalObjects: false): `new Response('text', init)` keeps
// its arguments and builds the real Response only when someone reads more
// than status and headers, so fetch-write.ts can write a string in one write. On
// Node 20 a real Response costs a ReadableStream, and reading it back more.
// The platform's classes are read on first use (fetch-web.ts), never at import.

import { webClasses } from './fetch-web.ts';

// The lib typings have no global names for these.
type HeadersInit = NonNullable<ConstructorParameters<typeof Headers>[0]>;
type BodyInit = ConstructorParameters<typeof Response>[0];

/** A response body the lazy path writes directly. */
export type DirectBody = string | Uint8Array | null;

/** What fetch-write.ts needs to write a response that was never materialized. */
export interface LazyParts {
  readonly status: number;
  readonly statusText: string;
  /** The headers as given to the constructor (a plain object of strings, or Headers; undefined: none), or the live Headers once read. */
  readonly headers: Headers | Readonly<Record<string, string>> | undefined;
  readonly body: DirectBody;
}

// Fetch §2.2.3: statuses whose responses must have a null body.
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
// RFC 9110 §5.1, §5.5 and §15.2 (reason-phrase): what the Response constructor accepts.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Values the real Headers would refuse, or trim (leading/trailing HTTP whitespace).
const UNUSUAL_VALUE = /[\0\r\n\u0100-\uffff]|^[\t ]|[\t ]$/;
const BAD_REASON = /[^\t\x20-\x7e\x80-\xff]/;
const TEXT_TYPE = 'text/plain;charset=UTF-8';
const JSON_TYPE: Readonly<Record<string, string>> = { 'content-type': 'application/json' };

/**
 * LazyResponse behaves as a Response (`instanceof Response`, every member)
 * but defers building one. Bodies other than a string or bytes, and inits
 * that are not plain objects, build the real Response at once. Unlike the
 * real constructor it does not copy a byte body: change the bytes after
 * constructing the Response and the change is sent.
 */
export class LazyResponse {
  #body: DirectBody = null;
  #status = 200;
  #statusText = '';
  #init: Headers | Readonly<Record<string, string>> | undefined;
  #headers: Headers | undefined;
  #real: Response | undefined;

  /** Takes the arguments of `new Response()`; throws what it throws for a bad status, reason or header. */
  constructor(body?: BodyInit, init?: ResponseInit) {
    if (!linked) linkLazyResponse();
    const direct = toDirectBody(body);
    if (direct === undefined || !isPlainInit(init)) {
      this.#real = new (webClasses().Response)(body, init);
      return;
    }
    if (init !== undefined) {
      if (init.status !== undefined) this.#status = checkStatus(init.status, direct);
      if (init.statusText !== undefined) this.#statusText = checkReason(init.statusText);
      if (init.headers !== undefined) this.#init = checkHeaders(init.headers);
    }
    this.#body = direct;
  }

  /** Returns the parts of a response nobody materialized, or null for any other Response. */
  static lazyParts(response: unknown): LazyParts | null {
    if (typeof response !== 'object' || response === null || !(#real in response) || response.#real !== undefined) return null;
    return { status: response.#status, statusText: response.#statusText, headers: response.#headers ?? response.#init, body: response.#body };
  }

  /** Returns a Response of `data` as JSON, like Response.json(), without building it yet. */
  static json(data: unknown, init?: ResponseInit): Response {
    const body = JSON.stringify(data);
    if (body === undefined) throw new TypeError('Response.json: the data is not JSON-serializable');
    if (init?.headers === undefined) return new LazyResponse(body, { ...init, headers: JSON_TYPE }) as unknown as Response;
    const headers = new (webClasses().Headers)(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new LazyResponse(body, { ...init, headers }) as unknown as Response;
  }

  /** Whether `value` is a Response: real ones and lazy ones alike. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof webClasses().Response;
  }

  get status(): number {
    return this.#real === undefined ? this.#status : this.#real.status;
  }

  get statusText(): string {
    return this.#real === undefined ? this.#statusText : this.#real.statusText;
  }

  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status <= 299;
  }

  /** The live Headers; built on first read, and the real Response (if ever built) shares them. */
  get headers(): Headers {
    if (this.#real !== undefined) return this.#real.headers;
    if (this.#headers === undefined) {
      const headers = new (webClasses().Headers)(this.#init);
      if (typeof this.#body === 'string' && !headers.has('content-type')) headers.set('content-type', TEXT_TYPE);
      this.#headers = headers;
    }
    return this.#headers;
  }

  #materialize(): Response {
    if (this.#real === undefined) {
      const init: ResponseInit = { status: this.#status, statusText: this.#statusText };
      const headers = this.#headers ?? this.#init;
      this.#real = new (webClasses().Response)(this.#body, headers === undefined ? init : { ...init, headers });
    }
    return this.#real;
  }

  /**
   * Puts LazyResponse on the platform Response's prototype chain and gives
   * it every other member, answered by the real Response: each member keeps
   * the standard name and kind (getter or method). Run once, on first use.
   */
  static link(): void {
    const WebResponse = webClasses().Response;
    const proto = LazyResponse.prototype as unknown as Record<string, unknown>;
    for (const name of ['body', 'bodyUsed', 'redirected', 'type', 'url']) {
      Object.defineProperty(proto, name, {
        configurable: true,
        enumerable: true,
        get(this: LazyResponse): unknown {
          return (this.#materialize() as unknown as Record<string, unknown>)[name];
        },
      });
    }
    for (const name of ['arrayBuffer', 'blob', 'bytes', 'clone', 'formData', 'json', 'text']) {
      Object.defineProperty(proto, name, {
        configurable: true,
        writable: true,
        value(this: LazyResponse): unknown {
          const real = this.#materialize() as unknown as Record<string, () => unknown>;
          const method = real[name];
          if (typeof method !== 'function') throw new TypeError(`Response.${name} is not supported on this Node version`);
          return method.call(real);
        },
      });
    }
    Object.setPrototypeOf(LazyResponse.prototype, WebResponse.prototype);
    // Response.error(), Response.redirect() and the rest come from the real class.
    Object.setPrototypeOf(LazyResponse, WebResponse);
  }
}

// The prototype chain needs the platform's Response, which is not read at import.
let linked = false;

function linkLazyResponse(): void {
  linked = true;
  LazyResponse.link();
}

/**
 * Makes `new Response()` build LazyResponses, process-wide, as
 * @hono/node-server does by default. Idempotent; code that captured the
 * global before still builds real Responses, which fetch.ts also writes.
 */
export function installLazyResponse(): void {
  if (!linked) linkLazyResponse();
  if (globalThis.Response === (LazyResponse as unknown)) return;
  Object.defineProperty(globalThis, 'Response', { value: LazyResponse, writable: true, configurable: true, enumerable: false });
}

// undefined: not a body the lazy path handles.
function toDirectBody(body: BodyInit): DirectBody | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return undefined;
}

function isPlainInit(init: ResponseInit | undefined): boolean {
  if (init === undefined) return true;
  if (typeof init !== 'object' || init === null) return false;
  const proto = Object.getPrototypeOf(init) as unknown;
  return proto === Object.prototype || proto === null;
}

// WebIDL `unsigned short` conversion, then the constructor's range and null-body checks.
function checkStatus(value: unknown, body: DirectBody): number {
  const status = Number(value) | 0;
  if (status < 200 || status > 599) throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive (got ${String(value)})`);
  if (body !== null && NULL_BODY_STATUSES.has(status)) throw new TypeError(`Response constructor: a ${status} response cannot have a body`);
  return status;
}

function checkReason(value: unknown): string {
  const reason = String(value);
  if (BAD_REASON.test(reason)) throw new TypeError('Response constructor: invalid statusText');
  return reason;
}

// The init's headers, copied as the real constructor copies them (a later
// change to the caller's object must not show): a plain object of strings
// is checked and copied as it is — fetch-write.ts writes it without ever
// building Headers — anything else becomes a Headers, which converts, trims
// or throws as the standard says.
function checkHeaders(headers: HeadersInit): Headers | Readonly<Record<string, string>> {
  const WebHeaders = webClasses().Headers;
  if (headers instanceof WebHeaders || Array.isArray(headers)) return new WebHeaders(headers);
  const copy: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = (headers as Record<string, unknown>)[name];
    if (!TOKEN.test(name)) throw new TypeError(`Headers: ${JSON.stringify(name)} is an invalid header name`);
    if (typeof value !== 'string' || UNUSUAL_VALUE.test(value)) return new WebHeaders(headers as HeadersInit);
    copy[name] = value;
  }
  return copy;
}
