// Response encoders: status lines, reason phrases, the cached Date line,
// chunk framing and field checks (RFC 9112 §4, §7.1; RFC 9110 §5, §5.6.7, §6.4.1, §15).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { REASON_PHRASES } from '../lib/constants.ts';
import { ChunkedDecoder } from '../lib/decode.ts';
import {
  contentLengthLine,
  CHUNK_END,
  checkFieldName,
  checkFieldValue,
  checkedFieldValue,
  DateCache,
  encodeChunkHeader,
  encodeErrorResponse,
  encodeLastChunk,
  encodeStatusLine,
  fieldNameKey,
  isValidStatus,
  LAST_CHUNK,
  mayHaveBody,
} from '../lib/encode.ts';
import { InvalidResponseError } from '../lib/errors.ts';
import { bytes } from './support/split.ts';

const show = (value: unknown): string => JSON.stringify(value);

describe('encodeStatusLine (RFC 9112 §4)', () => {
  const known = Object.entries(REASON_PHRASES).map(([code, reason]) => ({ status: Number(code), reason }));
  it.each(known)('$status has the line "HTTP/1.1 $status $reason"', ({ status, reason }) => {
    const got = encodeStatusLine(status);
    const want = `HTTP/1.1 ${status} ${reason}\r\n`;
    expect(got, `got ${show(got)}, want ${show(want)}`).toBe(want);
  });

  const cases: Array<{ name: string; status: number; reason?: string; want: string }> = [
    { name: 'RFC 9110 §15.3.1: 200 OK', status: 200, want: 'HTTP/1.1 200 OK\r\n' },
    { name: 'RFC 9110 §15.5.5: 404 Not Found', status: 404, want: 'HTTP/1.1 404 Not Found\r\n' },
    { name: 'RFC 9110 §15.5.14: 413 Content Too Large (not the old "Payload Too Large")', status: 413, want: 'HTTP/1.1 413 Content Too Large\r\n' },
    { name: 'RFC 9110 §15.5.21: 422 Unprocessable Content', status: 422, want: 'HTTP/1.1 422 Unprocessable Content\r\n' },
    { name: 'RFC 6585 §5: 431', status: 431, want: 'HTTP/1.1 431 Request Header Fields Too Large\r\n' },
    { name: 'RFC 9110 §15.6.6: 505', status: 505, want: 'HTTP/1.1 505 HTTP Version Not Supported\r\n' },
    { name: 'custom reason', status: 200, reason: 'Fine', want: 'HTTP/1.1 200 Fine\r\n' },
    { name: 'RFC 9112 §4: empty reason keeps the SP', status: 200, reason: '', want: 'HTTP/1.1 200 \r\n' },
    { name: 'RFC 9112 §4: unknown status, empty reason keeps the SP', status: 599, want: 'HTTP/1.1 599 \r\n' },
  ];
  it.each(cases)('$name', ({ status, reason, want }) => {
    const got = reason === undefined ? encodeStatusLine(status) : encodeStatusLine(status, reason);
    expect(got, `got ${show(got)}, want ${show(want)}`).toBe(want);
  });

  it('status-line grammar: HTTP-version SP 3DIGIT SP reason CRLF, for every known code', () => {
    for (const code of Object.keys(REASON_PHRASES)) {
      const line = encodeStatusLine(Number(code));
      expect(line, `status ${code}: got ${show(line)}`).toMatch(/^HTTP\/1\.1 [1-9]\d\d [\t !-~]*\r\n$/);
    }
  });
});

describe('isValidStatus (RFC 9110 §15)', () => {
  const cases: Array<{ status: number; want: boolean }> = [
    { status: 100, want: true },
    { status: 200, want: true },
    { status: 999, want: true },
    { status: 99, want: false },
    { status: 1000, want: false },
    { status: 0, want: false },
    { status: -200, want: false },
    { status: 200.5, want: false },
    { status: Number.NaN, want: false },
    { status: Number.POSITIVE_INFINITY, want: false },
  ];
  it.each(cases)('$status → $want', ({ status, want }) => {
    expect(isValidStatus(status), `isValidStatus(${status}): want ${want}`).toBe(want);
  });
});

describe('mayHaveBody (RFC 9110 §6.4.1, §9.3.2; RFC 9112 §6.3)', () => {
  const cases: Array<{ method: string; status: number; want: boolean; rule: string }> = [
    { method: 'GET', status: 200, want: true, rule: '200 to GET has content' },
    { method: 'POST', status: 201, want: true, rule: '201 has content' },
    { method: 'GET', status: 404, want: true, rule: '4xx has content' },
    { method: 'GET', status: 500, want: true, rule: '5xx has content' },
    { method: 'HEAD', status: 200, want: false, rule: 'RFC 9110 §9.3.2: no content in a response to HEAD' },
    { method: 'HEAD', status: 404, want: false, rule: 'RFC 9110 §9.3.2: no content in any response to HEAD' },
    { method: 'GET', status: 100, want: false, rule: 'RFC 9110 §6.4.1: 1xx has no content' },
    { method: 'GET', status: 101, want: false, rule: 'RFC 9110 §6.4.1: 1xx has no content' },
    { method: 'GET', status: 103, want: false, rule: 'RFC 9110 §6.4.1: 1xx has no content' },
    { method: 'GET', status: 204, want: false, rule: 'RFC 9110 §6.4.1: 204 has no content' },
    { method: 'GET', status: 304, want: false, rule: 'RFC 9110 §6.4.1: 304 has no content' },
    { method: 'get', status: 200, want: true, rule: 'methods are case-sensitive: "head" is not HEAD' },
  ];
  it.each(cases)('$rule ($method $status → $want)', ({ method, status, want }) => {
    expect(mayHaveBody(method, status), `mayHaveBody(${method}, ${status}): want ${want}`).toBe(want);
  });
});

describe('DateCache (RFC 9110 §5.6.7)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const IMF_FIXDATE = /^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT\r\n$/;
  const cases: Array<{ ms: number; want: string }> = [
    { ms: 784111777000, want: 'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n' },
    { ms: 784111777999, want: 'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n' },
    { ms: 0, want: 'Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n' },
    { ms: Date.UTC(2024, 1, 29, 23, 59, 59, 500), want: 'Date: Thu, 29 Feb 2024 23:59:59 GMT\r\n' },
    { ms: Date.UTC(2000, 0, 1, 0, 0, 0), want: 'Date: Sat, 01 Jan 2000 00:00:00 GMT\r\n' },
  ];
  it.each(cases)('formats $ms as IMF-fixdate', ({ ms, want }) => {
    const got = new DateCache().line(ms);
    expect(got, `got ${show(got)}, want ${show(want)}`).toBe(want);
    expect(got).toMatch(IMF_FIXDATE);
  });

  it('is IMF-fixdate for now', () => {
    expect(new DateCache().line(Date.now())).toMatch(IMF_FIXDATE);
  });

  it('formats at most once per second', () => {
    const format = vi.spyOn(Date.prototype, 'toUTCString');
    const cache = new DateCache();
    const base = 1_700_000_000_000;
    const first = cache.line(base);
    for (const ms of [base + 1, base + 500, base + 999]) expect(cache.line(ms), `same second (+${ms - base} ms)`).toBe(first);
    expect(format, 'formats within one second').toHaveBeenCalledTimes(1);
    const next = cache.line(base + 1000);
    expect(next).not.toBe(first);
    expect(format, 'formats again in the next second').toHaveBeenCalledTimes(2);
    cache.line(base + 1999);
    expect(format).toHaveBeenCalledTimes(2);
    expect(cache.line(base), 'a clock that steps back gets its own second').toBe(first);
  });

  it('maps a monotonic reading to the wall clock it was last synced with', () => {
    const cache = new DateCache();
    cache.syncWallClock(784111777000, 1_000);
    expect(cache.lineAt(1_500)).toBe('Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n');
    expect(cache.lineAt(2_000)).toBe('Date: Sun, 06 Nov 1994 08:49:38 GMT\r\n');
    const before = Date.now();
    const got = new DateCache().lineAt(performance.now());
    const after = Date.now();
    expect([cache.line(before), cache.line(after)], 'synced with the wall clock at construction').toContain(got);
  });

  it('announces the keep-alive timeout in whole seconds (RFC 9112 Appendix C.2.2)', () => {
    const cache = new DateCache();
    expect(cache.keepAliveLine(65_000)).toBe('Keep-Alive: timeout=65\r\n');
    expect(cache.keepAliveLine(5_500)).toBe('Keep-Alive: timeout=5\r\n');
    expect(cache.keepAliveLine(65_000)).toBe('Keep-Alive: timeout=65\r\n');
  });
});

describe('Content-Length line (RFC 9110 §8.6)', () => {
  it.each([0, 1, 13, 4095, 4096, 4097, 1048576, 2 ** 40])('is the decimal byte count for %d, the same from the cache and without it', (length) => {
    const want = `Content-Length: ${length}\r\n`;
    expect(contentLengthLine(length)).toBe(want);
    expect(contentLengthLine(length), 'second call (cached below 4096)').toBe(want);
  });
});

describe('chunk framing (RFC 9112 §7.1)', () => {
  const cases: Array<{ length: number; want: string }> = [
    { length: 1, want: '1\r\n' },
    { length: 9, want: '9\r\n' },
    { length: 10, want: 'a\r\n' },
    { length: 255, want: 'ff\r\n' },
    { length: 4096, want: '1000\r\n' },
    { length: 65536, want: '10000\r\n' },
  ];
  it.each(cases)('chunk header for $length bytes is $want', ({ length, want }) => {
    const got = encodeChunkHeader(length);
    expect(got, `got ${show(got)}, want ${show(want)}`).toBe(want);
  });

  it('CHUNK_END and LAST_CHUNK', () => {
    expect(CHUNK_END).toBe('\r\n');
    expect(LAST_CHUNK).toBe('0\r\n\r\n');
    expect(encodeLastChunk(undefined)).toBe('0\r\n\r\n');
    expect(encodeLastChunk([])).toBe('0\r\n\r\n');
  });

  it('last chunk with trailers', () => {
    const got = encodeLastChunk([
      ['X-Checksum', 'abc'],
      ['Server-Timing', 'db;dur=53'],
    ]);
    const want = '0\r\nX-Checksum: abc\r\nServer-Timing: db;dur=53\r\n\r\n';
    expect(got, `got ${show(got)}, want ${show(want)}`).toBe(want);
  });

  it('an encoded body decodes back to the same content and trailers', () => {
    const trailers: Array<[string, string]> = [['X-A', '1'], ['x-b', 'two']];
    const wire = `${encodeChunkHeader(5)}hello${CHUNK_END}${encodeChunkHeader(300)}${'z'.repeat(300)}${CHUNK_END}${encodeLastChunk(trailers)}`;
    const decoder = new ChunkedDecoder({ maxChunkExtensionBytes: 1024, maxTrailerBytes: 1024 });
    const parts: Buffer[] = [];
    const buf = bytes(wire);
    const result = decoder.decode(buf, 0, buf.length, (view) => parts.push(view));
    expect(result).toBe(buf.length);
    expect(decoder.done).toBe(true);
    expect(Buffer.concat(parts).toString('latin1')).toBe(`hello${'z'.repeat(300)}`);
    expect(decoder.trailers).toEqual(trailers);
  });

  const badTrailers: Array<{ rule: string; trailer: [string, string]; code: string }> = [
    { rule: 'RFC 9110 §5.1: trailer name is a token', trailer: ['Bad Name', 'v'], code: 'ERR_INVALID_HTTP_TOKEN' },
    { rule: 'RFC 9110 §5.5: CR LF in a trailer value (injection)', trailer: ['X', 'a\r\nContent-Length: 0'], code: 'ERR_INVALID_CHAR' },
  ];
  it.each(badTrailers)('$rule', ({ trailer, code }) => {
    expect(() => encodeLastChunk([trailer])).toThrow(expect.objectContaining({ code }));
  });
});

describe('checkFieldName / checkFieldValue (RFC 9110 §5.1, §5.5)', () => {
  const goodNames = ['Content-Type', 'x', "!#$%&'*+-.^_`|~09AZaz"];
  it.each(goodNames)('accepts the name %j', (name) => {
    expect(() => checkFieldName(name)).not.toThrow();
  });

  const badNames: Array<{ rule: string; name: string }> = [
    { rule: 'RFC 9110 §5.1: a name is not empty', name: '' },
    { rule: 'RFC 9110 §5.1: SP is not a tchar', name: 'a b' },
    { rule: 'RFC 9110 §5.1: ":" is not a tchar', name: 'a:b' },
    { rule: 'RFC 9110 §5.1: CR LF in a name (injection)', name: 'X\r\nInjected' },
    { rule: 'RFC 9110 §5.1: LF in a name', name: 'X\n' },
    { rule: 'RFC 9110 §5.1: NUL in a name', name: 'X\0' },
    { rule: 'RFC 9110 §5.1: non-ASCII in a name', name: 'caf\u00e9' },
    { rule: 'RFC 9110 §5.1: non-Latin-1 in a name', name: 'x\u0100' },
    { rule: 'RFC 9110 §5.1: a surrogate pair whose low bits look like a tchar', name: '\u{1F341}' },
    { rule: 'RFC 9110 §5.1: a char whose low byte is a tchar', name: '\u0141' },
  ];
  it.each(badNames)('$rule: $name', ({ name }) => {
    let thrown: unknown;
    try {
      checkFieldName(name);
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `checkFieldName(${show(name)}): want InvalidResponseError`).toBeInstanceOf(InvalidResponseError);
    expect((thrown as InvalidResponseError).code).toBe('ERR_INVALID_HTTP_TOKEN');
    expect(thrown).toBeInstanceOf(TypeError);
  });

  const goodValues: Array<{ value: string; ascii: boolean }> = [
    { value: '', ascii: true },
    { value: 'text/plain; charset=utf-8', ascii: true },
    { value: 'a\tb c', ascii: true },
    { value: '"quoted" (comment) <>', ascii: true },
    { value: 'caf\u00e9', ascii: false },
    { value: '\u00ff', ascii: false },
  ];
  it.each(goodValues)('accepts the value $value (ascii: $ascii)', ({ value, ascii }) => {
    expect(checkFieldValue('x', value), `checkFieldValue(${show(value)}): want ascii=${ascii}`).toBe(ascii);
  });

  const badValues: Array<{ rule: string; value: string }> = [
    { rule: 'RFC 9110 §5.5: CR LF in a value (header injection)', value: 'a\r\nSet-Cookie: x=1' },
    { rule: 'RFC 9110 §5.5: bare LF in a value', value: 'a\nb' },
    { rule: 'RFC 9110 §5.5: bare CR in a value', value: 'a\rb' },
    { rule: 'RFC 9110 §5.5: NUL in a value', value: 'a\0b' },
    { rule: 'RFC 9110 §5.5: CTL 0x01 in a value', value: '\x01' },
    { rule: 'RFC 9110 §5.5: DEL in a value', value: '\x7f' },
    { rule: 'RFC 9110 §5.5: beyond Latin-1 cannot be sent as octets', value: 'x\u0100' },
    { rule: 'RFC 9110 §5.5: a char whose low byte is CR (U+010D)', value: 'a\u010d\u010aInjected: 1' },
    { rule: 'RFC 9110 §5.5: U+2028 line separator', value: 'a\u2028b' },
  ];
  it.each(badValues)('$rule', ({ value }) => {
    let thrown: unknown;
    try {
      checkFieldValue('x', value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `checkFieldValue(${show(value)}): want InvalidResponseError`).toBeInstanceOf(InvalidResponseError);
    expect((thrown as InvalidResponseError).code).toBe('ERR_INVALID_CHAR');
  });
});

describe('fieldNameKey / checkedFieldValue: the checks, remembered', () => {
  const codeOf = (check: () => unknown): string | undefined => {
    try {
      check();
    } catch (error) {
      return error instanceof InvalidResponseError ? error.code : 'not an InvalidResponseError';
    }
    return undefined;
  };
  const names = ['Content-Type', 'content-type', 'X-Id', '', 'a b', 'X\r\nInjected', 'caf\u00e9', '\u0141', 'X'.repeat(200), `${'X'.repeat(200)} `];
  const values = ['text/plain', '', 'caf\u00e9', 'a\r\nSet-Cookie: x=1', '\x7f', 'a\u010d\u010aInjected: 1', 'x'.repeat(200), `${'x'.repeat(200)}\n`];

  it('give the same verdicts as the checks, on first use and when asked again', () => {
    for (let round = 0; round < 3; round++) {
      for (const name of names) {
        const expected = codeOf(() => checkFieldName(name));
        expect(codeOf(() => fieldNameKey(name)), `fieldNameKey(${show(name)}) round ${round}`).toBe(expected);
        if (expected === undefined) expect(fieldNameKey(name)).toBe(name.toLowerCase());
      }
      for (const value of values) {
        const expected = codeOf(() => checkFieldValue('x', value));
        expect(codeOf(() => checkedFieldValue('x', value)), `checkedFieldValue(${show(value)}) round ${round}`).toBe(expected);
        if (expected === undefined) expect(checkedFieldValue('x', value)).toBe(checkFieldValue('x', value));
      }
    }
  });

  it('stay right after many more distinct strings than they keep', () => {
    for (let i = 0; i < 2_000; i++) {
      expect(fieldNameKey(`X-Name-${i}`)).toBe(`x-name-${i}`);
      expect(checkedFieldValue('x', `v\u00e9${i}`)).toBe(false);
      expect(checkedFieldValue('x', `v${i}`)).toBe(true);
    }
    expect(codeOf(() => checkedFieldValue('x', 'late\r\nInjected: 1'))).toBe('ERR_INVALID_CHAR');
    expect(codeOf(() => fieldNameKey('late name'))).toBe('ERR_INVALID_HTTP_TOKEN');
    expect(checkedFieldValue('x', 'v\u00e90')).toBe(false);
  });
});

describe('encodeErrorResponse', () => {
  const DATE = 'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n';
  const statuses = [400, 408, 413, 414, 417, 431, 500, 501, 505];
  it.each(statuses)('%i: status line, Date, Connection: close, exact Content-Length, reason as body', (status) => {
    const text = encodeErrorResponse(status, DATE);
    const reason = REASON_PHRASES[status] ?? '';
    const split = text.indexOf('\r\n\r\n');
    expect(split).toBeGreaterThan(0);
    const head = text.slice(0, split + 2);
    const body = text.slice(split + 4);
    expect(head.startsWith(`HTTP/1.1 ${status} ${reason}\r\n`), `head: ${show(head)}`).toBe(true);
    expect(head).toContain(DATE);
    expect(head).toMatch(/\r\nConnection: close\r\n/);
    const length = /\r\nContent-Length: (\d+)\r\n/.exec(head)?.[1];
    expect(Number(length), `Content-Length: got ${length}, want ${Buffer.byteLength(body, 'latin1')}`).toBe(Buffer.byteLength(body, 'latin1'));
    expect(body).toBe(reason);
  });
});
