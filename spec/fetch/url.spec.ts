// requestUrl (lib/fetch-url.ts) must give exactly what the Request
// constructor would make of the same string — its fast path skips the URL
// parser, so every shortcut is checked against the parser itself (issue 7).

import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestUrl } from '../../lib/fetch-url.ts';

// What `new Request(text).url` gives, or null where the constructor throws.
function reference(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return url.username === '' && url.password === '' ? url.href : null;
}

function want(target: string, host: string | undefined): string | null {
  if (target.startsWith('/')) return reference(`http://${host ?? 'localhost'}${target}`);
  return /^https?:\/\//i.test(target) ? reference(target) : null;
}

describe('requestUrl', () => {
  const cases: ReadonlyArray<readonly [string, string, string | undefined]> = [
    ['plain origin form', '/hello/world?x=1', 'example.test:8080'],
    ['root', '/', '127.0.0.1:3000'],
    ['no Host (HTTP/1.0): the default host', '/old', undefined],
    ['the default port is dropped', '/p', 'example.test:80'],
    ['a port with a leading zero', '/p', 'example.test:0080'],
    ['a port above 65535', '/p', 'example.test:65536'],
    ['the highest port', '/p', 'example.test:65535'],
    ['an empty port', '/p', 'example.test:'],
    ['upper-case host', '/p', 'Example.TEST'],
    ['shortened IPv4', '/p', '127.1'],
    ['hex IPv4', '/p', '0x7f.0.0.1'],
    ['octal-looking IPv4 part', '/p', '127.0.0.010'],
    ['a last label that is a number', '/p', 'example.123'],
    ['IPv6 literal', '/p', '[::1]:3000'],
    ['punycode label', '/p', 'xn--nxasmq6b.test'],
    ['invalid punycode label', '/p', 'xn--a.test'],
    ['underscore in the host', '/p', 'my_host.test'],
    ['trailing dot', '/p', 'example.test.'],
    ['dot segments', '/a/./b/../c', 'example.test'],
    ['encoded dot segments', '/a/%2e%2E/c', 'example.test'],
    ['a dot-file is not a dot segment', '/.well-known/x', 'example.test'],
    ['characters the path set encodes', '/a b/{c}/"d"/`e`/^', 'example.test'],
    ['an apostrophe in the query', "/q?name='x'", 'example.test'],
    ['a backslash', '/a\\b', 'example.test'],
    ['non-ASCII (latin1-decoded)', '/caf\u00e9', 'example.test'],
    ['double slash path', '//x//y', 'example.test'],
    ['question marks in the query', '/p??a=1?b', 'example.test'],
    ['percent escapes kept as sent', '/a%20b/%zz?%41', 'example.test'],
    ['absolute form', 'http://Other.TEST:80/a/../b?c', 'ignored.test'],
    ['absolute https form', 'HTTPS://secure.test/x', undefined],
    ['absolute form with credentials', 'http://user:pw@example.test/', undefined],
    ['other scheme', 'ftp://example.test/', undefined],
    ['asterisk form', '*', 'example.test'],
    ['authority form', 'example.test:443', 'example.test'],
  ];

  it.each(cases)('%s: %s with Host %s serializes as the URL parser does', (_, target, host) => {
    expect(requestUrl(target, host, 'localhost')).toBe(want(target, host));
  });

  // Hosts and targets built from the characters where the parser changes
  // something (case, dots, digits, percent, quotes, spaces) next to the ones
  // it keeps.
  const hostChars = [...'abcxyzXY0123456789.-_:[]'];
  const targetChars = [...'abzAZ09-._~!$&\'()*+,;=:@%/?#2eE "<>`{}^|\\'];
  const host = fc.oneof(
    fc.string({ unit: fc.constantFrom(...hostChars), minLength: 1, maxLength: 16 }),
    fc.constantFrom('example.test', 'localhost:3000', '127.0.0.1:8080', '10.0.0.255', '256.1.1.1', 'a.0x1f', 'xn--p1ai'),
  );
  const target = fc.string({ unit: fc.constantFrom(...targetChars), maxLength: 24 }).map((rest) => `/${rest}`);

  // The last plain URL is remembered: a repeat must give it, and a change of
  // either half (or of the default host standing in for a missing Host) must not.
  it('answers repeats from its memo and changes of target, Host or default host anew', () => {
    const calls: ReadonlyArray<readonly [string, string | undefined, string]> = [
      ['/a/b', 'one.test', 'localhost'],
      ['/a/b', 'one.test', 'localhost'],
      ['/a/b', 'two.test', 'localhost'],
      ['/a/c', 'two.test', 'localhost'],
      ['/a/c', 'two.test', 'localhost'],
      ['/a/./c', 'two.test', 'localhost'],
      ['/a/./c', 'two.test', 'localhost'],
      ['/a/c', 'TWO.test', 'localhost'],
      ['/a/c', undefined, 'default-a.test'],
      ['/a/c', undefined, 'default-b.test'],
      ['/a/c', 'default-b.test', 'other.test'],
      ['/a/c', 'two.test', 'localhost'],
    ];
    const fresh = (text: string): string => Buffer.from(text, 'latin1').toString('latin1');
    for (const [target, host, fallback] of calls) {
      // Equal strings that are not the same objects must hit the memo too.
      const got = requestUrl(fresh(target), host === undefined ? undefined : fresh(host), fallback);
      expect(got).toBe(reference(`http://${host ?? fallback}${target}`));
    }
  });

  it('agrees with the URL parser on random hosts and origin-form targets, each asked twice', () => {
    fc.assert(
      fc.property(target, host, (t, h) => {
        expect(requestUrl(t, h, 'localhost')).toBe(want(t, h));
        expect(requestUrl(t, h, 'localhost')).toBe(want(t, h));
      }),
      { numRuns: 5_000 },
    );
  });
});
