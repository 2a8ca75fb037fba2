// Body decoders: turn the bytes after a head into content views (RFC 9112
// §6.2 Content-Length, §7.1 chunked). Pure and incremental: they accept any
// split of the input, never copy content, and return failure codes.

import { Buffer } from 'node:buffer';
import { CR, DQUOTE, EQUALS, HEX_VALUE, HTAB, LF, QUOTED_TEXT, SEMICOLON, SP, TOKEN, BACKSLASH, FIELD_VALUE } from './constants.ts';
import { Failure } from './errors.ts';
import { equalsLowerCase, scanFieldName } from './parse.ts';

/** Receives each piece of decoded content: a view into the input, valid as long as the input buffer is. */
export type ContentSink = (view: Buffer) => void;

/** Limits the chunked decoder enforces. */
export interface ChunkedLimits {
  readonly maxChunkExtensionBytes: number;
  readonly maxTrailerBytes: number;
}

/** A body decoder; `decode` may be called with any split of the input. */
export interface BodyDecoder {
  readonly kind: 'Length' | 'Chunked';
  /** True once the whole body (and, for chunked, its trailers) has been read. */
  readonly done: boolean;
  /** Content bytes decoded so far. */
  readonly contentBytes: number;
  /**
   * Decodes from buf[start, end), handing content views to `sink`. Returns the
   * offset where decoding stopped (`end`, or the first byte after the body once
   * `done`), or a negated Failure code.
   */
  decode(buf: Buffer, start: number, end: number, sink: ContentSink): number;
}

/** LengthDecoder reads exactly `length` bytes of content. */
export class LengthDecoder implements BodyDecoder {
  readonly kind = 'Length';
  #remaining: number;
  contentBytes = 0;

  constructor(length: number) {
    this.#remaining = length;
  }

  get done(): boolean {
    return this.#remaining === 0;
  }

  /** Bytes still to come. */
  get remaining(): number {
    return this.#remaining;
  }

  decode(buf: Buffer, start: number, end: number, sink: ContentSink): number {
    const take = Math.min(this.#remaining, end - start);
    if (take === 0) return start;
    this.#remaining -= take;
    this.contentBytes += take;
    sink(start === 0 && take === buf.length ? buf : buf.subarray(start, start + take));
    return start + take;
  }
}

const State = {
  Size: 0,
  SizeDigits: 1,
  ExtensionBws: 2,
  ExtensionNameStart: 3,
  ExtensionName: 4,
  ExtensionAfterName: 5,
  ExtensionValueStart: 6,
  ExtensionToken: 7,
  ExtensionQuoted: 8,
  ExtensionQuotedPair: 9,
  ExtensionAfterValue: 10,
  SizeLineFeed: 11,
  Data: 12,
  DataCarriageReturn: 13,
  DataLineFeed: 14,
  TrailerLine: 15,
  TrailerLineFeed: 16,
  Done: 17,
} as const;
type State = (typeof State)[keyof typeof State];

// 2^53: sizes beyond it lose precision in a JS number.
const MAX_CHUNK_SIZE = Number.MAX_SAFE_INTEGER;

/** Fields that must never arrive as trailers: they frame or route the message (RFC 9110 §6.5.1). */
const FORBIDDEN_TRAILERS = ['content-length', 'transfer-encoding', 'host', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer'];

/**
 * ChunkedDecoder reads chunked content (RFC 9112 §7.1): hex sizes without
 * sign or overflow, extensions checked against the grammar and bounded in
 * size, CRLF line endings only, then the trailer section.
 */
export class ChunkedDecoder implements BodyDecoder {
  readonly kind = 'Chunked';
  #state: State = State.Size;
  #chunkRemaining = 0;
  #extensionBytes = 0;
  #trailerBytes = 0;
  #trailerParts: Buffer[] = [];
  #trailerLineHasBytes = false;
  #limits: ChunkedLimits;
  contentBytes = 0;
  /** Trailer fields as [name, value] pairs in arrival order, once done. */
  trailers: Array<[string, string]> = [];

  constructor(limits: ChunkedLimits) {
    this.#limits = limits;
  }

  get done(): boolean {
    return this.#state === State.Done;
  }

  decode(buf: Buffer, start: number, end: number, sink: ContentSink): number {
    let i = start;
    while (i < end) {
      const state = this.#state;
      if (state === State.Data) {
        const take = Math.min(this.#chunkRemaining, end - i);
        this.#chunkRemaining -= take;
        this.contentBytes += take;
        sink(i === 0 && take === buf.length ? buf : buf.subarray(i, i + take));
        i += take;
        if (this.#chunkRemaining === 0) this.#state = State.DataCarriageReturn;
        continue;
      }
      if (state === State.Done) return i;
      if (state === State.TrailerLine || state === State.TrailerLineFeed) {
        const next = this.#decodeTrailers(buf, i, end);
        if (next < 0 || this.#state === State.Done) return next;
        i = next;
        continue;
      }
      const failure = this.#step(buf[i] as number);
      if (failure !== 0) return failure;
      i++;
    }
    return i;
  }

  // One byte of a chunk-size line or of the CRLF after chunk data.
  #step(byte: number): number {
    switch (this.#state) {
      case State.Size: {
        const digit = HEX_VALUE[byte] as number;
        if (digit === -1) return -Failure.BadChunkSize;
        this.#chunkRemaining = digit;
        this.#extensionBytes = 0;
        this.#state = State.SizeDigits;
        return 0;
      }
      case State.SizeDigits: {
        const digit = HEX_VALUE[byte] as number;
        if (digit !== -1) {
          const size = this.#chunkRemaining * 16 + digit;
          if (size > MAX_CHUNK_SIZE) return -Failure.ChunkSizeOverflow;
          this.#chunkRemaining = size;
          return this.#countExtensionByte();
        }
        return this.#afterSize(byte);
      }
      case State.ExtensionBws:
        // BWS is only allowed before ";" (RFC 9112 §7.1.1): "5 \r\n" is malformed.
        if (byte === CR) return -Failure.BadChunkExtension;
        return this.#afterSize(byte);
      case State.ExtensionNameStart:
        if (byte === SP || byte === HTAB) return this.#countExtensionByte();
        if (TOKEN[byte] !== 1) return -Failure.BadChunkExtension;
        this.#state = State.ExtensionName;
        return this.#countExtensionByte();
      case State.ExtensionName:
        if (TOKEN[byte] === 1) return this.#countExtensionByte();
        return this.#afterExtensionName(byte);
      case State.ExtensionAfterName:
        return this.#afterExtensionName(byte);
      case State.ExtensionValueStart:
        if (byte === SP || byte === HTAB) return this.#countExtensionByte();
        if (byte === DQUOTE) this.#state = State.ExtensionQuoted;
        else if (TOKEN[byte] === 1) this.#state = State.ExtensionToken;
        else return -Failure.BadChunkExtension;
        return this.#countExtensionByte();
      case State.ExtensionToken:
        if (TOKEN[byte] === 1) return this.#countExtensionByte();
        return this.#afterExtensionValue(byte);
      case State.ExtensionQuoted:
        if (byte === DQUOTE) this.#state = State.ExtensionAfterValue;
        else if (byte === BACKSLASH) this.#state = State.ExtensionQuotedPair;
        else if (QUOTED_TEXT[byte] !== 1) return -Failure.BadChunkExtension;
        return this.#countExtensionByte();
      case State.ExtensionQuotedPair:
        // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
        if (byte !== HTAB && FIELD_VALUE[byte] !== 1) return -Failure.BadChunkExtension;
        this.#state = State.ExtensionQuoted;
        return this.#countExtensionByte();
      case State.ExtensionAfterValue:
        return this.#afterExtensionValue(byte);
      case State.SizeLineFeed:
        if (byte !== LF) return -Failure.BadLineEnding;
        if (this.#chunkRemaining === 0) {
          this.#state = State.TrailerLine;
          this.#trailerLineHasBytes = false;
        } else {
          this.#state = State.Data;
        }
        return 0;
      case State.DataCarriageReturn:
        if (byte !== CR) return -Failure.MissingChunkTerminator;
        this.#state = State.DataLineFeed;
        return 0;
      case State.DataLineFeed:
        if (byte !== LF) return -Failure.MissingChunkTerminator;
        this.#state = State.Size;
        return 0;
      default:
        return -Failure.BadChunkSize;
    }
  }

  // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) (RFC 9112 §7.1.1)
  #afterSize(byte: number): number {
    if (byte === CR) {
      this.#state = State.SizeLineFeed;
      return 0;
    }
    if (byte === SP || byte === HTAB) {
      this.#state = State.ExtensionBws;
      return this.#countExtensionByte();
    }
    if (byte === SEMICOLON) {
      this.#state = State.ExtensionNameStart;
      return this.#countExtensionByte();
    }
    if (byte === LF) return -Failure.BadLineEnding;
    return this.#state === State.SizeDigits ? -Failure.BadChunkSize : -Failure.BadChunkExtension;
  }

  #afterExtensionName(byte: number): number {
    if (byte === SP || byte === HTAB) {
      this.#state = State.ExtensionAfterName;
      return this.#countExtensionByte();
    }
    if (byte === EQUALS) {
      this.#state = State.ExtensionValueStart;
      return this.#countExtensionByte();
    }
    return this.#afterValueOrName(byte);
  }

  #afterExtensionValue(byte: number): number {
    if (byte === SP || byte === HTAB) {
      this.#state = State.ExtensionAfterValue;
      return this.#countExtensionByte();
    }
    return this.#afterValueOrName(byte);
  }

  #afterValueOrName(byte: number): number {
    if (byte === SEMICOLON) {
      this.#state = State.ExtensionNameStart;
      return this.#countExtensionByte();
    }
    if (byte === CR) {
      this.#state = State.SizeLineFeed;
      return 0;
    }
    return byte === LF ? -Failure.BadLineEnding : -Failure.BadChunkExtension;
  }

  // Extensions (and runs of size digits) are bounded per chunk line so that a
  // peer cannot make us scan an endless line (CVE-2024-22019 class).
  #countExtensionByte(): number {
    this.#extensionBytes++;
    return this.#extensionBytes > this.#limits.maxChunkExtensionBytes ? -Failure.ChunkExtensionTooLarge : 0;
  }

  // trailer-section = *( field-line CRLF ) CRLF. Trailer lines are copied (the
  // only copy here; bounded by maxTrailerBytes) and parsed when complete.
  #decodeTrailers(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end) {
      if (this.#state === State.TrailerLineFeed) {
        if (buf[i] !== LF) return -Failure.BadLineEnding;
        i++;
        if (!this.#trailerLineHasBytes) {
          const failure = this.#parseTrailers();
          if (failure !== 0) return failure;
          this.#state = State.Done;
          return i;
        }
        this.#trailerParts.push(CRLF_BYTES);
        this.#trailerLineHasBytes = false;
        this.#state = State.TrailerLine;
        continue;
      }
      const cr = buf.indexOf(CR, i);
      const lineEnd = cr < 0 || cr >= end ? end : cr;
      const lf = buf.indexOf(LF, i);
      if (lf >= 0 && lf < lineEnd) return -Failure.BadLineEnding;
      if (lineEnd > i) {
        this.#trailerBytes += lineEnd - i;
        if (this.#trailerBytes > this.#limits.maxTrailerBytes) return -Failure.TrailerTooLarge;
        this.#trailerParts.push(Buffer.from(buf.subarray(i, lineEnd)));
        this.#trailerLineHasBytes = true;
      }
      i = lineEnd;
      if (lineEnd < end) {
        this.#state = State.TrailerLineFeed;
        i++;
      }
    }
    return i;
  }

  #parseTrailers(): number {
    if (this.#trailerParts.length === 0) return 0;
    const section = Buffer.concat(this.#trailerParts);
    this.#trailerParts = [];
    let lineStart = 0;
    while (lineStart < section.length) {
      let lineEnd = section.indexOf(CR, lineStart);
      if (lineEnd < 0) lineEnd = section.length;
      const colon = scanFieldName(section, lineStart, lineEnd);
      if (colon < 0) return section[lineStart] === SP || section[lineStart] === HTAB ? -Failure.ObsoleteLineFolding : -Failure.BadTrailer;
      let valueStart = colon + 1;
      let valueEnd = lineEnd;
      while (valueStart < valueEnd && (section[valueStart] === SP || section[valueStart] === HTAB)) valueStart++;
      while (valueEnd > valueStart && (section[valueEnd - 1] === SP || section[valueEnd - 1] === HTAB)) valueEnd--;
      for (let k = valueStart; k < valueEnd; k++) if (FIELD_VALUE[section[k] as number] !== 1) return -Failure.BadTrailer;
      for (const forbidden of FORBIDDEN_TRAILERS) {
        if (equalsLowerCase(section, lineStart, colon, forbidden)) return -Failure.ForbiddenTrailer;
      }
      this.trailers.push([section.toString('latin1', lineStart, colon), section.toString('latin1', valueStart, valueEnd)]);
      lineStart = lineEnd + 2;
    }
    return 0;
  }
}

const CRLF_BYTES = Buffer.from('\r\n', 'latin1');
