// serve() and Server: listening socket, connection registry, the deadline
// sweep that drives every connection's timeouts, and graceful close.

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { resolveBacklog } from './backlog.ts';
import { DEFAULTS } from './constants.ts';
import { Connection, type Handler, type ServerContext, type UpgradeHandler } from './connection.ts';
import { ConnectionList } from './connection-list.ts';
import { DateCache } from './encode.ts';
import { fetchHandler } from './fetch.ts';
import { HeadMemo } from './head-memo.ts';
import { ParsedHeadPool } from './head-pool.ts';
import type { Metrics } from './metrics.ts';
import { ReusePortUnsupportedError, supportsReusePort } from './reuseport.ts';
import { routeMetrics, setupMetrics, type MetricsRecorder, type ServerMetricsOptions } from './server-metrics.ts';
import type { ErrorContext, ResolvedOptions, ServerOptions } from './types.ts';
import { WriteAheadBudget } from './write-budget.ts';

/** Options of Server.close(). */
export interface CloseOptions {
  /** After this many milliseconds, connections still busy are destroyed. Default: wait for them. */
  readonly timeoutMs?: number;
}

function reportToStderr(error: unknown, context: ErrorContext): void {
  if (context.kind === 'Handler') process.stderr.write(`rawhttp: handler error on ${context.method} ${context.target}: ${String((error as Error)?.stack ?? error)}\n`);
}

const OPTION_NAMES = Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>;

/** Fills in defaults; throws TypeError for a negative or non-integer limit. */
export function resolveOptions(options: ServerOptions): ResolvedOptions {
  const resolved: Record<string, unknown> = { ...DEFAULTS, port: 0, host: '127.0.0.1', onError: reportToStderr };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) resolved[key] = value;
  for (const name of OPTION_NAMES) {
    const value = resolved[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new TypeError(`option ${name} must be a non-negative integer, got ${String(value)}`);
    }
  }
  if ((resolved['maxHeaderCount'] as number) < 1) throw new TypeError('option maxHeaderCount must be at least 1');
  if ((resolved['highWaterMark'] as number) < 1) throw new TypeError('option highWaterMark must be at least 1');
  resolved['backlog'] = resolveBacklog(options.backlog);
  return resolved as unknown as ResolvedOptions;
}

/** Handlers for requests that leave HTTP/1.1 on their socket. */
export interface ProtocolSwitchHooks {
  /**
   * Gets requests with `Connection: upgrade` and an `Upgrade` header (e.g.
   * WebSocket) together with the raw socket and the bytes read past the head.
   * Without it such requests are served as normal requests.
   */
  readonly onUpgrade?: UpgradeHandler;
  /** Gets CONNECT requests (authority-form) with the raw socket; without it CONNECT is answered 405. */
  readonly onConnect?: UpgradeHandler;
}

/** serve()'s options: limits, timeouts and the protocol-switch hooks. */
export interface ServeOptions extends ServerOptions, ProtocolSwitchHooks, ServerMetricsOptions {}

/** A running rawhttp server. */
export class Server implements ServerContext {
  readonly options: ResolvedOptions;
  readonly handler: Handler;
  readonly onUpgrade: UpgradeHandler | undefined;
  readonly onConnect: UpgradeHandler | undefined;
  readonly dateCache = new DateCache();
  readonly headMemo = new HeadMemo();
  readonly headPool: ParsedHeadPool;
  /** The write-ahead budget (maxWriteAheadBytes): `available` is what response writers may still take beyond highWaterMark. */
  readonly writeBudget: WriteAheadBudget;
  /** The metrics registry: built-in rawhttp_ metrics (unless `metrics: false`) and your own; prometheus(), snapshot(). */
  readonly metrics: Metrics;
  /** Where connections report their transitions: the built-in metrics, or nothing with `metrics: false`. */
  readonly recorder: MetricsRecorder;
  #net: NetServer;
  #connections = new ConnectionList<Connection>();
  #closing = false;
  #closed: Promise<void> | null = null;
  #sweep: NodeJS.Timeout | null = null;
  #idleWaiters: Array<() => void> = [];

  /** Use serve(); the constructor does not listen. */
  constructor(options: ResolvedOptions, handler: Handler, hooks: ProtocolSwitchHooks & ServerMetricsOptions = {}) {
    this.options = options;
    this.writeBudget = new WriteAheadBudget(options.maxWriteAheadBytes);
    this.headPool = new ParsedHeadPool(options.maxHeaderCount);
    ({ registry: this.metrics, recorder: this.recorder } = setupMetrics(hooks));
    this.handler = hooks.metricsPath === undefined ? handler : routeMetrics(hooks.metricsPath, this.metrics, handler);
    this.onUpgrade = hooks.onUpgrade;
    this.onConnect = hooks.onConnect;
    // The sockets' highWaterMark is the server's: a connection holding more
    // than that waits for 'drain', which a stream only emits after a write it
    // refused, that is at its own mark (Node's default, 16 or 64 KiB).
    this.#net = createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: options.highWaterMark }, (socket) => this.#onConnection(socket));
    if (options.maxConnections > 0) this.#net.maxConnections = options.maxConnections;
  }

  /** The bound TCP port (the ephemeral one when port 0 was asked for). */
  get port(): number {
    const address = this.#net.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** The bound address. */
  get host(): string {
    const address = this.#net.address();
    return typeof address === 'object' && address !== null ? address.address : this.options.host;
  }

  /** 'http://host:port' of the listening socket. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  /** Open connections. */
  get connections(): number {
    return this.#connections.size;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Starts listening; resolves once bound. */
  listen(): Promise<this> {
    // Node < 22.12 would ignore reusePort and the second thread would get EADDRINUSE: say why instead.
    if (this.options.reusePort === true && !supportsReusePort()) return Promise.reject(new ReusePortUnsupportedError('the reusePort option'));
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.#net.once('error', onError);
      const { port, host, backlog } = this.options;
      this.#net.listen({ port, host, backlog, reusePort: this.options.reusePort === true }, () => {
        this.#net.off('error', onError);
        this.#startSweep();
        resolve(this);
      });
    });
  }

  /**
   * Stops accepting, closes idle keep-alive connections at once, lets
   * in-flight requests finish (their responses carry Connection: close), and
   * resolves when every socket is gone; at `timeoutMs` the rest are destroyed.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.#closing = true;
    this.#closed = new Promise<void>((resolve) => {
      let netClosed = false;
      let timer: NodeJS.Timeout | null = null;
      const finish = (): void => {
        if (!netClosed || this.#connections.size > 0) return;
        if (timer !== null) clearTimeout(timer);
        if (this.#sweep !== null) clearInterval(this.#sweep);
        this.#sweep = null;
        resolve();
      };
      this.#idleWaiters.push(finish);
      this.#net.close(() => {
        netClosed = true;
        finish();
      });
      this.#connections.forEach((connection) => connection.shutdown());
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#connections.forEach((connection) => connection.destroy());
        }, options.timeoutMs);
      }
    });
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  onConnectionClosed(connection: Connection): void {
    this.#connections.delete(connection);
    if (this.#connections.size === 0) for (const waiter of this.#idleWaiters) waiter();
  }

  #onConnection(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    this.#connections.add(new Connection(socket, this));
  }

  // One sweep for all connections' deadlines: arming a deadline is a field
  // write, not a timer per request.
  #startSweep(): void {
    const options = this.options;
    const enabled = [options.headersTimeoutMs, options.requestTimeoutMs, options.keepAliveTimeoutMs, options.writeStallTimeoutMs].filter((ms) => ms > 0);
    const shortest = Math.min(5_000, ...enabled);
    const periodMs = Math.max(5, Math.min(1_000, Math.floor(shortest / 4)));
    this.#sweep = setInterval(() => {
      const now = performance.now();
      this.dateCache.syncWallClock(Date.now(), now);
      this.#connections.forEach((connection) => connection.checkDeadlines(now));
    }, periodMs);
    this.#sweep.unref();
  }
}

/**
 * Starts a server on options.port (0 = ephemeral) and options.host
 * (default 127.0.0.1) that answers every request with `handler`, or with
 * the web-standard `options.fetch` (exactly one of the two; else TypeError).
 * Resolves once listening; rejects if the port cannot be bound.
 */
export async function serve(options: ServeOptions, handler?: Handler): Promise<Server> {
  // serve({ port, fetch }) is the shorthand for serve({ port }, fetchHandler(fetch)).
  if (options.fetch !== undefined && handler !== undefined) throw new TypeError('serve(options, handler): give a handler or options.fetch, not both');
  handler ??= options.fetch === undefined ? undefined : fetchHandler(options.fetch);
  if (typeof handler !== 'function') throw new TypeError('serve(options, handler): handler must be a function (or pass options.fetch)');
  return new Server(resolveOptions(options), handler, options).listen();
}
