// Response encoders: status line, head and body framing (RFC 9112 §4, §6,
// §7.1; RFC 9110 §6.4.1, §15). Pure: builds strings and buffers, writes nothing.

import { performance } from 'node:perf_hooks';
import { FIELD_VALUE, REASON_PHRASES, TOKEN } from './constants.ts';
import { InvalidResponseError } from './errors.ts';

const STATUS_LINES = new Map<number, string>();
for (const [code, reason] of Object.entries(REASON_PHRASES)) STATUS_LINES.set(Number(code), `HTTP/1.1 ${code} ${reason}\r\n`);

/** Returns the status line for `status` (pre-built for known codes), with `reason` if given. */
export function encodeStatusLine(status: number, reason?: string): string {
  if (reason === undefined) {
    const line = STATUS_LINES.get(status);
    if (line !== undefined) return line;
    return `HTTP/1.1 ${status} \r\n`;
  }
  return `HTTP/1.1 ${status} ${reason}\r\n`;
}

/**
 * Builds a response head: the status line, the handler's fields (flat
 * [lowerName, name, value, …]; Connection and Transfer-Encoding are the
 * connection's to send and are skipped), then the Date, framing and
 * connection lines and the empty line.
 */
export function encodeHead(status: number, reason: string | undefined, fields: readonly string[], dateLine: string, framing: string, connectionLines: string): string {
  let head = encodeStatusLine(status, reason);
  for (let i = 0; i < fields.length; i += 3) {
    const lower = fields[i] as string;
    if (lower === 'connection' || lower === 'transfer-encoding') continue;
    head += `${fields[i + 1] as string}: ${fields[i + 2] as string}\r\n`;
  }
  return `${head}${dateLine}${framing}${connectionLines}\r\n`;
}

/** Whether a response with this status to this method may carry content (RFC 9110 §6.4.1, §9.3.2). */
export function mayHaveBody(method: string, status: number): boolean {
  return method !== 'HEAD' && status >= 200 && status !== 204 && status !== 304;
}

/** Whether `status` is an integer a response may carry (RFC 9110 §15: three digits, 100–999). */
export function isValidStatus(status: number): boolean {
  return Number.isInteger(status) && status >= 100 && status <= 999;
}

/** Throws InvalidResponseError unless `name` is a token (RFC 9110 §5.1). */
export function checkFieldName(name: string): void {
  if (name.length === 0) throw new InvalidResponseError('ERR_INVALID_HTTP_TOKEN', 'header name must be a non-empty token');
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code > 0x7f || TOKEN[code] !== 1) {
      throw new InvalidResponseError('ERR_INVALID_HTTP_TOKEN', `header name ${JSON.stringify(name)} is not a token`);
    }
  }
}

/**
 * Throws InvalidResponseError unless `value` is a field value: no CR, LF, NUL
 * or other controls (header injection), and only Latin-1 characters.
 * Returns whether the value is pure ASCII.
 */
export function checkFieldValue(name: string, value: string): boolean {
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff || FIELD_VALUE[code] !== 1) {
      throw new InvalidResponseError('ERR_INVALID_CHAR', `invalid character in header ${JSON.stringify(name)}`);
    }
    if (code > 0x7f) ascii = false;
  }
  return ascii;
}

// Handlers set the same few header names and values on every response:
// each string checked once is remembered (name → its lower case; value →
// whether it is ASCII). A lookup costs 15-25 ns, the checks 80-110 ns per
// field on this machine. Bounded: when full, a cache starts over, so values
// that never repeat (ids, lengths) cost a check and an insert, and the memory
// stays bounded.
const CHECKED_CACHE_SIZE = 256;
// Longer strings are checked every time: the caches never hold more than 2 × 256 × 128 characters.
const CHECKED_MAX_LENGTH = 128;
const checkedNames = new Map<string, string>();
const checkedValues = new Map<string, boolean>();

/** Checks `name` like checkFieldName and returns it in lower case. */
export function fieldNameKey(name: string): string {
  const known = checkedNames.get(name);
  if (known !== undefined) return known;
  checkFieldName(name);
  const lower = name.toLowerCase();
  remember(checkedNames, name, lower);
  return lower;
}

/** Checks `value` like checkFieldValue (throwing for the field `name`) and returns whether it is ASCII. */
export function checkedFieldValue(name: string, value: string): boolean {
  const known = checkedValues.get(value);
  if (known !== undefined) return known;
  const ascii = checkFieldValue(name, value);
  remember(checkedValues, value, ascii);
  return ascii;
}

function remember<V>(cache: Map<string, V>, checked: string, verdict: V): void {
  if (checked.length > CHECKED_MAX_LENGTH) return;
  if (cache.size >= CHECKED_CACHE_SIZE) cache.clear();
  cache.set(checked, verdict);
}

/** Returns "HTTP-date" (RFC 9110 §5.6.7) for `ms`, rebuilt at most once a second. */
export class DateCache {
  #second = -1;
  #line = '';
  // Date.now() minus performance.now(): connections keep monotonic time.
  #wallOffsetMs = Date.now() - performance.now();

  /** Re-reads how the monotonic clock maps to the wall clock (the server's sweep does, at least once a second). */
  syncWallClock(wallMs: number, monotonicMs: number): void {
    this.#wallOffsetMs = wallMs - monotonicMs;
  }

  /** The Date line for `monotonicMs`, a performance.now() reading. */
  lineAt(monotonicMs: number): string {
    return this.line(monotonicMs + this.#wallOffsetMs);
  }

  /** The full "Date: …\r\n" line for the second that contains `nowMs`. */
  line(nowMs: number): string {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#line = `Date: ${new Date(second * 1000).toUTCString()}\r\n`;
    }
    return this.#line;
  }

  #keepAliveMs = -1;
  #keepAliveLine = '';

  /** The "Keep-Alive: timeout=N\r\n" line announcing the idle timeout (RFC 9112 Appendix C.2.2). */
  keepAliveLine(timeoutMs: number): string {
    if (timeoutMs !== this.#keepAliveMs) {
      this.#keepAliveMs = timeoutMs;
      this.#keepAliveLine = `Keep-Alive: timeout=${Math.floor(timeoutMs / 1000)}\r\n`;
    }
    return this.#keepAliveLine;
  }
}

// Small bodies are the common case: their Content-Length lines are built once.
const CACHED_LENGTH_LINES = 4096;
const contentLengthLines: Array<string | undefined> = new Array<string | undefined>(CACHED_LENGTH_LINES).fill(undefined);

/** Returns the "Content-Length: N\r\n" line for a body of `length` bytes. */
export function contentLengthLine(length: number): string {
  if (length >= CACHED_LENGTH_LINES) return `Content-Length: ${length}\r\n`;
  return (contentLengthLines[length] ??= `Content-Length: ${length}\r\n`);
}

/** Returns the chunk-size line that starts a chunk of `length` bytes. */
export function encodeChunkHeader(length: number): string {
  return `${length.toString(16)}\r\n`;
}

export const CHUNK_END = '\r\n';
export const LAST_CHUNK = '0\r\n\r\n';

/**
 * Returns the last-chunk and trailer section (RFC 9112 §7.1.2). Trailer names
 * and values are checked like header fields.
 */
export function encodeLastChunk(trailers: Iterable<readonly [string, string]> | undefined): string {
  if (trailers === undefined) return LAST_CHUNK;
  let out = '0\r\n';
  for (const [name, value] of trailers) {
    checkFieldName(name);
    checkFieldValue(name, value);
    out += `${name}: ${value}\r\n`;
  }
  return `${out}\r\n`;
}

/** Pre-encoded error responses: they name the status, never the input (Go's rule). */
export function encodeErrorResponse(status: number, dateLine: string): string {
  const reason = REASON_PHRASES[status] ?? 'Error';
  return `${encodeStatusLine(status)}${dateLine}Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n${contentLengthLine(reason.length)}\r\n${reason}`;
}
