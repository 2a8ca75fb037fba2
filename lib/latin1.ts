// Bytes to a string, one char per byte (how a request's target and fields
// are read: RFC 9110 §5.5 treats non-ASCII bytes as opaque).
import type { Buffer } from 'node:buffer';

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

// Strings longer than this are decoded every time: comparing them would cost
// about what decoding does, and the memo should not keep large values alive.
const REMEMBERED_MAX_BYTES = 64;

/**
 * Remembers the last string it decoded. Meant for a value that repeats from
 * request to request (a server sees the same Host on nearly every one):
 * comparing up to 64 bytes costs less than decoding them again.
 */
export class Latin1Memo {
  readonly #bytes = new Uint8Array(REMEMBERED_MAX_BYTES);
  #length = -1;
  #text = '';

  decode(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length === this.#length) {
      const bytes = this.#bytes;
      let i = 0;
      while (i < length && buf[start + i] === bytes[i]) i++;
      if (i === length) return this.#text;
    }
    const text = latin1String(buf, start, end);
    if (length <= REMEMBERED_MAX_BYTES) {
      for (let i = 0; i < length; i++) this.#bytes[i] = buf[start + i] as number;
      this.#length = length;
      this.#text = text;
    }
    return text;
  }
}
