// HeadMemo: a head is reused only when every part is the same, and a reused
// head is the same bytes encodeHead would build.
import { describe, expect, it } from 'vitest';
import { encodeHead } from '../lib/encode.ts';
import { HeadMemo } from '../lib/head-memo.ts';

const DATE = 'Date: Thu, 26 Nov 2026 11:00:00 GMT\r\n';
const LATER = 'Date: Thu, 26 Nov 2026 11:00:01 GMT\r\n';
const FIELDS = ['content-type', 'Content-Type', 'text/plain'];

type Parts = [number, string | undefined, readonly string[], string, string, string];
const BASE: Parts = [200, undefined, FIELDS, DATE, 'Content-Length: 5\r\n', ''];

describe('HeadMemo', () => {
  it('returns the same head for the same parts, also for an equal copy of the fields', () => {
    const memo = new HeadMemo();
    const first = memo.head(...BASE);
    expect(first).toBe(encodeHead(...BASE));
    expect(memo.head(...BASE)).toBe(first);
    expect(memo.head(200, undefined, [...FIELDS], DATE, 'Content-Length: 5\r\n', '')).toBe(first);
  });

  it('builds a new head when any one part differs', () => {
    const variants: Parts[] = [
      [404, undefined, FIELDS, DATE, 'Content-Length: 5\r\n', ''],
      [200, 'Fine', FIELDS, DATE, 'Content-Length: 5\r\n', ''],
      [200, undefined, ['content-type', 'Content-Type', 'text/html'], DATE, 'Content-Length: 5\r\n', ''],
      [200, undefined, ['content-type', 'content-type', 'text/plain'], DATE, 'Content-Length: 5\r\n', ''],
      [200, undefined, [...FIELDS, 'x-a', 'X-A', '1'], DATE, 'Content-Length: 5\r\n', ''],
      [200, undefined, [], DATE, 'Content-Length: 5\r\n', ''],
      [200, undefined, FIELDS, LATER, 'Content-Length: 5\r\n', ''],
      [200, undefined, FIELDS, '', 'Content-Length: 5\r\n', ''],
      [200, undefined, FIELDS, DATE, 'Content-Length: 6\r\n', ''],
      [200, undefined, FIELDS, DATE, 'Content-Length: 5\r\n', 'Connection: close\r\n'],
    ];
    for (const variant of variants) {
      const memo = new HeadMemo();
      memo.head(...BASE);
      memo.head(...BASE);
      expect(memo.head(...variant)).toBe(encodeHead(...variant));
      // and back: the memo now holds the variant, the base is rebuilt
      expect(memo.head(...BASE)).toBe(encodeHead(...BASE));
    }
  });

  it('joins a head and a text body, the same for a repeated pair and new for any change', () => {
    const memo = new HeadMemo();
    const head = encodeHead(...BASE);
    const later = encodeHead(200, undefined, FIELDS, LATER, 'Content-Length: 5\r\n', '');
    const long = 'y'.repeat(5000);
    const sequence: Array<[string, string]> = [
      [head, 'hello'],
      [head, 'hello'],
      [head, 'hello'],
      [head, 'world'],
      [later, 'world'],
      [later, 'hello'],
      [later, long],
      [later, long],
      [head, 'hello'],
      [head, `${'hel'}${'lo'}`],
    ];
    for (const [h, body] of sequence) expect(memo.message(h, body)).toBe(h + body);
  });

  it('encodeHead skips Connection and Transfer-Encoding fields and ends with the empty line', () => {
    const head = encodeHead(200, undefined, ['connection', 'Connection', 'close', 'transfer-encoding', 'Transfer-Encoding', 'chunked', 'x-b', 'X-B', '2'], DATE, '', 'Connection: close\r\n');
    expect(head).toBe(`HTTP/1.1 200 OK\r\nX-B: 2\r\n${DATE}Connection: close\r\n\r\n`);
  });
});
