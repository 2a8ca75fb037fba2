// Byte-exact client helpers for integration specs: a raw node:net socket that
// collects everything the server sends, and a parser that splits those bytes
// into HTTP/1.1 responses (Content-Length, chunked or until-close bodies).

import { connect, type Socket } from 'node:net';

/** One response as it arrived on the wire. */
export interface RawResponse {
  /** The status line without CRLF, e.g. 'HTTP/1.1 200 OK'. */
  readonly statusLine: string;
  readonly version: string;
  readonly status: number;
  /** Field lines in arrival order, names as sent. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  /** The body after removing the chunked framing, if any. */
  readonly body: Buffer;
  /** Trailer fields of a chunked body. */
  readonly trailers: ReadonlyArray<readonly [string, string]>;
  /** The whole response, head and body, as received. */
  readonly raw: Buffer;
  /** Returns every value of `name` (any case) joined with ', ', or undefined. */
  header(name: string): string | undefined;
}

/** Result of splitting a byte stream into responses. */
export interface ParseResult {
  readonly responses: RawResponse[];
  /** Bytes after the last complete response (a partial response or garbage). */
  readonly rest: Buffer;
  /** Why parsing stopped before the end, when `rest` is not a partial response. */
  readonly error: string | undefined;
}

/** Options of parseResponses. */
export interface ParseOptions {
  /** Method of the request each response answers, in order: HEAD responses have no body. */
  readonly methods?: readonly string[];
  /** The peer has closed: a response without framing ends here. */
  readonly closed?: boolean;
}

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');

function makeResponse(
  statusLine: string,
  fields: Array<readonly [string, string]>,
  body: Buffer,
  trailers: Array<readonly [string, string]>,
  raw: Buffer,
): RawResponse {
  const match = /^(HTTP\/\d\.\d) (\d{3}) ?/.exec(statusLine);
  return {
    statusLine,
    version: match?.[1] ?? '',
    status: match?.[2] === undefined ? -1 : Number(match[2]),
    fields,
    body,
    trailers,
    raw,
    header(name: string): string | undefined {
      const lower = name.toLowerCase();
      const values = fields.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
      return values.length === 0 ? undefined : values.join(', ');
    },
  };
}

function parseFields(text: string): Array<readonly [string, string]> | string {
  const out: Array<readonly [string, string]> = [];
  if (text === '') return out;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `malformed field line ${JSON.stringify(line)}`;
    out.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return out;
}

/**
 * Splits `data` into complete responses. A response whose end cannot be
 * known yet stays in `rest`; bytes that are not a response stop the parse
 * with `error` set.
 */
export function parseResponses(data: Buffer, options: ParseOptions = {}): ParseResult {
  const responses: RawResponse[] = [];
  const methods = options.methods ?? [];
  let pos = 0;
  const stop = (error: string | undefined): ParseResult => ({ responses, rest: data.subarray(pos), error });
  while (pos < data.length) {
    const headEnd = data.indexOf(CRLFCRLF, pos);
    if (headEnd < 0) {
      if (!data.subarray(pos, pos + 5).equals(Buffer.from('HTTP/').subarray(0, Math.min(5, data.length - pos)))) {
        return stop('bytes that do not start a status line');
      }
      return stop(undefined);
    }
    const head = data.toString('latin1', pos, headEnd);
    const lineEnd = head.indexOf('\r\n');
    const statusLine = lineEnd < 0 ? head : head.slice(0, lineEnd);
    if (!/^HTTP\/\d\.\d \d{3}( |$)/.test(statusLine)) return stop(`bad status line ${JSON.stringify(statusLine)}`);
    const fields = parseFields(lineEnd < 0 ? '' : head.slice(lineEnd + 2));
    if (typeof fields === 'string') return stop(fields);
    const status = Number(statusLine.slice(9, 12));
    const bodyStart = headEnd + 4;
    const field = (name: string): string | undefined =>
      fields
        .filter(([n]) => n.toLowerCase() === name)
        .map(([, v]) => v)
        .join(', ') || undefined;
    // Interim responses answer no request of their own.
    const method = status >= 100 && status < 200 ? 'GET' : (methods[responses.filter((r) => r.status >= 200).length] ?? 'GET');
    const noBody = method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304;
    const transferEncoding = field('transfer-encoding');
    const contentLength = field('content-length');
    if (noBody) {
      responses.push(makeResponse(statusLine, fields, Buffer.alloc(0), [], data.subarray(pos, bodyStart)));
      pos = bodyStart;
    } else if (transferEncoding !== undefined && /chunked\s*$/i.test(transferEncoding)) {
      const chunks: Buffer[] = [];
      let at = bodyStart;
      let trailers: Array<readonly [string, string]> | undefined;
      for (;;) {
        const sizeEnd = data.indexOf(CRLF, at);
        if (sizeEnd < 0) return stop(undefined);
        const sizeText = data.toString('latin1', at, sizeEnd).split(';')[0]?.trim() ?? '';
        if (!/^[0-9a-fA-F]+$/.test(sizeText)) return stop(`bad chunk size ${JSON.stringify(sizeText)}`);
        const size = parseInt(sizeText, 16);
        if (size === 0) {
          const trailerEnd = data.indexOf(CRLF, sizeEnd + 2) === sizeEnd + 2 ? sizeEnd + 2 : data.indexOf(CRLFCRLF, sizeEnd + 2);
          if (trailerEnd < 0) return stop(undefined);
          const parsed = parseFields(data.toString('latin1', sizeEnd + 2, trailerEnd));
          if (typeof parsed === 'string') return stop(parsed);
          trailers = parsed;
          at = trailerEnd === sizeEnd + 2 ? trailerEnd + 2 : trailerEnd + 4;
          break;
        }
        if (sizeEnd + 2 + size + 2 > data.length) return stop(undefined);
        chunks.push(data.subarray(sizeEnd + 2, sizeEnd + 2 + size));
        if (!data.subarray(sizeEnd + 2 + size, sizeEnd + 4 + size).equals(CRLF)) return stop('chunk data not followed by CRLF');
        at = sizeEnd + 4 + size;
      }
      responses.push(makeResponse(statusLine, fields, Buffer.concat(chunks), trailers, data.subarray(pos, at)));
      pos = at;
    } else if (contentLength !== undefined) {
      if (!/^\d+$/.test(contentLength)) return stop(`bad Content-Length ${JSON.stringify(contentLength)}`);
      const end = bodyStart + Number(contentLength);
      if (end > data.length) return stop(undefined);
      responses.push(makeResponse(statusLine, fields, data.subarray(bodyStart, end), [], data.subarray(pos, end)));
      pos = end;
    } else {
      // Delimited by close (RFC 9112 §6.3 rule 8).
      if (options.closed !== true) return stop(undefined);
      responses.push(makeResponse(statusLine, fields, data.subarray(bodyStart), [], data.subarray(pos)));
      pos = data.length;
    }
  }
  return stop(undefined);
}

/** What a raw exchange observed. */
export interface RawResult {
  /** Every byte received. */
  readonly bytes: Buffer;
  /** The server closed (FIN or reset) before the timeout. */
  readonly closed: boolean;
  /** The socket saw an error (ECONNRESET…), if any. */
  readonly error: string | undefined;
  /** Neither a close nor an error within the timeout. */
  readonly timedOut: boolean;
  readonly elapsedMs: number;
}

/**
 * RawClient is one socket to the server that records everything received
 * and lets a test wait for a condition on it, bounded in time.
 */
export class RawClient {
  readonly socket: Socket;
  #chunks: Buffer[] = [];
  #received = 0;
  #closed = false;
  #error: string | undefined;
  #waiters = new Set<() => void>();
  readonly #connected: Promise<void>;

  constructor(port: number) {
    this.socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    this.#connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#received += chunk.length;
      this.#notify();
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#error = error.code ?? error.message;
      this.#notify();
    });
    this.socket.on('end', () => {
      // Our side stays open only while the test still writes; the server is done.
      this.#closed = true;
      this.#notify();
    });
    this.socket.on('close', () => {
      this.#closed = true;
      this.#notify();
    });
  }

  /** Resolves once connected. */
  connected(): Promise<void> {
    return this.#connected;
  }

  /** Everything received so far. */
  get bytes(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#received)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  /** The server ended or reset the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  get error(): string | undefined {
    return this.#error;
  }

  /** Writes bytes (a string is sent as latin1) and resolves once they are handed to the kernel. */
  async write(data: string | Uint8Array): Promise<void> {
    await this.#connected;
    await new Promise<void>((resolve, reject) => {
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Half-closes our side: no more requests. */
  end(): void {
    this.socket.end();
  }

  /** Resolves true once `predicate` holds (checked on every event), false at the timeout. */
  waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        resolve(predicate());
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Waits until `count` complete responses have arrived (or the server closed, or the timeout). */
  async responses(count: number, options: { methods?: readonly string[]; timeoutMs?: number } = {}): Promise<RawResponse[]> {
    const parse = (): ParseResult =>
      parseResponses(this.bytes, { closed: this.#closed, ...(options.methods === undefined ? {} : { methods: options.methods }) });
    await this.waitUntil(() => this.#closed || parse().responses.length >= count, options.timeoutMs ?? 5_000);
    return parse().responses;
  }

  /** Waits for the server to close the connection; resolves whether it did within the timeout. */
  waitForClose(timeoutMs = 5_000): Promise<boolean> {
    return this.waitUntil(() => this.#closed, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Options of sendRaw. */
export interface SendOptions {
  /** Give up after this long (default 5 s). */
  readonly timeoutMs?: number;
  /** Half-close after writing (default false: wait for the server to close). */
  readonly endAfterWrite?: boolean;
  /** Stop waiting once this predicate holds over the bytes received so far. */
  readonly until?: (received: Buffer) => boolean;
}

/**
 * Opens a socket, writes each piece of `data` in its own write, and collects
 * everything until the server closes, the `until` predicate holds, or the
 * timeout; the socket is then destroyed.
 */
export async function sendRaw(port: number, data: string | Uint8Array | ReadonlyArray<string | Uint8Array>, options: SendOptions = {}): Promise<RawResult> {
  const started = Date.now();
  const client = new RawClient(port);
  const pieces = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
  try {
    for (const piece of pieces) {
      if (client.closed) break;
      await client.write(piece).catch(() => undefined);
    }
    if (options.endAfterWrite === true && !client.socket.destroyed) client.end();
    const until = options.until;
    await client.waitUntil(() => client.closed || client.error !== undefined || (until !== undefined && until(client.bytes)), options.timeoutMs ?? 5_000);
    const closed = client.closed || client.error !== undefined;
    return {
      bytes: client.bytes,
      closed,
      error: client.error,
      timedOut: !closed && !(until !== undefined && until(client.bytes)),
      elapsedMs: Date.now() - started,
    };
  } finally {
    client.destroy();
  }
}

/** Formats bytes for a failure message: printable ASCII as is, the rest escaped, cut at `max`. */
export function show(bytes: Uint8Array | string, max = 400): string {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  const cut = text.length > max ? `${text.slice(0, max)}…(${text.length} bytes)` : text;
  return JSON.stringify(cut);
}
