// A batch shares one clock reading; outside a batch, every read is the clock.
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { batchNow, endBatch, startBatch } from '../lib/batch-clock.ts';

function spinFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // wait for the clock to move
  }
}

describe('batch clock', () => {
  afterEach(() => endBatch());

  it('returns the batch reading for as long as the batch runs', () => {
    const before = performance.now();
    const reading = startBatch();
    expect(reading).toBeGreaterThanOrEqual(before);
    spinFor(3);
    expect(batchNow()).toBe(reading);
    expect(batchNow()).toBe(reading);
  });

  it('reads the clock again once the batch ends', () => {
    const reading = startBatch();
    spinFor(3);
    endBatch();
    const later = batchNow();
    expect(later).toBeGreaterThanOrEqual(reading + 3);
    spinFor(2);
    expect(batchNow()).toBeGreaterThan(later);
  });

  it('a batch begun inside another ends both: the outer reads the clock, never an older reading', () => {
    const outer = startBatch();
    spinFor(2);
    const inner = startBatch();
    expect(inner).toBeGreaterThan(outer);
    endBatch();
    expect(batchNow()).toBeGreaterThanOrEqual(inner);
  });

  it('keeps sub-millisecond readings (metrics durations need them)', () => {
    const readings = new Set<number>();
    for (let i = 0; i < 50; i++) {
      readings.add(startBatch() % 1);
      endBatch();
    }
    expect([...readings].some((fraction) => fraction !== 0)).toBe(true);
  });
});
