// latin1String builds short strings in JS and long ones natively: both
// paths must give Buffer's own Latin-1 decoding, for every byte value.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { Latin1Memo, latin1String } from '../lib/latin1.ts';

describe('latin1String', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

  it('decodes every byte value alone (the single-character path)', () => {
    for (let i = 0; i < 256; i++) expect(latin1String(all, i, i + 1)).toBe(String.fromCharCode(i));
  });

  it('equals toString("latin1") for every length from 0 to 12 at every offset', () => {
    for (let length = 0; length <= 12; length++) {
      for (let start = 0; start + length <= 256; start++) {
        const end = start + length;
        expect(latin1String(all, start, end)).toBe(all.toString('latin1', start, end));
      }
    }
  });

  it('reads only its range of a larger buffer', () => {
    const wire = Buffer.from('GET / HTTP/1.1\r\nX-A: 1\r\n\r\n', 'latin1');
    expect(latin1String(wire, 4, 5)).toBe('/');
    expect(latin1String(wire, 0, 3)).toBe('GET');
    expect(latin1String(wire, 6, 14)).toBe('HTTP/1.1');
    expect(latin1String(wire, 5, 5)).toBe('');
  });
});

describe('Latin1Memo', () => {
  const wire = (host: string): Buffer => Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'latin1');
  const hostOf = (memo: Latin1Memo, buf: Buffer): string => memo.decode(buf, 22, buf.indexOf('\r\n', 22));

  it('gives the decoded bytes for repeated, alternating and same-length values', () => {
    const memo = new Latin1Memo();
    const hosts = ['127.0.0.1:8080', '127.0.0.1:8080', '127.0.0.1:8081', 'example.com:80', '127.0.0.1:8080', 'h\xe9st', 'h\xe9st', 'hest!', 'a'];
    expect(hosts.map((host) => hostOf(memo, wire(host)))).toEqual(hosts);
  });

  it('decodes values beyond 64 bytes every time, and still knows the last short one', () => {
    const memo = new Latin1Memo();
    const long = `${'a'.repeat(70)}.example`;
    const longer = `${'b'.repeat(70)}.example`;
    expect([hostOf(memo, wire('x.example')), hostOf(memo, wire(long)), hostOf(memo, wire(longer)), hostOf(memo, wire('x.example')), hostOf(memo, wire('y.example'))]).toEqual([
      'x.example',
      long,
      longer,
      'x.example',
      'y.example',
    ]);
  });

  it('reads the bytes, not the buffer: the same buffer rewritten gives the new value', () => {
    const memo = new Latin1Memo();
    const buf = wire('first.example');
    expect(hostOf(memo, buf)).toBe('first.example');
    buf.write('other', 22, 'latin1');
    expect(hostOf(memo, buf)).toBe('other.example');
  });
});
