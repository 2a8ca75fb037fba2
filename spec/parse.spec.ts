// parseHead against the parser rules of DESIGN.md (RFC 9112 §2-5, RFC 9110
// §5): every case is parsed whole, split in two at every offset and byte by
// byte, and every way must give the same answer.

import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COLON, CR, DEL, HTAB, KNOWN_METHODS, LF, SP } from '../lib/constants.ts';
import { Failure, type FailureCode } from '../lib/errors.ts';
import {
  Expectation,
  FinalCoding,
  INCOMPLETE,
  internMethod,
  listMemberEnd,
  ParsedHead,
  parseHead,
  skipOws,
  TargetForm,
  trimOws,
  type HeadLimits,
} from '../lib/parse.ts';
import {
  bytes,
  decodeFields,
  describeResult,
  everySplit,
  feedHead,
  feedHeadEverySplit,
  HEAD_LIMITS,
  snapshotHead,
  type HeadSnapshot,
} from './support/split.ts';

const CRLF = '\r\n';
const HOST = 'Host: example.com';

/** A request head: the request line, field lines, the empty line. */
function head(requestLine: string, ...fields: string[]): string {
  return requestLine + CRLF + fields.map((field) => field + CRLF).join('') + CRLF;
}

/** A GET / HTTP/1.1 head with a Host and `fields`. */
function get(...fields: string[]): string {
  return head('GET / HTTP/1.1', HOST, ...fields);
}

type Expect = { readonly [K in keyof HeadSnapshot]?: HeadSnapshot[K] } & { readonly consumed?: number };

interface Accept {
  readonly name: string;
  readonly input: string;
  readonly want: Expect;
  readonly limits?: Partial<HeadLimits>;
}

interface Reject {
  /** The RFC rule the input breaks. */
  readonly rule: string;
  readonly input: string;
  /** The failure, or the failures any of which the rule allows. */
  readonly want: FailureCode | readonly FailureCode[];
  readonly limits?: Partial<HeadLimits>;
}

const limitsOf = (limits: Partial<HeadLimits> | undefined): HeadLimits => ({ ...HEAD_LIMITS, ...limits });
const show = (value: unknown): string => JSON.stringify(value);

function runAccept(c: Accept): void {
  const input = bytes(c.input);
  const outcomes = feedHeadEverySplit(input, { limits: limitsOf(c.limits) });
  const whole = outcomes[0];
  if (whole === undefined) throw new Error('no outcome');
  const consumed = c.want.consumed ?? input.length;
  expect(whole.result, `${c.name} [whole]: got ${describeResult(whole.result)}, want consumed ${consumed}`).toBe(consumed);
  const snapshot = whole.snapshot;
  if (snapshot === null) throw new Error('no snapshot');
  for (const [key, want] of Object.entries(c.want)) {
    if (key === 'consumed') continue;
    const got = snapshot[key as keyof HeadSnapshot];
    expect(got, `${c.name}: ${key}: got ${show(got)}, want ${show(want)}`).toEqual(want);
  }
  const mismatches = outcomes.slice(1).flatMap((o) => {
    if (o.result !== whole.result) return [`${o.split}: got ${describeResult(o.result)}, want ${describeResult(whole.result)}`];
    if (!isDeepStrictEqual(o.snapshot, snapshot)) return [`${o.split}: got ${show(o.snapshot)}, want ${show(snapshot)}`];
    return [];
  });
  expect(mismatches, `${c.name}: splits disagree with the whole input`).toEqual([]);
}

function runReject(c: Reject): void {
  const wants = (typeof c.want === 'number' ? [c.want] : c.want).map((code) => -code);
  const outcomes = feedHeadEverySplit(bytes(c.input), { limits: limitsOf(c.limits) });
  const whole = outcomes[0];
  if (whole === undefined) throw new Error('no outcome');
  const wantText = wants.map(describeResult).join(' or ');
  expect(wants, `${c.rule} [whole]: got ${describeResult(whole.result)}, want ${wantText}`).toContain(whole.result);
  const mismatches = outcomes
    .slice(1)
    .filter((o) => o.result !== whole.result)
    .map((o) => `${o.split}: got ${describeResult(o.result)}, want ${describeResult(whole.result)}`);
  expect(mismatches, `${c.rule}: splits disagree with the whole input`).toEqual([]);
}

// ---------------------------------------------------------------------------
// Request line (RFC 9112 §3)

describe('request line: methods (RFC 9112 §3.1)', () => {
  const known: Accept[] = KNOWN_METHODS.filter((m) => m !== 'CONNECT').map((method) => ({
    name: `known method ${method} is interned`,
    input: head(`${method} / HTTP/1.1`, HOST),
    want: { method },
  }));
  const unknown: Accept[] = [
    { name: 'unknown token method reaches the handler', input: head('FOO / HTTP/1.1', HOST), want: { method: 'FOO' } },
    { name: 'methods are case-sensitive: get is not GET', input: head('get / HTTP/1.1', HOST), want: { method: 'get' } },
    { name: 'method with every tchar class', input: head("X!#$%&'*+-.^_`|~9 / HTTP/1.1", HOST), want: { method: "X!#$%&'*+-.^_`|~9" } },
    { name: 'prefix of a known method', input: head('GE / HTTP/1.1', HOST), want: { method: 'GE' } },
    { name: 'extension of a known method', input: head('GETS / HTTP/1.1', HOST), want: { method: 'GETS' } },
    { name: 'M-SEARCH', input: head('M-SEARCH /x HTTP/1.1', HOST), want: { method: 'M-SEARCH' } },
  ];
  it.each([...known, ...unknown])('$name', runAccept);

  it('interns known methods: the string is the KNOWN_METHODS entry', () => {
    for (const method of KNOWN_METHODS) {
      const buf = bytes(`xx${method}yy`);
      const got = internMethod(buf, 2, 2 + method.length);
      expect(got, `internMethod(${method}): got ${show(got)}, want ${show(method)}`).toBe(method);
    }
    const outcome = feedHead(bytes(get()), { name: 'whole', cuts: [] });
    expect(outcome.head.method === 'GET', `head.method: got ${show(outcome.head.method)}, want 'GET'`).toBe(true);
  });

  const rejects: Reject[] = [
    { rule: 'RFC 9110 §9.1: method is a token — "(" is a delimiter', input: head('GE(T / HTTP/1.1', HOST), want: Failure.BadMethod },
    { rule: 'RFC 9110 §9.1: method is a token — DQUOTE', input: head('GE"T / HTTP/1.1', HOST), want: Failure.BadMethod },
    { rule: 'RFC 9110 §9.1: method is a token — "@"', input: head('G@T / HTTP/1.1', HOST), want: Failure.BadMethod },
    { rule: 'RFC 9110 §9.1: method is a token — "{"', input: head('{GET} / HTTP/1.1', HOST), want: Failure.BadMethod },
    { rule: 'RFC 9110 §9.1: method is a token — non-ASCII', input: head('G\xc9T / HTTP/1.1', HOST), want: Failure.BadMethod },
    { rule: 'RFC 9110 §9.1: method is a token — NUL', input: head('GE\x00T / HTTP/1.1', HOST), want: Failure.BadMethod },
    { rule: 'RFC 9112 §3: method and target separated by one SP, not HTAB', input: head('GET\t/ HTTP/1.1', HOST), want: Failure.BadMethod },
    { rule: 'RFC 9112 §3: request line starts with the method, not SP', input: head(' GET / HTTP/1.1', HOST), want: [Failure.BadMethod, Failure.BadRequestLine] },
    { rule: 'RFC 9112 §3: request line without target and version', input: head('GET', HOST), want: [Failure.BadRequestLine, Failure.MissingVersion] },
  ];
  it.each(rejects)('$rule', runReject);
});

describe('request line: target forms (RFC 9112 §3.2)', () => {
  const origin = (target: string): Accept => ({
    name: `origin-form ${show(target)}`,
    input: head(`GET ${target} HTTP/1.1`, HOST),
    want: { target, targetForm: TargetForm.Origin },
  });
  const absolute = (target: string): Accept => ({
    name: `absolute-form ${show(target)}`,
    input: head(`GET ${target} HTTP/1.1`, HOST),
    want: { target, targetForm: TargetForm.Absolute },
  });
  const authority = (target: string): Accept => ({
    name: `authority-form ${show(target)} with CONNECT`,
    input: head(`CONNECT ${target} HTTP/1.1`, HOST),
    want: { method: 'CONNECT', target, targetForm: TargetForm.Authority },
  });
  const accepts: Accept[] = [
    origin('/'),
    origin('/a/b?c=d&e=%2F'),
    origin("/~user/-._!$&'()*+,;=:@"),
    origin('/?'),
    origin('/path?query/with?slashes:and@'),
    origin('//double'),
    origin('/%41%e9%FF'),
    absolute('http://example.com/x?y=1'),
    absolute('http://example.com'),
    absolute('https://example.com:8443/'),
    absolute('HTTP://EXAMPLE.COM/'),
    absolute('http://[::1]:8080/'),
    absolute('http://[2001:db8::1]/a'),
    absolute('http://127.0.0.1/'),
    absolute('urn:isbn:0451450523'),
    authority('example.com:443'),
    authority('[::1]:443'),
    authority('127.0.0.1:8080'),
    { name: 'asterisk-form with OPTIONS', input: head('OPTIONS * HTTP/1.1', HOST), want: { method: 'OPTIONS', target: '*', targetForm: TargetForm.Asterisk } },
    { name: 'OPTIONS with origin-form', input: head('OPTIONS /x HTTP/1.1', HOST), want: { method: 'OPTIONS', target: '/x', targetForm: TargetForm.Origin } },
  ];
  it.each(accepts)('$name', runAccept);

  const bad = (rule: string, target: string, want: Reject['want'] = Failure.BadTarget, method = 'GET'): Reject => ({
    rule: `${rule}: ${show(target)}`,
    input: head(`${method} ${target} HTTP/1.1`, HOST),
    want,
  });
  const rejects: Reject[] = [
    bad('RFC 9110 §4.2.4: userinfo is not allowed in an http(s) URI', 'http://user@example.com/'),
    bad('RFC 9110 §4.2.4: userinfo is not allowed in an http(s) URI', 'http://user:pw@example.com/'),
    bad('RFC 9110 §4.2.1: an http URI has a non-empty host', 'http:///path'),
    bad('RFC 9110 §4.2.1: an http URI is "http://" authority — no authority at all', 'http:/path'),
    bad('RFC 9110 §4.2.2: an https URI is "https://" authority — no authority at all', 'https:'),
    bad('RFC 3986 §3.1: scheme starts with a letter', '1http://example.com/'),
    bad('RFC 3986 §3.2.3: port is digits', 'http://example.com:8o/'),
    bad('RFC 3986 §3.2.2: IP-literal is closed by "]"', 'http://[::1/'),
    bad('RFC 3986 §3.3: brackets only in the authority', 'http://example.com/[x]'),
    bad('RFC 9112 §3.2.3: authority-form needs a port', 'example.com', Failure.BadTarget, 'CONNECT'),
    bad('RFC 9112 §3.2.3: authority-form needs a port', 'example.com:', Failure.BadTarget, 'CONNECT'),
    bad('RFC 9110 §9.3.6: CONNECT takes authority-form only', '/path', [Failure.BadTarget, Failure.TargetFormMismatch], 'CONNECT'),
    bad('RFC 9110 §9.3.6: CONNECT takes authority-form only', 'http://example.com:443/', [Failure.BadTarget, Failure.TargetFormMismatch], 'CONNECT'),
    bad('RFC 9112 §3.2.3: authority-form has no userinfo', 'user@example.com:443', Failure.BadTarget, 'CONNECT'),
    bad('RFC 9112 §3.2.3: authority-form only with CONNECT', '127.0.0.1:80', [Failure.BadTarget, Failure.TargetFormMismatch]),
    bad('RFC 9112 §3.2.4: asterisk-form only with OPTIONS', '*', Failure.TargetFormMismatch),
    bad('RFC 9112 §3.2.4: asterisk-form only with OPTIONS', '*', Failure.TargetFormMismatch, 'POST'),
    bad('RFC 9112 §3.2.4: asterisk-form is a lone "*"', '*x', Failure.BadTarget, 'OPTIONS'),
    bad('RFC 3986 §2: HTAB is not a URI character', '/a\tb'),
    bad('RFC 3986 §2: DQUOTE is not a URI character', '/a"b'),
    bad('RFC 3986 §2: "<" is not a URI character', '/a<b'),
    bad('RFC 3986 §2: ">" is not a URI character', '/a>b'),
    bad('RFC 3986 §2: "{" is not a URI character', '/a{b}'),
    bad('RFC 3986 §2: "|" is not a URI character', '/a|b'),
    bad('RFC 3986 §2: "\\" is not a URI character', '/a\\b'),
    bad('RFC 3986 §2: "^" is not a URI character', '/a^b'),
    bad('RFC 3986 §2: "`" is not a URI character', '/a`b'),
    bad('RFC 9112 §3.2: a request-target has no fragment', '/a#frag'),
    bad('RFC 3986 §2: non-ASCII must be percent-encoded', '/caf\xe9'),
    bad('RFC 3986 §2: non-ASCII must be percent-encoded', '/\x80'),
    bad('RFC 3986 §2: NUL is not a URI character', '/a\x00b'),
    bad('RFC 3986 §2: DEL is not a URI character', '/a\x7fb'),
    bad('RFC 3986 §2.1: "%" needs two hex digits', '/%'),
    bad('RFC 3986 §2.1: "%" needs two hex digits', '/a%4'),
    bad('RFC 3986 §2.1: "%" needs two hex digits', '/%zz'),
    bad('RFC 3986 §2.1: "%" needs two hex digits', '/%4g'),
    bad('RFC 3986 §2.1: "%" needs two hex digits', '/a?b=%'),
    bad('RFC 3986 §3.3: brackets only in the authority', '/[x]'),
    bad('RFC 3986 §3.4: brackets only in the authority', '/?q=[1]'),
    bad('RFC 3986 §3.3: brackets only in the authority', '/a]'),
    bad('RFC 9112 §3: one SP between target and version (SP inside the target)', '/a b', [Failure.BadTarget, Failure.BadVersion, Failure.BadRequestLine]),
    bad('RFC 9112 §3: the target is not empty (two SP after the method)', '', [Failure.BadTarget, Failure.BadRequestLine]),
  ];
  it.each(rejects)('$rule', runReject);
});

describe('request line: version (RFC 9112 §2.3)', () => {
  const accepts: Accept[] = [
    { name: 'HTTP/1.1', input: get(), want: { versionMinor: 1 } },
    { name: 'HTTP/1.0 (no Host needed)', input: head('GET / HTTP/1.0'), want: { versionMinor: 0, hostCount: 0, hostField: -1 } },
    { name: 'HTTP/1.2 is served as 1.1 (RFC 9110 §6.2)', input: head('GET / HTTP/1.2', HOST), want: { versionMinor: 1 } },
    { name: 'HTTP/1.9 is served as 1.1 (RFC 9110 §6.2)', input: head('GET / HTTP/1.9', HOST), want: { versionMinor: 1 } },
  ];
  it.each(accepts)('$name', runAccept);

  const v = (rule: string, line: string, want: Reject['want']): Reject => ({ rule: `${rule}: ${show(line)}`, input: head(line, HOST), want });
  const rejects: Reject[] = [
    v('RFC 9110 §15.6.6: major version 2 → 505', 'GET / HTTP/2.0', Failure.UnsupportedVersion),
    v('RFC 9110 §15.6.6: major version 0 → 505', 'GET / HTTP/0.9', Failure.UnsupportedVersion),
    v('RFC 9110 §15.6.6: major version 3 → 505', 'GET / HTTP/3.0', Failure.UnsupportedVersion),
    v('RFC 9112 §2.3: minor version is one DIGIT', 'GET / HTTP/1.10', Failure.BadVersion),
    v('RFC 9112 §2.3: major version is one DIGIT', 'GET / HTTP/11.1', Failure.BadVersion),
    v('RFC 9112 §2.3: HTTP-name is case-sensitive', 'GET / http/1.1', Failure.BadVersion),
    v('RFC 9112 §2.3: HTTP-name is case-sensitive', 'GET / Http/1.1', Failure.BadVersion),
    v('RFC 9112 §2.3: version is DIGIT "." DIGIT', 'GET / HTTP/1', Failure.BadVersion),
    v('RFC 9112 §2.3: version is DIGIT "." DIGIT', 'GET / HTTP/1.', Failure.BadVersion),
    v('RFC 9112 §2.3: version is DIGIT "." DIGIT', 'GET / HTTP/1.x', Failure.BadVersion),
    v('RFC 9112 §2.3: version is DIGIT "." DIGIT', 'GET / HTTP/11', Failure.BadVersion),
    v('RFC 9112 §2.3: no SP inside the version', 'GET / HTTP/ 1.1', Failure.BadVersion),
    v('RFC 9112 §2.3: HTTP-name is "HTTP"', 'GET / HTTPS/1.1', Failure.BadVersion),
    v('RFC 9112 §3: request line ends after the version (trailing SP)', 'GET / HTTP/1.1 ', Failure.BadVersion),
    v('RFC 9112 §3: one SP before the version', 'GET /  HTTP/1.1', Failure.BadVersion),
    v('RFC 9112 §3: one SP after the method', 'GET  / HTTP/1.1', [Failure.BadTarget, Failure.BadRequestLine]),
    v('RFC 9112 §3: HTTP/0.9-style line without a version → 400', 'GET /', Failure.MissingVersion),
    v('RFC 9112 §3: HTTP/0.9-style line without a version → 400', 'GET /index.html', Failure.MissingVersion),
    v('RFC 9112 §3: empty version after SP', 'GET / ', [Failure.MissingVersion, Failure.BadVersion]),
  ];
  it.each(rejects)('$rule', runReject);
});

// ---------------------------------------------------------------------------
// Line endings (RFC 9112 §2.2)

describe('line endings (RFC 9112 §2.2)', () => {
  const accepts: Accept[] = [
    { name: 'one empty line before the request line is skipped', input: `\r\n${get()}`, want: { method: 'GET', requestLineStart: 2 } },
    { name: 'several empty lines before the request line are skipped', input: `\r\n\r\n\r\n${get()}`, want: { method: 'GET', requestLineStart: 6 } },
  ];
  it.each(accepts)('$name', runAccept);

  const rejects: Reject[] = [
    { rule: 'RFC 9112 §2.2: bare LF ends the request line', input: `GET / HTTP/1.1\n${HOST}\r\n\r\n`, want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF ends a field line', input: `GET / HTTP/1.1\r\n${HOST}\nX: b\r\n\r\n`, want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF inside a field value', input: `GET / HTTP/1.1\r\n${HOST}\r\nX: a\nb\r\n\r\n`, want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF as the empty line', input: `GET / HTTP/1.1\r\n${HOST}\r\n\n`, want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF as the empty line, more bytes after', input: `GET / HTTP/1.1\r\n${HOST}\r\n\nGET / HTTP/1.1\r\n`, want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF before the request line', input: `\n${get()}`, want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare LF after a skipped empty line', input: `\r\n\n${get()}`, want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: LF CR is not CRLF', input: `GET / HTTP/1.1\n\r${HOST}\r\n\r\n`, want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare CR before the request line', input: `\r${get()}`, want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: bare CR as the empty line', input: `GET / HTTP/1.1\r\n${HOST}\r\n\rX: b\r\n\r\n`, want: Failure.BadLineEnding },
    { rule: 'RFC 9112 §2.2: CR CR LF does not end the head', input: `GET / HTTP/1.1\r\n${HOST}\r\n\r\r\n`, want: Failure.BadLineEnding },
    {
      rule: 'RFC 9112 §2.2: bare CR inside a field value is invalid',
      input: `GET / HTTP/1.1\r\n${HOST}\r\nX: a\rb\r\n\r\n`,
      want: [Failure.BadLineEnding, Failure.BadFieldValue],
    },
    { rule: 'RFC 9112 §2.2: bare CR inside the target is invalid', input: head('GET /a\rb HTTP/1.1', HOST), want: [Failure.BadLineEnding, Failure.BadTarget] },
    { rule: 'RFC 9112 §2.2: bare CR after the version is invalid', input: `GET / HTTP/1.1\r\r\n${HOST}\r\n\r\n`, want: [Failure.BadLineEnding, Failure.BadVersion] },
  ];
  it.each(rejects)('$rule', runReject);
});

// ---------------------------------------------------------------------------
// Field lines (RFC 9112 §5, RFC 9110 §5)

describe('field names (RFC 9110 §5.1, RFC 9112 §5.1)', () => {
  const accepts: Accept[] = [
    { name: 'token name with every tchar class', input: get("!#$%&'*+-.^_`|~09azAZ: v"), want: { fields: [['Host', 'example.com'], ["!#$%&'*+-.^_`|~09azAZ", 'v']] } },
    { name: 'name case is kept', input: get('X-MiXeD: v'), want: { fields: [['Host', 'example.com'], ['X-MiXeD', 'v']] } },
  ];
  it.each(accepts)('$name', runAccept);

  const f = (rule: string, line: string, want: Reject['want']): Reject => ({ rule: `${rule}: ${show(line)}`, input: get(line), want });
  const rejects: Reject[] = [
    f('RFC 9110 §5.1: field name is a non-empty token', ': v', Failure.BadFieldName),
    f('RFC 9112 §5.1: no whitespace between name and colon', 'X-A : v', Failure.WhitespaceBeforeColon),
    f('RFC 9112 §5.1: no whitespace between name and colon', 'X-A\t: v', Failure.WhitespaceBeforeColon),
    f('RFC 9112 §5.1: no whitespace between name and colon (Host)', 'Hos : v', Failure.WhitespaceBeforeColon),
    f('RFC 9112 §5: field line has a colon', 'NoColon', Failure.MissingColon),
    f('RFC 9110 §5.1: SP is not a tchar', 'X a: v', [Failure.BadFieldName, Failure.WhitespaceBeforeColon]),
    f('RFC 9110 §5.1: "(" is not a tchar', 'X(a): v', Failure.BadFieldName),
    f('RFC 9110 §5.1: DQUOTE is not a tchar', 'X"a: v', Failure.BadFieldName),
    f('RFC 9110 §5.1: "/" is not a tchar', 'X/a: v', Failure.BadFieldName),
    f('RFC 9110 §5.1: "@" is not a tchar', 'X@: v', Failure.BadFieldName),
    f('RFC 9110 §5.1: "[" is not a tchar', '[x]: v', Failure.BadFieldName),
    f('RFC 9110 §5.1: non-ASCII is not a tchar', 'X\xe9: v', Failure.BadFieldName),
    f('RFC 9110 §5.1: NUL is not a tchar', 'X\x00: v', Failure.BadFieldName),
    f('RFC 9110 §5.1: DEL is not a tchar', 'X\x7f: v', Failure.BadFieldName),
  ];
  it.each(rejects)('$rule', runReject);
});

describe('field values (RFC 9110 §5.5, RFC 9112 §5)', () => {
  const value = (name: string, line: string, want: string): Accept => ({
    name,
    input: get(line),
    want: { fields: [['Host', 'example.com'], ['X', want]] },
  });
  const accepts: Accept[] = [
    value('OWS trimmed at both ends', 'X:   a b  \t', 'a b'),
    value('HTAB OWS trimmed at both ends', 'X:\t\ta\t\t', 'a'),
    value('no OWS at all', 'X:a', 'a'),
    value('empty value', 'X:', ''),
    value('value of only OWS is empty', 'X: \t ', ''),
    value('inner HTAB and SP kept', 'X: a\t b', 'a\t b'),
    value('obs-text 0x80-0xFF accepted', 'X: \x80\xa0\xe9\xff', '\x80\xa0\xe9\xff'),
    value('every VCHAR accepted', `X: ${Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('')}`,
      Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('')),
    value('colon inside the value', 'X: a:b::c', 'a:b::c'),
  ];
  it.each(accepts)('$name', runAccept);

  const f = (rule: string, line: string, want: Reject['want']): Reject => ({ rule: `${rule}: ${show(line)}`, input: get(line), want });
  const rejects: Reject[] = [
    f('RFC 9110 §5.5: NUL in a field value', 'X: a\x00b', Failure.BadFieldValue),
    f('RFC 9110 §5.5: CTL 0x01 in a field value', 'X: a\x01b', Failure.BadFieldValue),
    f('RFC 9110 §5.5: CTL VT in a field value', 'X: a\x0bb', Failure.BadFieldValue),
    f('RFC 9110 §5.5: CTL 0x1F in a field value', 'X: a\x1fb', Failure.BadFieldValue),
    f('RFC 9110 §5.5: DEL in a field value', 'X: a\x7fb', Failure.BadFieldValue),
    f('RFC 9110 §5.5: NUL at the end of a value', 'X: a\x00', Failure.BadFieldValue),
    f('RFC 9110 §5.5: NUL in a trimmed position', 'X: \x00', Failure.BadFieldValue),
    f('RFC 9112 §5.2: obs-fold (SP) is rejected', 'X: a\r\n b', Failure.ObsoleteLineFolding),
    f('RFC 9112 §5.2: obs-fold (HTAB) is rejected', 'X: a\r\n\tb', Failure.ObsoleteLineFolding),
    {
      rule: 'RFC 9112 §2.2: whitespace-preceded line after the request line',
      input: `GET / HTTP/1.1\r\n ${HOST}\r\n\r\n`,
      want: [Failure.ObsoleteLineFolding, Failure.BadFieldName],
    },
  ];
  it.each(rejects)('$rule', runReject);
});

// The field-line scan reads a line in one pass (the value scan finds the CR).
// Short heads are scanned byte by byte; a head of 256 bytes or more that
// follows another such head is scanned four bytes (a word) at a time. These
// cases put every byte value at every position within the first words of a
// name and of a value, on both paths: a short head at every split, and the
// same line after a 300-byte field, whole and with `end` at every offset
// through the line.

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const PAD: readonly [string, string] = ['Pad', 'p'.repeat(300)];
const latin1 = (byte: number): string => String.fromCharCode(byte);
const hex = (byte: number): string => `0x${byte.toString(16).padStart(2, '0')}`;

type LineWant = FailureCode | ReadonlyArray<readonly [string, string]>;

/** Parses a short head holding `line` at every split; returns one entry per split that disagrees with `want`. */
function disagreementsByteWise(line: string, want: LineWant): string[] {
  const input = get(line);
  return feedHeadEverySplit(bytes(input)).flatMap((o) => {
    if (typeof want === 'number') return o.result === -want ? [] : [`bytes ${o.split}: got ${describeResult(o.result)}, want ${describeResult(-want)}`];
    if (o.result !== input.length) return [`bytes ${o.split}: got ${describeResult(o.result)}, want consumed ${input.length}`];
    const fields = o.snapshot?.fields;
    const wantFields = [['Host', 'example.com'], ...want];
    return isDeepStrictEqual(fields, wantFields) ? [] : [`bytes ${o.split}: got fields ${show(fields)}, want ${show(wantFields)}`];
  });
}

/** Parses a valid long head, so that the next long head is scanned in words. */
function primeWordScan(): void {
  const input = bytes(get(`${PAD[0]}: ${PAD[1]}`));
  expect(parseHead(input, 0, input.length, HEAD_LIMITS, new ParsedHead(HEAD_LIMITS.maxHeaderCount))).toBe(input.length);
}

/** Parses a long head holding `line` after a 300-byte field whole; returns a disagreement with `want`, if any. */
function disagreementsWordWise(line: string, want: LineWant): string[] {
  const input = get(`${PAD[0]}: ${PAD[1]}`, line);
  primeWordScan();
  const o = feedHead(bytes(input), { name: 'whole', cuts: [] });
  if (typeof want === 'number') return o.result === -want ? [] : [`words whole: got ${describeResult(o.result)}, want ${describeResult(-want)}`];
  if (o.result !== input.length) return [`words whole: got ${describeResult(o.result)}, want consumed ${input.length}`];
  const wantFields = [['Host', 'example.com'], PAD, ...want];
  return isDeepStrictEqual(o.snapshot?.fields, wantFields) ? [] : [`words whole: got fields ${show(o.snapshot?.fields)}, want ${show(wantFields)}`];
}

/**
 * Parses buf in place with `end` at each offset in [from, to], and the same
 * bytes followed by other bytes; any difference means parseHead looked at or
 * past `end`. Returns one entry per disagreeing end.
 */
function readsPastEnd(buf: Buffer, from: number, to: number): string[] {
  const fillers = ['\r\n\r\n\r\n\r\n', '\x00'.repeat(8), 'zzzzzzzz'].map((text) => bytes(text));
  const wrong: string[] = [];
  primeWordScan();
  for (let end = from; end <= Math.min(to, buf.length); end++) {
    const parse = (b: Buffer): number => parseHead(b, 0, end, HEAD_LIMITS, new ParsedHead(HEAD_LIMITS.maxHeaderCount));
    const inPlace = parse(buf);
    // Bytes that end exactly where their ArrayBuffer does: a word read past `end` would throw.
    const exact = Buffer.from(new Uint8Array(buf.subarray(0, end)).buffer);
    const alone = parse(exact);
    if (alone !== inPlace) wrong.push(`end ${end}: got ${describeResult(inPlace)} in place, ${describeResult(alone)} alone`);
    for (const filler of fillers) {
      const other = parse(Buffer.concat([buf.subarray(0, end), filler]));
      if (other !== inPlace) wrong.push(`end ${end}: got ${describeResult(inPlace)} in place, ${describeResult(other)} before ${show(filler.toString('latin1'))}`);
    }
  }
  return wrong;
}

/** Checks `line` on both scan paths and at every `end` through it. */
function lineDisagreements(line: string, want: LineWant): string[] {
  const long = bytes(get(`${PAD[0]}: ${PAD[1]}`, line));
  const lineStart = long.indexOf(line);
  return [...disagreementsByteWise(line, want), ...disagreementsWordWise(line, want), ...readsPastEnd(long, lineStart, lineStart + line.length + 4)];
}

/** Runs lineDisagreements for each byte 0x00-0xff; returns the first disagreements and their count. */
function everyByte(lineOf: (byte: number) => string, want: (byte: number) => LineWant): { first: string[]; count: number } {
  const wrong: string[] = [];
  for (let byte = 0; byte < 256; byte++) wrong.push(...lineDisagreements(lineOf(byte), want(byte)).map((entry) => `${hex(byte)} ${entry}`));
  return { first: wrong.slice(0, 10), count: wrong.length };
}

describe('field names: every byte at every word position (RFC 9110 §5.1)', () => {
  // RFC 9110 §5.1: a name is a token; RFC 9112 §5.1: no whitespace before the
  // colon; RFC 9112 §2.2: a bare LF is not a line ending.
  it.each([1, 2, 3, 4, 5, 7, 8, 9])('byte at name offset %i', (offset) => {
    const before = 'Xy-Z09ab'.padEnd(offset, 'n').slice(0, offset);
    const after = 'Q-r';
    const name = (byte: number): string => `${before}${latin1(byte)}${after}`;
    const want = (byte: number): LineWant => {
      if (TCHAR.includes(latin1(byte))) return [[name(byte), 'v']];
      if (byte === COLON) return [[before, `${after}: v`]];
      if (byte === LF) return Failure.BadLineEnding;
      if (byte === SP || byte === HTAB) return Failure.WhitespaceBeforeColon;
      return Failure.BadFieldName;
    };
    const { first, count } = everyByte((byte) => `${name(byte)}: v`, want);
    expect(first, `${count} disagreements`).toEqual([]);
  });
  it.each(['A', 'Ab', 'Abc', 'Abcd', 'Abcde', 'X-Custom-Header-07', 'accept_encoding.v2', 'n'.repeat(300)])('name %s ends at the colon', (name) => {
    expect(lineDisagreements(`${name}:v`, [[name, 'v']])).toEqual([]);
    expect(lineDisagreements(name, Failure.MissingColon)).toEqual([]);
    expect(lineDisagreements(`${name} : v`, Failure.WhitespaceBeforeColon)).toEqual([]);
  });
});

describe('field values: every byte at every word position (RFC 9110 §5.5)', () => {
  // field-value = *field-content of VCHAR, obs-text, SP, HTAB; CR only in the
  // CRLF that ends the line (RFC 9112 §2.2), LF never alone.
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13])('byte after %i value bytes', (offset) => {
    const value = (byte: number): string => `${'abcdefghijklm'.slice(0, offset)}${latin1(byte)}z`;
    const want = (byte: number): LineWant => {
      if (byte === LF) return Failure.BadLineEnding;
      // Leading SP / HTAB is OWS, not part of the value.
      if (byte === SP || byte === HTAB) return [['X', value(byte).replace(/^[ \t]+/, '')]];
      if (byte > SP && byte !== DEL) return [['X', value(byte)]];
      return Failure.BadFieldValue;
    };
    const { first, count } = everyByte((byte) => `X: ${value(byte)}`, want);
    expect(first, `${count} disagreements`).toEqual([]);
  });

  const value = (name: string, line: string, wantValue: string): Accept => ({ name, input: get(line), want: { fields: [['Host', 'example.com'], ['X', wantValue]] } });
  const long = Array.from({ length: 1500 }, (_, i) => latin1(0x21 + ((i * 7) % 0x5e))).join('');
  const accepts: Accept[] = [
    ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => value(`value of ${n} bytes`, `X: ${'v'.repeat(n)}`, 'v'.repeat(n))),
    ...[1, 3, 4, 5, 8].map((n) => value(`value of ${n} bytes and trailing OWS`, `X: ${'v'.repeat(n)} \t `, 'v'.repeat(n))),
    value('a value of 1500 VCHARs', `X: ${long}`, long),
    value('a long value of obs-text (UTF-8 bytes)', `X: ${'\xc3\xa9'.repeat(300)}`, '\xc3\xa9'.repeat(300)),
    value('HTAB and obs-text between words', `X: ${'word\tw\xe9rd '.repeat(40)}end`, `${'word\tw\xe9rd '.repeat(40)}end`),
  ];
  it.each(accepts)('$name', runAccept);

  const f = (rule: string, line: string, want: Reject['want']): Reject => ({ rule: `${rule}: ${show(line.slice(-24))}`, input: get(line), want });
  const rejects: Reject[] = [
    f('RFC 9110 §5.5: NUL after a long value', `X: ${long}\x00`, Failure.BadFieldValue),
    f('RFC 9110 §5.5: DEL after a long value', `X: ${long}\x7f`, Failure.BadFieldValue),
    f('RFC 9110 §5.5: CTL after long obs-text', `X: ${'\xe9'.repeat(299)}\x1f`, Failure.BadFieldValue),
    f('RFC 9112 §2.2: bare CR inside a long value', `X: ${long}\rz`, Failure.BadFieldValue),
    f('RFC 9112 §2.2: CR CR LF ends no value', 'X: a\r', Failure.BadFieldValue),
    f('RFC 9112 §2.2: bare LF after a long value', `X: ${long}\nY: z`, Failure.BadLineEnding),
    f('RFC 9112 §5.2: obs-fold after a long value', `X: ${long}\r\n\tz`, Failure.ObsoleteLineFolding),
  ];
  it.each(rejects)('$rule', runReject);
});

describe('request-target: the word scan agrees with the byte scan (RFC 9112 §3.2, RFC 3986)', () => {
  // A short head is scanned byte by byte, the same request line followed by a
  // 300-byte field (after another long head) four bytes at a time: both must
  // give the same answer.
  const outcome = (input: string): string => {
    const o = feedHead(bytes(input), { name: 'whole', cuts: [] });
    return o.result > 0 ? `target ${show(o.snapshot?.target)} form ${o.snapshot?.targetForm}` : describeResult(o.result);
  };
  const compare = (target: string): string[] => {
    const requestLine = `GET ${target} HTTP/1.1`;
    const byBytes = outcome(head(requestLine, HOST));
    primeWordScan();
    const byWords = outcome(head(requestLine, HOST, `${PAD[0]}: ${PAD[1]}`));
    return byBytes === byWords ? [] : [`${show(target)}: words ${byWords}, bytes ${byBytes}`];
  };
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8])('every byte after %i target bytes', (offset) => {
    const wrong: string[] = [];
    for (let byte = 0; byte < 256; byte++) {
      if (byte === CR || byte === LF) continue; // they end the line: covered by the line-ending cases
      wrong.push(...compare(`/${'abcdefgh'.slice(0, offset)}${latin1(byte)}z`));
    }
    expect(wrong.slice(0, 10), `${wrong.length} disagreements`).toEqual([]);
  });
  it.each(['%41', '%4g', '%4', '%', '[', ']', '[::1]', '_', '~', '!', '$', '%e9%E9'])('%s at every offset of a long target', (piece) => {
    const wrong: string[] = [];
    for (let offset = 0; offset < 12; offset++) {
      wrong.push(...compare(`/${'p/q=r&s'.repeat(4).slice(0, offset)}${piece}${'t'.repeat(offset)}`));
      wrong.push(...compare(`http://h${'a'.repeat(offset)}.example/${piece}`));
    }
    expect(wrong).toEqual([]);
  });
  it('accepts a plain target of every length up to 40 bytes on both paths', () => {
    const wrong: string[] = [];
    for (let length = 1; length <= 40; length++) wrong.push(...compare(`/${'a-b.c/d?e=f&g:h;i@j'.repeat(2).slice(0, length - 1)}`));
    expect(wrong).toEqual([]);
  });
});

describe('parseHead reads nothing at or past `end`', () => {
  // The whole head sits in one buffer, but parseHead is told it ends earlier.
  const inputs = [
    get('Accept: text/html', 'X-Custom-Header-07: value-7-vvvvvvvv'),
    head('POST /api/v1/orders?x=1 HTTP/1.1', 'Host: api.example.com', 'Content-Length: 12', 'Connection: keep-alive'),
    get(`X: ${'abcdefgh'.repeat(48)}`, `X-Custom-Header-${'07'.repeat(40)}: z`, 'Y:z'),
  ];
  it.each(inputs.map((input) => ({ input, name: show(input.slice(0, 40)) })))('$name', ({ input }) => {
    expect(readsPastEnd(bytes(input), 0, input.length)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Limits (431 / 414)

describe('limits', () => {
  // A head of exactly `size` bytes: GET / HTTP/1.1, Host, X: padding.
  const sized = (size: number): string => {
    const base = get('X: ').length;
    return get(`X: ${'a'.repeat(size - base)}`);
  };
  const small = { maxHeaderBytes: 64 };
  it('a head of exactly maxHeaderBytes is accepted', () => {
    const input = sized(64);
    expect(input.length).toBe(64);
    runAccept({ name: 'head == maxHeaderBytes', input, want: {}, limits: small });
  });
  it('a head of exactly maxHeaderCount fields is accepted', () => {
    runAccept({ name: 'fields == maxHeaderCount', input: get('A: 1', 'B: 2'), want: { consumed: get('A: 1', 'B: 2').length }, limits: { maxHeaderCount: 3 } });
  });
  it('a target of exactly maxUriBytes is accepted', () => {
    const target = `/${'a'.repeat(15)}`;
    runAccept({ name: 'target == maxUriBytes', input: head(`GET ${target} HTTP/1.1`, HOST), want: { target }, limits: { maxUriBytes: 16 } });
  });

  const rejects: Reject[] = [
    { rule: 'RFC 6585 §5: head one byte over maxHeaderBytes → 431', input: sized(65), want: Failure.HeaderTooLarge, limits: small },
    { rule: 'RFC 6585 §5: head far over maxHeaderBytes → 431', input: sized(200), want: Failure.HeaderTooLarge, limits: small },
    {
      rule: 'RFC 6585 §5: unfinished field line over maxHeaderBytes → 431 before the head ends',
      input: `GET / HTTP/1.1\r\n${HOST}\r\nX: ${'a'.repeat(100)}`,
      want: Failure.HeaderTooLarge,
      limits: small,
    },
    {
      rule: 'RFC 6585 §5: complete field lines over maxHeaderBytes → 431 before the empty line',
      input: `GET / HTTP/1.1\r\n${HOST}\r\n${'X: a\r\n'.repeat(20)}`,
      want: Failure.HeaderTooLarge,
      limits: small,
    },
    {
      rule: 'RFC 6585 §5: unfinished request line over maxHeaderBytes → 431 before the line ends',
      input: `GET /${'a'.repeat(200)}`,
      want: [Failure.HeaderTooLarge, Failure.UriTooLong],
      limits: { maxHeaderBytes: 64, maxUriBytes: 1024 },
    },
    { rule: 'RFC 9112 §2.2: endless empty lines before the request line are bounded → 431', input: '\r\n'.repeat(100), want: Failure.HeaderTooLarge, limits: small },
    { rule: 'RFC 6585 §5: one field over maxHeaderCount → 431', input: get('A: 1', 'B: 2', 'C: 3'), want: Failure.TooManyHeaders, limits: { maxHeaderCount: 3 } },
    {
      rule: 'RFC 6585 §5: maxHeaderCount is checked before the head ends',
      input: `GET / HTTP/1.1\r\n${HOST}\r\n${'X: a\r\n'.repeat(5)}`,
      want: Failure.TooManyHeaders,
      limits: { maxHeaderCount: 3 },
    },
    { rule: 'RFC 9112 §3: target one byte over maxUriBytes → 414', input: head(`GET /${'a'.repeat(16)} HTTP/1.1`, HOST), want: Failure.UriTooLong, limits: { maxUriBytes: 16 } },
    {
      rule: 'RFC 9112 §3: unfinished request line with a target over maxUriBytes → 414',
      input: `GET /${'a'.repeat(100)}`,
      want: Failure.UriTooLong,
      limits: { maxUriBytes: 16 },
    },
  ];
  it.each(rejects)('$rule', runReject);
});

// ---------------------------------------------------------------------------
// Host (RFC 9112 §3.2)

describe('Host (RFC 9112 §3.2)', () => {
  const host = (value: string): Accept => ({
    name: `Host ${show(value)}`,
    input: head('GET / HTTP/1.1', `Host: ${value}`),
    want: { hostCount: 1, hostField: 0, fields: [['Host', value.trim()]] },
  });
  const accepts: Accept[] = [
    host('example.com'),
    host('example.com:8080'),
    host('127.0.0.1:80'),
    host('[::1]'),
    host('[::1]:8080'),
    host('[2001:db8::1]'),
    host('ex%41mple.com'),
    host('  example.com \t'),
    { name: 'Host name is case-insensitive', input: head('GET / HTTP/1.1', 'X: 1', 'hOsT: a'), want: { hostCount: 1, hostField: 1 } },
    { name: 'Host is optional in HTTP/1.0', input: head('GET / HTTP/1.0', 'X: 1'), want: { hostCount: 0, hostField: -1, versionMinor: 0 } },
    { name: 'Host in HTTP/1.0 is recorded', input: head('GET / HTTP/1.0', HOST), want: { hostCount: 1, hostField: 0 } },
  ];
  it.each(accepts)('$name', runAccept);

  const bad = (rule: string, value: string): Reject => ({ rule: `${rule}: ${show(value)}`, input: head('GET / HTTP/1.1', `Host: ${value}`), want: Failure.BadHost });
  const rejects: Reject[] = [
    { rule: 'RFC 9112 §3.2: HTTP/1.1 request without Host', input: head('GET / HTTP/1.1', 'X: 1'), want: Failure.MissingHost },
    { rule: 'RFC 9112 §3.2: HTTP/1.1 request without any field', input: head('GET / HTTP/1.1'), want: Failure.MissingHost },
    { rule: 'RFC 9112 §3.2: more than one Host line', input: head('GET / HTTP/1.1', HOST, HOST), want: Failure.DuplicateHost },
    { rule: 'RFC 9112 §3.2: more than one Host line, differing', input: head('GET / HTTP/1.1', 'Host: a', 'X: 1', 'host: b'), want: Failure.DuplicateHost },
    { rule: 'RFC 9112 §3.2: more than one Host line, also in HTTP/1.0', input: head('GET / HTTP/1.0', HOST, HOST), want: Failure.DuplicateHost },
    bad('RFC 9112 §3.2: Host is uri-host [":" port] — empty', ''),
    bad('RFC 9112 §3.2: Host is uri-host [":" port] — only OWS', '   '),
    bad('RFC 9112 §3.2: Host has no userinfo', 'user@example.com'),
    bad('RFC 9112 §3.2: Host has no userinfo', 'user:pw@example.com'),
    bad('RFC 9112 §3.2: Host has no path', 'example.com/path'),
    bad('RFC 9112 §3.2: Host has no query', 'example.com?x'),
    bad('RFC 9112 §3.2: Host has no fragment', 'example.com#x'),
    bad('RFC 9112 §3.2: Host is not a list', 'a.example, b.example'),
    bad('RFC 9112 §3.2: Host has no spaces', 'exa mple.com'),
    bad('RFC 3986 §3.2.2: IP-literal is closed by "]"', '[::1'),
    bad('RFC 3986 §3.2.2: IPv6 needs brackets', '::1'),
    bad('RFC 3986 §3.2.3: port is digits', 'example.com:8o'),
    bad('RFC 3986 §3.2.3: port is digits', 'example.com:-1'),
    bad('RFC 3986 §3.2.3: port fits in 16 bits (at most 5 digits)', 'example.com:123456'),
    bad('RFC 3986 §2.1: "%" needs two hex digits', 'ex%zzample.com'),
    { rule: 'RFC 9112 §3.2: invalid Host is refused in HTTP/1.0 too', input: head('GET / HTTP/1.0', 'Host: a/b'), want: Failure.BadHost },
  ];
  it.each(rejects)('$rule', runReject);

  // The parser remembers the last valid Host: a bad one right after a valid
  // one of the same length, differing in the bad bytes only, is still checked.
  it.each(rejects.filter((c) => c.want === Failure.BadHost && /Host: \S/.test(c.input)))('$rule, right after a valid Host of its length', (c) => {
    const value = (/Host: (.*)\r\n/.exec(c.input)?.[1] ?? '').trim();
    const valid = value.replace(/[^a-z0-9.]/gi, 'a');
    runAccept({ name: `valid ${show(valid)}`, input: head('GET / HTTP/1.1', `Host: ${valid}`), want: { hostCount: 1 } });
    runReject(c);
  });
});

// ---------------------------------------------------------------------------
// Framing fields (RFC 9112 §6, RFC 9110 §7.6.1, §8.6, §10.1.1)

describe('Content-Length (RFC 9110 §8.6, RFC 9112 §6.3)', () => {
  const cl = (name: string, fields: string[], want: number, body = ''): Accept => {
    const h = get(...fields);
    return { name, input: h + body, want: { contentLength: want, consumed: h.length } };
  };
  const accepts: Accept[] = [
    { name: 'absent → -1', input: get(), want: { contentLength: -1 } },
    cl('digits', ['Content-Length: 5'], 5, 'hello'),
    cl('zero', ['Content-Length: 0'], 0),
    cl('leading zeros', ['Content-Length: 007'], 7, 'abcdefg'),
    cl('OWS around the value', ['Content-Length:  5 \t'], 5, 'hello'),
    cl('case-insensitive name', ['content-LENGTH: 5'], 5, 'hello'),
    cl('list of identical values "5, 5"', ['Content-Length: 5, 5'], 5, 'hello'),
    cl('list of identical values "5,5,5"', ['Content-Length: 5,5,5'], 5, 'hello'),
    cl('two identical lines', ['Content-Length: 5', 'Content-Length: 5'], 5, 'hello'),
    cl('15 digits', ['Content-Length: 999999999999999'], 999999999999999),
  ];
  it.each(accepts)('$name', runAccept);

  const bad = (rule: string, value: string, want: FailureCode = Failure.BadContentLength): Reject => ({
    rule: `${rule}: ${show(value)}`,
    input: get(`Content-Length: ${value}`),
    want,
  });
  const rejects: Reject[] = [
    bad('RFC 9110 §8.6: Content-Length is 1*DIGIT — sign', '+5'),
    bad('RFC 9110 §8.6: Content-Length is 1*DIGIT — sign', '-5'),
    bad('RFC 9110 §8.6: Content-Length is 1*DIGIT — hex', '0x5'),
    bad('RFC 9110 §8.6: Content-Length is 1*DIGIT — trailing letter', '5a'),
    bad('RFC 9110 §8.6: Content-Length is 1*DIGIT — decimal point', '5.0'),
    bad('RFC 9110 §8.6: Content-Length is 1*DIGIT — exponent', '1e3'),
    bad('RFC 9110 §8.6: Content-Length is 1*DIGIT — empty', ''),
    bad('RFC 9110 §8.6: Content-Length is 1*DIGIT — inner SP', '5 5'),
    bad('RFC 9110 §8.6: Content-Length is 1*DIGIT — empty list member', '5,,5'),
    bad('RFC 9110 §8.6: Content-Length must not overflow — 16 digits', '1234567890123456'),
    bad('RFC 9110 §8.6: Content-Length must not overflow — 20 digits', '99999999999999999999'),
    bad('RFC 9112 §6.3: differing values in one line', '5, 6', Failure.ConflictingContentLength),
    { rule: 'RFC 9112 §6.3: differing values in two lines', input: get('Content-Length: 5', 'Content-Length: 6'), want: Failure.ConflictingContentLength },
    { rule: 'RFC 9112 §6.3: differing values across a list and a line', input: get('Content-Length: 5, 5', 'Content-Length: 50'), want: Failure.ConflictingContentLength },
  ];
  it.each(rejects)('$rule', runReject);
});

describe('Transfer-Encoding facts (RFC 9112 §6.1)', () => {
  const te = (name: string, fields: string[], lines: number, codings: number, chunked: number, final: FinalCoding): Accept => ({
    name,
    input: get(...fields),
    want: { transferEncodingLines: lines, transferCodings: codings, chunkedCount: chunked, finalCoding: final },
  });
  const accepts: Accept[] = [
    te('absent', [], 0, 0, 0, FinalCoding.None),
    te('chunked', ['Transfer-Encoding: chunked'], 1, 1, 1, FinalCoding.Chunked),
    te('Chunked (case-insensitive)', ['Transfer-Encoding: Chunked'], 1, 1, 1, FinalCoding.Chunked),
    te('CHUNKED (case-insensitive)', ['transfer-encoding: CHUNKED'], 1, 1, 1, FinalCoding.Chunked),
    te('gzip, chunked', ['Transfer-Encoding: gzip, chunked'], 1, 2, 1, FinalCoding.Chunked),
    te('chunked, gzip', ['Transfer-Encoding: chunked, gzip'], 1, 2, 1, FinalCoding.Other),
    te('gzip', ['Transfer-Encoding: gzip'], 1, 1, 0, FinalCoding.Other),
    te('chunked, chunked', ['Transfer-Encoding: chunked, chunked'], 1, 2, 2, FinalCoding.Chunked),
    te('empty list members are ignored (RFC 9110 §5.6.1)', ['Transfer-Encoding: , chunked ,'], 1, 1, 1, FinalCoding.Chunked),
    te('empty list members between codings', ['Transfer-Encoding: gzip, , chunked'], 1, 2, 1, FinalCoding.Chunked),
    te('parameters on a non-chunked coding', ['Transfer-Encoding: gzip;level=1, chunked'], 1, 2, 1, FinalCoding.Chunked),
    te('empty value', ['Transfer-Encoding:'], 1, 0, 0, FinalCoding.None),
    te('two lines: gzip then chunked', ['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], 2, 2, 1, FinalCoding.Chunked),
    te('two lines: chunked then gzip', ['Transfer-Encoding: chunked', 'Transfer-Encoding: gzip'], 2, 2, 1, FinalCoding.Other),
  ];
  it.each(accepts)('$name', runAccept);

  const bad = (rule: string, value: string): Reject => ({ rule: `${rule}: ${show(value)}`, input: get(`Transfer-Encoding: ${value}`), want: Failure.BadTransferEncoding });
  const rejects: Reject[] = [
    bad('RFC 9112 §7: chunked has no parameters', 'chunked;x=1'),
    bad('RFC 9112 §7: chunked has no parameters', 'gzip, chunked; q=1'),
    bad('RFC 9112 §6.1: transfer-coding is a token', 'chunked x'),
    bad('RFC 9112 §6.1: transfer-coding is a token', '"chunked"'),
    bad('RFC 9112 §6.1: transfer-coding is a token', 'chu nked'),
    bad('RFC 9112 §6.1: transfer-coding is a token', '@'),
  ];
  it.each(rejects)('$rule', runReject);
});

describe('Connection options (RFC 9110 §7.6.1)', () => {
  const conn = (value: string, close: boolean, keepAlive: boolean, upgrade: boolean): Accept => ({
    name: `Connection: ${show(value)}`,
    input: get(`Connection: ${value}`),
    want: { connectionClose: close, connectionKeepAlive: keepAlive, connectionUpgrade: upgrade },
  });
  const accepts: Accept[] = [
    { name: 'absent', input: get(), want: { connectionClose: false, connectionKeepAlive: false, connectionUpgrade: false, upgradeField: -1 } },
    conn('close', true, false, false),
    conn('Close', true, false, false),
    conn('CLOSE', true, false, false),
    conn('keep-alive', false, true, false),
    conn('Keep-Alive', false, true, false),
    conn('upgrade', false, false, true),
    conn('Upgrade', false, false, true),
    conn('keep-alive, Upgrade', false, true, true),
    conn('foo, close ,bar', true, false, false),
    conn(',,close,,', true, false, false),
    conn('closed', false, false, false),
    conn('keep-alive-ish', false, false, false),
    conn('', false, false, false),
    {
      name: 'options across two lines',
      input: get('Connection: keep-alive', 'Connection: close'),
      want: { connectionClose: true, connectionKeepAlive: true },
    },
    { name: 'Upgrade field is recorded', input: get('Connection: upgrade', 'Upgrade: websocket'), want: { connectionUpgrade: true, upgradeField: 2 } },
  ];
  it.each(accepts)('$name', runAccept);
});

describe('Expect (RFC 9110 §10.1.1)', () => {
  const accepts: Accept[] = [
    { name: 'absent', input: get(), want: { expectation: Expectation.None } },
    { name: '100-continue', input: get('Expect: 100-continue'), want: { expectation: Expectation.Continue } },
    { name: '100-Continue (case-insensitive)', input: get('Expect: 100-Continue'), want: { expectation: Expectation.Continue } },
    { name: 'OWS around 100-continue', input: get('Expect:  100-continue  '), want: { expectation: Expectation.Continue } },
    { name: 'other expectation', input: get('Expect: foo'), want: { expectation: Expectation.Other } },
    { name: '100-continuex is another expectation', input: get('Expect: 100-continuex'), want: { expectation: Expectation.Other } },
    { name: 'other expectation wins over 100-continue', input: get('Expect: 100-continue', 'Expect: foo'), want: { expectation: Expectation.Other } },
    { name: 'other expectation wins in either order', input: get('Expect: foo', 'Expect: 100-continue'), want: { expectation: Expectation.Other } },
    { name: 'empty Expect is no expectation', input: get('Expect:'), want: { expectation: Expectation.None } },
  ];
  it.each(accepts)('$name', runAccept);
});

// ---------------------------------------------------------------------------
// Offsets, return value, resumption

describe('offsets and return value', () => {
  const fields: Array<[string, string]> = [
    ['Host', 'example.com'],
    ['X-One', 'a'],
    ['x-two', ''],
    ['X-Three', 'b  c'],
    ['X-One', '\xe9t\xe9'],
  ];
  const text = head('POST /p?q=1 HTTP/1.1', ...fields.map(([n, v]) => `${n}: ${v}`));
  const body = 'BODYBYTES';
  const next = get();

  it('returns the head length and leaves the body and the next request unconsumed, at every split', () => {
    const input = bytes(text + body + next);
    const outcomes = feedHeadEverySplit(input);
    const wrong = outcomes
      .filter((o) => o.result !== text.length)
      .map((o) => `${o.split}: got ${describeResult(o.result)}, want consumed ${text.length}`);
    expect(wrong).toEqual([]);
    for (const o of outcomes) {
      const rest = o.buf.toString('latin1', o.start + o.result);
      expect(rest, `${o.split}: bytes after the head: got ${show(rest)}, want a prefix of ${show(body + next)}`).toBe(
        (body + next).slice(0, rest.length),
      );
    }
  });

  it('field offsets are relative to start: decoding them gives every name and value, at every split with a prefix', () => {
    const prefix = bytes('\n\nJUNK\n');
    const wrong: string[] = [];
    for (const split of everySplit(text.length)) {
      const o = feedHead(bytes(text), split, { prefix });
      if (o.result !== text.length) {
        wrong.push(`${o.split}: got ${describeResult(o.result)}, want consumed ${text.length}`);
        continue;
      }
      const got = decodeFields(o.buf, o.start, o.head);
      if (!isDeepStrictEqual(got, fields)) wrong.push(`${o.split}: fields: got ${show(got)}, want ${show(fields)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('target offsets are relative to start, like field offsets (ParsedHead contract)', () => {
    const prefix = bytes('GET /previous HTTP/1.1\r\n');
    const wrong: string[] = [];
    for (const split of everySplit(text.length)) {
      const o = feedHead(bytes(text), split, { prefix });
      const target = o.snapshot?.target;
      if (target !== '/p?q=1') wrong.push(`${o.split}: target: got ${show(target)}, want "/p?q=1"`);
    }
    expect(wrong).toEqual([]);
  });

  it('a second pipelined head parsed at start = first result gets its own target and fields', () => {
    const second = head('DELETE /second HTTP/1.1', 'Host: other');
    const buf = bytes(text + second);
    const parsed = new ParsedHead(HEAD_LIMITS.maxHeaderCount);
    parsed.reset();
    const first = parseHead(buf, 0, buf.length, HEAD_LIMITS, parsed);
    expect(first, `first: got ${describeResult(first)}, want consumed ${text.length}`).toBe(text.length);
    parsed.reset();
    const result = parseHead(buf, first, buf.length, HEAD_LIMITS, parsed);
    expect(result, `second: got ${describeResult(result)}, want consumed ${second.length}`).toBe(second.length);
    const target = buf.toString('latin1', first + parsed.targetStart, first + parsed.targetEnd);
    expect(target, `second target: got ${show(target)}, want "/second"`).toBe('/second');
    expect(decodeFields(buf, first, parsed)).toEqual([['Host', 'other']]);
    expect(parsed.method).toBe('DELETE');
  });
});

describe('resumption', () => {
  const limits = HEAD_LIMITS;
  it('calling again with the same end after INCOMPLETE stays INCOMPLETE and scanned only grows', () => {
    const text = get('X-A: 1', 'X-B: 2');
    const buf = bytes(text);
    const parsed = new ParsedHead(limits.maxHeaderCount);
    parsed.reset();
    let previous = 0;
    for (let end = 1; end < buf.length; end++) {
      const first = parseHead(buf, 0, end, limits, parsed);
      expect(first, `end ${end}: got ${describeResult(first)}, want INCOMPLETE`).toBe(INCOMPLETE);
      const scanned = parsed.scanned;
      expect(scanned, `end ${end}: scanned shrank: got ${scanned}, want >= ${previous}`).toBeGreaterThanOrEqual(previous);
      expect(scanned, `end ${end}: scanned ${scanned} beyond end`).toBeLessThanOrEqual(end);
      const again = parseHead(buf, 0, end, limits, parsed);
      expect(again, `end ${end} again: got ${describeResult(again)}, want INCOMPLETE`).toBe(INCOMPLETE);
      expect(parsed.scanned, `end ${end} again: scanned got ${parsed.scanned}, want ${scanned}`).toBe(scanned);
      previous = scanned;
    }
    const done = parseHead(buf, 0, buf.length, limits, parsed);
    expect(done, `complete: got ${describeResult(done)}, want consumed ${buf.length}`).toBe(buf.length);
  });

  it('scanned advances to the end of each complete line', () => {
    const requestLine = 'GET / HTTP/1.1\r\n';
    const hostLine = `${HOST}\r\n`;
    const buf = bytes(requestLine + hostLine + 'X-A: 1\r\n\r\n');
    const parsed = new ParsedHead(limits.maxHeaderCount);
    parsed.reset();
    parseHead(buf, 0, requestLine.length + 3, limits, parsed);
    expect(parsed.scanned, `after the request line: scanned got ${parsed.scanned}, want ${requestLine.length}`).toBe(requestLine.length);
    parseHead(buf, 0, requestLine.length + hostLine.length + 2, limits, parsed);
    const want = requestLine.length + hostLine.length;
    expect(parsed.scanned, `after Host: scanned got ${parsed.scanned}, want ${want}`).toBe(want);
  });

  it('does not rescan lines it already accepted', () => {
    // Corrupt a line after it was scanned: if parseHead re-read it, it would now fail.
    const text = get('X-A: ok', 'X-B: 2');
    const buf = bytes(text);
    const parsed = new ParsedHead(limits.maxHeaderCount);
    parsed.reset();
    const cut = text.indexOf('X-B');
    const first = parseHead(buf, 0, cut, limits, parsed);
    expect(first, `first: got ${describeResult(first)}, want INCOMPLETE`).toBe(INCOMPLETE);
    expect(parsed.scanned).toBe(cut);
    buf[text.indexOf('ok')] = 0x00;
    const result = parseHead(buf, 0, buf.length, limits, parsed);
    expect(result, `resumed: got ${describeResult(result)}, want consumed ${buf.length}`).toBe(buf.length);
  });

  it('reset() clears a ParsedHead for the next head', () => {
    const parsed = new ParsedHead(limits.maxHeaderCount);
    parsed.reset();
    const a = bytes(head('POST /a HTTP/1.0', 'Host: a', 'Content-Length: 3', 'Connection: close, upgrade', 'Upgrade: x', 'Expect: foo', 'Transfer-Encoding: chunked'));
    expect(parseHead(a, 0, a.length, limits, parsed)).toBe(a.length);
    parsed.reset();
    const b = bytes(get());
    expect(parseHead(b, 0, b.length, limits, parsed)).toBe(b.length);
    const got = feedHead(b, { name: 'whole', cuts: [] }).snapshot;
    expect(snapshotHead(b, 0, parsed), 'state after reset() + parse: got vs fresh parse').toEqual(got);
  });
});

describe('list members: listMemberEnd, skipOws, trimOws (RFC 9110 §5.6.1)', () => {
  /** Walks a #list the way the framing-field scans do. */
  function members(buf: Uint8Array, start: number, end: number): string[] {
    const out: string[] = [];
    for (let i = start; i <= end; i++) {
      const comma = listMemberEnd(buf, i, end);
      const memberStart = skipOws(buf, i, comma);
      out.push(Buffer.from(buf).toString('latin1', memberStart, trimOws(buf, memberStart, comma)));
      i = comma;
    }
    return out;
  }
  const cases: Array<{ value: string; want: string[] }> = [
    { value: 'a', want: ['a'] },
    { value: 'a, b', want: ['a', 'b'] },
    { value: ' a ,\tb\t', want: ['a', 'b'] },
    { value: 'a,,b', want: ['a', '', 'b'] },
    { value: '', want: [''] },
    { value: ',', want: ['', ''] },
    { value: ' \t ', want: [''] },
    { value: 'a b , c', want: ['a b', 'c'] },
  ];
  it.each(cases)('splits $value', ({ value, want }) => {
    // The brackets around the value check that no helper reads outside [start, end).
    const buf = bytes(`[${value}]`);
    const got = members(buf, 1, buf.length - 1);
    expect(got, `members of ${show(value)}: got ${show(got)}, want ${show(want)}`).toEqual(want);
  });
});
