// ParsedHeadPool: a head comes back reset and with the server's capacity,
// and the pool keeps only a bounded number of free heads.
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ParsedHeadPool } from '../lib/head-pool.ts';
import { parseHead } from '../lib/parse.ts';
import { HEAD_LIMITS } from './support/split.ts';

describe('ParsedHeadPool', () => {
  it('lends heads with the capacity it was made for, and reuses a given-back head reset', () => {
    const pool = new ParsedHeadPool(7);
    const head = pool.take();
    expect(head.fields.length / 4).toBe(7);
    const wire = Buffer.from('POST /a HTTP/1.0\r\nHost: x\r\nContent-Length: 3\r\n\r\n');
    expect(parseHead(wire, 0, wire.length, { ...HEAD_LIMITS, maxHeaderCount: 7 }, head)).toBe(wire.length);
    expect(head.fieldCount).toBe(2);
    pool.give(head);
    expect(pool.size).toBe(1);
    const again = pool.take();
    expect(again).toBe(head);
    expect(pool.size).toBe(0);
    expect([again.scanned, again.fieldCount, again.contentLength, again.hostField, again.method]).toEqual([0, 0, -1, -1, '']);
  });

  it('makes a new head when none is free, and keeps at most 64 free heads', () => {
    const pool = new ParsedHeadPool(4);
    const lent = Array.from({ length: 100 }, () => pool.take());
    expect(new Set(lent).size).toBe(100);
    for (const head of lent) pool.give(head);
    expect(pool.size).toBe(64);
  });
});
