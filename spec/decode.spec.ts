// LengthDecoder and ChunkedDecoder (RFC 9112 §6.2, §7.1): every input fed
// whole, split in two at every offset and byte by byte, with guard bytes
// around each piece; content, end offset, done and trailers must agree.

import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder, LengthDecoder, type BodyDecoder, type ChunkedLimits } from '../lib/decode.ts';
import { Failure, type FailureCode } from '../lib/errors.ts';
import { bytes, describeResult, feedBodyEverySplit, type BodyOutcome } from './support/split.ts';

const show = (value: unknown): string => JSON.stringify(value);
const LIMITS: ChunkedLimits = { maxChunkExtensionBytes: 16 * 1024, maxTrailerBytes: 16 * 1024 };

interface Want {
  readonly content: string;
  /** Offset of the first byte after the body; default: the input length. -1 = not done. */
  readonly end?: number;
  readonly trailers?: ReadonlyArray<readonly [string, string]>;
}

/** Describes what an outcome got, for got-vs-want messages. */
function summary<D extends BodyDecoder>(o: BodyOutcome<D>): string {
  const trailers = o.decoder instanceof ChunkedDecoder ? ` trailers=${show(o.decoder.trailers)}` : '';
  if (o.failure !== 0) return describeResult(o.failure);
  return `done=${o.done} end=${o.end} content=${show(o.content.toString('latin1'))}${trailers}`;
}

function runAccept<D extends BodyDecoder>(name: string, make: () => D, input: string, want: Want): void {
  const end = want.end ?? input.length;
  const trailers = want.trailers ?? [];
  const wantText = `done=${end !== -1} end=${end} content=${show(want.content)}`;
  const wrong = feedBodyEverySplit(make, bytes(input)).flatMap((o) => {
    const ok =
      o.failure === 0 &&
      o.done === (end !== -1) &&
      o.end === end &&
      o.content.toString('latin1') === want.content &&
      o.decoder.contentBytes === want.content.length &&
      (!(o.decoder instanceof ChunkedDecoder) || isDeepStrictEqual(o.decoder.trailers, trailers));
    return ok ? [] : [`${o.split}: got ${summary(o)}, want ${wantText}${o.decoder instanceof ChunkedDecoder ? ` trailers=${show(trailers)}` : ''}`];
  });
  expect(wrong, `${name}: got vs want`).toEqual([]);
}

function runReject<D extends BodyDecoder>(rule: string, make: () => D, input: string, want: FailureCode | readonly FailureCode[]): void {
  const wants = (typeof want === 'number' ? [want] : want).map((code) => -code);
  const wantText = wants.map(describeResult).join(' or ');
  const outcomes = feedBodyEverySplit(make, bytes(input));
  const whole = outcomes[0];
  if (whole === undefined) throw new Error('no outcome');
  expect(wants, `${rule} [whole]: got ${summary(whole)}, want ${wantText}`).toContain(whole.failure);
  const wrong = outcomes.filter((o) => o.failure !== whole.failure).map((o) => `${o.split}: got ${summary(o)}, want ${describeResult(whole.failure)}`);
  expect(wrong, `${rule}: splits disagree with the whole input`).toEqual([]);
}

describe('LengthDecoder (RFC 9112 §6.2)', () => {
  const cases: Array<{ name: string; length: number; input: string; want: Want }> = [
    { name: 'exact body', length: 5, input: 'hello', want: { content: 'hello' } },
    { name: 'body followed by the next request', length: 5, input: 'helloGET / HTTP/1.1\r\n', want: { content: 'hello', end: 5 } },
    { name: 'binary content with CR, LF and NUL', length: 6, input: '\r\n\x00\xff\r\n', want: { content: '\r\n\x00\xff\r\n' } },
    { name: 'one byte', length: 1, input: 'xy', want: { content: 'x', end: 1 } },
    { name: 'incomplete body: not done', length: 10, input: 'hello', want: { content: 'hello', end: -1 } },
    { name: 'zero length is done at once', length: 0, input: 'next', want: { content: '', end: 0 } },
  ];
  it.each(cases)('$name', ({ name, length, input, want }) => runAccept(name, () => new LengthDecoder(length), input, want));

  it('counts remaining bytes', () => {
    const decoder = new LengthDecoder(10);
    const buf = bytes('abcdefghijklmnop');
    expect(decoder.decode(buf, 0, 4, () => {})).toBe(4);
    expect([decoder.remaining, decoder.contentBytes, decoder.done]).toEqual([6, 4, false]);
    expect(decoder.decode(buf, 4, buf.length, () => {})).toBe(10);
    expect([decoder.remaining, decoder.contentBytes, decoder.done]).toEqual([0, 10, true]);
    expect(decoder.decode(buf, 10, buf.length, () => {}), 'after done: consumes nothing').toBe(10);
  });

  it('an empty piece consumes nothing and calls no sink', () => {
    const decoder = new LengthDecoder(3);
    let calls = 0;
    expect(decoder.decode(bytes('abc'), 1, 1, () => calls++)).toBe(1);
    expect(calls).toBe(0);
  });
});

describe('ChunkedDecoder (RFC 9112 §7.1): valid input', () => {
  const data26 = 'abcdefghijklmnopqrstuvwxyz';
  const cases: Array<{ name: string; input: string; want: Want; limits?: ChunkedLimits }> = [
    { name: 'one chunk', input: '5\r\nhello\r\n0\r\n\r\n', want: { content: 'hello' } },
    { name: 'no chunks', input: '0\r\n\r\n', want: { content: '' } },
    { name: 'several chunks', input: '3\r\nabc\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n', want: { content: 'abcdef' } },
    { name: 'lowercase hex size', input: `1a\r\n${data26}\r\n0\r\n\r\n`, want: { content: data26 } },
    { name: 'uppercase hex size', input: `1A\r\n${data26}\r\n0\r\n\r\n`, want: { content: data26 } },
    { name: 'leading zeros in sizes', input: '0005\r\nhello\r\n000\r\n\r\n', want: { content: 'hello' } },
    { name: 'chunk data containing CRLF and the terminator pattern', input: '9\r\n\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n', want: { content: '\r\n0\r\n\r\n\r\n' } },
    { name: 'binary chunk data', input: '4\r\n\x00\xff\n\r\r\n0\r\n\r\n', want: { content: '\x00\xff\n\r' } },
    { name: 'body followed by the next request', input: '5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n', want: { content: 'hello', end: 15 } },
    { name: 'extension name', input: '5;a\r\nhello\r\n0\r\n\r\n', want: { content: 'hello' } },
    { name: 'extension name=token', input: '5;a=b\r\nhello\r\n0\r\n\r\n', want: { content: 'hello' } },
    { name: 'extension name=quoted-string with quoted-pair', input: '5;a="q\\"x"\r\nhello\r\n0\r\n\r\n', want: { content: 'hello' } },
    { name: 'quoted-string with ";", "=", SP and obs-text', input: '5;a="x; y=\xe9"\r\nhello\r\n0\r\n\r\n', want: { content: 'hello' } },
    { name: 'several extensions', input: '5;a;b=c;d="e"\r\nhello\r\n0\r\n\r\n', want: { content: 'hello' } },
    { name: 'BWS around ";" and "=" (RFC 9112 §7.1.1)', input: '5 ; a = b\r\nhello\r\n0\r\n\r\n', want: { content: 'hello' } },
    { name: 'HTAB BWS around ";" and "="', input: '5\t;\ta\t=\t"b"\t;c\r\nhello\r\n0\r\n\r\n', want: { content: 'hello' } },
    { name: 'extension on the last chunk', input: '5\r\nhello\r\n0;done=1\r\n\r\n', want: { content: 'hello' } },
    { name: 'extension just within maxChunkExtensionBytes', input: '5;abcdefghijklm\r\nhello\r\n0\r\n\r\n', want: { content: 'hello' }, limits: { ...LIMITS, maxChunkExtensionBytes: 16 } },
    {
      name: 'trailers parsed to [name, value] pairs, OWS trimmed, case kept',
      input: '5\r\nhello\r\n0\r\nX-A: 1\r\nx-b:  two words \t\r\nX-Empty:\r\n\r\n',
      want: { content: 'hello', trailers: [['X-A', '1'], ['x-b', 'two words'], ['X-Empty', '']] },
    },
    { name: 'trailer with obs-text value', input: '0\r\nX: \xe9\xff\r\n\r\n', want: { content: '', trailers: [['X', '\xe9\xff']] } },
    { name: 'repeated trailer kept in order', input: '0\r\nX: 1\r\nX: 2\r\n\r\n', want: { content: '', trailers: [['X', '1'], ['X', '2']] } },
    {
      name: 'trailers followed by the next request',
      input: '0\r\nX: 1\r\n\r\nGET / HTTP/1.1\r\n',
      want: { content: '', trailers: [['X', '1']], end: '0\r\nX: 1\r\n\r\n'.length },
    },
    { name: 'trailer section just within maxTrailerBytes', input: `0\r\nX: ${'a'.repeat(20)}\r\n\r\n`, want: { content: '', trailers: [['X', 'a'.repeat(20)]] }, limits: { ...LIMITS, maxTrailerBytes: 32 } },
    { name: 'largest safe chunk size is no overflow (not done yet)', input: '1fffffffffffff\r\nabc', want: { content: 'abc', end: -1 } },
    { name: 'incomplete: size line only', input: '5\r\nhel', want: { content: 'hel', end: -1 } },
    { name: 'incomplete: trailers unfinished', input: '5\r\nhello\r\n0\r\nX: 1\r\n', want: { content: 'hello', end: -1 } },
  ];
  it.each(cases)('$name', ({ name, input, want, limits }) => runAccept(name, () => new ChunkedDecoder(limits ?? LIMITS), input, want));
});

describe('ChunkedDecoder (RFC 9112 §7.1): invalid input', () => {
  const small: ChunkedLimits = { maxChunkExtensionBytes: 16, maxTrailerBytes: 32 };
  const cases: Array<{ rule: string; input: string; want: FailureCode | readonly FailureCode[]; limits?: ChunkedLimits }> = [
    { rule: 'RFC 9112 §7.1: chunk-size is 1*HEXDIG — sign "-"', input: '-5\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkSize },
    { rule: 'RFC 9112 §7.1: chunk-size is 1*HEXDIG — sign "+"', input: '+5\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkSize },
    { rule: 'RFC 9112 §7.1: chunk-size is 1*HEXDIG — "0x" prefix', input: '0x5\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkSize },
    { rule: 'RFC 9112 §7.1: chunk-size is 1*HEXDIG — empty', input: '\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkSize },
    { rule: 'RFC 9112 §7.1: chunk-size is 1*HEXDIG — empty before an extension', input: ';a\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkSize },
    { rule: 'RFC 9112 §7.1: chunk-size is 1*HEXDIG — leading SP', input: ' 5\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkSize },
    { rule: 'RFC 9112 §7.1: chunk-size is 1*HEXDIG — non-hex "g"', input: '5g\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkSize },
    { rule: 'RFC 9112 §7.1: chunk-size is 1*HEXDIG — non-hex first', input: 'g\r\n', want: Failure.BadChunkSize },
    { rule: 'RFC 9112 §7.1: chunk-size overflow — 2^53', input: '20000000000000\r\n', want: Failure.ChunkSizeOverflow },
    { rule: 'RFC 9112 §7.1: chunk-size overflow — 18 hex digits', input: 'ffffffffffffffffff\r\n', want: Failure.ChunkSizeOverflow },
    { rule: 'RFC 9112 §7.1: chunk-size overflow — many digits, no line end yet', input: '1'.repeat(40), want: Failure.ChunkSizeOverflow },
    { rule: 'RFC 9112 §7.1.1: chunk-ext-name is a token — empty', input: '5;\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkExtension },
    { rule: 'RFC 9112 §7.1.1: chunk-ext-name is a token — "=" first', input: '5;=b\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkExtension },
    { rule: 'RFC 9112 §7.1.1: chunk-ext-name is a token — "@"', input: '5;a@\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkExtension },
    { rule: 'RFC 9112 §7.1.1: chunk-ext-val is token / quoted-string — empty', input: '5;a=\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkExtension },
    { rule: 'RFC 9112 §7.1.1: chunk-ext-val is token / quoted-string — two values', input: '5;a=b c\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkExtension },
    { rule: 'RFC 9112 §7.1.1: chunk-ext-val is token / quoted-string — "=" twice', input: '5;a=b=c\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkExtension },
    { rule: 'RFC 9110 §5.6.4: quoted-string is closed', input: '5;a="open\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkExtension },
    { rule: 'RFC 9110 §5.6.4: no CTL in a quoted-string', input: '5;a="\x01"\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkExtension },
    { rule: 'RFC 9110 §5.6.4: no CTL in a quoted-pair', input: '5;a="\\\x00"\r\nhello\r\n0\r\n\r\n', want: Failure.BadChunkExtension },
    { rule: 'RFC 9112 §7.1.1: BWS only before ";" — SP after the size with no extension', input: '5 \r\nhello\r\n0\r\n\r\n', want: [Failure.BadChunkExtension, Failure.BadChunkSize] },
    { rule: 'RFC 9112 §7.1.1: chunk-ext longer than maxChunkExtensionBytes', input: `5;${'a'.repeat(40)}\r\nhello\r\n0\r\n\r\n`, want: Failure.ChunkExtensionTooLarge, limits: small },
    { rule: 'RFC 9112 §7.1.1: chunk-ext value longer than maxChunkExtensionBytes', input: `5;a="${'x'.repeat(40)}"\r\nhello\r\n0\r\n\r\n`, want: Failure.ChunkExtensionTooLarge, limits: small },
    { rule: 'RFC 9112 §7.1.1: endless chunk-ext is refused before its line ends', input: `5;${'a'.repeat(100)}`, want: Failure.ChunkExtensionTooLarge, limits: small },
    { rule: 'RFC 9112 §7.1.1: endless BWS is refused before its line ends', input: `5${' '.repeat(100)}`, want: [Failure.ChunkExtensionTooLarge, Failure.BadChunkExtension, Failure.BadChunkSize], limits: small },
    { rule: 'RFC 9112 §2.2: bare LF ends the chunk-size line', input: '5\nhello\r\n0\r\n\r\n', want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF ends a chunk-ext', input: '5;a=b\nhello\r\n0\r\n\r\n', want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF ends a chunk-ext name', input: '5;a\nhello\r\n0\r\n\r\n', want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF ends the last-chunk line', input: '5\r\nhello\r\n0\n\r\n', want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: CR not followed by LF in the size line', input: '5\rhello\r\n0\r\n\r\n', want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF after chunk data', input: '5\r\nhello\n0\r\n\r\n', want: [Failure.BadLineEnding, Failure.MissingChunkTerminator] },
    { rule: 'RFC 9112 §7.1: chunk data is followed by CRLF — extra byte', input: '5\r\nhelloX\r\n0\r\n\r\n', want: Failure.MissingChunkTerminator },
    { rule: 'RFC 9112 §7.1: chunk data is followed by CRLF — data longer than its size', input: '3\r\nhello\r\n0\r\n\r\n', want: Failure.MissingChunkTerminator },
    { rule: 'RFC 9112 §7.1: chunk data is followed by CRLF — CR then not LF', input: '5\r\nhello\rX0\r\n\r\n', want: Failure.MissingChunkTerminator },
    { rule: 'RFC 9112 §2.2: bare LF ends a trailer line', input: '0\r\nX: a\nY: b\r\n\r\n', want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF as the empty line after the last chunk', input: '0\r\n\n', want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF as the empty line after trailers', input: '0\r\nX: a\r\n\n', want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare CR in a trailer line', input: '0\r\nX: a\rb\r\n\r\n', want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare CR as the empty line', input: '0\r\n\rX\r\n\r\n', want: Failure.BadLineEnding },
    { rule: 'RFC 9110 §6.5.1: Content-Length is not a trailer', input: '0\r\nContent-Length: 5\r\n\r\n', want: Failure.ForbiddenTrailer },
    { rule: 'RFC 9110 §6.5.1: Transfer-Encoding is not a trailer', input: '0\r\ntransfer-encoding: chunked\r\n\r\n', want: Failure.ForbiddenTrailer },
    { rule: 'RFC 9110 §6.5.1: Host is not a trailer', input: '0\r\nHOST: example.com\r\n\r\n', want: Failure.ForbiddenTrailer },
    { rule: 'RFC 9110 §6.5.1: a framing trailer after an allowed one', input: '0\r\nX: 1\r\nHost: a\r\n\r\n', want: Failure.ForbiddenTrailer },
    { rule: 'RFC 9112 §7.1.2: trailer section larger than maxTrailerBytes', input: `0\r\nX: ${'a'.repeat(40)}\r\n\r\n`, want: Failure.TrailerTooLarge, limits: small },
    { rule: 'RFC 9112 §7.1.2: many trailer lines larger than maxTrailerBytes', input: `0\r\n${'X-Long: 1234\r\n'.repeat(10)}\r\n`, want: Failure.TrailerTooLarge, limits: small },
    { rule: 'RFC 9112 §7.1.2: endless trailer line is refused before it ends', input: `0\r\nX: ${'a'.repeat(100)}`, want: Failure.TrailerTooLarge, limits: small },
    { rule: 'RFC 9112 §5.2: obs-fold in trailers', input: '0\r\nX: a\r\n b\r\n\r\n', want: Failure.ObsoleteLineFolding },
    { rule: 'RFC 9112 §5.2: obs-fold (HTAB) in trailers', input: '0\r\nX: a\r\n\tb\r\n\r\n', want: Failure.ObsoleteLineFolding },
    { rule: 'RFC 9112 §5: trailer field line has a colon', input: '0\r\nNoColon\r\n\r\n', want: Failure.BadTrailer },
    { rule: 'RFC 9110 §5.1: trailer field name is a non-empty token', input: '0\r\n: a\r\n\r\n', want: Failure.BadTrailer },
    { rule: 'RFC 9112 §5.1: no whitespace before the colon in a trailer', input: '0\r\nX : a\r\n\r\n', want: [Failure.BadTrailer, Failure.WhitespaceBeforeColon] },
    { rule: 'RFC 9110 §5.5: NUL in a trailer value', input: '0\r\nX: a\x00\r\n\r\n', want: Failure.BadTrailer },
    { rule: 'RFC 9110 §5.5: DEL in a trailer value', input: '0\r\nX: a\x7f\r\n\r\n', want: Failure.BadTrailer },
  ];
  it.each(cases)('$rule', ({ rule, input, want, limits }) => runReject(rule, () => new ChunkedDecoder(limits ?? LIMITS), input, want));
});

describe('content reaches the sink as views, never copies', () => {
  /** A Buffer of its own (Buffer.alloc is never pooled), so a copy cannot share its ArrayBuffer. */
  const own = (text: string): Buffer => {
    const buf = Buffer.alloc(text.length);
    buf.write(text, 'latin1');
    return buf;
  };
  const decoders: Array<{ name: string; make: () => BodyDecoder; body: string; content: string }> = [
    { name: 'LengthDecoder', make: () => new LengthDecoder(11), body: 'hello world', content: 'hello world' },
    { name: 'ChunkedDecoder', make: () => new ChunkedDecoder(LIMITS), body: '5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: 1\r\n\r\n', content: 'hello world' },
  ];
  it.each(decoders)('$name: views share the input ArrayBuffer', ({ make, body, content }) => {
    const prefix = 'PREFIX';
    const input = own(`${prefix}${body}NEXT`);
    const start = prefix.length;
    const end = start + body.length;
    const views: Buffer[] = [];
    const decoder = make();
    const result = decoder.decode(input, start, input.length, (view) => views.push(view));
    expect(result, `decode: got ${describeResult(result)}, want ${end}`).toBe(end);
    expect(decoder.done).toBe(true);
    expect(Buffer.concat(views).toString('latin1')).toBe(content);
    for (const view of views) {
      expect(view.buffer === input.buffer, 'view.buffer === input.buffer').toBe(true);
      expect(view.byteOffset).toBeGreaterThanOrEqual(input.byteOffset + start);
      expect(view.byteOffset + view.length).toBeLessThanOrEqual(input.byteOffset + end);
    }
  });

  it('LengthDecoder hands over the input itself when it is exactly the body', () => {
    const input = own('abc');
    const views: Buffer[] = [];
    new LengthDecoder(3).decode(input, 0, 3, (view) => views.push(view));
    expect(views.length).toBe(1);
    expect(views[0] === input || views[0]?.buffer === input.buffer).toBe(true);
  });
});

describe('ChunkedDecoder state after done', () => {
  it('consumes nothing more once done', () => {
    const decoder = new ChunkedDecoder(LIMITS);
    const buf = bytes('0\r\n\r\nGET');
    expect(decoder.decode(buf, 0, buf.length, () => {})).toBe(5);
    expect(decoder.decode(buf, 5, buf.length, () => {}), 'second call after done').toBe(5);
    expect(decoder.done).toBe(true);
  });
});
