// The conformance corpus: raw request bytes grouped by RFC 9112 / RFC 9110
// rule, each with the section it tests and the outcome the RFC calls for
// (final statuses in order, and what the handler must have parsed).
// Where the RFC leaves a choice (bare LF, obs-fold, CL+TE…) the expectation
// is the strict choice DESIGN.md makes. Test support only.

import type { Expected, ExpectedEcho } from './outcome.ts';

/** Server limits a case needs; each also applies to the model run. */
export interface CaseOptions {
  readonly maxUriBytes?: number;
  readonly maxHeaderBytes?: number;
  readonly maxHeaderCount?: number;
  readonly maxChunkExtensionBytes?: number;
  readonly maxTrailerBytes?: number;
  readonly maxBodyBytes?: number;
}

/** One raw-byte conformance case. */
export interface Case {
  readonly group: string;
  readonly name: string;
  /** The rule, e.g. 'RFC 9112 §6.3 ¶4'. */
  readonly rfc: string;
  /** The bytes sent, as a latin1 string (every char < 0x100). */
  readonly bytes: string;
  readonly expect: Expected;
  readonly options?: CaseOptions;
}

interface Extra {
  readonly closes?: boolean;
  readonly interim?: readonly number[];
  readonly options?: CaseOptions;
}

const cases: Case[] = [];
let group = '';

function section(name: string): void {
  group = name;
}

function add(rfc: string, name: string, bytes: string, expect: Expected, extra: Extra): void {
  const full: Expected = {
    ...expect,
    ...(extra.closes === undefined ? {} : { closes: extra.closes }),
    ...(extra.interim === undefined ? {} : { interim: extra.interim }),
  };
  cases.push({ group, name, rfc, bytes, expect: full, ...(extra.options === undefined ? {} : { options: extra.options }) });
}

/** A case whose requests are all accepted (200 each) and whose parse is checked. */
function accept(rfc: string, name: string, bytes: string, parsed: ExpectedEcho | readonly ExpectedEcho[], extra: Extra = {}): void {
  const list: readonly ExpectedEcho[] = Array.isArray(parsed) ? parsed : [parsed as ExpectedEcho];
  add(rfc, name, bytes, { statuses: list.map(() => 200), parsed: list }, extra);
}

/** A case answered with `statuses` (a number: that one status); any 200s among them may be checked with `parsed`. */
function reject(rfc: string, name: string, bytes: string, statuses: number | readonly number[], extra: Extra & { readonly parsed?: readonly ExpectedEcho[] } = {}): void {
  const list = typeof statuses === 'number' ? [statuses] : statuses;
  add(rfc, name, bytes, { statuses: list, ...(extra.parsed === undefined ? {} : { parsed: extra.parsed }) }, extra);
}

/** A GET with Host: a and extra field lines (each ending in CRLF). */
const get = (target = '/', fields = '', version = 'HTTP/1.1'): string => `GET ${target} ${version}\r\nHost: a\r\n${fields}\r\n`;
/** A request with an arbitrary request line and Host: a. */
const line = (requestLine: string, fields = ''): string => `${requestLine}\r\nHost: a\r\n${fields}\r\n`;
/** A GET with one extra field line. */
const field = (fieldLine: string): string => get('/', `${fieldLine}\r\n`);
/** A POST with Host: a, the given field lines and raw body bytes. */
const post = (fields: string, body: string, version = 'HTTP/1.1'): string => `POST / ${version}\r\nHost: a\r\n${fields}\r\n${body}`;
/** A POST with Content-Length: `value` and `body`. */
const cl = (value: string, body: string): string => post(`Content-Length: ${value}\r\n`, body);
const HELLO_CHUNKED = '5\r\nhello\r\n0\r\n\r\n';
/** A POST with Transfer-Encoding: `value` and a chunked body. */
const te = (value: string, body = HELLO_CHUNKED): string => post(`Transfer-Encoding: ${value}\r\n`, body);
/** A chunked POST with the given chunked body. */
const chunked = (body: string): string => te('chunked', body);

const HELLO: ExpectedEcho = { body: 'hello', bodyLength: 5 };
const EMPTY: ExpectedEcho = { bodyLength: 0 };

section('request line');
accept('RFC 9112 §3', 'minimal GET', get(), { method: 'GET', target: '/', version: '1.1', bodyLength: 0 });
accept('RFC 9112 §2.2', 'one empty line before the request line is ignored', `\r\n${get()}`, { method: 'GET', target: '/' });
accept('RFC 9112 §2.2', 'two empty lines before the request line are ignored', `\r\n\r\n${get()}`, { method: 'GET', target: '/' });
reject('RFC 9112 §2.2', 'bare LF before the request line', `\n${get()}`, 400);
reject('RFC 9112 §3', 'two SP between method and target', line('GET  / HTTP/1.1'), 400);
reject('RFC 9112 §3', 'two SP between target and version', line('GET /  HTTP/1.1'), 400);
reject('RFC 9112 §3', 'HTAB between method and target', line('GET\t/ HTTP/1.1'), 400);
reject('RFC 9112 §3', 'SP before the method', line(' GET / HTTP/1.1'), 400);
reject('RFC 9112 §3', 'SP after the version', line('GET / HTTP/1.1 '), 400);
reject('RFC 9112 §3', 'method only', line('GET'), 400);
reject('RFC 9112 §3', 'no version (HTTP/0.9 style)', line('GET /'), 400);
reject('RFC 9112 §3', 'no target', line('GET HTTP/1.1'), 400);
reject('RFC 9112 §2.2', 'bare CR inside the request line', line('GET /\r HTTP/1.1'), 400);
reject('RFC 9112 §3', 'NUL inside the request line', line('GET /\0 HTTP/1.1'), 400);

section('method');
accept('RFC 9110 §9.1', 'unknown method token reaches the handler', line('FOO / HTTP/1.1'), { method: 'FOO' });
accept('RFC 9110 §9.1', 'methods are case-sensitive: "get" is not GET', line('get / HTTP/1.1'), { method: 'get' });
accept('RFC 9110 §5.6.2', 'method made of every tchar symbol', line("!#$%&'*+-.^_`|~09azAZ / HTTP/1.1"), { method: "!#$%&'*+-.^_`|~09azAZ" });
accept('RFC 9110 §9.1', 'PATCH', line('PATCH / HTTP/1.1'), { method: 'PATCH' });
accept('RFC 9110 §9.3.7', 'OPTIONS with origin-form', line('OPTIONS /x HTTP/1.1'), { method: 'OPTIONS', target: '/x' });
reject('RFC 9112 §3.1', 'method with "("', line('GE(T / HTTP/1.1'), 400);
reject('RFC 9112 §3.1', 'method with "/"', line('GET/ / HTTP/1.1'), 400);
reject('RFC 9112 §3.1', 'method with NUL', line('G\0ET / HTTP/1.1'), 400);
reject('RFC 9112 §3.1', 'method with DEL', line('G\x7fET / HTTP/1.1'), 400);
reject('RFC 9112 §3.1', 'method with an obs-text byte', line('G\xe9T / HTTP/1.1'), 400);

section('request-target');
accept('RFC 9112 §3.2.1', 'origin-form with a query', get('/a/b?x=1&y=%20'), { target: '/a/b?x=1&y=%20' });
accept('RFC 3986 §3.4', 'query containing "/" and "?"', get('/p?q=/x?y'), { target: '/p?q=/x?y' });
accept('RFC 9112 §3.2.1', 'origin-form starting with "//"', get('//a//b'), { target: '//a//b' });
accept('RFC 3986 §2.1', 'percent-encoding in either case', get('/%41%6a'), { target: '/%41%6a' });
accept('RFC 3986 §3.3', 'sub-delims, ":" and "@" in the path', get("/a:b@c!$&'()*+,;="), { target: "/a:b@c!$&'()*+,;=" });
accept('RFC 3986 §2.3', 'unreserved marks', get('/-._~'), { target: '/-._~' });
reject('RFC 9112 §3.2', 'SP inside the target', get('/a b'), 400);
reject('RFC 9112 §3.2', 'HTAB inside the target', get('/a\tb'), 400);
reject('RFC 9112 §3.2', 'DEL inside the target', get('/a\x7fb'), 400);
reject('RFC 9112 §3.2', 'obs-text byte inside the target', get('/caf\xe9'), 400);
reject('RFC 9112 §3.2', 'fragment "#" in the target', get('/a#b'), 400);
reject('RFC 3986 §2', 'double quote in the target', get('/a"b'), 400);
reject('RFC 3986 §2', '"<" and ">" in the target', get('/<a>'), 400);
reject('RFC 3986 §2', '"{" and "}" in the target', get('/a{b}'), 400);
reject('RFC 3986 §2', '"|" in the target', get('/a|b'), 400);
reject('RFC 3986 §2', 'backslash in the target', get('/a\\b'), 400);
reject('RFC 3986 §2', '"^" in the target', get('/a^b'), 400);
reject('RFC 3986 §2', 'backtick in the target', get('/a`b'), 400);
reject('RFC 3986 §2.1', 'bad percent-encoding "%zz"', get('/%zz'), 400);
reject('RFC 3986 §2.1', 'truncated percent-encoding "%4"', get('/a%4'), 400);
reject('RFC 3986 §2.1', 'lone "%" at the end', get('/a%'), 400);
reject('RFC 9112 §3.2', 'relative target without a leading "/"', get('a/b'), 400);
accept('RFC 9112 §3.2.2', 'absolute-form', get('http://a/p?q'), { target: 'http://a/p?q' });
accept('RFC 9112 §3.2.2', 'absolute-form: Host that differs is ignored, not refused', get('http://b:8080/p'), { target: 'http://b:8080/p' });
accept('RFC 9112 §3.2.2', 'absolute-form with an IP-literal', get('http://[::1]:80/'), { target: 'http://[::1]:80/' });
accept('RFC 3986 §3.1', 'absolute-form with an upper-case scheme', get('HTTP://a/'), { target: 'HTTP://a/' });
accept('RFC 9110 §4.2.1', 'absolute-form without a path', get('http://a'), { target: 'http://a' });
reject('RFC 9110 §4.2.1', 'absolute-form "http:" without an authority', get('http:foo'), 400);
reject('RFC 3986 §3.2.2', 'absolute-form with an IP-literal that is not IPv6', get('http://[a]/'), 400);
reject('RFC 9110 §4.2.4', 'absolute-form with userinfo', get('http://u:p@a/'), 400);
reject('RFC 9110 §4.2.1', 'absolute-form with an empty host', get('http:///p'), 400);
reject('RFC 3986 §3.2.3', 'absolute-form with a non-numeric port', get('http://a:8x/'), 400);
reject('RFC 3986 §3.1', 'absolute-form whose scheme starts with a digit', get('1a://b/'), 400);
reject('RFC 9112 §3.2', 'absolute-form without Host in HTTP/1.1', 'GET http://a/ HTTP/1.1\r\n\r\n', 400);
accept('RFC 9112 §3.2.4', 'asterisk-form with OPTIONS', line('OPTIONS * HTTP/1.1'), { method: 'OPTIONS', target: '*' });
reject('RFC 9112 §3.2.4', 'asterisk-form with GET', line('GET * HTTP/1.1'), 400);
reject('RFC 9112 §3.2.4', '"*" followed by a path', line('OPTIONS */a HTTP/1.1'), 400);
reject('RFC 9110 §9.3.6, issue 5 item 5', 'CONNECT authority-form without onConnect → 405', line('CONNECT a:443 HTTP/1.1'), 405);
reject('RFC 9112 §3.2.3', 'CONNECT with origin-form', line('CONNECT / HTTP/1.1'), 400);
reject('RFC 9112 §3.2.3', 'CONNECT without a port', line('CONNECT a HTTP/1.1'), 400);
reject('RFC 9112 §3.2.3', 'CONNECT with an empty port', line('CONNECT a: HTTP/1.1'), 400);
reject('RFC 9112 §3.2.3', 'CONNECT with absolute-form', line('CONNECT http://a:80/ HTTP/1.1'), 400);

section('HTTP-version');
accept('RFC 9112 §2.3', 'HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n', { version: '1.0', target: '/' }, { closes: true });
accept('RFC 9110 §6.2', 'HTTP/1.2 is served as 1.1', line('GET / HTTP/1.2'), { version: '1.1' });
reject('RFC 9110 §15.6.6', 'HTTP/2.0 → 505', line('GET / HTTP/2.0'), 505);
reject('RFC 9110 §15.6.6', 'HTTP/0.9 → 505', line('GET / HTTP/0.9'), 505);
reject('RFC 9110 §15.6.6', 'HTTP/9.9 → 505', line('GET / HTTP/9.9'), 505);
reject('RFC 9112 §2.3', 'lower-case "http/1.1"', line('GET / http/1.1'), 400);
reject('RFC 9112 §2.3', 'two-digit minor "HTTP/1.10"', line('GET / HTTP/1.10'), 400);
reject('RFC 9112 §2.3', 'no dot "HTTP/11"', line('GET / HTTP/11'), 400);
reject('RFC 9112 §2.3', 'no minor "HTTP/1"', line('GET / HTTP/1'), 400);
reject('RFC 9112 §2.3', 'letter as minor "HTTP/1.x"', line('GET / HTTP/1.x'), 400);
reject('RFC 9112 §2.3', '"HTTPS/1.1"', line('GET / HTTPS/1.1'), 400);

section('field-name');
accept('RFC 9110 §5.6.2', 'name made of every tchar', field("!#$%&'*+-.^_`|~09azAZ: v"), { headers: { "!#$%&'*+-.^_`|~09azaz": ['v'] } });
accept('RFC 9110 §5.3', 'repeated field lines are kept in order', field('X-A: 1\r\nX-A: 2'), { headers: { 'x-a': ['1', '2'] } });
accept('RFC 9110 §5.1', 'names are case-insensitive', field('x-a: 1\r\nX-A: 2'), { headers: { 'x-a': ['1', '2'] } });
reject('RFC 9110 §5.1', 'empty name', field(': v'), 400);
reject('RFC 9112 §5', 'line without a colon', field('NoColon'), 400);
reject('RFC 9110 §5.1', 'name with "@"', field('X@Y: v'), 400);
reject('RFC 9110 §5.1', 'name with "("', field('X(Y): v'), 400);
reject('RFC 9110 §5.1', 'name with "/"', field('X/Y: v'), 400);
reject('RFC 9110 §5.1', 'name with "="', field('X=Y: v'), 400);
reject('RFC 9110 §5.1', 'name with a double quote', field('X"Y: v'), 400);
reject('RFC 9110 §5.1', 'name with "{"', field('X{Y: v'), 400);
reject('RFC 9110 §5.1', 'name with NUL', field('X\0Y: v'), 400);
reject('RFC 9110 §5.1', 'name with DEL', field('X\x7fY: v'), 400);
reject('RFC 9110 §5.1', 'name with an obs-text byte', field('X\xe9: v'), 400);

section('whitespace before the colon');
reject('RFC 9112 §5.1', 'SP before the colon', field('X-A : v'), 400);
reject('RFC 9112 §5.1', 'HTAB before the colon', field('X-A\t: v'), 400);
reject('RFC 9112 §5.1', 'SP inside the name', field('X A: v'), 400);
reject('RFC 9112 §5.1', '"Host :" (the only Host)', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400);
reject('RFC 9112 §5.1', '"Content-Length :" with a body', post('Content-Length : 5\r\n', 'hello'), 400);
reject('RFC 9112 §5.1', '"Transfer-Encoding :" with a chunked body', post('Transfer-Encoding : chunked\r\n', HELLO_CHUNKED), 400);
reject('RFC 9112 §5.1', '"Transfer-Encoding\\t:" next to Content-Length', post('Content-Length: 5\r\nTransfer-Encoding\t: chunked\r\n', 'hello'), 400);

section('field-value');
accept('RFC 9112 §5.1', 'OWS around the value is trimmed', field('X-A:   v  '), { headers: { 'x-a': ['v'] } });
accept('RFC 9112 §5.1', 'no OWS after the colon', field('X-A:v'), { headers: { 'x-a': ['v'] } });
accept('RFC 9112 §5.1', 'HTAB OWS is trimmed', field('X-A:\tv\t'), { headers: { 'x-a': ['v'] } });
accept('RFC 9110 §5.5', 'empty value', field('X-A:'), { headers: { 'x-a': [''] } });
accept('RFC 9110 §5.5', 'value of whitespace only is empty', field('X-A:   \t'), { headers: { 'x-a': [''] } });
accept('RFC 9110 §5.5', 'inner SP runs are kept', field('X-A: a  b'), { headers: { 'x-a': ['a  b'] } });
accept('RFC 9110 §5.5', 'inner HTAB is kept', field('X-A: a\tb'), { headers: { 'x-a': ['a\tb'] } });
accept('RFC 9110 §5.5', 'obs-text is kept', field('X-A: caf\xe9'), { headers: { 'x-a': ['caf\xe9'] } });
accept('RFC 9110 §5.5', 'colons, quotes and commas in a value', field('X-A: "a:b", c=d'), { headers: { 'x-a': ['"a:b", c=d'] } });
reject('RFC 9110 §5.5', 'NUL in a value', field('X-A: a\0b'), 400);
reject('RFC 9110 §5.5', 'NUL as the whole value', field('X-A: \0'), 400);
reject('RFC 9110 §5.5', 'bare CR in a value', field('X-A: a\rb'), 400);
reject('RFC 9110 §5.5', 'CR CR LF at the end of a field line', field('X-A: a\r'), 400);
reject('RFC 9112 §2.2', 'bare LF inside a value', field('X-A: a\nX-B: b'), 400);
reject('RFC 9110 §5.5', 'SOH (0x01) in a value', field('X-A: a\x01b'), 400);
reject('RFC 9110 §5.5', 'VT (0x0b) in a value', field('X-A: a\x0bb'), 400);
reject('RFC 9110 §5.5', 'FF (0x0c) in a value', field('X-A: a\x0cb'), 400);
reject('RFC 9110 §5.5', 'ESC (0x1b) in a value', field('X-A: a\x1bb'), 400);
reject('RFC 9110 §5.5', 'DEL (0x7f) in a value', field('X-A: a\x7fb'), 400);

section('obs-fold');
reject('RFC 9112 §5.2', 'SP continuation line', field('X-A: a\r\n b'), 400);
reject('RFC 9112 §5.2', 'HTAB continuation line', field('X-A: a\r\n\tb'), 400);
reject('RFC 9112 §5.2', 'continuation of an empty value', field('X-A:\r\n b'), 400);
reject('RFC 9112 §5.2', 'folded Host', 'GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n', 400);
reject('RFC 9112 §5.2', 'folded Content-Length ("1" + "0")', post('Content-Length: 1\r\n 0\r\n', '0123456789'), 400);
reject('RFC 9112 §5.2', 'folded Transfer-Encoding', post('Transfer-Encoding: gzip\r\n chunked\r\n', HELLO_CHUNKED), 400);
reject('RFC 9112 §2.2', 'whitespace-led line right after the request line', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n', 400);

section('line endings');
reject('RFC 9112 §2.2', 'bare LF everywhere', 'GET / HTTP/1.1\nHost: a\n\n', 400);
reject('RFC 9112 §2.2', 'bare LF after the request line', 'GET / HTTP/1.1\nHost: a\r\n\r\n', 400);
reject('RFC 9112 §2.2', 'bare LF after a field line', 'GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n', 400);
reject('RFC 9112 §2.2', 'bare LF as the empty line', 'GET / HTTP/1.1\r\nHost: a\r\n\n', 400);
reject('RFC 9112 §2.2', 'LF CR LF at the end of the head', 'GET / HTTP/1.1\r\nHost: a\n\r\n', 400);
reject('RFC 9112 §2.2', 'bare CR after the request line', 'GET / HTTP/1.1\rHost: a\r\n\r\n', 400);
reject('RFC 9112 §2.2', 'CR CR LF as the empty line', 'GET / HTTP/1.1\r\nHost: a\r\n\r\r\n', 400);

section('Host');
const host = (fields: string, version = 'HTTP/1.1'): string => `GET / ${version}\r\n${fields}\r\n`;
reject('RFC 9112 §3.2', 'HTTP/1.1 without Host', host(''), 400);
accept('RFC 9112 §3.2', 'HTTP/1.0 without Host', host('', 'HTTP/1.0'), { version: '1.0' }, { closes: true });
reject('RFC 9112 §3.2', 'two identical Host lines', host('Host: a\r\nHost: a\r\n'), 400);
reject('RFC 9112 §3.2', 'two different Host lines', host('Host: a\r\nHost: b\r\n'), 400);
reject('RFC 9112 §3.2', 'two Host lines in HTTP/1.0', host('Host: a\r\nHost: b\r\n', 'HTTP/1.0'), 400);
reject('RFC 9110 §4.2.1, RFC 9112 §3.3', 'empty Host', host('Host:\r\n'), 400);
reject('RFC 9110 §4.2.1, RFC 9112 §3.3', 'Host of whitespace only', host('Host:   \r\n'), 400);
reject('RFC 9110 §4.2.4, §7.2', 'Host with userinfo', host('Host: u@a\r\n'), 400);
reject('RFC 9110 §4.2.4, §7.2', 'Host with userinfo and password', host('Host: u:p@a:80\r\n'), 400);
reject('RFC 9110 §7.2', 'Host with a path', host('Host: a/b\r\n'), 400);
reject('RFC 9110 §7.2', 'Host with a query', host('Host: a?b\r\n'), 400);
reject('RFC 9110 §7.2', 'Host with a fragment', host('Host: a#b\r\n'), 400);
reject('RFC 9110 §7.2', 'Host as a list "a, b"', host('Host: a, b\r\n'), 400);
reject('RFC 9110 §7.2', 'Host with SP inside', host('Host: a b\r\n'), 400);
reject('RFC 3986 §3.2.3', 'Host with a non-numeric port', host('Host: a:8x\r\n'), 400);
reject('RFC 3986 §3.2.3', 'Host with a negative port', host('Host: a:-1\r\n'), 400);
reject('RFC 3986 §3.2.3', 'Host with two ports', host('Host: a:1:2\r\n'), 400);
reject('RFC 3986 §3.2.2', 'Host with an unclosed IP-literal', host('Host: [::1\r\n'), 400);
reject('RFC 3986 §2.1', 'Host with bad percent-encoding', host('Host: a%zz\r\n'), 400);
reject('RFC 9110 §7.2', 'Host with a scheme', host('Host: http://a\r\n'), 400);
accept('RFC 9110 §7.2', 'Host with a port', host('Host: a:8080\r\n'), { headers: { host: ['a:8080'] } });
accept('RFC 3986 §3.2.3', 'Host with an empty port', host('Host: a:\r\n'), { headers: { host: ['a:'] } });
accept('RFC 3986 §3.2.2', 'Host as IPv4 with port', host('Host: 127.0.0.1:80\r\n'), { headers: { host: ['127.0.0.1:80'] } });
accept('RFC 3986 §3.2.2', 'Host as IPv6 literal with port', host('Host: [::1]:8080\r\n'), { headers: { host: ['[::1]:8080'] } });
accept('RFC 3986 §3.2.2', 'Host as an IPvFuture literal', host('Host: [v1.a]\r\n'), { headers: { host: ['[v1.a]'] } });
reject('RFC 3986 §3.2.2, RFC 9112 §3.2', 'Host with an IP-literal that is neither IPv6 nor IPvFuture', host('Host: [a]\r\n'), 400);
reject('RFC 3986 §3.2.2', 'Host with text after the IP-literal', host('Host: [::1]x\r\n'), 400);
accept('RFC 9110 §5.1', 'Host field name in mixed case', host('hOsT: a\r\n'), { headers: { host: ['a'] } });
accept('RFC 9112 §5.1', 'Host with OWS around', host('Host:   a  \r\n'), { headers: { host: ['a'] } });
accept('RFC 3986 §3.2.2', 'Host with a pct-encoded reg-name', host('Host: a%2Db\r\n'), { headers: { host: ['a%2Db'] } });

section('Content-Length');
accept('RFC 9112 §6.2', 'Content-Length: 5', cl('5', 'hello'), HELLO);
accept('RFC 9112 §6.2', 'Content-Length: 0', cl('0', ''), EMPTY);
accept('RFC 9110 §8.6', 'leading zeros "005"', cl('005', 'hello'), HELLO);
accept('RFC 9112 §5.1', 'OWS around the value', cl('  5 ', 'hello'), HELLO);
accept('RFC 9110 §8.6', 'identical list "5, 5" gives a 5-byte body', cl('5, 5', 'hello'), HELLO);
accept('RFC 9110 §8.6', 'identical list "5,5,5"', cl('5,5,5', 'hello'), HELLO);
accept('RFC 9110 §8.6', 'identical repeated lines', post('Content-Length: 5\r\nContent-Length: 5\r\n', 'hello'), HELLO);
accept('RFC 9110 §9.3.1', 'GET with content', get('/', 'Content-Length: 5\r\n') + 'hello', { method: 'GET', ...HELLO });
accept('RFC 9110 §5.1', 'name in upper case', post('CONTENT-LENGTH: 5\r\n', 'hello'), HELLO);
reject('RFC 9110 §8.6', 'sign "+5"', cl('+5', 'hello'), 400);
reject('RFC 9110 §8.6', 'sign "-5"', cl('-5', 'hello'), 400);
reject('RFC 9110 §8.6', 'negative zero "-0"', cl('-0', ''), 400);
reject('RFC 9110 §8.6', 'hex "0x5"', cl('0x5', 'hello'), 400);
reject('RFC 9110 §8.6', 'hex digit "5a"', cl('5a', 'hello'), 400);
reject('RFC 9110 §8.6', 'decimal "5.0"', cl('5.0', 'hello'), 400);
reject('RFC 9110 §8.6', 'exponent "1e1"', cl('1e1', '0123456789'), 400);
reject('RFC 9110 §8.6', 'SP inside "5 5"', cl('5 5', 'hello'), 400);
reject('RFC 9110 §8.6', 'HTAB inside "5\\t5"', cl('5\t5', 'hello'), 400);
reject('RFC 9110 §8.6', 'empty value', cl('', ''), 400);
reject('RFC 9110 §8.6', 'differing list "5, 6"', cl('5, 6', 'hello!'), 400);
reject('RFC 9112 §6.3 ¶5', 'differing lines 5 and 6', post('Content-Length: 5\r\nContent-Length: 6\r\n', 'hello!'), 400);
reject('RFC 9110 §8.6', 'list with an empty member "5,"', cl('5,', 'hello'), 400);
reject('RFC 9110 §8.6', 'list with an empty member ",5"', cl(',5', 'hello'), 400);
reject('RFC 9110 §8.6', 'overflow: 20 digits', cl('99999999999999999999', 'hello'), 400);
reject('RFC 9110 §8.6', 'overflow: 2^64 + 5 must not wrap to 5', cl('18446744073709551621', 'hello'), 400);
reject('RFC 9110 §15.5.14', 'announced length above maxBodyBytes → 413 before any content', cl('999999999999999', 'hello'), 413);
reject('RFC 9112 §6.3 ¶8', 'content shorter than Content-Length: the server waits', cl('10', 'hello'), [], { closes: false });

section('Transfer-Encoding');
accept('RFC 9112 §7.1', 'chunked', te('chunked'), HELLO);
accept('RFC 9112 §7', 'coding names are case-insensitive: "Chunked"', te('Chunked'), HELLO);
accept('RFC 9112 §7', '"CHUNKED"', te('CHUNKED'), HELLO);
accept('RFC 9112 §5.1', 'trailing SP "chunked "', te('chunked '), HELLO);
accept('RFC 9112 §5.1', 'leading HTAB "\\tchunked"', te('\tchunked'), HELLO);
accept('RFC 9110 §5.6.1', 'empty list member ", chunked"', te(', chunked'), HELLO);
accept('RFC 9110 §5.6.1', 'trailing comma "chunked,"', te('chunked,'), HELLO);
reject('RFC 9112 §6.3 ¶3', 'chunked with Content-Length', post('Transfer-Encoding: chunked\r\nContent-Length: 5\r\n', HELLO_CHUNKED), 400);
reject('RFC 9112 §6.3 ¶3', 'Content-Length first, then chunked', post('Content-Length: 15\r\nTransfer-Encoding: chunked\r\n', HELLO_CHUNKED), 400);
reject('RFC 9112 §6.3 ¶3', 'chunked with Content-Length: 0', post('Content-Length: 0\r\nTransfer-Encoding: chunked\r\n', HELLO_CHUNKED), 400);
reject('RFC 9112 §6.3 ¶4', 'chunked not last: "chunked, identity"', te('chunked, identity'), 400);
reject('RFC 9112 §6.3 ¶4', 'chunked not last: "chunked, gzip"', te('chunked, gzip'), 400);
reject('RFC 9112 §6.3 ¶4', 'no chunked: "gzip"', te('gzip', 'hello'), 400);
reject('RFC 9112 §6.3 ¶4', 'no chunked: "identity"', te('identity', 'hello'), 400);
reject('RFC 9112 §6.3 ¶4', 'unknown coding "x-chunked"', te('x-chunked'), 400);
reject('RFC 9112 §6.3 ¶4', 'truncated "chunk"', te('chunk'), 400);
reject('RFC 9112 §6.1', 'chunked twice in one line', te('chunked, chunked'), 400);
reject('RFC 9112 §6.1', 'chunked twice on two lines', post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', HELLO_CHUNKED), 400);
reject('RFC 9112 §6.1', 'unimplemented coding before chunked "gzip, chunked" → 501', te('gzip, chunked'), 501);
reject('RFC 9112 §6.1', '"gzip" then "chunked" on two lines → 501', post('Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', HELLO_CHUNKED), 501);
reject('RFC 9112 §6.1', 'empty value', te(''), 400);
reject('RFC 9112 §7', 'quoted "\\"chunked\\""', te('"chunked"'), 400);
reject('RFC 9110 §5.5', 'VT before chunked', te('\x0bchunked'), 400);
reject('RFC 9110 §5.5', 'VT after chunked', te('chunked\x0b'), 400);
reject('RFC 9110 §5.5', 'NUL after chunked', te('chunked\0'), 400);
reject(
  'RFC 9110 §5.1',
  '"Transfer_Encoding" is another field: no body, the chunk line is the next request',
  post('Transfer_Encoding: chunked\r\n', HELLO_CHUNKED),
  [200, 400],
  { parsed: [EMPTY] },
);
accept('RFC 9112 §6.1', 'HTTP/1.0 with chunked: decoded, then the connection closes', te('chunked', HELLO_CHUNKED).replace('HTTP/1.1', 'HTTP/1.0'), { version: '1.0', ...HELLO }, { closes: true });
accept(
  'RFC 9112 §6.1',
  'HTTP/1.0 keep-alive with chunked: still closes, the next request is not served',
  `POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n${HELLO_CHUNKED}GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`,
  { version: '1.0', ...HELLO },
  { closes: true },
);
reject('RFC 9112 §6.1, §6.3 ¶3', 'HTTP/1.0 with chunked and Content-Length', post('Transfer-Encoding: chunked\r\nContent-Length: 5\r\n', HELLO_CHUNKED, 'HTTP/1.0'), 400);
reject('RFC 9112 §6.3 ¶4', 'HTTP/1.0 with "chunked, gzip"', post('Transfer-Encoding: chunked, gzip\r\n', HELLO_CHUNKED, 'HTTP/1.0'), 400);

section('chunked');
accept('RFC 9112 §7.1', 'two chunks', chunked('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'), { body: 'hello world', bodyLength: 11 });
accept('RFC 9112 §7.1', 'upper-case hex size', chunked('A\r\n0123456789\r\n0\r\n\r\n'), { bodyLength: 10 });
accept('RFC 9112 §7.1', 'lower-case hex size', chunked('a\r\n0123456789\r\n0\r\n\r\n'), { bodyLength: 10 });
accept('RFC 9112 §7.1', 'leading zeros in a size', chunked('005\r\nhello\r\n0\r\n\r\n'), HELLO);
accept('RFC 9112 §7.1', 'last-chunk "000"', chunked('5\r\nhello\r\n000\r\n\r\n'), HELLO);
accept('RFC 9112 §7.1', 'empty body', chunked('0\r\n\r\n'), EMPTY);
accept('RFC 9112 §7.1', 'chunk data containing CRLF', chunked('2\r\n\r\n\r\n0\r\n\r\n'), { body: '\r\n', bodyLength: 2 });
accept('RFC 9112 §7.1.1', 'extension name only', chunked('5;a\r\nhello\r\n0\r\n\r\n'), HELLO);
accept('RFC 9112 §7.1.1', 'extension with a token value', chunked('5;a=b\r\nhello\r\n0\r\n\r\n'), HELLO);
accept('RFC 9112 §7.1.1', 'several extensions', chunked('5;a=1;b;c=2\r\nhello\r\n0\r\n\r\n'), HELLO);
accept('RFC 9112 §7.1.1', 'extension with SP BWS around ";" and "="', chunked('5 ; a = b\r\nhello\r\n0\r\n\r\n'), HELLO);
accept('RFC 9112 §7.1.1', 'extension with HTAB BWS', chunked('5\t;\ta\t=\tb\r\nhello\r\n0\r\n\r\n'), HELLO);
accept('RFC 9112 §7.1.1', 'quoted extension value with SP and ";"', chunked('5;a="b c;d"\r\nhello\r\n0\r\n\r\n'), HELLO);
accept('RFC 9112 §7.1.1', 'quoted-pair in an extension value', chunked('5;a="b\\"c"\r\nhello\r\n0\r\n\r\n'), HELLO);
accept('RFC 9112 §7.1.1', 'extension on the last chunk', chunked('5\r\nhello\r\n0;a=b\r\n\r\n'), HELLO);
accept('RFC 9112 §7.1.2', 'one trailer field', chunked('5\r\nhello\r\n0\r\nX-T: v\r\n\r\n'), { ...HELLO, trailers: [['X-T', 'v']] });
accept('RFC 9112 §7.1.2', 'two trailer fields', chunked('5\r\nhello\r\n0\r\nX-T: v\r\nX-U: w\r\n\r\n'), { ...HELLO, trailers: [['X-T', 'v'], ['X-U', 'w']] });
accept('RFC 9112 §7.1.2', 'trailer value OWS is trimmed', chunked('0\r\nX-T:  v \r\n\r\n'), { bodyLength: 0, trailers: [['X-T', 'v']] });
reject('RFC 9112 §7.1', 'size with sign "+5"', chunked('+5\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'size with sign "-5"', chunked('-5\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'size with prefix "0x5"', chunked('0x5\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'SP before the size', chunked(' 5\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'SP after the size without an extension', chunked('5 \r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'size overflow: 17 hex digits', chunked('FFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'size overflow: 2^64 + 5 must not wrap to 5', chunked('10000000000000005\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'non-hex size "g"', chunked('g\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'size followed by a non-hex letter "5g"', chunked('5g\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'empty size line', chunked('\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1.1', 'extension with an empty name "5;"', chunked('5;\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1.1', 'extension without a name "5;=b"', chunked('5;=b\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1.1', 'extension with an empty value "5;a="', chunked('5;a=\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1.1', 'unterminated quoted extension value', chunked('5;a="b\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1.1', 'SP inside an extension name "5;a b"', chunked('5;a b\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1.1', 'two words as an extension value "5;a=b c"', chunked('5;a=b c\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1.1', 'non-token extension name "5;a@b"', chunked('5;a@b\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1.1', 'NUL in an extension', chunked('5;a=\0\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1.1', 'CTL in a quoted-pair', chunked('5;a="\\\x01"\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §2.2, §7.1', 'bare LF after the size', chunked('5\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §2.2, §7.1', 'bare LF after an extension', chunked('5;a=b\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §2.2, §7.1', 'bare LF after the data', chunked('5\r\nhello\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'bare CR after the data', chunked('5\r\nhello\r0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'data longer than the size', chunked('3\r\nhello\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'data not followed by CRLF', chunked('5\r\nhelloX\r\n0\r\n\r\n'), 400);
reject('RFC 9112 §2.2, §7.1', 'bare LF after the last-chunk', chunked('5\r\nhello\r\n0\n\r\n'), 400);
reject('RFC 9112 §2.2, §7.1', 'bare LF ending the trailer section', chunked('5\r\nhello\r\n0\r\n\n'), 400);
reject('RFC 9112 §2.2, §7.1.2', 'bare LF after a trailer field', chunked('5\r\nhello\r\n0\r\nX-T: v\n\r\n'), 400);
reject('RFC 9110 §6.5.1', 'Content-Length as a trailer', chunked('5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n'), 400);
reject('RFC 9110 §6.5.1', 'Transfer-Encoding as a trailer', chunked('5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n'), 400);
reject('RFC 9110 §6.5.1', 'Host as a trailer', chunked('5\r\nhello\r\n0\r\nHost: b\r\n\r\n'), 400);
reject('RFC 9112 §5.2, §7.1.2', 'obs-fold in the trailer section', chunked('5\r\nhello\r\n0\r\nX-T: v\r\n w\r\n\r\n'), 400);
reject('RFC 9112 §7.1.2', 'trailer line without a colon', chunked('5\r\nhello\r\n0\r\nNoColon\r\n\r\n'), 400);
reject('RFC 9112 §5.1, §7.1.2', 'SP before the colon of a trailer', chunked('5\r\nhello\r\n0\r\nX-T : v\r\n\r\n'), 400);
reject('RFC 9110 §5.5, §7.1.2', 'NUL in a trailer value', chunked('5\r\nhello\r\n0\r\nX-T: a\0b\r\n\r\n'), 400);
reject('RFC 9112 §7.1', 'a request line where the empty line after the last-chunk belongs', chunked('5\r\nhello\r\n0\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n'), 400);

section('pipelining');
const G = (target: string): string => get(target);
accept('RFC 9112 §9.3.2', 'two GETs in one write, answered in order', G('/a') + G('/b'), [{ target: '/a' }, { target: '/b' }]);
accept('RFC 9112 §9.3.2', 'GET, POST with Content-Length, GET', G('/a') + cl('5', 'hello') + G('/c'), [{ target: '/a' }, HELLO, { target: '/c' }]);
accept('RFC 9112 §9.3.2', 'chunked POST then GET', chunked(HELLO_CHUNKED) + G('/b'), [HELLO, { target: '/b' }]);
accept('RFC 9112 §6.2', 'content beyond Content-Length is the next request', cl('2', 'hi') + G('/b'), [{ body: 'hi', bodyLength: 2 }, { target: '/b' }]);
accept('RFC 9112 §2.2', 'an empty line between pipelined requests is ignored', `${G('/a')}\r\n${G('/b')}`, [{ target: '/a' }, { target: '/b' }]);
accept('RFC 9112 §9.6', 'Connection: close ends the pipeline', get('/a', 'Connection: close\r\n') + G('/b'), [{ target: '/a' }], { closes: true });
accept('RFC 9112 §9.3', 'HTTP/1.0 then another request: only the first is answered', 'GET /a HTTP/1.0\r\n\r\n' + G('/b'), [{ target: '/a' }], { closes: true });
accept(
  'RFC 9112 §9.3',
  'HTTP/1.0 keep-alive then HTTP/1.0: both answered, then close',
  'GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n',
  [{ target: '/a' }, { target: '/b' }],
  { closes: true },
);
reject('RFC 9112 §9.3.2', 'valid, then a malformed request line', G('/a') + 'GARBAGE\r\n\r\n', [200, 400], { parsed: [{ target: '/a' }] });
reject('RFC 9112 §9.3.2', 'valid, valid, then bare LF', G('/a') + G('/b') + 'GET /c HTTP/1.1\nHost: a\n\n', [200, 200, 400], { parsed: [{ target: '/a' }, { target: '/b' }] });
reject('RFC 9112 §9.3.2', 'valid, invalid, valid: the third is never answered', G('/a') + get('/a b') + G('/c'), [200, 400], { parsed: [{ target: '/a' }] });
reject('RFC 9112 §6.3 ¶3', 'valid, then CL + TE', G('/a') + post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', HELLO_CHUNKED), [200, 400], { parsed: [{ target: '/a' }] });
reject('RFC 9112 §7.1', 'valid, then a bad chunk size', G('/a') + chunked('zz\r\nhello\r\n0\r\n\r\n'), [200, 400], { parsed: [{ target: '/a' }] });
reject('RFC 9110 §10.1.1', 'valid, then Expect: foo', G('/a') + get('/b', 'Expect: foo\r\n'), [200, 417], { parsed: [{ target: '/a' }] });
reject('RFC 9110 §15.6.6', 'valid, then HTTP/2.0', G('/a') + line('GET /b HTTP/2.0'), [200, 505], { parsed: [{ target: '/a' }] });
reject(
  'RFC 9112 §6.3 ¶3',
  'CL.TE smuggling: nothing after the refused request is answered',
  post('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n', `0\r\n\r\n${G('/smuggled')}`),
  400,
);
reject(
  'RFC 9112 §5.1',
  'TE.CL smuggling with "Transfer-Encoding :"',
  post('Content-Length: 5\r\nTransfer-Encoding : chunked\r\n', `0\r\n\r\n${G('/smuggled')}`),
  400,
);

section('limits');
const URI_LIMIT = { maxUriBytes: 32 };
accept('RFC 9112 §3', 'target of exactly maxUriBytes', get(`/${'a'.repeat(31)}`), { target: `/${'a'.repeat(31)}` }, { options: URI_LIMIT });
reject('RFC 9112 §3, RFC 9110 §15.5.15', 'target one byte over maxUriBytes → 414', get(`/${'a'.repeat(32)}`), 414, { options: URI_LIMIT });
reject('RFC 9112 §3, RFC 9110 §15.5.15', 'target far over maxUriBytes, head unfinished → 414', `GET /${'a'.repeat(200)}`, 414, { options: URI_LIMIT });
// "GET / HTTP/1.1\r\nHost: a\r\n" is 25 bytes; with "X: …\r\n" (5 + n) and the final CRLF the head is 32 + n.
const HEAD_LIMIT = { maxHeaderBytes: 128 };
accept('RFC 6585 §5', 'head of exactly maxHeaderBytes', field(`X: ${'v'.repeat(96)}`), { headers: { x: ['v'.repeat(96)] } }, { options: HEAD_LIMIT });
reject('RFC 6585 §5', 'head one byte over maxHeaderBytes → 431', field(`X: ${'v'.repeat(97)}`), 431, { options: HEAD_LIMIT });
reject('RFC 6585 §5', 'one field line far over maxHeaderBytes, unfinished → 431', `GET / HTTP/1.1\r\nHost: a\r\nX: ${'v'.repeat(300)}`, 431, { options: HEAD_LIMIT });
const COUNT_LIMIT = { maxHeaderCount: 4 };
accept('RFC 6585 §5', 'exactly maxHeaderCount fields (Host included)', get('/', 'X-1: 1\r\nX-2: 2\r\nX-3: 3\r\n'), { headers: { 'x-3': ['3'] } }, { options: COUNT_LIMIT });
reject('RFC 6585 §5', 'one field over maxHeaderCount → 431', get('/', 'X-1: 1\r\nX-2: 2\r\nX-3: 3\r\nX-4: 4\r\n'), 431, { options: COUNT_LIMIT });
const EXT_LIMIT = { maxChunkExtensionBytes: 16 };
accept('RFC 9112 §7.1.1', 'chunk extensions within maxChunkExtensionBytes', chunked('5;a=bbbbbbbbbbb\r\nhello\r\n0\r\n\r\n'), HELLO, { options: EXT_LIMIT });
reject('RFC 9112 §7.1.1', 'chunk extensions over maxChunkExtensionBytes → 400', chunked(`5;a=${'b'.repeat(40)}\r\nhello\r\n0\r\n\r\n`), 400, { options: EXT_LIMIT });
const TRAILER_LIMIT = { maxTrailerBytes: 16 };
accept('RFC 9112 §7.1.2', 'trailers within maxTrailerBytes', chunked('5\r\nhello\r\n0\r\nX-T: vvvvvvvvvvv\r\n\r\n'), { ...HELLO, trailers: [['X-T', 'vvvvvvvvvvv']] }, { options: TRAILER_LIMIT });
reject('RFC 6585 §5', 'trailers over maxTrailerBytes → 431', chunked(`5\r\nhello\r\n0\r\nX-T: ${'v'.repeat(40)}\r\n\r\n`), 431, { options: TRAILER_LIMIT });
const BODY_LIMIT = { maxBodyBytes: 4 };
accept('RFC 9110 §15.5.14', 'content of exactly maxBodyBytes', cl('4', 'abcd'), { body: 'abcd', bodyLength: 4 }, { options: BODY_LIMIT });
reject('RFC 9110 §15.5.14', 'Content-Length over maxBodyBytes → 413', cl('5', 'hello'), 413, { options: BODY_LIMIT });
reject('RFC 9110 §15.5.14', 'chunked content over maxBodyBytes → 413', chunked('3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n'), 413, { options: BODY_LIMIT });

section('Expect');
const expect100 = (value: string, version = 'HTTP/1.1'): string => post(`Expect: ${value}\r\nContent-Length: 5\r\n`, 'hello', version);
accept('RFC 9110 §10.1.1', '100-continue with the content already sent', expect100('100-continue'), HELLO);
accept('RFC 9110 §10.1.1', '"100-Continue" is matched case-insensitively', expect100('100-Continue'), HELLO);
accept('RFC 9110 §10.1.1', '"100-CONTINUE"', expect100('100-CONTINUE'), HELLO);
accept('RFC 9110 §10.1.1, §15.2', 'HTTP/1.0: 100-continue is ignored and no 1xx is sent', expect100('100-continue', 'HTTP/1.0'), HELLO, { closes: true, interim: [] });
accept('RFC 9110 §10.1.1', 'HTTP/1.0: an unknown expectation is ignored', expect100('foo', 'HTTP/1.0'), HELLO, { closes: true });
accept('RFC 9110 §10.1.1', '100-continue with a chunked body', post('Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n', HELLO_CHUNKED), HELLO);
accept('RFC 9110 §10.1.1', 'empty Expect is no expectation', expect100(''), HELLO);
reject('RFC 9110 §10.1.1', 'unknown expectation → 417', expect100('foo'), 417);
reject('RFC 9110 §10.1.1', '100-continue plus another expectation → 417', expect100('100-continue, foo'), 417);
reject('RFC 9110 §10.1.1', 'two Expect lines, one unknown → 417', post('Expect: 100-continue\r\nExpect: foo\r\nContent-Length: 5\r\n', 'hello'), 417);
reject('RFC 9110 §10.1.1', 'head only: 100 Continue is sent and the server waits for the content', post('Expect: 100-continue\r\nContent-Length: 5\r\n', ''), [], {
  closes: false,
  interim: [100],
});

section('persistence');
accept('RFC 9112 §9.3', 'HTTP/1.1 persists by default', get(), { target: '/' }, { closes: false });
accept('RFC 9112 §9.6', 'Connection: close', get('/', 'Connection: close\r\n'), { target: '/' }, { closes: true });
accept('RFC 9110 §7.6.1', 'connection options are case-insensitive: "CLOSE"', get('/', 'Connection: CLOSE\r\n'), { target: '/' }, { closes: true });
accept('RFC 9112 §9.6', '"keep-alive, close": close wins', get('/', 'Connection: keep-alive, close\r\n'), { target: '/' }, { closes: true });
accept('RFC 9112 §9.3', 'HTTP/1.0 with Connection: keep-alive stays open', 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', { version: '1.0' }, { closes: false });

/** Every conformance case, in group order. */
export const CASES: readonly Case[] = cases;
