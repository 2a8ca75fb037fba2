// The last short run of bytes seen, for a value that repeats from request to
// request (a server sees the same Host on nearly every one): comparing up to
// 64 bytes costs less than checking or decoding them again.

// Longer values are not kept: comparing them would cost about what checking
// them does, and the copy should stay small.
const KEPT_MAX_BYTES = 64;

export class LastBytes {
  readonly #bytes = new Uint8Array(KEPT_MAX_BYTES);
  #length = -1;

  /** Whether buf[start, end) are the bytes remembered last. */
  equals(buf: Uint8Array, start: number, end: number): boolean {
    const length = end - start;
    if (length !== this.#length) return false;
    const bytes = this.#bytes;
    let i = 0;
    while (i < length && buf[start + i] === bytes[i]) i++;
    return i === length;
  }

  /** Remembers buf[start, end) unless it is longer than 64 bytes; returns whether it did. */
  remember(buf: Uint8Array, start: number, end: number): boolean {
    const length = end - start;
    if (length > KEPT_MAX_BYTES) return false;
    for (let i = 0; i < length; i++) this.#bytes[i] = buf[start + i] as number;
    this.#length = length;
    return true;
  }
}
