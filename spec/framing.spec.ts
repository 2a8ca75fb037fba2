// decideFraming: body length, keep-alive, expect-continue and upgrade of a
// parsed head (RFC 9112 §6.1, §6.3, §9.3; RFC 9110 §7.6.1, §7.8, §10.1.1).

import { describe, expect, it } from 'vitest';
import { Failure, FAILURES, type FailureCode } from '../lib/errors.ts';
import { decideFraming, type Framing } from '../lib/framing.ts';
import { bytes, describeResult, feedHead, failureName } from './support/split.ts';

/** Parses a request head (must be valid) and returns decideFraming's answer. */
function frame(version: '1.0' | '1.1', fields: readonly string[], method = 'POST'): Framing | number {
  const text = `${method} / HTTP/${version}\r\nHost: example.com\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`;
  const outcome = feedHead(bytes(text), { name: 'whole', cuts: [] });
  if (outcome.result !== text.length) {
    throw new Error(`head ${JSON.stringify(text)}: got ${describeResult(outcome.result)}, want consumed ${text.length}`);
  }
  return decideFraming(outcome.head);
}

const show = (value: Framing | number): string => (typeof value === 'number' ? `-Failure.${failureName(-value)}` : JSON.stringify(value));

interface Case {
  readonly name: string;
  readonly version: '1.0' | '1.1';
  readonly fields: readonly string[];
  readonly method?: string;
  readonly want: Framing | FailureCode;
}

function run(c: Case): void {
  const got = frame(c.version, c.fields, c.method);
  const want = typeof c.want === 'number' ? -c.want : c.want;
  expect(got, `${c.name}: got ${show(got)}, want ${show(want)}`).toEqual(want);
}

const NONE = { kind: 'None' } as const;
const CHUNKED = { kind: 'Chunked' } as const;
const length = (n: number): Framing['body'] => ({ kind: 'Length', length: n });
const framing = (body: Framing['body'], keepAlive = true, expectContinue = false, wantsUpgrade = false): Framing => ({
  body,
  keepAlive,
  expectContinue,
  wantsUpgrade,
});

describe('body length (RFC 9112 §6.3)', () => {
  const cases: Case[] = [
    { name: 'no Content-Length, no Transfer-Encoding → no body', version: '1.1', fields: [], want: framing(NONE) },
    { name: 'Content-Length: 0 → no body', version: '1.1', fields: ['Content-Length: 0'], want: framing(NONE) },
    { name: 'Content-Length: 5 → 5 bytes', version: '1.1', fields: ['Content-Length: 5'], want: framing(length(5)) },
    { name: 'Content-Length: 5, 5 → 5 bytes', version: '1.1', fields: ['Content-Length: 5, 5'], want: framing(length(5)) },
    { name: 'GET with Content-Length has a body too', version: '1.1', method: 'GET', fields: ['Content-Length: 3'], want: framing(length(3)) },
    { name: 'Transfer-Encoding: chunked → chunked', version: '1.1', fields: ['Transfer-Encoding: chunked'], want: framing(CHUNKED) },
    { name: 'Transfer-Encoding: Chunked (case-insensitive) → chunked', version: '1.1', fields: ['Transfer-Encoding: Chunked'], want: framing(CHUNKED) },
    { name: 'Transfer-Encoding: , chunked (empty member) → chunked', version: '1.1', fields: ['Transfer-Encoding: , chunked'], want: framing(CHUNKED) },
    {
      name: 'RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 → chunked, but close after the response',
      version: '1.0',
      fields: ['Transfer-Encoding: chunked', 'Connection: keep-alive'],
      want: framing(CHUNKED, false),
    },
    { name: 'RFC 9112 §6.3: Content-Length with Transfer-Encoding → 400', version: '1.1', fields: ['Content-Length: 5', 'Transfer-Encoding: chunked'], want: Failure.ContentLengthWithTransferEncoding },
    { name: 'RFC 9112 §6.3: Transfer-Encoding with Content-Length (either order) → 400', version: '1.1', fields: ['Transfer-Encoding: chunked', 'Content-Length: 0'], want: Failure.ContentLengthWithTransferEncoding },
    { name: 'RFC 9112 §6.3: Content-Length with Transfer-Encoding in HTTP/1.0 → 400', version: '1.0', fields: ['Content-Length: 5', 'Transfer-Encoding: chunked'], want: Failure.ContentLengthWithTransferEncoding },
    { name: 'RFC 9112 §6.1: empty Transfer-Encoding → 400', version: '1.1', fields: ['Transfer-Encoding:'], want: Failure.BadTransferEncoding },
    { name: 'RFC 9112 §6.1: Transfer-Encoding of empty members only → 400', version: '1.1', fields: ['Transfer-Encoding: , ,'], want: Failure.BadTransferEncoding },
    { name: 'RFC 9112 §6.1: chunked applied twice (one line) → 400', version: '1.1', fields: ['Transfer-Encoding: chunked, chunked'], want: Failure.BadTransferEncoding },
    { name: 'RFC 9112 §6.1: chunked applied twice (two lines) → 400', version: '1.1', fields: ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], want: Failure.BadTransferEncoding },
    { name: 'RFC 9112 §6.3: chunked not the final coding → 400', version: '1.1', fields: ['Transfer-Encoding: chunked, gzip'], want: Failure.ChunkedNotFinal },
    { name: 'RFC 9112 §6.3: no chunked at all → 400', version: '1.1', fields: ['Transfer-Encoding: gzip'], want: Failure.ChunkedNotFinal },
    { name: 'RFC 9112 §6.3: chunked not final across lines → 400', version: '1.1', fields: ['Transfer-Encoding: chunked', 'Transfer-Encoding: gzip'], want: Failure.ChunkedNotFinal },
    { name: 'RFC 9112 §6.1: gzip, chunked is not implemented → 501', version: '1.1', fields: ['Transfer-Encoding: gzip, chunked'], want: Failure.UnsupportedTransferCoding },
    { name: 'RFC 9112 §6.1: gzip then chunked across lines → 501', version: '1.1', fields: ['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], want: Failure.UnsupportedTransferCoding },
  ];
  it.each(cases)('$name', run);

  it('the statuses: unsupported coding is 501, other framing failures 400', () => {
    expect(FAILURES[Failure.UnsupportedTransferCoding].status).toBe(501);
    for (const code of [Failure.ContentLengthWithTransferEncoding, Failure.BadTransferEncoding, Failure.ChunkedNotFinal] as const) {
      expect(FAILURES[code].status, `${failureName(code)}: status`).toBe(400);
    }
  });
});

describe('keep-alive (RFC 9112 §9.3)', () => {
  const cases: Case[] = [
    { name: 'HTTP/1.1 persists by default', version: '1.1', fields: [], want: framing(NONE, true) },
    { name: 'HTTP/1.1 with Connection: close', version: '1.1', fields: ['Connection: close'], want: framing(NONE, false) },
    { name: 'HTTP/1.1 with Connection: Close (case-insensitive)', version: '1.1', fields: ['Connection: Close'], want: framing(NONE, false) },
    { name: 'HTTP/1.1 with Connection: keep-alive', version: '1.1', fields: ['Connection: keep-alive'], want: framing(NONE, true) },
    { name: 'HTTP/1.1 with close in a list', version: '1.1', fields: ['Connection: foo, close'], want: framing(NONE, false) },
    { name: 'HTTP/1.1 with keep-alive and close', version: '1.1', fields: ['Connection: keep-alive, close'], want: framing(NONE, false) },
    { name: 'HTTP/1.0 closes by default', version: '1.0', fields: [], want: framing(NONE, false) },
    { name: 'HTTP/1.0 with Connection: keep-alive', version: '1.0', fields: ['Connection: keep-alive'], want: framing(NONE, true) },
    { name: 'HTTP/1.0 with Connection: Keep-Alive (case-insensitive)', version: '1.0', fields: ['Connection: Keep-Alive'], want: framing(NONE, true) },
    { name: 'HTTP/1.0 with keep-alive and close', version: '1.0', fields: ['Connection: keep-alive, close'], want: framing(NONE, false) },
    { name: 'HTTP/1.0 with keep-alive and a Content-Length body', version: '1.0', fields: ['Connection: keep-alive', 'Content-Length: 2'], want: framing(length(2), true) },
  ];
  it.each(cases)('$name', run);
});

describe('Expect (RFC 9110 §10.1.1)', () => {
  const cases: Case[] = [
    { name: '100-continue with a Content-Length body', version: '1.1', fields: ['Expect: 100-continue', 'Content-Length: 5'], want: framing(length(5), true, true) },
    { name: '100-Continue (case-insensitive) with a body', version: '1.1', fields: ['Expect: 100-Continue', 'Content-Length: 5'], want: framing(length(5), true, true) },
    { name: '100-continue with a chunked body', version: '1.1', fields: ['Expect: 100-continue', 'Transfer-Encoding: chunked'], want: framing(CHUNKED, true, true) },
    { name: '100-continue without a body: nothing to wait for', version: '1.1', fields: ['Expect: 100-continue'], want: framing(NONE, true, false) },
    { name: '100-continue with Content-Length: 0: nothing to wait for', version: '1.1', fields: ['Expect: 100-continue', 'Content-Length: 0'], want: framing(NONE, true, false) },
    { name: 'RFC 9110 §10.1.1: 100-continue from HTTP/1.0 is ignored', version: '1.0', fields: ['Expect: 100-continue', 'Content-Length: 5'], want: framing(length(5), false, false) },
    { name: 'RFC 9110 §10.1.1: other expectation in HTTP/1.1 → 417', version: '1.1', fields: ['Expect: foo'], want: Failure.ExpectationFailed },
    { name: 'RFC 9110 §10.1.1: other expectation with a body → 417', version: '1.1', fields: ['Expect: foo', 'Content-Length: 5'], want: Failure.ExpectationFailed },
    { name: 'RFC 9110 §10.1.1: other expectation next to 100-continue → 417', version: '1.1', fields: ['Expect: 100-continue', 'Expect: bar'], want: Failure.ExpectationFailed },
    { name: 'RFC 9110 §10.1.1: other expectation from HTTP/1.0 is ignored', version: '1.0', fields: ['Expect: foo', 'Content-Length: 5'], want: framing(length(5), false, false) },
  ];
  it.each(cases)('$name', run);

  it('417 is the status of ExpectationFailed', () => {
    expect(FAILURES[Failure.ExpectationFailed].status).toBe(417);
  });
});

describe('upgrade (RFC 9110 §7.8)', () => {
  const cases: Case[] = [
    { name: 'Connection: upgrade + Upgrade → wantsUpgrade', version: '1.1', method: 'GET', fields: ['Connection: Upgrade', 'Upgrade: websocket'], want: framing(NONE, true, false, true) },
    { name: 'Upgrade listed among other options', version: '1.1', method: 'GET', fields: ['Connection: keep-alive, upgrade', 'Upgrade: h2c'], want: framing(NONE, true, false, true) },
    { name: 'Upgrade before Connection', version: '1.1', method: 'GET', fields: ['Upgrade: websocket', 'Connection: upgrade'], want: framing(NONE, true, false, true) },
    { name: 'Connection: upgrade without an Upgrade field', version: '1.1', method: 'GET', fields: ['Connection: upgrade'], want: framing(NONE, true, false, false) },
    {
      name: 'RFC 9110 §7.8: a server MUST ignore Upgrade in an HTTP/1.0 request',
      version: '1.0',
      method: 'GET',
      fields: ['Connection: upgrade, keep-alive', 'Upgrade: websocket'],
      want: framing(NONE, true, false, false),
    },
    { name: 'Upgrade field not listed in Connection (RFC 9110 §7.8)', version: '1.1', method: 'GET', fields: ['Upgrade: websocket'], want: framing(NONE, true, false, false) },
  ];
  it.each(cases)('$name', run);
});
