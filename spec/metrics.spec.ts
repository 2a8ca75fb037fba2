// lib/metrics.ts (issue 6): counters, gauges and histograms in shared
// memory — exact under concurrent threads, exact bucket arithmetic, and an
// exposition that parses back.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Metrics } from '../lib/metrics.ts';
import { moduleUrl } from './support/compile.ts';
import { parseExposition, sumSamples } from './support/exposition.ts';

// xorshift32: deterministic values for histogram cases.
function* random(seed: number, count: number, max: number): Generator<number> {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    yield x % (max + 1);
  }
}

describe('Metrics: counters, gauges, labels', () => {
  it('counts, and appends _total to a counter name that lacks it', () => {
    const metrics = new Metrics();
    const counter = metrics.counter('jobs', 'Jobs.');
    counter.inc();
    counter.add(41);
    expect(counter.value).toBe(42);
    expect(metrics.snapshot()['jobs_total']).toEqual({ type: 'counter', help: 'Jobs.', series: [{ labels: {}, value: 42 }] });
  });

  it('keeps counts past 2^32 exactly (64-bit cells)', () => {
    const counter = new Metrics().counter('big_bytes_total', 'Big.');
    counter.add(2 ** 32 - 1);
    counter.add(2);
    counter.add(2 ** 40);
    expect(counter.value).toBe(2 ** 32 + 1 + 2 ** 40);
  });

  // Cells are two int32 words (value = high × 2^30 + low); these walk the
  // low word across its bounds in both directions and by every kind of step.
  it('stays exact while the low word carries into the high word, in small steps and large', () => {
    for (const step of [2 ** 24 - 1, 2 ** 24, 2 ** 23 + 7, 2 ** 29, 2 ** 31, 2 ** 40 + 3, 12_345, 2 ** 49 - 1]) {
      const counter = new Metrics().counter('carry_total', 'Carry.');
      counter.inc();
      for (let i = 1; i <= 9; i++) {
        counter.add(step);
        expect(counter.value, `1 + ${step} × ${i}`).toBe(1 + step * i);
      }
    }
  });

  it('carries both ways for gauges: negative values, large steps and set()', () => {
    const gauge = new Metrics().gauge('swing', 'Swing.');
    let want = 0;
    const steps = [-(2 ** 24) + 1, 2 ** 24 - 1, -(2 ** 29) + 1, 2 ** 29 - 1, -(2 ** 30), -3, 2 ** 33, -(2 ** 35) - 1, 1, -1, 2 ** 29, -(2 ** 29)];
    for (let round = 0; round < 20; round++) {
      for (const step of steps) {
        gauge.add(step * (round % 3 === 0 ? 1 : -1));
        want += step * (round % 3 === 0 ? 1 : -1);
        expect(gauge.value).toBe(want);
      }
    }
    for (const value of [-1, 0, 2 ** 30, -(2 ** 30) - 1, 2 ** 52 + 1, -(2 ** 52) - 3, 5]) {
      gauge.set(value);
      expect(gauge.value).toBe(value);
      gauge.dec();
      expect(gauge.value).toBe(value - 1);
      gauge.inc();
      gauge.inc();
      expect(gauge.value).toBe(value + 1);
    }
    expect(() => gauge.set(0.5)).toThrow(RangeError);
    expect(() => gauge.add(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('refuses amounts that are not safe integers', () => {
    const metrics = new Metrics();
    expect(() => metrics.counter('c_total', 'C.').add(2 ** 53)).toThrow(RangeError);
    const histogram = metrics.histogram('h', 'H.', { buckets: [1], scale: 1 });
    expect(() => histogram.observe(Number.NaN)).toThrow(RangeError);
    expect(histogram.count).toBe(0);
  });

  it('refuses negative and fractional counter increments', () => {
    const counter = new Metrics().counter('c_total', 'C.');
    expect(() => counter.add(-1)).toThrow(RangeError);
    expect(() => counter.add(1.5)).toThrow(RangeError);
    expect(() => counter.add(Number.NaN)).toThrow(RangeError);
    expect(counter.value).toBe(0);
  });

  it('moves gauges up, down and to a value', () => {
    const gauge = new Metrics().gauge('level', 'Level.');
    gauge.inc();
    gauge.inc();
    gauge.dec();
    gauge.add(-5);
    expect(gauge.value).toBe(-4);
    gauge.set(7);
    expect(gauge.value).toBe(7);
  });

  it('puts a tracked gauge back on every exit path, a throw included, and only once', () => {
    const gauge = new Metrics().gauge('busy', 'Busy.');
    const work = (fail: boolean): void => {
      using _busy = gauge.track();
      expect(gauge.value).toBe(1);
      if (fail) throw new Error('boom');
    };
    work(false);
    expect(() => work(true)).toThrow('boom');
    expect(gauge.value).toBe(0);
    const lease = gauge.track();
    lease[Symbol.dispose]();
    lease[Symbol.dispose]();
    expect(lease.active).toBe(false);
    expect(gauge.value).toBe(0);
  });

  it('pre-allocates one child per label combination, row-major, resolved once', () => {
    const metrics = new Metrics();
    const family = metrics.counter('hits_total', 'Hits.', { route: ['a', 'b', 'c'], code: ['ok', 'err'] });
    expect(family.size).toBe(6);
    expect(family.indexOf({ route: 'b', code: 'err' })).toBe(3);
    const child = family.labels({ route: 'b', code: 'err' });
    expect(child).toBeInstanceOf(Counter);
    expect(family.at(3)).toBe(child);
    child.inc();
    family.labels({ route: 'c', code: 'ok' }).add(2);
    const series = metrics.snapshot()['hits_total']?.series ?? [];
    expect(series).toHaveLength(6);
    expect(series).toContainEqual({ labels: { route: 'b', code: 'err' }, value: 1 });
    expect(series).toContainEqual({ labels: { route: 'c', code: 'ok' }, value: 2 });
    // @ts-expect-error 'd' is not a declared value of route
    expect(() => family.labels({ route: 'd', code: 'ok' })).toThrow(RangeError);
    expect(() => family.at(6)).toThrow(RangeError);
  });

  it('returns the same handle when a metric is declared again the same way, and throws when differently', () => {
    const metrics = new Metrics();
    const a = metrics.gauge('queue', 'Queue.');
    expect(metrics.gauge('queue', 'Queue.')).toBe(a);
    expect(() => metrics.gauge('queue', 'Other help.')).toThrow(TypeError);
    expect(() => metrics.counter('queue_total', 'Queue.')).not.toThrow();
    expect(() => metrics.histogram('queue', 'Queue.', { buckets: [1] })).toThrow(TypeError);
  });

  it.each([
    ['a metric name with a dash', () => new Metrics().gauge('bad-name', 'x')],
    ['a metric name starting with a digit', () => new Metrics().gauge('1x', 'x')],
    ['a label name starting with __', () => new Metrics().gauge('g', 'x', { __reserved: ['a'] })],
    ['a label with no values', () => new Metrics().gauge('g', 'x', { a: [] })],
    ['a label with repeated values', () => new Metrics().gauge('g', 'x', { a: ['x', 'x'] })],
    ['a histogram label named le', () => new Metrics().histogram('h', 'x', { buckets: [1], labels: { le: ['a'] } })],
    ['histogram bounds out of order', () => new Metrics().histogram('h', 'x', { buckets: [1, 1] })],
    ['histogram bounds equal after scaling', () => new Metrics().histogram('h', 'x', { buckets: [1, 1.1], scale: 1 })],
    ['an infinite histogram bound', () => new Metrics().histogram('h', 'x', { buckets: [1, Infinity] })],
  ])('refuses %s', (_name, declare) => {
    expect(declare).toThrow();
  });

  it('refuses a metric that does not fit in the cells left, naming the fix', () => {
    const metrics = new Metrics({ cells: 10 });
    metrics.histogram('h', 'x', { buckets: [1, 2, 3, 4, 5, 6] }); // 6 bounds + Inf + sum = 8 cells
    expect(metrics.freeCells).toBe(2);
    expect(() => metrics.counter('c_total', 'x', { a: ['1', '2', '3'] })).toThrow(/more cells/);
  });

  it('pads every shard to 128 bytes so threads never share a cache-line pair', () => {
    for (const shards of [1, 2, 3, 8]) {
      for (const cells of [1, 15, 16, 17, 100]) {
        const bytes = new Metrics({ shards, cells }).buffer.byteLength;
        // One cell more per shard: its section counters.
        const shardBytes = Math.ceil(((cells + 1) * 8) / 128) * 128;
        expect(bytes % 128, `shards ${shards} cells ${cells}`).toBe(0);
        expect(bytes).toBe(128 + Math.ceil((cells * 4) / 128) * 128 + shards * shardBytes);
      }
    }
  });
});

describe('Metrics: derived metrics', () => {
  it('computes a derived gauge when read, per shard and summed, and exposes it like any gauge', () => {
    const a = new Metrics({ shards: 2 });
    const b = new Metrics({ buffer: a.buffer, shard: 1 });
    const startedA = a.counter('started_total', 'S.');
    const finishedA = a.counter('finished_total', 'F.');
    b.counter('started_total', 'S.').add(5);
    b.counter('finished_total', 'F.').add(2);
    startedA.add(3);
    finishedA.add(3);
    const pending = (shard: number): number => startedA.read(shard) - finishedA.read(shard);
    a.derived('pending', 'Started minus finished.', 'gauge', pending);
    a.derived('pending', 'Started minus finished.', 'gauge', pending);
    expect(a.snapshot()['pending']).toEqual({ type: 'gauge', help: 'Started minus finished.', series: [{ labels: {}, value: 3 }] });
    expect(a.snapshot(0)['pending']?.series[0]).toEqual({ labels: {}, value: 0 });
    expect(a.snapshot(1)['pending']?.series[0]).toEqual({ labels: {}, value: 3 });
    expect(parseExposition(a.prometheus()).get('pending')).toMatchObject({ type: 'gauge', samples: [{ name: 'pending', labels: {}, value: 3 }] });
    expect(a.describe().map((d) => d.name)).toEqual(['started_total', 'finished_total']);
    expect(() => a.derived('pending', 'Other help.', 'gauge', pending)).toThrow(TypeError);
    expect(() => a.counter('pending', 'x')).not.toThrow(); // pending_total: another name
    expect(() => a.gauge('pending', 'Started minus finished.')).toThrow(TypeError);
  });
});

describe('Metrics: shards and threads', () => {
  it('sums shards on read and reads one shard alone', () => {
    const main = new Metrics({ shards: 3 });
    const other = new Metrics({ buffer: main.buffer, shard: 2 });
    const a = main.counter('n_total', 'N.');
    const b = other.counter('n_total', 'N.');
    a.add(5);
    b.add(7);
    expect(a.value).toBe(12);
    expect(main.snapshot(0)['n_total']?.series[0]).toEqual({ labels: {}, value: 5 });
    expect(main.snapshot(1)['n_total']?.series[0]).toEqual({ labels: {}, value: 0 });
    expect(main.snapshot(2)['n_total']?.series[0]).toEqual({ labels: {}, value: 7 });
    expect(() => main.snapshot(3)).toThrow(RangeError);
  });

  it('refuses a buffer it did not make and a shard out of range', () => {
    expect(() => new Metrics({ buffer: new SharedArrayBuffer(4096) })).toThrow(TypeError);
    const metrics = new Metrics({ shards: 2 });
    expect(() => new Metrics({ buffer: metrics.buffer, shard: 2 })).toThrow(RangeError);
  });

  it('detects threads that declare metrics in different orders (their cells would overlap)', () => {
    const a = new Metrics({ shards: 2 });
    a.counter('first_total', 'F.');
    a.gauge('second', 'S.');
    const b = new Metrics({ buffer: a.buffer, shard: 1 });
    expect(() => b.gauge('second', 'S.')).toThrow(/same order/);
  });

  it('adopts metrics another thread declared, at the same cells', () => {
    const a = new Metrics({ shards: 2 });
    a.counter('x_total', 'X.');
    const family = a.gauge('y', 'Y.', { k: ['p', 'q'] });
    family.labels({ k: 'q' }).set(3);
    const b = new Metrics({ buffer: a.buffer, shard: 1 });
    b.counter('x_total', 'X.');
    b.adopt(a.describe());
    expect(b.snapshot()['y']?.series).toEqual([
      { labels: { k: 'p' }, value: 0 },
      { labels: { k: 'q' }, value: 3 },
    ]);
    // b's next own declaration lands after the adopted cells.
    b.counter('z_total', 'Z.').inc();
    expect(b.describe().map((d) => [d.name, d.slot])).toEqual([
      ['x_total', 0],
      ['y', 1],
      ['z_total', 3],
    ]);
  });

  it('zeroes one shard of every gauge (a dead thread) and keeps counters', () => {
    const a = new Metrics({ shards: 2 });
    const b = new Metrics({ buffer: a.buffer, shard: 1 });
    const ga = a.gauge('open', 'Open.');
    const gb = b.gauge('open', 'Open.');
    a.counter('done_total', 'Done.');
    const cb = b.counter('done_total', 'Done.');
    ga.add(2);
    gb.add(5);
    cb.add(9);
    a.resetGauges(1);
    expect(ga.value).toBe(2);
    expect(cb.value).toBe(9);
  });

  // Carries are the one multi-word write: threads sharing a shard must not lose
  // each other's additions across them, and a reader must never see half of one.
  it('keeps a counter exact and never decreasing to a reader while 4 threads carry on one shard', async () => {
    const url = await moduleUrl('metrics.js');
    const THREADS = 4;
    const ADDS = 20_000;
    // Alternating: one Atomics.add that crosses the bound and carries, and an amount that always takes the section.
    const SMALL_STEP = 2 ** 24 - 1;
    const BIG_STEP = 2 ** 28 + 12_345;
    const metrics = new Metrics({ shards: 2 });
    const counter = metrics.counter('spec_carry_total', 'Carry.');
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const code = `
      const { workerData } = require('node:worker_threads');
      (async () => {
        const { Metrics } = await import(workerData.url);
        const counter = new Metrics({ buffer: workerData.buffer, shard: 1 }).counter('spec_carry_total', 'Carry.');
        Atomics.add(workerData.flags, 0, 1);
        while (Atomics.load(workerData.flags, 0) < workerData.threads) {}
        for (let i = 0; i < workerData.adds; i++) counter.add(i % 2 === 0 ? workerData.small : workerData.big);
        Atomics.add(workerData.flags, 1, 1);
      })().catch((error) => { throw error; });
    `;
    const exits = Array.from({ length: THREADS }, () => {
      const worker = new Worker(code, { eval: true, workerData: { url, buffer: metrics.buffer, flags, threads: THREADS, adds: ADDS, small: SMALL_STEP, big: BIG_STEP } });
      return new Promise<number>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('exit', resolve);
      });
    });
    let last = 0;
    let reads = 0;
    let decreases = 0;
    const deadline = Date.now() + 60_000;
    while (Atomics.load(flags, 1) < THREADS && Date.now() < deadline) {
      const value = counter.value;
      if (value < last) decreases++;
      last = value;
      reads++;
    }
    expect(await Promise.all(exits)).toEqual(Array(THREADS).fill(0));
    expect(decreases, `reads that went backwards out of ${reads}`).toBe(0);
    expect(counter.value).toBe(THREADS * (ADDS / 2) * (SMALL_STEP + BIG_STEP));
  });

  // The heart of "lock-free and exact": 4 threads × 1 000 000 increments.
  it('sums 4 worker threads × 1 000 000 increments exactly, on their own shards and on one shared shard', async () => {
    const url = await moduleUrl('metrics.js');
    const THREADS = 4;
    const INCREMENTS = 1_000_000;
    const OBSERVATIONS = 100_000;
    const metrics = new Metrics({ shards: THREADS + 1 });
    const own = metrics.counter('spec_own_total', 'Own shard.');
    const shared = metrics.counter('spec_shared_total', 'Shared shard.');
    const level = metrics.gauge('spec_level', 'Level.');
    const sizes = metrics.histogram('spec_sizes', 'Sizes.', { buckets: [10, 100, 1_000], scale: 1 });
    const start = new Int32Array(new SharedArrayBuffer(4));
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      (async () => {
        const { Metrics } = await import(workerData.url);
        const mine = new Metrics({ buffer: workerData.buffer, shard: workerData.shard });
        const one = new Metrics({ buffer: workerData.buffer, shard: 1 });
        const own = mine.counter('spec_own_total', 'Own shard.');
        mine.counter('spec_shared_total', 'Shared shard.');
        const level = mine.gauge('spec_level', 'Level.');
        const sizes = mine.histogram('spec_sizes', 'Sizes.', { buckets: [10, 100, 1000], scale: 1 });
        one.adopt(mine.describe());
        const shared = one.counter('spec_shared_total', 'Shared shard.');
        // Start together, so the threads really contend.
        Atomics.add(workerData.start, 0, 1);
        while (Atomics.load(workerData.start, 0) < workerData.threads) {}
        for (let i = 0; i < workerData.increments; i++) { own.inc(); shared.inc(); }
        for (let i = 0; i < workerData.observations; i++) { level.inc(); sizes.observe(i % 2000); level.dec(); }
        parentPort.postMessage('done');
      })().catch((error) => { throw error; });
    `;
    await Promise.all(
      Array.from({ length: THREADS }, (_, t) => {
        const worker = new Worker(code, {
          eval: true,
          workerData: { url, buffer: metrics.buffer, shard: t + 1, start, threads: THREADS, increments: INCREMENTS, observations: OBSERVATIONS },
        });
        return new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (exitCode) => (exitCode === 0 ? resolve() : reject(new Error(`worker exited ${exitCode}`))));
        });
      }),
    );
    expect(own.value, 'own shards: got vs want').toBe(THREADS * INCREMENTS);
    expect(shared.value, 'one shared shard: got vs want').toBe(THREADS * INCREMENTS);
    for (let shard = 1; shard <= THREADS; shard++) {
      expect(metrics.snapshot(shard)['spec_own_total']?.series[0]).toEqual({ labels: {}, value: INCREMENTS });
    }
    expect(level.value).toBe(0);
    // i % 2000 for i < 100 000: 50 rounds of 0..1999.
    const rounds = (THREADS * OBSERVATIONS) / 2000;
    expect(sizes.count).toBe(THREADS * OBSERVATIONS);
    expect(sizes.sum).toBe(rounds * ((1999 * 2000) / 2));
    const series = metrics.snapshot()['spec_sizes']?.series[0];
    expect(series).toMatchObject({ le: [10, 100, 1000], counts: [11 * rounds, 101 * rounds, 1001 * rounds, 2000 * rounds] });
  });
});

describe('Histogram', () => {
  it('puts each value in the first bucket whose bound is >= it, and sums exactly', () => {
    const buckets = [0.0001, 0.001, 0.01, 0.1, 1];
    const metrics = new Metrics();
    const histogram = metrics.histogram('lat_seconds', 'Latency.', { buckets });
    const micros = [...random(7, 5_000, 2_000_000), 0, 100, 1_000, 10_000, 100_000, 1_000_000, 1_000_001];
    const want = new Array<number>(buckets.length + 1).fill(0);
    let sumMicros = 0;
    for (const value of micros) {
      histogram.observe(value / 1e6);
      sumMicros += value;
      let bucket = buckets.findIndex((bound) => value <= bound * 1e6);
      if (bucket < 0) bucket = buckets.length;
      want[bucket] = (want[bucket] ?? 0) + 1;
    }
    const cumulative = want.map((_, i) => want.slice(0, i + 1).reduce((x, y) => x + y, 0));
    expect(histogram.count).toBe(micros.length);
    expect(Math.round(histogram.sum * 1e6)).toBe(sumMicros);
    expect(metrics.snapshot()['lat_seconds']?.series[0]).toMatchObject({ le: buckets, counts: cumulative, count: micros.length });
  });

  it('reports cumulative counts and the sum in the snapshot and the exposition alike', () => {
    const metrics = new Metrics();
    const histogram = metrics.histogram('size_bytes', 'Sizes.', { buckets: [10, 100], scale: 1 });
    for (const value of [0, 10, 11, 100, 101, 5000]) histogram.observeScaled(value);
    expect(metrics.snapshot()['size_bytes']?.series[0]).toEqual({ labels: {}, le: [10, 100], counts: [2, 4, 6], sum: 5222, count: 6 });
    const families = parseExposition(metrics.prometheus());
    const family = families.get('size_bytes');
    expect(family?.type).toBe('histogram');
    expect(family?.samples.map((s) => [s.name, s.labels['le'] ?? '', s.value])).toEqual([
      ['size_bytes_bucket', '10', 2],
      ['size_bytes_bucket', '100', 4],
      ['size_bytes_bucket', '+Inf', 6],
      ['size_bytes_sum', '', 5222],
      ['size_bytes_count', '', 6],
    ]);
  });

  it('observeScaledMany(units, n) records what n observeScaled(units) would, and refuses a count that is not a positive integer', () => {
    const metrics = new Metrics();
    const one = metrics.histogram('one_bytes', 'One at a time.', { buckets: [10, 100], scale: 1 });
    const many = metrics.histogram('many_bytes', 'In groups.', { buckets: [10, 100], scale: 1 });
    for (const [value, times] of [[0, 3], [10, 1], [11, 4], [100, 2], [5000, 5]] as const) {
      for (let i = 0; i < times; i++) one.observeScaled(value);
      many.observeScaledMany(value, times);
    }
    const snapshot = metrics.snapshot();
    expect(snapshot['many_bytes']?.series[0]).toEqual({ ...snapshot['one_bytes']?.series[0] });
    expect(many.count).toBe(15);
    for (const count of [0, -1, 1.5, Number.NaN]) expect(() => many.observeScaledMany(1, count), `count ${count}`).toThrow(RangeError);
    expect(() => many.observeScaledMany(2 ** 52, 4), 'a sum beyond 2^53').toThrow(RangeError);
    expect(many.count).toBe(15);
  });

  it('matches a reference count for random values across labelled children', () => {
    const metrics = new Metrics();
    const bounds = [5, 50, 500];
    const family = metrics.histogram('work_units', 'Work.', { buckets: bounds, scale: 1, labels: { queue: ['fast', 'slow'] } });
    const want = { fast: [0, 0, 0, 0], slow: [0, 0, 0, 0] };
    const sums = { fast: 0, slow: 0 };
    let n = 0;
    for (const value of random(99, 3_000, 800)) {
      const queue = n++ % 3 === 0 ? 'slow' : 'fast';
      family.labels({ queue }).observeScaled(value);
      const bucket = bounds.findIndex((bound) => value <= bound);
      const row = want[queue];
      const at = bucket < 0 ? bounds.length : bucket;
      row[at] = (row[at] ?? 0) + 1;
      sums[queue] += value;
    }
    const cumulative = (counts: number[]): number[] => counts.map((_, i) => counts.slice(0, i + 1).reduce((a, b) => a + b, 0));
    const series = metrics.snapshot()['work_units']?.series ?? [];
    expect(series).toEqual([
      { labels: { queue: 'fast' }, le: bounds, counts: cumulative(want.fast), sum: sums.fast, count: 2_000 },
      { labels: { queue: 'slow' }, le: bounds, counts: cumulative(want.slow), sum: sums.slow, count: 1_000 },
    ]);
  });
});

describe('prometheus(): text format 0.0.4', () => {
  it('parses back with the names, types, help, labels and values declared', () => {
    const metrics = new Metrics();
    metrics.counter('app_requests', 'Requests "served".\nSecond line \\ end.', { path: ['/a', 'quote"back\\slash\nnewline'] }).labels({ path: 'quote"back\\slash\nnewline' }).add(3);
    const gauge = metrics.gauge('app_temperature', 'Temperature.');
    gauge.set(-12);
    const histogram = metrics.histogram('app_latency_seconds', 'Latency.', { buckets: [0.005, 0.5, 5] });
    histogram.observe(0.004);
    histogram.observe(0.25);
    histogram.observe(60);
    const text = metrics.prometheus();
    expect(text.endsWith('\n')).toBe(true);
    const families = parseExposition(text);
    expect([...families.keys()]).toEqual(['app_requests_total', 'app_temperature', 'app_latency_seconds']);
    const requests = families.get('app_requests_total');
    expect(requests?.type).toBe('counter');
    expect(requests?.help).toBe('Requests "served".\nSecond line \\ end.');
    expect(requests?.samples).toEqual([
      { name: 'app_requests_total', labels: { path: '/a' }, value: 0 },
      { name: 'app_requests_total', labels: { path: 'quote"back\\slash\nnewline' }, value: 3 },
    ]);
    expect(families.get('app_temperature')).toMatchObject({ type: 'gauge', samples: [{ name: 'app_temperature', labels: {}, value: -12 }] });
    const latency = families.get('app_latency_seconds');
    expect(latency?.type).toBe('histogram');
    expect(sumSamples(families, 'app_latency_seconds_count')).toBe(3);
    expect(sumSamples(families, 'app_latency_seconds_bucket', { le: '0.005' })).toBe(1);
    expect(sumSamples(families, 'app_latency_seconds_bucket', { le: '0.5' })).toBe(2);
    expect(sumSamples(families, 'app_latency_seconds_bucket', { le: '5' })).toBe(2);
    expect(sumSamples(families, 'app_latency_seconds_bucket', { le: '+Inf' })).toBe(3);
    expect(sumSamples(families, 'app_latency_seconds_sum')).toBeCloseTo(60.254, 9);
  });

  it('writes nothing for an empty registry', () => {
    expect(new Metrics().prometheus()).toBe('');
  });

  it('reads gauges as the sum of every thread', () => {
    const a = new Metrics({ shards: 2 });
    const b = new Metrics({ buffer: a.buffer, shard: 1 });
    a.gauge('g', 'G.').set(4);
    (b.gauge('g', 'G.') as Gauge).set(6);
    expect(sumSamples(parseExposition(a.prometheus()), 'g')).toBe(10);
  });
});

describe('Symbol.dispose', () => {
  // `using` needs Symbol.dispose at run time; TypeScript lowers the syntax for
  // Node 20 but not the symbol. Node has it since 20.4 (engines: >= 20.18), so
  // rawhttp ships no polyfill; this guards that assumption on every Node CI runs.
  it(`exists natively on Node ${process.versions.node}`, () => {
    expect(typeof Symbol.dispose).toBe('symbol');
    expect(typeof Symbol.asyncDispose).toBe('symbol');
  });
});
