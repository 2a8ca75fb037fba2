// Feeds incremental components (parseHead, body decoders) their input whole,
// split in two at every byte offset, and byte by byte, the way a connection
// would; checks the resumption contracts on the way. Test support only.

import { Failure } from '../../lib/errors.ts';
import { FIELD_STRIDE, INCOMPLETE, ParsedHead, parseHead, type HeadLimits } from '../../lib/parse.ts';
import type { BodyDecoder } from '../../lib/decode.ts';

/** One way of cutting an input: the offsets where a new piece starts. */
export interface Split {
  readonly name: string;
  readonly cuts: readonly number[];
}

/** Returns: whole, two pieces at every offset 1..length-1, and byte by byte. */
export function everySplit(length: number): Split[] {
  const out: Split[] = [{ name: 'whole', cuts: [] }];
  for (let at = 1; at < length; at++) out.push({ name: `split@${at}`, cuts: [at] });
  if (length > 2) out.push({ name: 'byte-by-byte', cuts: Array.from({ length: length - 1 }, (_, i) => i + 1) });
  return out;
}

/** Cuts `input` into pieces at `cuts` (ascending offsets); each piece is its own Buffer. */
export function cutPieces(input: Uint8Array, cuts: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const at of cuts) {
    out.push(Buffer.from(input.subarray(from, at)));
    from = at;
  }
  out.push(Buffer.from(input.subarray(from)));
  return out;
}

/** Names a parseHead / decode return value: `-Failure.X`, `INCOMPLETE` or `consumed N`. */
export function describeResult(result: number): string {
  if (result === INCOMPLETE) return 'INCOMPLETE';
  if (result > 0) return `consumed ${result}`;
  return `-Failure.${failureName(-result)}`;
}

/** Returns the key of `code` in Failure, or `#code` if it is not one. */
export function failureName(code: number): string {
  for (const [name, value] of Object.entries(Failure)) if (value === code) return name;
  return `#${code}`;
}

export const HEAD_LIMITS: HeadLimits = { maxHeaderBytes: 16 * 1024, maxHeaderCount: 100, maxUriBytes: 8 * 1024 };

/** Everything parseHead recorded about a complete head, decoded to plain values. */
export interface HeadSnapshot {
  readonly method: string;
  readonly target: string;
  readonly targetForm: number;
  readonly versionMinor: number;
  readonly requestLineStart: number;
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly contentLength: number;
  readonly transferEncodingLines: number;
  readonly transferCodings: number;
  readonly chunkedCount: number;
  readonly finalCoding: number;
  readonly connectionClose: boolean;
  readonly connectionKeepAlive: boolean;
  readonly connectionUpgrade: boolean;
  readonly hostCount: number;
  readonly hostField: number;
  readonly upgradeField: number;
  readonly expectation: number;
}

/** Decodes the fields of `head` (offsets relative to `start`) as latin1 [name, value] pairs. */
export function decodeFields(buf: Uint8Array, start: number, head: ParsedHead): Array<[string, string]> {
  const text = (from: number, to: number): string => Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1', from, to);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < head.fieldCount; i++) {
    const at = i * FIELD_STRIDE;
    const f = head.fields;
    out.push([
      text(start + (f[at] as number), start + (f[at + 1] as number)),
      text(start + (f[at + 2] as number), start + (f[at + 3] as number)),
    ]);
  }
  return out;
}

/** Snapshots a complete head parsed from buf at `start`, decoding every offset relative to `start`. */
export function snapshotHead(buf: Uint8Array, start: number, head: ParsedHead): HeadSnapshot {
  return {
    method: head.method,
    target: Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1', start + head.targetStart, start + head.targetEnd),
    targetForm: head.targetForm,
    versionMinor: head.versionMinor,
    requestLineStart: head.requestLineStart,
    fields: decodeFields(buf, start, head),
    contentLength: head.contentLength,
    transferEncodingLines: head.transferEncodingLines,
    transferCodings: head.transferCodings,
    chunkedCount: head.chunkedCount,
    finalCoding: head.finalCoding,
    connectionClose: head.connectionClose,
    connectionKeepAlive: head.connectionKeepAlive,
    connectionUpgrade: head.connectionUpgrade,
    hostCount: head.hostCount,
    hostField: head.hostField,
    upgradeField: head.upgradeField,
    expectation: head.expectation,
  };
}

/** What feeding one input to parseHead produced. */
export interface HeadOutcome {
  readonly split: string;
  /** parseHead's last return value. */
  readonly result: number;
  readonly head: ParsedHead;
  /** The buffer and start of the last call (a re-joined buffer once the head spanned pieces). */
  readonly buf: Buffer;
  readonly start: number;
  /** Set when result > 0. */
  readonly snapshot: HeadSnapshot | null;
  /** Pieces parseHead was called with before it stopped returning INCOMPLETE. */
  readonly piecesUsed: number;
}

export interface FeedHeadOptions {
  readonly limits?: HeadLimits;
  /** Bytes placed before the first piece; parseHead gets start = prefix.length. */
  readonly prefix?: Uint8Array;
}

/**
 * Feeds `input` cut at `split` to parseHead as a connection does: the first
 * piece (after `prefix`) at its start; while INCOMPLETE, the unconsumed tail
 * joined with the next piece at start 0, with the same ParsedHead. After every
 * INCOMPLETE it calls again with the same end (must stay INCOMPLETE, `scanned`
 * must not shrink) and checks that `scanned` never decreases. Throws on a
 * broken resumption contract.
 */
export function feedHead(input: Uint8Array, split: Split, options: FeedHeadOptions = {}): HeadOutcome {
  const limits = options.limits ?? HEAD_LIMITS;
  const prefix = options.prefix ?? new Uint8Array(0);
  const pieces = cutPieces(input, split.cuts);
  const head = new ParsedHead(limits.maxHeaderCount);
  head.reset();
  let buf = Buffer.concat([prefix, pieces[0] as Buffer]);
  let start = prefix.length;
  let used = 1;
  let scanned = 0;
  let result = parseHead(buf, start, buf.length, limits, head);
  for (;;) {
    if (result !== INCOMPLETE) break;
    if (head.scanned < scanned) throw new Error(`${split.name}: scanned shrank from ${scanned} to ${head.scanned}`);
    if (head.scanned > buf.length - start) throw new Error(`${split.name}: scanned ${head.scanned} beyond the ${buf.length - start} bytes given`);
    scanned = head.scanned;
    const again = parseHead(buf, start, buf.length, limits, head);
    if (again !== INCOMPLETE) {
      throw new Error(`${split.name}: calling again with the same end after INCOMPLETE: got ${describeResult(again)}, want INCOMPLETE`);
    }
    if (head.scanned < scanned) throw new Error(`${split.name}: repeated call: scanned shrank from ${scanned} to ${head.scanned}`);
    scanned = head.scanned;
    if (used >= pieces.length) break;
    buf = Buffer.concat([buf.subarray(start), pieces[used] as Buffer]);
    start = 0;
    used++;
    result = parseHead(buf, start, buf.length, limits, head);
  }
  return { split: split.name, result, head, buf, start, snapshot: result > 0 ? snapshotHead(buf, start, head) : null, piecesUsed: used };
}

/** Feeds `input` to parseHead under every split (see everySplit). The first outcome is the whole input. */
export function feedHeadEverySplit(input: Uint8Array, options: FeedHeadOptions = {}): HeadOutcome[] {
  return everySplit(input.length).map((split) => feedHead(input, split, options));
}

/** What feeding one input to a body decoder produced. */
export interface BodyOutcome<D extends BodyDecoder> {
  readonly split: string;
  readonly decoder: D;
  /** 0, or the negated Failure code decode returned. */
  readonly failure: number;
  readonly done: boolean;
  /** Offset in the whole input of the first byte after the body; -1 unless done. */
  readonly end: number;
  /** All content handed to the sink, concatenated. */
  readonly content: Buffer;
  /** The views the sink received, as given. */
  readonly views: readonly Buffer[];
}

export interface FeedBodyOptions {
  /**
   * Bytes placed around every piece (decode gets start/end inside them);
   * they must not reach the content nor stop decoding. Default: bare LFs
   * and 'Z', which no decoder may accept.
   */
  readonly guard?: Uint8Array;
}

const DEFAULT_GUARD = Buffer.from('\nZ\n', 'latin1');

/**
 * Feeds `input` cut at `split` to a fresh decoder, one decode() per piece,
 * until it fails or is done. Throws when decode breaks its contract: a return
 * value outside [start, end], less than `end` while not done, or a view
 * outside the piece.
 */
export function feedBody<D extends BodyDecoder>(make: () => D, input: Uint8Array, split: Split, options: FeedBodyOptions = {}): BodyOutcome<D> {
  const guard = options.guard ?? DEFAULT_GUARD;
  const decoder = make();
  const views: Buffer[] = [];
  let failure = 0;
  let end = -1;
  let offset = 0;
  for (const piece of cutPieces(input, split.cuts)) {
    const buf = Buffer.concat([guard, piece, guard]);
    const start = guard.length;
    const stop = start + piece.length;
    const result = decoder.decode(buf, start, stop, (view) => {
      const at = view.byteOffset - buf.byteOffset;
      if (view.buffer !== buf.buffer || at < start || at + view.length > stop) {
        throw new Error(`${split.name}: sink got a view outside buf[${start}, ${stop})`);
      }
      views.push(view);
    });
    if (result < 0) {
      failure = result;
      break;
    }
    if (result < start || result > stop) throw new Error(`${split.name}: decode returned ${result}, outside [${start}, ${stop}]`);
    if (decoder.done) {
      end = offset + (result - start);
      break;
    }
    if (result !== stop) throw new Error(`${split.name}: decode stopped at ${result} before ${stop} while not done`);
    offset += piece.length;
  }
  return { split: split.name, decoder, failure, done: decoder.done, end, content: Buffer.concat(views), views };
}

/** Feeds `input` to fresh decoders under every split (see everySplit). The first outcome is the whole input. */
export function feedBodyEverySplit<D extends BodyDecoder>(make: () => D, input: Uint8Array, options: FeedBodyOptions = {}): Array<BodyOutcome<D>> {
  return everySplit(input.length).map((split) => feedBody(make, input, split, options));
}

/** Bytes of a latin1 string (every char must be < 0x100). */
export function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
