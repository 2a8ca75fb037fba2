// HeaderView (lazy, case-insensitive views of parsed fields) and TrailerList.

import { describe, expect, it } from 'vitest';
import { HeaderView, TrailerList } from '../lib/headers.ts';
import { FIELD_STRIDE, ParsedHead, parseHead } from '../lib/parse.ts';
import { bytes, describeResult, HEAD_LIMITS } from './support/split.ts';

const FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['Host', 'example.com'],
  ['Accept', 'text/html'],
  ['X-Multi', 'a'],
  ['content-type', 'text/plain'],
  ['x-multi', 'b, c'],
  ['Set-Cookie', 'k=1; Path=/'],
  ['SET-COOKIE', 'k=2'],
  ['X-Empty', ''],
  ['X-Latin', 'caf\xe9'],
];

/** Parses a head placed after some unrelated bytes and views its fields, as a connection does. */
function view(fields: ReadonlyArray<readonly [string, string]> = FIELDS): HeaderView {
  const prefix = 'GARBAGE BEFORE THE HEAD';
  const text = `GET / HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  const buf = bytes(prefix + text + 'BODY');
  const head = new ParsedHead(HEAD_LIMITS.maxHeaderCount);
  head.reset();
  const result = parseHead(buf, prefix.length, buf.length, HEAD_LIMITS, head);
  if (result !== text.length) throw new Error(`parse: got ${describeResult(result)}, want consumed ${text.length}`);
  return new HeaderView(buf, prefix.length, head.fields.slice(0, head.fieldCount * FIELD_STRIDE), head.fieldCount);
}

describe('HeaderView', () => {
  const headers = view();

  const gets: Array<{ name: string; want: string | undefined }> = [
    { name: 'host', want: 'example.com' },
    { name: 'HOST', want: 'example.com' },
    { name: 'Host', want: 'example.com' },
    { name: 'Content-Type', want: 'text/plain' },
    { name: 'x-multi', want: 'a, b, c' },
    { name: 'X-MULTI', want: 'a, b, c' },
    { name: 'set-cookie', want: 'k=1; Path=/, k=2' },
    { name: 'x-empty', want: '' },
    { name: 'x-latin', want: 'caf\xe9' },
    { name: 'missing', want: undefined },
    { name: 'hos', want: undefined },
    { name: 'hostx', want: undefined },
    { name: '', want: undefined },
  ];
  it.each(gets)('get($name) is case-insensitive and joins repeats with ", "', ({ name, want }) => {
    const got = headers.get(name);
    expect(got, `get(${JSON.stringify(name)}): got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`).toBe(want);
  });

  const getAlls: Array<{ name: string; want: string[] }> = [
    { name: 'set-cookie', want: ['k=1; Path=/', 'k=2'] },
    { name: 'X-Multi', want: ['a', 'b, c'] },
    { name: 'accept', want: ['text/html'] },
    { name: 'missing', want: [] },
  ];
  it.each(getAlls)('getAll($name) keeps every line, in order, unjoined', ({ name, want }) => {
    expect(headers.getAll(name), `getAll(${name})`).toEqual(want);
  });

  it('has() is case-insensitive', () => {
    expect([headers.has('HOST'), headers.has('x-empty'), headers.has('X-Latin'), headers.has('nope'), headers.has('')]).toEqual([true, true, true, false, false]);
  });

  it('iterates [name, value] as received: order, original case, repeats', () => {
    expect([...headers], 'for..of').toEqual(FIELDS);
    expect([...headers.entries()], 'entries()').toEqual(FIELDS);
  });

  it('size counts field lines', () => {
    expect(headers.size).toBe(FIELDS.length);
  });

  it('toObject() keys by lower-case name, joins repeats, has no prototype', () => {
    const got = headers.toObject();
    expect(Object.getPrototypeOf(got)).toBe(null);
    expect({ ...got }).toEqual({
      host: 'example.com',
      accept: 'text/html',
      'x-multi': 'a, b, c',
      'content-type': 'text/plain',
      'set-cookie': 'k=1; Path=/, k=2',
      'x-empty': '',
      'x-latin': 'caf\xe9',
    });
    expect(Object.keys(got), 'keys in first-seen order').toEqual(['host', 'accept', 'x-multi', 'content-type', 'set-cookie', 'x-empty', 'x-latin']);
  });

  it('a field called __proto__ is a plain key of toObject()', () => {
    const got = view([['Host', 'a'], ['__proto__', 'x']]).toObject();
    expect(Object.getPrototypeOf(got)).toBe(null);
    expect(got['__proto__']).toBe('x');
  });

  it('an empty head has no fields', () => {
    const empty = new HeaderView(Buffer.alloc(0), 0, new Uint32Array(0), 0);
    expect([empty.size, empty.get('host'), empty.getAll('host'), empty.has('host'), [...empty], { ...empty.toObject() }]).toEqual([0, undefined, [], false, [], {}]);
  });
});

describe('TrailerList', () => {
  const pairs: Array<[string, string]> = [
    ['X-Checksum', 'abc'],
    ['x-multi', '1'],
    ['X-Multi', '2'],
  ];
  const trailers = new TrailerList(pairs);
  it('get() is case-insensitive and joins repeats', () => {
    expect([trailers.get('x-checksum'), trailers.get('X-MULTI'), trailers.get('none')]).toEqual(['abc', '1, 2', undefined]);
  });
  it('has() and size', () => {
    expect([trailers.has('X-CHECKSUM'), trailers.has('none'), trailers.size]).toEqual([true, false, 3]);
  });
  it('iterates pairs as received', () => {
    expect([...trailers]).toEqual(pairs);
  });
});
