// The failure-code table: every code has a status from the allowed set and a
// unique stable ERR_ code; the error classes carry them.

import { describe, expect, it } from 'vitest';
import {
  BodyTooLargeError,
  ClientGoneError,
  ContentLengthMismatchError,
  Failure,
  FAILURES,
  HeadersSentError,
  HttpError,
  InvalidResponseError,
  ProtocolError,
  ResponseEndedError,
  type FailureCode,
} from '../lib/errors.ts';

const ALLOWED_STATUSES = new Set([400, 408, 413, 414, 417, 431, 501, 505]);
const entries = Object.entries(Failure) as Array<[keyof typeof Failure, FailureCode]>;

/** Statuses the RFCs name for specific failures; every other failure is 400. */
const PINNED: Partial<Record<keyof typeof Failure, number>> = {
  UnsupportedVersion: 505, // RFC 9110 §15.6.6
  UriTooLong: 414, // RFC 9110 §15.5.15
  HeaderTooLarge: 431, // RFC 6585 §5
  TooManyHeaders: 431, // RFC 6585 §5
  TrailerTooLarge: 431, // RFC 6585 §5
  UnsupportedTransferCoding: 501, // RFC 9112 §6.1
  ExpectationFailed: 417, // RFC 9110 §15.5.18
  BodyTooLarge: 413, // RFC 9110 §15.5.14
  HeadersTimeout: 408, // RFC 9110 §15.5.9
  RequestTimeout: 408, // RFC 9110 §15.5.9
};

describe('Failure codes', () => {
  it('are distinct positive integers', () => {
    const values = entries.map(([, code]) => code);
    expect(values.every((code) => Number.isInteger(code) && code > 0), `values: ${JSON.stringify(values)}`).toBe(true);
    expect(new Set(values).size, 'distinct values').toBe(values.length);
  });

  it('FAILURES has exactly one entry per Failure code', () => {
    const keys = Object.keys(FAILURES).map(Number).sort((a, b) => a - b);
    const codes = entries.map(([, code]) => code as number).sort((a, b) => a - b);
    expect(keys, 'FAILURES keys vs Failure values').toEqual(codes);
  });

  it.each(entries)('%s has a status in the allowed set, an ERR_ code and a reason', (name, code) => {
    const info = FAILURES[code];
    expect(info, `FAILURES[Failure.${name}]`).toBeDefined();
    expect(ALLOWED_STATUSES.has(info.status), `Failure.${name}: status ${info.status} not in ${[...ALLOWED_STATUSES].join(',')}`).toBe(true);
    expect(info.code, `Failure.${name}: code`).toMatch(/^ERR_[A-Z0-9_]+$/);
    expect(info.reason.length, `Failure.${name}: reason`).toBeGreaterThan(0);
    const want = PINNED[name] ?? 400;
    expect(info.status, `Failure.${name}: status got ${info.status}, want ${want}`).toBe(want);
  });

  it('ERR_ codes are unique', () => {
    const codes = entries.map(([, code]) => FAILURES[code].code);
    const duplicates = codes.filter((code, i) => codes.indexOf(code) !== i);
    expect(duplicates, 'duplicated codes').toEqual([]);
  });
});

describe('ProtocolError', () => {
  it.each(entries)('from Failure.%s carries status, code, failure and reason', (name, code) => {
    const error = new ProtocolError(code);
    const info = FAILURES[code];
    expect([error.status, error.code, error.failure, error.message], `ProtocolError(${name})`).toEqual([info.status, info.code, code, info.reason]);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProtocolError');
  });
});

describe('error classes', () => {
  it('HttpError keeps status, code, message and cause', () => {
    const cause = new Error('root');
    const error = new HttpError(418, 'ERR_TEAPOT', 'short and stout', { cause });
    expect([error.status, error.code, error.message, error.cause, error.name]).toEqual([418, 'ERR_TEAPOT', 'short and stout', cause, 'HttpError']);
  });

  it('BodyTooLargeError is a 413 HttpError naming the limit', () => {
    const error = new BodyTooLargeError(1024);
    expect(error).toBeInstanceOf(HttpError);
    expect([error.status, error.code]).toEqual([413, 'ERR_BODY_TOO_LARGE']);
    expect(error.message).toContain('1024');
  });

  const codes: Array<{ name: string; make: () => Error & { code: string }; code: string }> = [
    { name: 'HeadersSentError', make: () => new HeadersSentError('set a header'), code: 'ERR_HTTP_HEADERS_SENT' },
    { name: 'ResponseEndedError', make: () => new ResponseEndedError(), code: 'ERR_STREAM_WRITE_AFTER_END' },
    { name: 'InvalidResponseError', make: () => new InvalidResponseError('ERR_INVALID_CHAR', 'bad'), code: 'ERR_INVALID_CHAR' },
    { name: 'ContentLengthMismatchError', make: () => new ContentLengthMismatchError(5, 3), code: 'ERR_HTTP_CONTENT_LENGTH_MISMATCH' },
    { name: 'ClientGoneError', make: () => new ClientGoneError(), code: 'ERR_CLIENT_GONE' },
  ];
  it.each(codes)('$name has code $code and its own name', ({ name, make, code }) => {
    const error = make();
    expect([error.code, error.name]).toEqual([code, name]);
    expect(error).toBeInstanceOf(Error);
  });

  it('InvalidResponseError is a TypeError (API misuse, like node:http)', () => {
    expect(new InvalidResponseError('ERR_INVALID_HTTP_TOKEN', 'x')).toBeInstanceOf(TypeError);
  });
});
