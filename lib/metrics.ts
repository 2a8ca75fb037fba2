// Lock-free metrics: counters, gauges and histograms whose cells live in a
// SharedArrayBuffer and change only through Atomics, so worker threads share
// them and a scrape never stops a writer. A leaf: imports nothing from lib/.

// A cell is a 64-bit integer kept as two int32 words, value = high × 2^30 +
// low: byte counts and microsecond sums never wrap, integers add exactly
// where floats would drift, and the request path adds with one Atomics.add on
// an int32 word (BigInt64 atomics allocate a BigInt per call, which measured
// as most of the metrics' cost). The low word is kept within ±2^30; an
// addition of less than 2^24 is one Atomics.add, and even 64 threads sharing
// a shard, each adding at once before one of them carries, cannot wrap it.
// Crossing the bound (or adding more) moves the excess into the high word
// inside a per-shard section (a seqlock counting entries and exits), which
// readers retry around; the carry itself is a compare-and-swap, so threads
// sharing a shard stay exact.
const CELL_BYTES = 8;
const LOW_RANGE = 2 ** 30;
const SMALL_AMOUNT = 2 ** 24;
// A reader retrying this often found a writer that died inside a section:
// it takes the words as they are.
const MAX_READ_TRIES = 1000;
// 128 bytes: x86 prefetches cache lines in adjacent pairs, so shards padded to
// one line would still share a prefetch unit and contend.
const LINE_BYTES = 128;
const LINE_CELLS = LINE_BYTES / CELL_BYTES;
const MAGIC = 0x72617768_6d657432n; // "rawhmet2": a buffer made by this module, this layout
const HeaderCell = { Magic: 0, Shards: 1, Cells: 2, NextShard: 3 } as const;
const DEFAULT_CELLS = 4096;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The kinds of metric. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * Label names mapped to every value each may take. A labelled metric gets one
 * pre-allocated child per combination, so no lookup happens while counting.
 */
export type LabelSpec = Readonly<Record<string, readonly string[]>>;

/** One value for every label of `L`. */
export type LabelValues<L extends LabelSpec> = { readonly [K in keyof L]: L[K][number] };

/** Options of Metrics: a new buffer (`shards`, `cells`) or an existing one (`buffer`, `shard`). */
export interface MetricsOptions {
  /** Threads that will write, one shard each; default 1. Ignored with `buffer`. */
  readonly shards?: number;
  /** Cells reserved per shard for all metrics (a counter takes 1, a histogram buckets + 2); default 4096. */
  readonly cells?: number;
  /** Attach to a buffer made by another thread's Metrics (see `Metrics.buffer`). */
  readonly buffer?: SharedArrayBuffer;
  /** The shard this thread writes; default 0. Each writing thread should own one. */
  readonly shard?: number;
}

/** Options of a histogram. */
export interface HistogramOptions {
  /** Upper bounds, strictly increasing, in the observed unit (e.g. seconds); +Inf is implied. */
  readonly buckets: readonly number[];
  /**
   * Integer units stored per observed unit; default 1e6 (seconds kept as
   * microseconds). Observations are rounded to 1/scale.
   */
  readonly scale?: number;
}

/** Describes a declared metric: enough for another thread's registry to adopt it. */
export interface MetricDescriptor {
  readonly type: MetricType;
  readonly name: string;
  readonly help: string;
  readonly labels: LabelSpec;
  /** Histogram upper bounds (without +Inf); empty for counters and gauges. */
  readonly buckets: readonly number[];
  /** Histogram units per observed unit; 1 for counters and gauges. */
  readonly scale: number;
  /** First cell of the metric within every shard. */
  readonly slot: number;
}

/** One series of a counter or gauge in a snapshot. */
export interface ValueSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One series of a histogram in a snapshot. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Upper bounds of the finite buckets. */
  readonly le: readonly number[];
  /** Cumulative counts, one per bound plus the last for +Inf (which equals `count`). */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** One metric in a snapshot. */
export type MetricSnapshot =
  | { readonly type: 'counter' | 'gauge'; readonly help: string; readonly series: readonly ValueSeries[] }
  | { readonly type: 'histogram'; readonly help: string; readonly series: readonly HistogramSeries[] };

/** Every metric's current value as plain numbers, by name. */
export type MetricsSnapshot = Readonly<Record<string, MetricSnapshot>>;

// Where cells are, and the one place that writes or reads their words. Each
// shard starts with a cell of two section counters (entered, exited: they
// differ while a writer moves a carry), then its cells.
class Cells {
  readonly buffer: SharedArrayBuffer;
  readonly words: Int32Array;
  readonly prints: Int32Array;
  readonly shards: number;
  readonly perShard: number;
  readonly shard: number;
  // Word index of shard 0's section counters, and words from one shard to the next.
  readonly #base: number;
  readonly #stride: number;
  readonly #entered: number;

  constructor(buffer: SharedArrayBuffer, shard: number) {
    const header = new BigInt64Array(buffer, 0, LINE_CELLS);
    if (Atomics.load(header, HeaderCell.Magic) !== MAGIC) throw new TypeError('Metrics: the buffer was not made by rawhttp Metrics');
    this.buffer = buffer;
    this.shards = Number(Atomics.load(header, HeaderCell.Shards));
    this.perShard = Number(Atomics.load(header, HeaderCell.Cells));
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.shards) {
      throw new RangeError(`Metrics: shard must be an integer in [0, ${this.shards}), got ${String(shard)}`);
    }
    this.shard = shard;
    const printBytes = roundUp(this.perShard * 4, LINE_BYTES);
    this.prints = new Int32Array(buffer, LINE_BYTES, this.perShard);
    this.words = new Int32Array(buffer);
    this.#base = (LINE_BYTES + printBytes) / 4;
    this.#stride = Cells.shardCells(this.perShard) * 2;
    this.#entered = this.#sectionOf(shard);
  }

  // Word index of a shard's section counters (entered; exited follows).
  #sectionOf(shard: number): number {
    return this.#base + shard * this.#stride;
  }

  /** Word index of the low word of this thread's copy of `slot`. */
  own(slot: number): number {
    return lowWord(this.#entered, slot);
  }

  /** Adds `amount` (a safe integer) to the cell whose low word is `low`; this thread's shard only. */
  add(low: number, amount: number): void {
    if (amount < SMALL_AMOUNT && amount > -SMALL_AMOUNT) {
      const now = Atomics.add(this.words, low, amount) + amount;
      if (now < LOW_RANGE && now >= -LOW_RANGE) return;
      this.#carry(low, 0);
    } else {
      this.#carry(low, amount);
    }
  }

  /** Sets the cell whose low word is `low` to `value` (a safe integer); this thread's shard only. */
  set(low: number, value: number): void {
    const words = this.words;
    Atomics.add(words, this.#entered, 1);
    const high = Math.floor(value / LOW_RANGE);
    Atomics.store(words, low + 1, high);
    Atomics.store(words, low, value - high * LOW_RANGE);
    Atomics.add(words, this.#entered + 1, 1);
  }

  // Adds `extra` and moves whole 2^30s from the low word to the high word,
  // leaving the low word in [0, 2^30), inside a section so no reader sees
  // half of it. The low word changes by compare-and-swap from the value this
  // thread saw, so an addition by another thread sharing the shard in
  // between is never lost or carried twice (it makes the swap fail and retry).
  #carry(low: number, extra: number): void {
    const words = this.words;
    Atomics.add(words, this.#entered, 1);
    for (;;) {
      const seen = Atomics.load(words, low);
      const total = seen + extra;
      const carry = Math.floor(total / LOW_RANGE);
      if (Atomics.compareExchange(words, low, seen, total - carry * LOW_RANGE) !== seen) continue;
      Atomics.add(words, low + 1, carry);
      break;
    }
    Atomics.add(words, this.#entered + 1, 1);
  }

  /** Sum of `slot` over every shard, or over `shard` alone. */
  read(slot: number, shard: number): number {
    if (shard >= 0) return this.#readOne(this.#sectionOf(shard), slot);
    let sum = 0;
    for (let s = 0, at = this.#base; s < this.shards; s++, at += this.#stride) sum += this.#readOne(at, slot);
    return sum;
  }

  // Consistent when no section was open when reading began and none began
  // since: every section entered by the end had also exited by the start.
  #readOne(entered: number, slot: number): number {
    const words = this.words;
    const low = lowWord(entered, slot);
    for (let tries = 0; ; tries++) {
      const exitedBefore = Atomics.load(words, entered + 1);
      const value = Atomics.load(words, low + 1) * LOW_RANGE + Atomics.load(words, low);
      if (Atomics.load(words, entered) === exitedBefore || tries >= MAX_READ_TRIES) return value;
    }
  }

  /** Sets `slot` of one shard to zero: only for a shard whose writer is gone. */
  clear(slot: number, shard: number): void {
    const entered = this.#sectionOf(shard);
    const low = lowWord(entered, slot);
    Atomics.store(this.words, low, 0);
    Atomics.store(this.words, low + 1, 0);
    // A writer that died inside a section left it open.
    Atomics.store(this.words, entered + 1, Atomics.load(this.words, entered));
  }

  // Cells per shard including its section counters, padded to whole lines.
  static shardCells(perShard: number): number {
    return roundUp(perShard + 1, LINE_CELLS);
  }

  static allocate(shards: number, perShard: number): SharedArrayBuffer {
    if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`Metrics: shards must be a positive integer, got ${String(shards)}`);
    if (!Number.isInteger(perShard) || perShard < 1) throw new RangeError(`Metrics: cells must be a positive integer, got ${String(perShard)}`);
    const bytes = LINE_BYTES + roundUp(perShard * 4, LINE_BYTES) + shards * Cells.shardCells(perShard) * CELL_BYTES;
    const buffer = new SharedArrayBuffer(bytes);
    const header = new BigInt64Array(buffer, 0, LINE_CELLS);
    Atomics.store(header, HeaderCell.Shards, BigInt(shards));
    Atomics.store(header, HeaderCell.Cells, BigInt(perShard));
    Atomics.store(header, HeaderCell.NextShard, 1n);
    Atomics.store(header, HeaderCell.Magic, MAGIC);
    return buffer;
  }
}

// A shard's cells follow its section counters (one cell, two words).
function lowWord(entered: number, slot: number): number {
  return entered + 2 + slot * 2;
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** One metric cell: this thread's slot for writes, every shard for reads. */
abstract class SharedCell {
  protected readonly cells: Cells;
  protected readonly at: number;
  readonly #slot: number;

  constructor(cells: Cells, slot: number) {
    this.cells = cells;
    this.#slot = slot;
    this.at = cells.own(slot);
  }

  /** Adds one. */
  inc(): void {
    this.cells.add(this.at, 1);
  }

  /** The sum over every thread. */
  get value(): number {
    return this.cells.read(this.#slot, -1);
  }

  /** The value of one `shard`, or the sum over every thread with -1. */
  read(shard: number): number {
    return this.cells.read(this.#slot, shard);
  }
}

/** A monotonically increasing count. Obtain one from Metrics.counter(). */
export class Counter extends SharedCell {
  /** Adds `amount`, a non-negative safe integer; throws RangeError otherwise. */
  add(amount: number): void {
    if (!(amount >= 0) || !Number.isSafeInteger(amount)) throw new RangeError(`Counter.add: amount must be a non-negative integer, got ${String(amount)}`);
    this.cells.add(this.at, amount);
  }
}

/** A value that goes up and down; the exposed value is the sum of every thread's part. Obtain one from Metrics.gauge(). */
export class Gauge extends SharedCell {
  dec(): void {
    this.cells.add(this.at, -1);
  }

  /** Adds `amount`, a safe integer (negative lowers the gauge); throws RangeError otherwise. */
  add(amount: number): void {
    if (!Number.isSafeInteger(amount)) throw new RangeError(`Gauge.add: amount must be an integer, got ${String(amount)}`);
    this.cells.add(this.at, amount);
  }

  /** Sets this thread's part to `value`, a safe integer; other threads' parts still add to it. Throws RangeError otherwise. */
  set(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`Gauge.set: value must be an integer, got ${String(value)}`);
    this.cells.set(this.at, value);
  }

  /**
   * Raises the gauge now and returns a lease that lowers it once when
   * disposed: `using _ = gauge.track()` puts it back on every exit path,
   * thrown errors included. Disposing twice lowers it once.
   */
  track(): GaugeLease {
    return new GaugeLease(this);
  }
}

/** Holds a gauge raised by one until disposed; see Gauge.track(). */
export class GaugeLease implements Disposable {
  #gauge: Gauge | null;

  constructor(gauge: Gauge) {
    gauge.inc();
    this.#gauge = gauge;
  }

  /** Whether the gauge is still raised by this lease. */
  get active(): boolean {
    return this.#gauge !== null;
  }

  [Symbol.dispose](): void {
    const gauge = this.#gauge;
    if (gauge === null) return;
    this.#gauge = null;
    gauge.dec();
  }
}

/**
 * Counts observations into fixed buckets and sums them, all as integers of
 * 1/scale units. Obtain one from Metrics.histogram().
 */
export class Histogram {
  readonly #at: number;
  readonly #bounds: Float64Array;
  readonly #scale: number;
  readonly #cells: Cells;
  readonly #slot: number;

  /** @internal Use Metrics.histogram(). */
  constructor(cells: Cells, slot: number, bounds: Float64Array, scale: number) {
    this.#cells = cells;
    this.#slot = slot;
    this.#at = cells.own(slot);
    this.#bounds = bounds;
    this.#scale = scale;
  }

  /** Records `value` in the observed unit (e.g. seconds). */
  observe(value: number): void {
    this.observeScaled(Math.round(value * this.#scale));
  }

  /** Records an observation already in integer units (value × scale): the request path's form, no float rounding. */
  observeScaled(units: number): void {
    this.observeScaledMany(units, 1);
  }

  /** Records `count` observations of the same `units` at once (responses that ended together): two additions, not 2 × count. */
  observeScaledMany(units: number, count: number): void {
    if (!Number.isSafeInteger(units)) throw new RangeError(`Histogram: observation must be a finite integer of 1/scale units, got ${String(units)}`);
    if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(units * count)) throw new RangeError(`Histogram: count must be a positive integer, got ${String(count)}`);
    const bounds = this.#bounds;
    const n = bounds.length;
    let bucket = 0;
    // Buckets are few (about 16): a linear scan beats a binary search's branches.
    while (bucket < n && units > (bounds[bucket] as number)) bucket++;
    const cells = this.#cells;
    cells.add(this.#at + bucket * 2, count);
    cells.add(this.#at + (n + 1) * 2, units * count);
  }

  /** Observations so far, over every thread. */
  get count(): number {
    return this.countIn(-1);
  }

  /** Observations in one `shard`, or over every thread with -1. */
  countIn(shard: number): number {
    let count = 0;
    for (let i = 0; i <= this.#bounds.length; i++) count += this.#cells.read(this.#slot + i, shard);
    return count;
  }

  /** Sum of observations so far in the observed unit, over every thread. */
  get sum(): number {
    return this.#cells.read(this.#slot + this.#bounds.length + 1, -1) / this.#scale;
  }
}

/**
 * The children of a labelled metric, one per combination of label values,
 * all allocated when it is declared. Resolve a child once (labels() or at())
 * and keep it: counting through it is one Atomics operation.
 */
export class Family<T, L extends LabelSpec> {
  readonly labelNames: readonly (keyof L & string)[];
  readonly #spec: L;
  readonly #children: readonly T[];

  /** @internal Use Metrics.counter() / gauge() / histogram() with labels. */
  constructor(spec: L, children: readonly T[]) {
    this.#spec = spec;
    this.labelNames = Object.keys(spec) as (keyof L & string)[];
    this.#children = children;
  }

  /** Number of children (the product of the value-set sizes). */
  get size(): number {
    return this.#children.length;
  }

  /** The child for `values`; throws RangeError for a value that was not declared. */
  labels(values: LabelValues<L>): T {
    return this.at(this.indexOf(values));
  }

  /**
   * The index of the child for `values`: row-major over the labels in
   * declaration order, so with labels {a: [..], b: [x, y]} it is ia * 2 + ib.
   */
  indexOf(values: LabelValues<L>): number {
    let index = 0;
    for (const name of this.labelNames) {
      const allowed = this.#spec[name] as readonly string[];
      const value = values[name] as string;
      const at = allowed.indexOf(value);
      if (at < 0) throw new RangeError(`label ${name}="${String(value)}" was not declared; declared: ${allowed.join(', ')}`);
      index = index * allowed.length + at;
    }
    return index;
  }

  /** The child at `index` (see indexOf). */
  at(index: number): T {
    const child = this.#children[index];
    if (child === undefined) throw new RangeError(`Family.at: index ${index} out of range [0, ${this.#children.length})`);
    return child;
  }
}

type Handle = Counter | Gauge | Histogram | Family<unknown, LabelSpec>;

// A declared metric: its descriptor, its shape, and the strings the
// exposition needs, built once at declaration.
interface Entry {
  readonly descriptor: MetricDescriptor;
  readonly print: number;
  readonly width: number;
  readonly children: number;
  /** Per child: 'a="x",b="y"' (no braces), '' without labels. */
  readonly labelTexts: readonly string[];
  readonly labelObjects: readonly Readonly<Record<string, string>>[];
  readonly handle: Handle | null;
  /** For a derived metric: its value, computed when read. */
  readonly compute: ((shard: number) => number) | null;
}

/** What prometheus() and snapshot() read: one metric's values, summed over all shards or of one. */
export interface ReadMetric {
  readonly descriptor: MetricDescriptor;
  readonly labelTexts: readonly string[];
  /** Per child: [value] for counters and gauges; [bucket0..bucketN(+Inf), sum] for histograms, bucket counts not cumulative. */
  readonly values: readonly (readonly number[])[];
}

/**
 * Metrics is a registry of counters, gauges and histograms in one
 * SharedArrayBuffer. Declarations are idempotent (the same name and shape
 * returns the same handle; a different shape throws) and place each metric
 * at the next free cells, so threads that declare in the same order agree on
 * the layout — checked through a fingerprint per cell in the buffer.
 */
export class Metrics {
  readonly #cells: Cells;
  #nextSlot = 0;
  readonly #entries: Entry[] = [];
  readonly #byName = new Map<string, Entry>();

  /** Makes a registry on a new buffer, or attaches to `options.buffer` as `options.shard`. */
  constructor(options: MetricsOptions = {}) {
    const buffer = options.buffer ?? Cells.allocate(options.shards ?? 1, options.cells ?? DEFAULT_CELLS);
    this.#cells = new Cells(buffer, options.shard ?? 0);
  }

  /** The shared memory: pass it (with a shard number) to another thread's `new Metrics({ buffer, shard })`. */
  get buffer(): SharedArrayBuffer {
    return this.#cells.buffer;
  }

  /** The shard this registry's handles write. */
  get shard(): number {
    return this.#cells.shard;
  }

  /** Number of shards in the buffer. */
  get shards(): number {
    return this.#cells.shards;
  }

  /** Cells still free in every shard. */
  get freeCells(): number {
    return this.#cells.perShard - this.#nextSlot;
  }

  /** Declares a counter; its name gets `_total` appended unless it already ends so. */
  counter(name: string, help: string): Counter;
  counter<const L extends LabelSpec>(name: string, help: string, labels: L): Family<Counter, L>;
  counter(name: string, help: string, labels?: LabelSpec): Counter | Family<Counter, LabelSpec> {
    const total = name.endsWith('_total') ? name : `${name}_total`;
    return this.#declare(total, help, 'counter', labels, [], 1, (slot) => new Counter(this.#cells, slot)) as Counter | Family<Counter, LabelSpec>;
  }

  /** Declares a gauge. */
  gauge(name: string, help: string): Gauge;
  gauge<const L extends LabelSpec>(name: string, help: string, labels: L): Family<Gauge, L>;
  gauge(name: string, help: string, labels?: LabelSpec): Gauge | Family<Gauge, LabelSpec> {
    return this.#declare(name, help, 'gauge', labels, [], 1, (slot) => new Gauge(this.#cells, slot)) as Gauge | Family<Gauge, LabelSpec>;
  }

  /** Declares a histogram with `options.buckets` (plus +Inf). */
  histogram(name: string, help: string, options: HistogramOptions): Histogram;
  histogram<const L extends LabelSpec>(name: string, help: string, options: HistogramOptions & { readonly labels: L }): Family<Histogram, L>;
  histogram(name: string, help: string, options: HistogramOptions & { readonly labels?: LabelSpec }): Histogram | Family<Histogram, LabelSpec> {
    const scale = options.scale ?? 1e6;
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`histogram ${name}: scale must be a positive finite number`);
    const buckets = [...options.buckets];
    const bounds = new Float64Array(buckets.map((bound) => Math.round(bound * scale)));
    for (let i = 0; i < buckets.length; i++) {
      if (!Number.isFinite(buckets[i])) throw new RangeError(`histogram ${name}: bucket bounds must be finite (+Inf is implied)`);
      if (i > 0 && (bounds[i] as number) <= (bounds[i - 1] as number)) {
        throw new RangeError(`histogram ${name}: bucket bounds must increase strictly (after scaling by ${scale})`);
      }
    }
    if (options.labels !== undefined && 'le' in options.labels) throw new TypeError(`histogram ${name}: the label name "le" is reserved`);
    return this.#declare(name, help, 'histogram', options.labels, buckets, scale, (slot) => new Histogram(this.#cells, slot, bounds, scale)) as
      | Histogram
      | Family<Histogram, LabelSpec>;
  }

  /**
   * Declares a counter or gauge that has no cells of its own: `compute(shard)`
   * returns its value when read (shard -1: over every thread), e.g. a
   * difference of two counters. It costs nothing until read, so a request
   * path can update one counter where it would otherwise update two. Every
   * thread that exposes it declares it in code (describe() leaves it out).
   */
  derived(name: string, help: string, type: 'counter' | 'gauge', compute: (shard: number) => number): void {
    if (!METRIC_NAME.test(name)) throw new TypeError(`metric name ${JSON.stringify(name)} is not [a-zA-Z_:][a-zA-Z0-9_:]*`);
    const print = fingerprint(JSON.stringify(['derived', type, name, help]));
    const known = this.#byName.get(name);
    if (known !== undefined) {
      if (known.print !== print) throw new TypeError(`metric ${name} is already declared with another type or help`);
      return;
    }
    const entry: Entry = {
      descriptor: { type, name, help, labels: {}, buckets: [], scale: 1, slot: -1 },
      print,
      width: 0,
      children: 1,
      labelTexts: [''],
      labelObjects: [{}],
      handle: null,
      compute,
    };
    this.#entries.push(entry);
    this.#byName.set(name, entry);
  }

  /** Describes every declared metric with cells, in declaration order (for adopt() in another thread). */
  describe(): MetricDescriptor[] {
    return this.#entries.filter((entry) => entry.compute === null).map((entry) => entry.descriptor);
  }

  /**
   * Declares metrics that another thread declared, at the cells it chose,
   * so this registry reads them too. Names already known are skipped if
   * they match and throw if they do not.
   */
  adopt(descriptors: readonly MetricDescriptor[]): void {
    for (const d of descriptors) {
      const saved = this.#nextSlot;
      this.#nextSlot = d.slot;
      // Unlabelled metrics adopt as plain handles, like the thread that declared them.
      const labels = Object.keys(d.labels).length === 0 ? undefined : d.labels;
      try {
        if (d.type === 'counter') this.#declare(d.name, d.help, 'counter', labels, [], 1, (slot) => new Counter(this.#cells, slot));
        else if (d.type === 'gauge') this.#declare(d.name, d.help, 'gauge', labels, [], 1, (slot) => new Gauge(this.#cells, slot));
        else if (labels === undefined) this.histogram(d.name, d.help, { buckets: d.buckets, scale: d.scale });
        else this.histogram(d.name, d.help, { buckets: d.buckets, scale: d.scale, labels });
      } finally {
        this.#nextSlot = Math.max(saved, this.#nextSlot);
      }
    }
  }

  /** Zeroes every gauge's part in `shard`: a thread that died leaves no open connections behind. */
  resetGauges(shard: number): void {
    for (const entry of this.#entries) {
      if (entry.descriptor.type !== 'gauge' || entry.compute !== null) continue;
      for (let i = 0; i < entry.children; i++) this.#cells.clear(entry.descriptor.slot + i, shard);
    }
  }

  /** Returns the Prometheus text exposition (format 0.0.4) of every metric, summed over all threads. */
  prometheus(): string {
    let out = '';
    for (const metric of this.read(-1)) out += formatMetric(metric);
    return out;
  }

  /** Returns every metric as plain numbers, summed over all threads, or of one `shard` alone. */
  snapshot(shard = -1): MetricsSnapshot {
    const out: Record<string, MetricSnapshot> = {};
    for (const metric of this.read(shard)) {
      const entry = this.#byName.get(metric.descriptor.name) as Entry;
      const { type, help, buckets, scale } = metric.descriptor;
      if (type === 'histogram') {
        out[metric.descriptor.name] = {
          type,
          help,
          series: metric.values.map((cells, child) => {
            const counts: number[] = [];
            let running = 0;
            for (let i = 0; i <= buckets.length; i++) counts.push((running += cells[i] as number));
            return { labels: entry.labelObjects[child] ?? {}, le: buckets, counts, sum: (cells[buckets.length + 1] as number) / scale, count: running };
          }),
        };
      } else {
        out[metric.descriptor.name] = {
          type,
          help,
          series: metric.values.map((cells, child) => ({ labels: entry.labelObjects[child] ?? {}, value: cells[0] as number })),
        };
      }
    }
    return out;
  }

  /** Reads every metric's cells, summed over all shards (shard -1) or of one shard. */
  read(shard = -1): ReadMetric[] {
    if (shard !== -1 && (!Number.isInteger(shard) || shard < 0 || shard >= this.#cells.shards)) {
      throw new RangeError(`Metrics.read: no shard ${String(shard)}`);
    }
    return this.#entries.map((entry) => {
      if (entry.compute !== null) return { descriptor: entry.descriptor, labelTexts: entry.labelTexts, values: [[Math.round(entry.compute(shard))]] };
      const values: number[][] = [];
      for (let child = 0; child < entry.children; child++) {
        const cells: number[] = [];
        const first = entry.descriptor.slot + child * entry.width;
        for (let i = 0; i < entry.width; i++) cells.push(this.#cells.read(first + i, shard));
        values.push(cells);
      }
      return { descriptor: entry.descriptor, labelTexts: entry.labelTexts, values };
    });
  }

  #declare(
    name: string,
    help: string,
    type: MetricType,
    labelled: LabelSpec | undefined,
    buckets: readonly number[],
    scale: number,
    make: (slot: number) => Counter | Gauge | Histogram,
  ): Handle {
    const labels = labelled ?? {};
    if (!METRIC_NAME.test(name)) throw new TypeError(`metric name ${JSON.stringify(name)} is not [a-zA-Z_:][a-zA-Z0-9_:]*`);
    const labelNames = Object.keys(labels);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new TypeError(`metric ${name}: label name ${JSON.stringify(label)} is not valid`);
      const values = labels[label] as readonly string[];
      if (!Array.isArray(values) || values.length === 0) throw new TypeError(`metric ${name}: label ${label} needs a non-empty array of values`);
      if (new Set(values).size !== values.length) throw new TypeError(`metric ${name}: label ${label} has repeated values`);
    }
    const shape = JSON.stringify([type, name, help, labelNames.map((label) => [label, labels[label]]), buckets, scale]);
    const print = fingerprint(shape);
    const known = this.#byName.get(name);
    if (known !== undefined) {
      if (known.print !== print || known.handle === null) throw new TypeError(`metric ${name} is already declared with another type, help, labels or buckets`);
      return known.handle;
    }
    const width = type === 'histogram' ? buckets.length + 2 : 1;
    const combos = combinations(labels, labelNames);
    const slot = this.#nextSlot;
    const size = width * combos.length;
    if (slot + size > this.#cells.perShard) {
      throw new RangeError(`Metrics: no room for ${name} (${size} cells, ${this.#cells.perShard - slot} free): make the registry with more cells`);
    }
    this.#claim(name, slot, size, print);
    this.#nextSlot = slot + size;
    const children = combos.map((_, child) => make(slot + child * width));
    const handle: Handle = labelled === undefined ? (children[0] as Counter | Gauge | Histogram) : new Family(labels, children);
    const descriptor: MetricDescriptor = { type, name, help, labels, buckets, scale, slot };
    const entry: Entry = {
      descriptor,
      print,
      width,
      children: combos.length,
      labelTexts: combos.map((combo) => labelNames.map((label, i) => `${label}="${escapeLabelValue(combo[i] as string)}"`).join(',')),
      labelObjects: combos.map((combo) => Object.fromEntries(labelNames.map((label, i) => [label, combo[i] as string]))),
      handle,
      compute: null,
    };
    this.#entries.push(entry);
    this.#byName.set(name, entry);
    return handle;
  }

  // Marks the cells as this metric's in the shared fingerprint table; a
  // thread that placed a different metric there first makes this throw.
  #claim(name: string, slot: number, size: number, print: number): void {
    const prints = this.#cells.prints;
    for (let i = slot; i < slot + size; i++) {
      const previous = Atomics.compareExchange(prints, i, 0, print);
      if (previous !== 0 && previous !== print) {
        throw new TypeError(`Metrics: cells of ${name} hold another metric in another thread: declare metrics in the same order in every thread`);
      }
    }
  }
}

// Every combination of label values, row-major (the last label varies fastest).
function combinations(labels: LabelSpec, names: readonly string[]): string[][] {
  let out: string[][] = [[]];
  for (const name of names) {
    const next: string[][] = [];
    for (const prefix of out) for (const value of labels[name] as readonly string[]) next.push([...prefix, value]);
    out = next;
  }
  return out;
}

// FNV-1a, forced non-zero: 0 marks a free cell in the fingerprint table.
function fingerprint(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 1;
}

// One metric family in text format 0.0.4: HELP, TYPE, then its samples;
// histograms as cumulative _bucket{le} (ending at +Inf), _sum and _count.
function formatMetric(metric: ReadMetric): string {
  const { name, help, type, buckets, scale } = metric.descriptor;
  let out = `# HELP ${name} ${help.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'))}\n# TYPE ${name} ${type}\n`;
  metric.values.forEach((cells, child) => {
    const labels = metric.labelTexts[child] ?? '';
    if (type !== 'histogram') {
      out += `${name}${labels === '' ? '' : `{${labels}}`} ${String(cells[0])}\n`;
      return;
    }
    const prefix = labels === '' ? '{' : `{${labels},`;
    let running = 0;
    for (let i = 0; i <= buckets.length; i++) {
      running += cells[i] as number;
      const le = i < buckets.length ? String(buckets[i]) : '+Inf';
      out += `${name}_bucket${prefix}le="${le}"} ${String(running)}\n`;
    }
    const braces = labels === '' ? '' : `{${labels}}`;
    out += `${name}_sum${braces} ${String((cells[buckets.length + 1] as number) / scale)}\n`;
    out += `${name}_count${braces} ${String(running)}\n`;
  });
  return out;
}

// Text format 0.0.4: backslash, double quote and line feed are escaped in label values.
function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}
