// serveWorkers(): N worker threads, each a serve() on the same port with
// reusePort (the kernel spreads connections), all counting into one shared
// Metrics buffer so a scrape answered by any of them shows the sum.
// Crashed workers are restarted and counted; close() is graceful for all.

import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Metrics, type Counter, type MetricDescriptor } from './metrics.ts';
import { assertReusePort } from './reuseport.ts';
import { ServerMetrics } from './server-metrics.ts';
import type { ServerOptions } from './types.ts';

/** Options of serveWorkers(): serve()'s options that can cross to a thread (no functions), plus the pool's. */
export interface ServeWorkersOptions extends Omit<ServerOptions, 'onError'> {
  /** TCP port all workers share; 0 picks one (the first worker's) for all. */
  readonly port: number;
  /** Worker threads to start, each with its own event loop and listening socket. */
  readonly workers: number;
  /**
   * The handler module (a file URL or path). Its default export is the
   * Handler; an optional `declareMetrics(metrics)` export declares the
   * module's own metrics, called in each worker before it serves.
   */
  readonly handler: string | URL;
  /** Path answered with the Prometheus text by every worker (see serve()). */
  readonly metricsPath?: string;
  /** Cells per shard of the shared metrics buffer (see Metrics); default 4096. */
  readonly metricsCells?: number;
  /** Wait before restarting a crashed worker, doubled for each crash in a row (at most 10 s); default 100. */
  readonly restartDelayMs?: number;
  /** Sees why a worker died; default a line on stderr. */
  readonly onWorkerError?: (error: unknown, worker: number) => void;
}

/** What a worker thread gets as workerData. */
export interface WorkerInit {
  readonly buffer: SharedArrayBuffer;
  readonly shard: number;
  readonly port: number;
  readonly handler: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** Messages from a worker thread. */
export type FromWorker = { readonly kind: 'Listening'; readonly port: number; readonly metrics: readonly MetricDescriptor[] };

/** Messages to a worker thread. */
export type ToWorker = { readonly kind: 'Close'; readonly timeoutMs: number | undefined };

/** Module of a worker-side handler, as serveWorkers() expects it. */
export interface HandlerModule {
  readonly default: unknown;
  readonly declareMetrics?: unknown;
}

/**
 * Declares what every pool thread shares, in one order: the built-in server
 * metrics, then rawhttp_worker_restarts_total. Returns the restarts counter.
 */
export function declarePoolMetrics(metrics: Metrics): Counter {
  new ServerMetrics(metrics);
  return metrics.counter('rawhttp_worker_restarts_total', 'Worker threads restarted after they died.');
}

const MAX_RESTART_DELAY_MS = 10_000;
const POOL_KEYS = new Set(['port', 'workers', 'handler', 'metricsCells', 'restartDelayMs', 'onWorkerError']);
// The worker's entry sits beside this module: .ts when run from source, .js from dist/.
const ENTRY_URL = new URL(`./worker-entry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

interface Slot {
  readonly index: number;
  readonly shard: number;
  worker: Worker | null;
  listening: boolean;
  crashesInRow: number;
  timer: NodeJS.Timeout | null;
  exited: Promise<void>;
}

type PoolState = 'Starting' | 'Running' | 'Closing';

/** A running set of worker threads serving one port; see serveWorkers(). */
export class WorkerPool {
  /** The shared registry: worker i writes shard i + 1, this thread (restarts) shard 0. */
  readonly metrics: Metrics;
  readonly host: string;
  readonly #slots: Slot[];
  readonly #init: Omit<WorkerInit, 'shard' | 'port'>;
  readonly #restarts: Counter;
  readonly #restartDelayMs: number;
  readonly #onWorkerError: (error: unknown, worker: number) => void;
  #port: number;
  #state: PoolState = 'Starting';
  #closed: Promise<void> | null = null;

  /** Use serveWorkers(). */
  constructor(options: ServeWorkersOptions) {
    const workers = options.workers;
    if (!Number.isInteger(workers) || workers < 1) throw new TypeError(`serveWorkers: workers must be a positive integer, got ${String(workers)}`);
    this.metrics = new Metrics({ shards: workers + 1, ...(options.metricsCells === undefined ? {} : { cells: options.metricsCells }) });
    this.#restarts = declarePoolMetrics(this.metrics);
    this.host = options.host ?? '127.0.0.1';
    this.#port = options.port;
    this.#restartDelayMs = options.restartDelayMs ?? 100;
    this.#onWorkerError = options.onWorkerError ?? reportToStderr;
    this.#init = { buffer: this.metrics.buffer, handler: moduleHref(options.handler), options: threadOptions(options) };
    this.#slots = Array.from({ length: workers }, (_, index) => ({
      index,
      shard: index + 1,
      worker: null,
      listening: false,
      crashesInRow: 0,
      timer: null,
      exited: Promise.resolve(),
    }));
  }

  /** The shared TCP port. */
  get port(): number {
    return this.#port;
  }

  /** 'http://host:port'. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.#port}`;
  }

  /** Number of worker threads. */
  get workers(): number {
    return this.#slots.length;
  }

  /** Workers listening now (fewer than `workers` while one restarts). */
  get listening(): number {
    return this.#slots.filter((slot) => slot.listening).length;
  }

  /** Workers restarted after they died, since start. */
  get restarts(): number {
    return this.#restarts.value;
  }

  /** The metrics shard worker `index` writes: read one worker alone with `metrics.snapshot(shardOf(i))`. */
  shardOf(index: number): number {
    return index + 1;
  }

  /** Starts every worker; resolves once all listen, rejects (and stops them) if one fails to start. */
  async start(): Promise<this> {
    try {
      const [first, ...rest] = this.#slots;
      if (first === undefined) return this;
      // With port 0 the first worker picks the port the others then share.
      const picksPort = this.#port === 0;
      if (picksPort) await this.#spawn(first);
      await Promise.all((picksPort ? rest : this.#slots).map((slot) => this.#spawn(slot)));
      if (this.#state === 'Starting') this.#state = 'Running';
      return this;
    } catch (error) {
      await this.close({ timeoutMs: 0 });
      throw error;
    }
  }

  /**
   * Closes every worker's server gracefully (see Server.close()) and
   * resolves once every thread has exited; with `timeoutMs`, busy
   * connections are destroyed then and a thread that still lingers is
   * terminated a second later.
   */
  close(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.#state = 'Closing';
    const message: ToWorker = { kind: 'Close', timeoutMs: options.timeoutMs };
    this.#closed = Promise.all(
      this.#slots.map(async (slot) => {
        if (slot.timer !== null) clearTimeout(slot.timer);
        slot.timer = null;
        const worker = slot.worker;
        if (worker === null) return;
        if (!slot.listening) await worker.terminate();
        else worker.postMessage(message);
        let force: NodeJS.Timeout | null = null;
        if (options.timeoutMs !== undefined) force = setTimeout(() => void worker.terminate(), options.timeoutMs + 1_000);
        await slot.exited;
        if (force !== null) clearTimeout(force);
      }),
    ).then(() => undefined);
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // Starts the slot's thread; resolves when it listens, rejects if it dies first.
  #spawn(slot: Slot): Promise<void> {
    const init: WorkerInit = { ...this.#init, shard: slot.shard, port: this.#port };
    const worker = new Worker(ENTRY_URL, { workerData: init });
    slot.worker = worker;
    slot.listening = false;
    return new Promise<void>((resolvePromise, reject) => {
      let failure: unknown = null;
      slot.exited = new Promise<void>((resolveExit) => {
        worker.once('exit', (code) => {
          resolveExit();
          if (!slot.listening) reject(failure ?? new Error(`serveWorkers: worker ${slot.index} exited with code ${code} before listening`));
          this.#onExit(slot, worker, failure);
        });
      });
      worker.on('error', (error) => {
        failure = error;
        if (slot.listening) this.#onWorkerError(error, slot.index);
      });
      worker.on('message', (message: FromWorker) => {
        if (message.kind !== 'Listening') return;
        this.metrics.adopt(message.metrics);
        if (this.#port === 0) this.#port = message.port;
        slot.listening = true;
        slot.crashesInRow = 0;
        resolvePromise();
      });
    });
  }

  #onExit(slot: Slot, worker: Worker, failure: unknown): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    const wasListening = slot.listening;
    slot.listening = false;
    // Its sockets died with it: its part of the open and in-flight gauges must go too.
    this.metrics.resetGauges(slot.shard);
    if (this.#state !== 'Running') return;
    if (!wasListening && failure !== null) this.#onWorkerError(failure, slot.index);
    this.#restarts.inc();
    const delayMs = Math.min(MAX_RESTART_DELAY_MS, this.#restartDelayMs * 2 ** slot.crashesInRow);
    slot.crashesInRow++;
    slot.timer = setTimeout(() => {
      slot.timer = null;
      if (this.#state !== 'Running') return;
      // A restart that fails to start exits again, and #onExit schedules the next try.
      this.#spawn(slot).catch(() => {});
    }, delayMs);
  }
}

/**
 * Starts `options.workers` worker threads that each import the handler
 * module and serve() it on `options.port` with reusePort, sharing one
 * metrics buffer. Resolves once all listen. Throws ReusePortUnsupportedError
 * on a Node without reusePort (it needs 22.12+ or 23.1+), TypeError for a
 * function-valued option (functions cannot reach a thread).
 */
export async function serveWorkers(options: ServeWorkersOptions): Promise<WorkerPool> {
  assertReusePort('serveWorkers()');
  return new WorkerPool(options).start();
}

function moduleHref(handler: string | URL): string {
  if (handler instanceof URL) return handler.href;
  if (typeof handler !== 'string' || handler === '') throw new TypeError('serveWorkers: handler must be the URL or path of a module');
  if (/^[a-z][a-z0-9+.-]*:/i.test(handler) && !isAbsolute(handler)) return handler;
  return pathToFileURL(resolve(handler)).href;
}

// serve()'s options for the threads: plain data only.
function threadOptions(options: ServeWorkersOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (POOL_KEYS.has(key) || value === undefined) continue;
    if (typeof value === 'function') throw new TypeError(`serveWorkers: option ${key} is a function and cannot reach a worker thread; do that work in the handler module`);
    out[key] = value;
  }
  return out;
}

function reportToStderr(error: unknown, worker: number): void {
  process.stderr.write(`rawhttp: worker ${worker} died: ${String(error instanceof Error ? (error.stack ?? error) : error)}\n`);
}
