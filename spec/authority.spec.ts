// uri-host [":" port] as Host and as the authority of absolute-form and
// CONNECT targets (RFC 3986 §3.2.2-3, RFC 9112 §3.2): IP-literals must be
// real IPv6 or IPvFuture addresses (regression for the conformance case
// "Host: [a]" accepted).
import { describe, expect, it } from 'vitest';
import { isValidAuthority } from '../lib/parse.ts';

const check = (text: string, portRequired = false): boolean => isValidAuthority(Buffer.from(text, 'latin1'), 0, text.length, portRequired);

describe('isValidAuthority', () => {
  it.each([
    'example.com',
    'example.com:8080',
    'example.com:',
    '127.0.0.1',
    'xn--nxasmq6b.example',
    'a%20b',
    '[::1]',
    '[::1]:80',
    '[2001:db8::1]',
    '[::]',
    '[1:2:3:4:5:6:7:8]',
    '[::ffff:1.2.3.4]',
    '[1::]',
    '[1:2:3:4:5:6:1.2.3.4]',
    '[fe80::1:2]',
    '[v1.x]',
  ])('accepts %s', (text) => expect(check(text), text).toBe(true));

  it.each([
    ['', 'empty host (RFC 9110 §4.2.1)'],
    ['user@host', 'userinfo'],
    ['host/path', 'path'],
    ['a,b', 'list'],
    ['a b', 'space'],
    ['host:port', 'non-numeric port'],
    ['host:123456', 'port too long'],
    ['a%2', 'bad percent-encoding'],
    ['[a]', 'IP-literal that is neither IPv6 nor IPvFuture'],
    ['[]', 'empty IP-literal'],
    ['[:]', 'lone colon'],
    ['[1:2:3:4:5:6:7:8:9]', 'nine groups'],
    ['[1::2::3]', 'two "::"'],
    ['[::1.2.3]', 'short IPv4 tail'],
    ['[12345::]', 'group of five digits'],
    ['[1:2:3:4:5:6:7]', 'seven groups without "::"'],
    ['[:1::]', 'leading single colon'],
    ['[1:]', 'trailing single colon'],
    ['[v.x]', 'IPvFuture without version'],
    ['[v1x]', 'IPvFuture without dot'],
    ['[::256.1.1.1]', 'IPv4 octet over 255'],
    ['[::01.1.1.1]', 'IPv4 octet with leading zero'],
    ['[::1', 'unclosed bracket'],
    ['[::1]x', 'text after the literal'],
  ])('refuses %s (%s)', (text) => expect(check(text), text).toBe(false));

  it('requires a port for CONNECT targets', () => {
    expect(check('example.com:443', true)).toBe(true);
    expect(check('example.com', true)).toBe(false);
    expect(check('example.com:', true)).toBe(false);
  });
});
