// The request-head parser: a pure, incremental scan of bytes already in memory
// (RFC 9112 §2-5, RFC 9110 §5). It never copies or decodes: it records offsets
// into the caller's buffer and framing facts, and returns a number that is the
// whole protocol — bytes consumed, INCOMPLETE, or a negated failure code.

import { Buffer } from 'node:buffer';
import {
  ASTERISK,
  COLON,
  COMMA,
  CR,
  DIGIT_0,
  DIGIT_9,
  DEL,
  DOT,
  HEX_VALUE,
  HOST_IP_LITERAL,
  HOST_NAME,
  HTAB,
  KNOWN_METHODS,
  LEFT_BRACKET,
  LF,
  PERCENT,
  RIGHT_BRACKET,
  SEMICOLON,
  SLASH,
  SP,
  TARGET,
  TOKEN,
} from './constants.ts';
import { Failure } from './errors.ts';
import { LastBytes } from './last-bytes.ts';

/** parseHead's result when the head is not complete yet: call again with more bytes. */
export const INCOMPLETE = 0;

/** The limits parseHead enforces while scanning. */
export interface HeadLimits {
  readonly maxHeaderBytes: number;
  readonly maxHeaderCount: number;
  readonly maxUriBytes: number;
}

/** Where the request-target sits in the URI grammar (RFC 9112 §3.2). */
export const TargetForm = { Origin: 0, Absolute: 1, Authority: 2, Asterisk: 3 } as const;
export type TargetForm = (typeof TargetForm)[keyof typeof TargetForm];

const Phase = { RequestLine: 0, Fields: 1 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** Expect field as understood during the scan (RFC 9110 §10.1.1). */
export const Expectation = { None: 0, Continue: 1, Other: 2 } as const;
export type Expectation = (typeof Expectation)[keyof typeof Expectation];

/** Values of ParsedHead.transferCodings' final coding. */
export const FinalCoding = { None: 0, Chunked: 1, Other: 2 } as const;
export type FinalCoding = (typeof FinalCoding)[keyof typeof FinalCoding];

/** Offsets of one field: [nameStart, nameEnd, valueStart, valueEnd], relative to the head's start. */
export const FIELD_STRIDE = 4;

/**
 * ParsedHead is the caller-owned memory parseHead writes into and resumes from.
 * Reuse one per connection; call reset() before each new head. Every offset is
 * relative to the `start` given to parseHead, so a head that is re-joined into
 * a new buffer keeps valid offsets.
 */
export class ParsedHead {
  /** Bytes of complete lines already scanned; the next call resumes here. */
  scanned = 0;
  phase: Phase = Phase.RequestLine;
  /** Empty lines skipped before the request line (RFC 9112 §2.2). */
  requestLineStart = 0;
  method = '';
  targetStart = 0;
  targetEnd = 0;
  targetForm: TargetForm = TargetForm.Origin;
  /** 0 for HTTP/1.0; 1 for HTTP/1.1 and any later 1.x (served as 1.1). */
  versionMinor = 1;
  fieldCount = 0;
  readonly fields: Uint32Array;
  /** -1 when absent. */
  contentLength = -1;
  transferEncodingLines = 0;
  transferCodings = 0;
  chunkedCount = 0;
  finalCoding: FinalCoding = FinalCoding.None;
  connectionClose = false;
  connectionKeepAlive = false;
  connectionUpgrade = false;
  hostCount = 0;
  /** Field index of Host, or -1. */
  hostField = -1;
  /** Field index of Upgrade, or -1. */
  upgradeField = -1;
  expectation: Expectation = Expectation.None;

  constructor(maxHeaderCount: number) {
    this.fields = new Uint32Array(maxHeaderCount * FIELD_STRIDE);
  }

  /** Prepares for a new head; keeps the fields array. */
  reset(): void {
    this.scanned = 0;
    this.phase = Phase.RequestLine;
    this.requestLineStart = 0;
    this.method = '';
    this.targetStart = 0;
    this.targetEnd = 0;
    this.targetForm = TargetForm.Origin;
    this.versionMinor = 1;
    this.fieldCount = 0;
    this.contentLength = -1;
    this.transferEncodingLines = 0;
    this.transferCodings = 0;
    this.chunkedCount = 0;
    this.finalCoding = FinalCoding.None;
    this.connectionClose = false;
    this.connectionKeepAlive = false;
    this.connectionUpgrade = false;
    this.hostCount = 0;
    this.hostField = -1;
    this.upgradeField = -1;
    this.expectation = Expectation.None;
  }
}

// Room for a method and " HTTP/1.1" around a maximal target, before an
// unfinished request line is judged too long.
const REQUEST_LINE_SLACK = 64;
const MAX_CONTENT_LENGTH_DIGITS = 15; // below 2^53: no precision loss

const METHOD_BYTES = KNOWN_METHODS.map((name) => ({ name, bytes: Buffer.from(name, 'latin1') }));

/** Returns the interned method string for buf[start, end), allocating only for unknown methods. */
export function internMethod(buf: Uint8Array, start: number, end: number): string {
  const length = end - start;
  outer: for (const known of METHOD_BYTES) {
    const bytes = known.bytes;
    if (bytes.length !== length) continue;
    for (let i = 0; i < length; i++) if (buf[start + i] !== bytes[i]) continue outer;
    return known.name;
  }
  return Buffer.from(buf.buffer, buf.byteOffset + start, length).toString('latin1');
}

/**
 * Parses (or resumes parsing) the request head in buf[start, end).
 *
 * Returns the number of bytes the head occupies (> 0) once its empty line has
 * been read; INCOMPLETE (0) when more bytes are needed — call again with the
 * same `start` (or the same bytes re-joined at a new start) and a larger `end`;
 * or a negated `Failure` code. Writes offsets and framing facts into `head`,
 * which the caller must `reset()` before each new head.
 */
export function parseHead(buf: Uint8Array, start: number, end: number, limits: HeadLimits, head: ParsedHead): number {
  let pos = start + head.scanned;
  const words = buf === wordsBuf || (lastHeadBytes >= WORD_SCAN_MIN_BYTES && end - pos >= WORD_SCAN_MIN_BYTES) ? wordsOf(buf) : null;
  if (head.phase === Phase.RequestLine) {
    // RFC 9112 §2.2: a server SHOULD ignore empty lines received before the request line.
    while (pos < end && buf[pos] === CR) {
      if (pos + 1 >= end) return waitFor(pos, start, end, limits, head);
      if (buf[pos + 1] !== LF) return -Failure.BadLineEnding;
      pos += 2;
      if (pos - start > limits.maxHeaderBytes) return -Failure.HeaderTooLarge;
    }
    if (pos < end && buf[pos] === LF) return -Failure.BadLineEnding;
    const lf = indexOfLineFeed(buf, pos, end);
    if (lf < 0) {
      head.scanned = pos - start;
      return unfinishedRequestLine(buf, pos, start, end, limits);
    }
    if (lf === pos || buf[lf - 1] !== CR) return -Failure.BadLineEnding;
    const failure = parseRequestLine(buf, words, pos, lf - 1, limits, head);
    if (failure !== 0) return failure;
    head.targetStart -= start;
    head.targetEnd -= start;
    head.requestLineStart = pos - start;
    pos = lf + 1;
    head.phase = Phase.Fields;
    head.scanned = pos - start;
  }
  for (;;) {
    if (pos >= end) return waitFor(pos, start, end, limits, head);
    const first = buf[pos];
    if (first === CR) {
      if (pos + 1 >= end) return waitFor(pos, start, end, limits, head);
      if (buf[pos + 1] !== LF) return -Failure.BadLineEnding;
      const consumed = pos + 2 - start;
      if (consumed - head.requestLineStart > limits.maxHeaderBytes) return -Failure.HeaderTooLarge;
      lastHeadBytes = consumed - head.requestLineStart;
      return checkHost(head) || consumed;
    }
    if (first === LF) return -Failure.BadLineEnding;
    // RFC 9112 §5.2: obs-fold is rejected with 400.
    if (first === SP || first === HTAB) return -Failure.ObsoleteLineFolding;
    const index = head.fieldCount;
    const lf = index < limits.maxHeaderCount ? scanFieldLine(buf, words, pos, end, start, head.fields, index * FIELD_STRIDE) : -1;
    if (lf < 0) return diagnoseFieldLine(buf, pos, start, end, limits, head);
    if (lf + 1 - start - head.requestLineStart > limits.maxHeaderBytes) return -Failure.HeaderTooLarge;
    head.fieldCount = index + 1;
    const failure = noteFramingField(buf, start, index, head);
    if (failure !== 0) return failure;
    pos = lf + 1;
    head.scanned = pos - start;
  }
}

/**
 * Scans one complete, well-formed field-line = field-name ":" OWS field-value
 * OWS CRLF (RFC 9112 §5) at lineStart in a single pass — the value scan finds
 * the CR, so there is no separate search for the line end — and writes its
 * offsets (relative to base) into fields[at, at + FIELD_STRIDE). Returns the
 * offset of the line's LF, or -1 when the line is unfinished or anything about
 * it is unusual: diagnoseFieldLine then decides, so every failure keeps one
 * definition.
 */
function scanFieldLine(buf: Uint8Array, words: Words | null, lineStart: number, end: number, base: number, fields: Uint32Array, at: number): number {
  const nameEnd = skipToken(buf, words, lineStart, end);
  if (nameEnd === lineStart || nameEnd >= end || buf[nameEnd] !== COLON) return -1;
  const valueStart = skipOws(buf, nameEnd + 1, end);
  const cr = skipFieldValue(buf, words, valueStart, end);
  // A bare CR, or CR as the last byte so far, is left to the slow path.
  if (cr + 1 >= end || buf[cr] !== CR || buf[cr + 1] !== LF) return -1;
  fields[at] = lineStart - base;
  fields[at + 1] = nameEnd - base;
  fields[at + 2] = valueStart - base;
  fields[at + 3] = trimOws(buf, valueStart, cr) - base;
  return cr + 1;
}

// Targets, names and values are scanned a word (four bytes, one DataView load)
// at a time: a few integer operations tell whether all four bytes are common ones,
// and only a word that is not is looked at byte by byte. On this machine that
// is 2-4x faster per byte than a loop of Uint8Array loads on Node 20 and 24.
//
// A word test flags a byte by setting its high bit. With every byte below
// 0x80, adding (0x80 - lo) sets the bit exactly when byte >= lo and adding
// (0x7f - hi) exactly when byte > hi, and no sum carries into the next byte; a
// word with a byte of 0x80 or more always fails, so carries out of such a
// byte cannot matter.

/** A DataView over the whole ArrayBuffer behind a scanned buffer, and where the buffer starts in it. */
interface Words {
  readonly source: ArrayBufferLike;
  readonly view: DataView;
  readonly offset: number;
}

// Creating a DataView for a new buffer costs about what words save on 200
// bytes, and on short values words gain little. So a new buffer gets one only
// when the head is likely long: the last head parsed had this many bytes
// (heads from the same clients tend to be alike) and as many are left. The
// bytes after a head (a body, more requests) say nothing about its length:
// judged by the buffer alone, a 1 KiB POST paid for a DataView per request.
// A buffer that already has one (earlier heads in it) keeps using it.
const WORD_SCAN_MIN_BYTES = 256;
let lastHeadBytes = 0;

// The buffer scanned last and its Words: pipelined heads in one chunk share
// them, and a new chunk costs one DataView (none if it shares an ArrayBuffer).
// Holding them keeps at most that one chunk alive.
let wordsBuf: Uint8Array | undefined;
let lastWords: Words | undefined;

function wordsOf(buf: Uint8Array): Words {
  if (buf === wordsBuf && lastWords !== undefined) return lastWords;
  const source = buf.buffer;
  const view = lastWords !== undefined && lastWords.source === source ? lastWords.view : new DataView(source);
  lastWords = { source, view, offset: buf.byteOffset };
  wordsBuf = buf;
  return lastWords;
}

/** Returns the first offset in [from, end) that is not a tchar (RFC 9110 §5.6.2), or `end`. */
function skipToken(buf: Uint8Array, words: Words | null, from: number, end: number): number {
  if (words === null) return skipTokenBytes(buf, from, end);
  const { view, offset } = words;
  let i = from;
  for (;;) {
    // The word tests are written out in the loops: a call per word, when the
    // JIT declines to inline it, would cost more than the word saves.
    while (i + 4 <= end) {
      // All four bytes letters, digits or "-": the tchars of nearly every field name.
      const word = view.getUint32(offset + i, true);
      const lower = word | 0x20202020;
      const letters = (lower + 0x1f1f1f1f) & ~(lower + 0x05050505); // lower in [0x61, 0x7a]
      const digits = (word + 0x50505050) & ~(word + 0x46464646); // [0x30, 0x39]
      const hyphens = (word + 0x53535353) & ~(word + 0x52525252); // [0x2d, 0x2d]
      if (((~(letters | digits | hyphens) | word) & 0x80808080) !== 0) break;
      i += 4;
    }
    const stop = Math.min(i + 4, end);
    for (; i < stop; i++) if (TOKEN[buf[i] as number] !== 1) return i;
    if (i >= end) return end;
  }
}

/** Returns the first offset in [from, end) that is not a field-vchar, SP or HTAB (RFC 9110 §5.5), or `end`. */
function skipFieldValue(buf: Uint8Array, words: Words | null, from: number, end: number): number {
  if (words === null) return skipFieldValueBytes(buf, from, end);
  const { view, offset } = words;
  let i = from;
  for (;;) {
    while (i + 4 <= end) {
      // All four bytes SP or VCHAR: byte - 0x20 borrows below SP (CTLs, CR, LF,
      // HTAB), byte + 1 reaches 0x80 at DEL, and the word itself flags obs-text.
      const word = view.getUint32(offset + i, true);
      if ((((word - 0x20202020) | word | (word + 0x01010101)) & 0x80808080) !== 0) break;
      i += 4;
    }
    const stop = Math.min(i + 4, end);
    for (; i < stop; i++) {
      const byte = buf[i] as number;
      if (byte < SP ? byte !== HTAB : byte === DEL) return i;
    }
    if (i >= end) return end;
  }
}

/**
 * Returns the first offset in [from, end) that may need a closer look in a
 * request-target: anything but letters, digits and &'()*+,-./:;=?@ — all of
 * which RFC 3986 allows and none of which is "%" or a bracket — or `end`.
 */
function skipPlainTarget(words: Words, from: number, end: number): number {
  const { view, offset } = words;
  let i = from;
  while (i + 4 <= end) {
    const word = view.getUint32(offset + i, true);
    const lower = word | 0x20202020;
    const letters = (lower + 0x1f1f1f1f) & ~(lower + 0x05050505); // lower in [0x61, 0x7a]
    const marks = (word + 0x5a5a5a5a) & ~(word + 0x44444444); // [0x26, 0x3b]
    const equals = (word + 0x43434343) & ~(word + 0x42424242); // [0x3d, 0x3d]
    const at = (word + 0x41414141) & ~(word + 0x3f3f3f3f); // [0x3f, 0x40]
    const flags = (~(letters | marks | equals | at) | word) & 0x80808080;
    if (flags !== 0) return i + firstFlaggedByte(flags);
    i += 4;
  }
  return i;
}

// The lowest flag of a word test is exact (a borrow or carry only ever starts
// at a flagged byte and runs upwards), and the word was read little-endian, so
// its byte index is the first byte to look at.
function firstFlaggedByte(flags: number): number {
  return (31 - Math.clz32(flags & -flags)) >> 3;
}

function skipTokenBytes(buf: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end && TOKEN[buf[i] as number] === 1) i++;
  return i;
}

function skipFieldValueBytes(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const byte = buf[i] as number;
    if (byte < SP ? byte !== HTAB : byte === DEL) return i;
  }
  return end;
}

// Decides what is wrong with a field line scanFieldLine declined, the way a
// line-at-a-time parser would: find the LF, then check the line ending, the
// limits, the name and the value, in that order. Returns INCOMPLETE while the
// line is unfinished.
function diagnoseFieldLine(buf: Uint8Array, pos: number, start: number, end: number, limits: HeadLimits, head: ParsedHead): number {
  const lf = indexOfLineFeed(buf, pos, end);
  if (lf < 0) return waitFor(pos, start, end, limits, head);
  if (buf[lf - 1] !== CR) return -Failure.BadLineEnding;
  if (lf + 1 - start - head.requestLineStart > limits.maxHeaderBytes) return -Failure.HeaderTooLarge;
  if (head.fieldCount >= limits.maxHeaderCount) return -Failure.TooManyHeaders;
  const colon = scanFieldName(buf, pos, lf - 1);
  // scanFieldLine accepts every complete line whose name and value are valid,
  // so a declined line with a valid name has a CTL, DEL or bare CR in its value.
  return colon < 0 ? colon : -Failure.BadFieldValue;
}

function indexOfLineFeed(buf: Uint8Array, from: number, end: number): number {
  const lf = buf.indexOf(LF, from);
  return lf < 0 || lf >= end ? -1 : lf;
}

function waitFor(pos: number, start: number, end: number, limits: HeadLimits, head: ParsedHead): number {
  head.scanned = pos - start;
  if (end - start - head.requestLineStart > limits.maxHeaderBytes) return -Failure.HeaderTooLarge;
  return INCOMPLETE;
}

// An unfinished request line is refused as soon as it can no longer fit: a
// long target gets 414, anything else (a huge method) 400.
function unfinishedRequestLine(buf: Uint8Array, pos: number, start: number, end: number, limits: HeadLimits): number {
  const tooLongForUri = end - pos > limits.maxUriBytes + REQUEST_LINE_SLACK;
  // The buffered head is bounded by maxHeaderBytes too, even mid request line.
  if (!tooLongForUri && end - start <= limits.maxHeaderBytes) return INCOMPLETE;
  const space = buf.indexOf(SP, pos);
  if (space < 0 || space >= end) return tooLongForUri ? -Failure.BadMethod : -Failure.HeaderTooLarge;
  const targetEnd = buf.indexOf(SP, space + 1);
  const targetBytes = (targetEnd < 0 || targetEnd >= end ? end : targetEnd) - space - 1;
  if (targetBytes > limits.maxUriBytes) return -Failure.UriTooLong;
  return tooLongForUri ? -Failure.BadRequestLine : -Failure.HeaderTooLarge;
}

function parseRequestLine(buf: Uint8Array, words: Words | null, start: number, end: number, limits: HeadLimits, head: ParsedHead): number {
  let i = start;
  while (i < end && TOKEN[buf[i] as number] === 1) i++;
  if (i === start || i === end || buf[i] !== SP) return i === end ? -Failure.BadRequestLine : -Failure.BadMethod;
  head.method = internMethod(buf, start, i);

  const targetStart = i + 1;
  let j = targetStart;
  let brackets = false;
  for (; j < end; j++) {
    if (words !== null) {
      j = skipPlainTarget(words, j, end);
      if (j === end) break;
    }
    const byte = buf[j] as number;
    if (TARGET[byte] === 1) {
      if (byte === PERCENT) {
        if (j + 2 >= end || HEX_VALUE[buf[j + 1] as number] === -1 || HEX_VALUE[buf[j + 2] as number] === -1) {
          return -Failure.BadTarget;
        }
      } else if (byte === LEFT_BRACKET || byte === RIGHT_BRACKET) {
        brackets = true;
      }
      continue;
    }
    if (byte === SP) break;
    return -Failure.BadTarget;
  }
  if (j - targetStart > limits.maxUriBytes) return -Failure.UriTooLong;
  if (j === targetStart) return -Failure.BadTarget;
  // RFC 9112 §3: HTTP/0.9-style lines without a version are not HTTP/1.x.
  if (j === end) return -Failure.MissingVersion;
  head.targetStart = targetStart;
  head.targetEnd = j;

  const versionFailure = parseVersion(buf, j + 1, end, head);
  if (versionFailure !== 0) return versionFailure;
  return classifyTarget(buf, targetStart, j, brackets, head);
}

// HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
function parseVersion(buf: Uint8Array, start: number, end: number, head: ParsedHead): number {
  if (
    end - start !== 8 ||
    buf[start] !== 0x48 ||
    buf[start + 1] !== 0x54 ||
    buf[start + 2] !== 0x54 ||
    buf[start + 3] !== 0x50 ||
    buf[start + 4] !== SLASH ||
    buf[start + 6] !== DOT
  ) {
    return -Failure.BadVersion;
  }
  const major = (buf[start + 5] as number) - DIGIT_0;
  const minor = (buf[start + 7] as number) - DIGIT_0;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return -Failure.BadVersion;
  // RFC 9110 §6.2: a 1.x request with x > 1 is served as the highest 1.x we speak.
  if (major !== 1) return -Failure.UnsupportedVersion;
  head.versionMinor = minor === 0 ? 0 : 1;
  return 0;
}

// RFC 9112 §3.2: origin-form for most methods, absolute-form always allowed,
// authority-form only (and always) for CONNECT, asterisk-form only for OPTIONS.
function classifyTarget(buf: Uint8Array, start: number, end: number, brackets: boolean, head: ParsedHead): number {
  const isConnect = head.method === 'CONNECT';
  const first = buf[start] as number;
  if (isConnect) {
    head.targetForm = TargetForm.Authority;
    return isValidAuthority(buf, start, end, true) ? 0 : -Failure.BadTarget;
  }
  if (first === SLASH) {
    head.targetForm = TargetForm.Origin;
    return brackets ? -Failure.BadTarget : 0;
  }
  if (first === ASTERISK && end - start === 1) {
    head.targetForm = TargetForm.Asterisk;
    return head.method === 'OPTIONS' ? 0 : -Failure.TargetFormMismatch;
  }
  head.targetForm = TargetForm.Absolute;
  return isAbsoluteUri(buf, start, end) ? 0 : -Failure.BadTarget;
}

// absolute-URI = scheme ":" hier-part [ "?" query ] (RFC 3986 §4.3); an
// "//" authority, when present, must be a valid host.
function isAbsoluteUri(buf: Uint8Array, start: number, end: number): boolean {
  if (!isAlpha(buf[start] as number)) return false;
  let i = start + 1;
  while (i < end) {
    const byte = buf[i] as number;
    if (isAlpha(byte) || (byte >= DIGIT_0 && byte <= DIGIT_9) || byte === 0x2b || byte === 0x2d || byte === DOT) i++;
    else break;
  }
  if (i >= end || buf[i] !== COLON) return false;
  const schemeEnd = i;
  i++;
  const hasAuthority = i + 1 < end && buf[i] === SLASH && buf[i + 1] === SLASH;
  // RFC 9110 §4.2.1-2: an http(s) URI is scheme "://" authority with a non-empty host.
  if (!hasAuthority && isHttpScheme(buf, start, schemeEnd)) return false;
  if (hasAuthority) {
    const authorityStart = i + 2;
    let authorityEnd = authorityStart;
    while (authorityEnd < end && buf[authorityEnd] !== SLASH && buf[authorityEnd] !== 0x3f) authorityEnd++;
    if (!isValidAuthority(buf, authorityStart, authorityEnd, false)) return false;
    for (let k = authorityEnd; k < end; k++) if (buf[k] === LEFT_BRACKET || buf[k] === RIGHT_BRACKET) return false;
  }
  return true;
}

function isHttpScheme(buf: Uint8Array, start: number, end: number): boolean {
  return equalsLowerCase(buf, start, end, 'http') || equalsLowerCase(buf, start, end, 'https');
}

function isAlpha(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

/**
 * Checks uri-host [ ":" port ] (RFC 3986 §3.2.2-3): an IP-literal in brackets
 * or a reg-name/IPv4 of unreserved, sub-delims and pct-encoded octets; no
 * userinfo, path, list or whitespace. An empty host is refused: an "http" URI
 * must not have one (RFC 9110 §4.2.1).
 */
export function isValidAuthority(buf: Uint8Array, start: number, end: number, portRequired: boolean): boolean {
  let i = start;
  if (i < end && buf[i] === LEFT_BRACKET) {
    i++;
    const literalStart = i;
    while (i < end && HOST_IP_LITERAL[buf[i] as number] === 1) i++;
    if (i === literalStart || i >= end || buf[i] !== RIGHT_BRACKET) return false;
    if (!isIpLiteral(buf, literalStart, i)) return false;
    i++;
  } else {
    const nameStart = i;
    while (i < end && HOST_NAME[buf[i] as number] === 1) {
      if (buf[i] === PERCENT && (i + 2 >= end || HEX_VALUE[buf[i + 1] as number] === -1 || HEX_VALUE[buf[i + 2] as number] === -1)) {
        return false;
      }
      i++;
    }
    if (i === nameStart) return false;
  }
  if (i === end) return !portRequired;
  if (buf[i] !== COLON) return false;
  i++;
  if (portRequired && i === end) return false;
  if (end - i > 5) return false;
  for (; i < end; i++) if ((buf[i] as number) < DIGIT_0 || (buf[i] as number) > DIGIT_9) return false;
  return true;
}

// IP-literal = "[" ( IPv6address / IPvFuture ) "]" (RFC 3986 §3.2.2); the
// brackets are already stripped.
function isIpLiteral(buf: Uint8Array, start: number, end: number): boolean {
  const first = (buf[start] as number) | 0x20;
  if (first === 0x76) {
    // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
    let i = start + 1;
    while (i < end && HEX_VALUE[buf[i] as number] !== -1) i++;
    return i > start + 1 && i < end - 1 && buf[i] === DOT;
  }
  return isIpv6(buf, start, end);
}

// IPv6address (RFC 3986 §3.2.2): eight h16 groups, or fewer with one "::",
// the last 32 bits optionally written as an IPv4address.
function isIpv6(buf: Uint8Array, start: number, end: number): boolean {
  let groups = 0;
  let compressed = false;
  let i = start;
  if (end - start >= 2 && buf[i] === COLON && buf[i + 1] === COLON) {
    compressed = true;
    i += 2;
    if (i === end) return true;
  } else if (buf[i] === COLON) {
    return false;
  }
  while (i < end) {
    const groupStart = i;
    while (i < end && i - groupStart < 5 && HEX_VALUE[buf[i] as number] !== -1) i++;
    if (i < end && buf[i] === DOT) return groups <= (compressed ? 5 : 6) && isIpv4(buf, groupStart, end);
    const length = i - groupStart;
    if (length === 0 || length > 4) return false;
    groups++;
    if (i === end) break;
    if (buf[i] !== COLON) return false;
    i++;
    if (i < end && buf[i] === COLON) {
      if (compressed) return false;
      compressed = true;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false;
    }
  }
  return compressed ? groups <= 7 : groups === 8;
}

function isIpv4(buf: Uint8Array, start: number, end: number): boolean {
  let octets = 0;
  let i = start;
  while (i < end) {
    const octetStart = i;
    let value = 0;
    while (i < end && (buf[i] as number) >= DIGIT_0 && (buf[i] as number) <= DIGIT_9) value = value * 10 + (buf[i++] as number) - DIGIT_0;
    const length = i - octetStart;
    if (length === 0 || length > 3 || value > 255 || (length > 1 && buf[octetStart] === DIGIT_0)) return false;
    octets++;
    if (i === end) break;
    if (buf[i] !== DOT || octets === 4) return false;
    i++;
    if (i === end) return false;
  }
  return octets === 4;
}

/**
 * Scans a field name and its colon in buf[lineStart, lineEnd). Returns the
 * offset of the colon, or a negated failure: an empty or non-token name, or
 * whitespace before the colon (RFC 9112 §5.1: a request smuggling vector).
 */
export function scanFieldName(buf: Uint8Array, lineStart: number, lineEnd: number): number {
  let i = lineStart;
  while (i < lineEnd && TOKEN[buf[i] as number] === 1) i++;
  if (i === lineEnd) return -Failure.MissingColon;
  const stop = buf[i];
  if (stop === COLON) return i === lineStart ? -Failure.BadFieldName : i;
  if (stop === SP || stop === HTAB) return i === lineStart ? -Failure.BadFieldName : -Failure.WhitespaceBeforeColon;
  return -Failure.BadFieldName;
}

/** Compares buf[start, end) with a lower-case ASCII name, ignoring the case of letters. */
export function equalsLowerCase(buf: Uint8Array, start: number, end: number, lowerName: string): boolean {
  if (end - start !== lowerName.length) return false;
  for (let i = 0; i < lowerName.length; i++) {
    let byte = buf[start + i] as number;
    if (byte >= 0x41 && byte <= 0x5a) byte |= 0x20;
    if (byte !== lowerName.charCodeAt(i)) return false;
  }
  return true;
}

// Recognises the fields that decide framing and connection handling while
// the line is hot, so that no string is ever built for them.
function noteFramingField(buf: Uint8Array, base: number, index: number, head: ParsedHead): number {
  const fields = head.fields;
  const at = index * FIELD_STRIDE;
  const nameStart = base + (fields[at] as number);
  const nameEnd = base + (fields[at + 1] as number);
  const valueStart = base + (fields[at + 2] as number);
  const valueEnd = base + (fields[at + 3] as number);
  switch (nameEnd - nameStart) {
    case 4:
      if (!equalsLowerCase(buf, nameStart, nameEnd, 'host')) return 0;
      head.hostCount++;
      head.hostField = index;
      return isValidHost(buf, valueStart, valueEnd) ? 0 : -Failure.BadHost;
    case 6:
      if (!equalsLowerCase(buf, nameStart, nameEnd, 'expect')) return 0;
      noteExpect(buf, valueStart, valueEnd, head);
      return 0;
    case 7:
      if (equalsLowerCase(buf, nameStart, nameEnd, 'upgrade')) head.upgradeField = index;
      return 0;
    case 10:
      if (equalsLowerCase(buf, nameStart, nameEnd, 'connection')) noteConnection(buf, valueStart, valueEnd, head);
      return 0;
    case 14:
      return equalsLowerCase(buf, nameStart, nameEnd, 'content-length') ? noteContentLength(buf, valueStart, valueEnd, head) : 0;
    case 17:
      return equalsLowerCase(buf, nameStart, nameEnd, 'transfer-encoding')
        ? noteTransferEncoding(buf, valueStart, valueEnd, head)
        : 0;
    default:
      return 0;
  }
}

// The last Host value found valid: comparing its bytes costs less than
// checking them again (30-60 ns for "127.0.0.1:8080").
const knownHost = new LastBytes();

function isValidHost(buf: Uint8Array, start: number, end: number): boolean {
  if (knownHost.equals(buf, start, end)) return true;
  if (!isValidAuthority(buf, start, end, false)) return false;
  knownHost.remember(buf, start, end);
  return true;
}

function noteExpect(buf: Uint8Array, start: number, end: number, head: ParsedHead): void {
  if (start === end) return;
  if (equalsLowerCase(buf, start, end, '100-continue')) {
    if (head.expectation === Expectation.None) head.expectation = Expectation.Continue;
  } else {
    head.expectation = Expectation.Other;
  }
}

// Connection = #connection-option (RFC 9110 §7.6.1); options are case-insensitive tokens.
function noteConnection(buf: Uint8Array, start: number, end: number, head: ParsedHead): void {
  for (let i = start; i <= end; i++) {
    const comma = listMemberEnd(buf, i, end);
    const memberStart = skipOws(buf, i, comma);
    const memberEnd = trimOws(buf, memberStart, comma);
    if (equalsLowerCase(buf, memberStart, memberEnd, 'close')) head.connectionClose = true;
    else if (equalsLowerCase(buf, memberStart, memberEnd, 'keep-alive')) head.connectionKeepAlive = true;
    else if (equalsLowerCase(buf, memberStart, memberEnd, 'upgrade')) head.connectionUpgrade = true;
    i = comma;
  }
}

// Content-Length = 1*DIGIT (RFC 9110 §8.6). A list of identical values, in one
// line or several, is accepted as one; differing values are refused (RFC 9112 §6.3).
function noteContentLength(buf: Uint8Array, start: number, end: number, head: ParsedHead): number {
  if (start === end) return -Failure.BadContentLength;
  let value = -1;
  for (let i = start; i <= end; i++) {
    const comma = listMemberEnd(buf, i, end);
    const memberStart = skipOws(buf, i, comma);
    const n = parseDecimal(buf, memberStart, trimOws(buf, memberStart, comma));
    if (n < 0) return -Failure.BadContentLength;
    if (value !== -1 && value !== n) return -Failure.ConflictingContentLength;
    value = n;
    i = comma;
  }
  if (head.contentLength !== -1 && head.contentLength !== value) return -Failure.ConflictingContentLength;
  head.contentLength = value;
  return 0;
}

// 1*DIGIT, short enough to stay exact in a double; -1 for anything else.
function parseDecimal(buf: Uint8Array, start: number, end: number): number {
  if (start === end || end - start > MAX_CONTENT_LENGTH_DIGITS) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = (buf[i] as number) - DIGIT_0;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

// Transfer-Encoding = #transfer-coding (RFC 9112 §6.1). Records how many
// codings, how often chunked appears and which coding comes last; framing.ts
// decides what that means.
function noteTransferEncoding(buf: Uint8Array, start: number, end: number, head: ParsedHead): number {
  head.transferEncodingLines++;
  for (let i = start; i <= end; i++) {
    const comma = listMemberEnd(buf, i, end);
    const memberStart = skipOws(buf, i, comma);
    const memberEnd = trimOws(buf, memberStart, comma);
    i = comma;
    if (memberStart === memberEnd) continue; // empty list elements are legal (RFC 9110 §5.6.1)
    const failure = noteTransferCoding(buf, memberStart, memberEnd, head);
    if (failure !== 0) return failure;
  }
  return 0;
}

function noteTransferCoding(buf: Uint8Array, start: number, end: number, head: ParsedHead): number {
  let nameEnd = start;
  while (nameEnd < end && TOKEN[buf[nameEnd] as number] === 1) nameEnd++;
  if (nameEnd === start) return -Failure.BadTransferEncoding;
  const isChunked = equalsLowerCase(buf, start, nameEnd, 'chunked');
  if (nameEnd < end) {
    // transfer-coding parameters: only for codings other than chunked.
    if (isChunked) return -Failure.BadTransferEncoding;
    if (buf[skipOws(buf, nameEnd, end)] !== SEMICOLON) return -Failure.BadTransferEncoding;
  }
  head.transferCodings++;
  if (isChunked) head.chunkedCount++;
  head.finalCoding = isChunked ? FinalCoding.Chunked : FinalCoding.Other;
  return 0;
}

// The list helpers below let a caller walk #list members (RFC 9110 §5.6.1) in
// a plain loop: no visitor closure, so no allocation per framing field.

/** Returns the end of the list member that starts at `from`: the offset of the next comma, or `end`. */
export function listMemberEnd(buf: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end && buf[i] !== COMMA) i++;
  return i;
}

/** Returns the first offset in [from, to) that is not OWS (SP / HTAB), or `to`. */
export function skipOws(buf: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && (buf[i] === SP || buf[i] === HTAB)) i++;
  return i;
}

/** Returns the offset just after the last byte in [from, to) that is not OWS, or `from`. */
export function trimOws(buf: Uint8Array, from: number, to: number): number {
  let i = to;
  while (i > from && (buf[i - 1] === SP || buf[i - 1] === HTAB)) i--;
  return i;
}

// RFC 9112 §3.2: HTTP/1.1 requires exactly one Host; more than one is refused in any version.
function checkHost(head: ParsedHead): number {
  if (head.hostCount > 1) return -Failure.DuplicateHost;
  if (head.hostCount === 0 && head.versionMinor === 1) return -Failure.MissingHost;
  return 0;
}
