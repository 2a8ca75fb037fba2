// Read-only, lazily decoded views of a request's header and trailer fields.
// Names and values stay offsets into the socket's buffer until asked for.

import { FIELD_STRIDE } from './parse.ts';
import { latin1String } from './latin1.ts';

const LOWER = new Uint8Array(256).map((_, b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b));

/** Header fields of one request: case-insensitive lookup, iteration in arrival order. */
export class HeaderView implements Iterable<[string, string]> {
  readonly #buf: Buffer;
  readonly #base: number;
  readonly #fields: ArrayLike<number>;
  readonly #count: number;

  /** Views `count` fields whose offsets (relative to `base`) are in `fields`. Holds `buf` as long as the view lives. */
  constructor(buf: Buffer, base: number, fields: ArrayLike<number>, count: number) {
    this.#buf = buf;
    this.#base = base;
    this.#fields = fields;
    this.#count = count;
  }

  /** Number of field lines received. */
  get size(): number {
    return this.#count;
  }

  /** Returns the value of `name` (any case); repeated fields are joined with ", " as a list. Undefined when absent. */
  get(name: string): string | undefined {
    let out: string | undefined;
    const lower = name.toLowerCase();
    for (let i = 0; i < this.#count; i++) {
      if (!this.#nameIs(i, lower)) continue;
      const value = this.#value(i);
      out = out === undefined ? value : `${out}, ${value}`;
    }
    return out;
  }

  /** Returns every value of `name` in arrival order (never joined: safe for Set-Cookie-like fields). */
  getAll(name: string): string[] {
    const out: string[] = [];
    const lower = name.toLowerCase();
    for (let i = 0; i < this.#count; i++) if (this.#nameIs(i, lower)) out.push(this.#value(i));
    return out;
  }

  /** Whether a field called `name` was received. */
  has(name: string): boolean {
    const lower = name.toLowerCase();
    for (let i = 0; i < this.#count; i++) if (this.#nameIs(i, lower)) return true;
    return false;
  }

  /** Yields [name, value] as received: original case and order, repeats kept. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.#count; i++) yield [this.#name(i), this.#value(i)];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** Returns the fields as an object keyed by lower-case name (repeats joined with ", "), like node:http's req.headers. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (let i = 0; i < this.#count; i++) {
      const name = this.#name(i).toLowerCase();
      const value = this.#value(i);
      const previous = out[name];
      out[name] = previous === undefined ? value : `${previous}, ${value}`;
    }
    return out;
  }

  #name(i: number): string {
    const at = i * FIELD_STRIDE;
    return latin1String(this.#buf, this.#base + (this.#fields[at] as number), this.#base + (this.#fields[at + 1] as number));
  }

  #value(i: number): string {
    const at = i * FIELD_STRIDE;
    return latin1String(this.#buf, this.#base + (this.#fields[at + 2] as number), this.#base + (this.#fields[at + 3] as number));
  }

  #nameIs(i: number, lower: string): boolean {
    const at = i * FIELD_STRIDE;
    const start = this.#base + (this.#fields[at] as number);
    const length = this.#base + (this.#fields[at + 1] as number) - start;
    if (length !== lower.length) return false;
    const buf = this.#buf;
    for (let k = 0; k < length; k++) if (LOWER[buf[start + k] as number] !== lower.charCodeAt(k)) return false;
    return true;
  }
}

/** Trailer fields of a chunked request, decoded once the body has ended. */
export class TrailerList implements Iterable<[string, string]> {
  readonly #pairs: ReadonlyArray<[string, string]>;

  constructor(pairs: ReadonlyArray<[string, string]>) {
    this.#pairs = pairs;
  }

  get size(): number {
    return this.#pairs.length;
  }

  /** Returns the value of `name` (any case), repeats joined with ", ". */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    let out: string | undefined;
    for (const [key, value] of this.#pairs) {
      if (key.toLowerCase() !== lower) continue;
      out = out === undefined ? value : `${out}, ${value}`;
    }
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#pairs[Symbol.iterator]();
  }
}
