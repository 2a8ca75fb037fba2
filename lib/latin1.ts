// Bytes to a string, one char per byte (how a request's target and fields
// are read: RFC 9110 §5.5 treats non-ASCII bytes as opaque).
import type { Buffer } from 'node:buffer';
import { LastBytes } from './last-bytes.ts';

// Up to this many bytes the string is built in JS: a call into Buffer's
// native decoder costs ≈ 55 ns whatever the length, while a one-byte string
// ('/', '1') is V8's cached single-character string and four bytes take
// ≈ 30 ns. Longer strings go native.
const BUILT_IN_JS_UP_TO = 4;

export function latin1String(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length === 1) return String.fromCharCode(buf[start] as number);
  if (length > BUILT_IN_JS_UP_TO) return buf.toString('latin1', start, end);
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(buf[i] as number);
  return text;
}

/**
 * Remembers the last string it decoded (up to 64 bytes, see LastBytes):
 * for a value that repeats from request to request, the compare costs less
 * than decoding it again.
 */
export class Latin1Memo {
  readonly #last = new LastBytes();
  #text = '';

  decode(buf: Buffer, start: number, end: number): string {
    if (this.#last.equals(buf, start, end)) return this.#text;
    const text = latin1String(buf, start, end);
    if (this.#last.remember(buf, start, end)) this.#text = text;
    return text;
  }
}
