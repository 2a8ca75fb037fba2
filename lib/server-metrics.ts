// The built-in rawhttp_ metrics: declared once per registry, resolved to
// handles up front, and updated by connections at state transitions only —
// never per chunk, never through a lookup by name or label string.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Handler } from './connection.ts';
import { Failure, FAILURES, type FailureCode } from './errors.ts';
import { Metrics, type Counter, type Gauge, type Histogram } from './metrics.ts';

/** Options of serve() about metrics. */
export interface ServerMetricsOptions {
  /**
   * The registry to count in: pass one to declare your own metrics before
   * serving, or to share it between servers and worker threads. `false`
   * turns the built-in metrics off. Default: a new registry.
   */
  readonly metrics?: Metrics | false;
  /** A path (e.g. '/metrics') answered on GET and HEAD with the Prometheus text, before the handler sees it. */
  readonly metricsPath?: string;
}

/** Label values of rawhttp_requests_total{method}: the common methods, the rest as "other". */
export const METHOD_LABELS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE', 'other'] as const;
/** Label values of rawhttp_request_duration_seconds{status}: the class of the status sent. */
export const STATUS_LABELS = ['2xx', '3xx', '4xx', '5xx', 'other'] as const;
const STATUS_OTHER = 4;
/** Label values of rawhttp_timeouts_total{kind}. */
export const TIMEOUT_LABELS = ['headers', 'request', 'keep_alive', 'write_stall', 'linger'] as const;
/** Which deadline expired, in the connection's words. */
export type TimeoutKind = 'None' | 'Headers' | 'Request' | 'KeepAlive' | 'WriteStall' | 'Linger';
const TIMEOUT_INDEX = { Headers: 0, Request: 1, KeepAlive: 2, WriteStall: 3, Linger: 4 } as const;
// Per connection, byte counts reach the shared counters at most this often (and at close).
const BYTES_INTERVAL_MS = 1000;
/** Content-Type of the Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// Timeouts are counted by kind; their failure codes are not parse errors.
const PARSE_FAILURES = (Object.values(Failure) as FailureCode[]).filter((f) => f !== Failure.HeadersTimeout && f !== Failure.RequestTimeout);

/** Upper bounds of rawhttp_request_duration_seconds: 100 µs (a hello on loopback) to 10 s. */
export const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

function methodIndex(method: string): number {
  // Methods are interned by the parser: these compare as pointers.
  switch (method) {
    case 'GET':
      return 0;
    case 'HEAD':
      return 1;
    case 'POST':
      return 2;
    case 'PUT':
      return 3;
    case 'DELETE':
      return 4;
    case 'PATCH':
      return 5;
    case 'OPTIONS':
      return 6;
    case 'CONNECT':
      return 7;
    case 'TRACE':
      return 8;
    default:
      return 9;
  }
}

function statusIndex(status: number): number {
  return status >= 200 && status < 600 ? ((status / 100) | 0) - 2 : STATUS_OTHER;
}

/**
 * ServerMetrics holds the handles of the built-in metrics in one registry.
 * Declaring them again in the same registry (a second server, a worker
 * thread) returns the same cells.
 *
 * A request costs three atomic additions: its method's counter when it
 * starts, a bucket and the sum of its status class's duration histogram
 * when it completes. Every atomic write is a full memory barrier, so the
 * in-flight gauge and the keep-alive reuse counter are derived when read
 * (started minus finished) instead of being written per request.
 */
export class ServerMetrics {
  readonly registry: Metrics;
  readonly accepted: Counter;
  readonly open: Gauge;
  /** By METHOD_LABELS index. */
  readonly requests: readonly Counter[];
  /** By STATUS_LABELS index. */
  readonly durations: readonly Histogram[];
  readonly aborted: Counter;
  readonly upgraded: Counter;
  readonly used: Counter;
  readonly received: Counter;
  readonly sent: Counter;
  /** By failure code (sparse: timeouts have none). */
  readonly parseErrors: readonly (Counter | undefined)[];
  readonly timeoutByKind: readonly Counter[];
  readonly readPauses: Counter;
  readonly writePauses: Counter;

  constructor(registry: Metrics) {
    this.registry = registry;
    this.accepted = registry.counter('rawhttp_connections_accepted_total', 'TCP connections accepted.');
    this.open = registry.gauge('rawhttp_connections_open', 'TCP connections open now.');
    this.used = registry.counter('rawhttp_connections_used_total', 'Connections that carried at least one request.');
    const requests = registry.counter('rawhttp_requests_total', 'Requests received (head parsed), by method.', { method: METHOD_LABELS });
    this.requests = METHOD_LABELS.map((method) => requests.labels({ method }));
    const durations = registry.histogram(
      'rawhttp_request_duration_seconds',
      'Time from reading the input that carried a request head to the end of its response, by status class; _count is the number of responses.',
      { buckets: DURATION_BUCKETS, scale: 1e6, labels: { status: STATUS_LABELS } },
    );
    this.durations = STATUS_LABELS.map((status) => durations.labels({ status }));
    this.aborted = registry.counter('rawhttp_requests_aborted_total', 'Requests whose connection closed before their response completed.');
    this.upgraded = registry.counter('rawhttp_upgrades_total', 'Requests whose socket went to onUpgrade or onConnect.');
    this.received = registry.counter('rawhttp_received_bytes_total', 'Bytes read from client sockets.');
    this.sent = registry.counter('rawhttp_sent_bytes_total', 'Bytes written to client sockets.');
    const parseErrors = registry.counter('rawhttp_parse_errors_total', 'Requests refused as malformed or over a limit, by error code.', {
      code: PARSE_FAILURES.map((failure) => FAILURES[failure].code),
    });
    const byFailure: (Counter | undefined)[] = [];
    PARSE_FAILURES.forEach((failure, i) => (byFailure[failure] = parseErrors.at(i)));
    this.parseErrors = byFailure;
    const timeouts = registry.counter('rawhttp_timeouts_total', 'Deadlines that expired, by kind.', { kind: TIMEOUT_LABELS });
    this.timeoutByKind = TIMEOUT_LABELS.map((kind) => timeouts.labels({ kind }));
    const pauses = registry.counter('rawhttp_backpressure_pauses_total', 'Backpressure: "read" = socket paused for a slow handler or pipelining bound; "write" = a write found the client reading slowly.', {
      direction: ['read', 'write'],
    });
    this.readPauses = pauses.labels({ direction: 'read' });
    this.writePauses = pauses.labels({ direction: 'write' });
    const sum = (handles: readonly Counter[], shard: number): number => handles.reduce((total, handle) => total + handle.read(shard), 0);
    // Finished first, then started: a request that completes between the two reads never makes the gauge negative.
    registry.derived('rawhttp_requests_in_flight', 'Requests received whose response has not completed (started minus finished).', 'gauge', (shard) => {
      const finished = this.durations.reduce((total, h) => total + h.countIn(shard), 0) + this.aborted.read(shard) + this.upgraded.read(shard);
      return sum(this.requests, shard) - finished;
    });
    registry.derived('rawhttp_keepalive_reuses_total', 'Requests served on a connection that had already served one.', 'counter', (shard) => {
      const first = this.used.read(shard);
      return sum(this.requests, shard) - first;
    });
  }

  /** Counts an accepted connection and returns its tracker; dispose the tracker when the socket closes. */
  connectionOpened(socket: Socket): ConnectionMetrics {
    return new ConnectionMetrics(this, socket);
  }
}

/**
 * ConnectionMetrics is one connection's view: plain per-connection numbers
 * (request start, byte marks) that reach the shared cells only when a
 * request starts or completes (byte counts: at most once a second) and when
 * the connection closes. Disposing it is the close: `using` in the socket's
 * close handler puts the open-connections gauge back (and counts a request
 * still in flight as aborted) on every path, thrown errors included.
 * Dispose is idempotent.
 */
export class ConnectionMetrics implements Disposable {
  readonly #m: ServerMetrics;
  readonly #socket: Socket;
  #bytesRead = 0;
  #bytesWritten = 0;
  #bytesAddedAt = 0;
  #used = false;
  // A request is in flight; its start time (performance.now()).
  #busy = false;
  #startedAt = 0;
  // Responses finished in the current batch of input, waiting for its write:
  // those of one chunk share a start time and mostly a status class, so they
  // are kept as one group (count, start, status) and recorded together.
  #batchCount = 0;
  #batchStartedAt = 0;
  #batchStatus = 0;
  #open = true;

  constructor(metrics: ServerMetrics, socket: Socket) {
    this.#m = metrics;
    this.#socket = socket;
    metrics.accepted.inc();
    metrics.open.inc();
  }

  /**
   * A request head was parsed and its exchange begins; `nowMs` is the
   * connection's performance.now() reading for the input that carried it
   * (one clock read shared by every request of a chunk).
   */
  requestStarted(method: string, nowMs: number): void {
    const m = this.#m;
    if (this.#busy) m.aborted.inc();
    this.#busy = true;
    this.#startedAt = nowMs;
    (m.requests[methodIndex(method)] as Counter).inc();
    if (!this.#used) {
      this.#used = true;
      m.used.inc();
    }
  }

  /** The whole response was handed to the socket. */
  requestFinished(status: number): void {
    if (!this.#busy) return;
    this.#busy = false;
    this.#observe(statusIndex(status), this.#startedAt, performance.now(), 1);
  }

  /**
   * The whole response was produced inside a batch of input, whose responses
   * are handed to the socket together at its end: its duration ends at
   * writingBatch(), one clock read for the batch instead of one per response.
   */
  requestFinishedInBatch(status: number): void {
    if (!this.#busy) return;
    this.#busy = false;
    const index = statusIndex(status);
    // A response of another group (status class, or a request from an earlier
    // chunk) ends the group before it a little early, at its own clock read.
    if (this.#batchCount > 0 && (index !== this.#batchStatus || this.#startedAt !== this.#batchStartedAt)) this.#endGroup();
    this.#batchStatus = index;
    this.#batchStartedAt = this.#startedAt;
    this.#batchCount++;
  }

  /** The batch's responses are handed to the socket now: their durations end. */
  writingBatch(): void {
    this.#endGroup();
  }

  #endGroup(): void {
    const count = this.#batchCount;
    if (count === 0) return;
    this.#batchCount = 0;
    this.#observe(this.#batchStatus, this.#batchStartedAt, performance.now(), count);
  }

  #observe(status: number, startedAt: number, now: number, count: number): void {
    (this.#m.durations[status] as Histogram).observeScaledMany(Math.round((now - startedAt) * 1000), count);
    // Reading the socket's byte counts costs more than the rest of this
    // method (bytesWritten walks the write queue): at most once a second
    // per connection keeps live byte rates while sparing the request path.
    if (now - this.#bytesAddedAt >= BYTES_INTERVAL_MS) {
      this.#bytesAddedAt = now;
      this.#addBytes();
    }
  }

  /** The socket left HTTP (onUpgrade / onConnect): the request counts as upgraded and the connection as closed. */
  handedOver(): void {
    this.writingBatch();
    if (this.#busy) {
      this.#busy = false;
      this.#m.upgraded.inc();
    }
    this[Symbol.dispose]();
  }

  /** The connection refused a request with `failure` (a 4xx/5xx and close). */
  protocolError(failure: FailureCode): void {
    this.#m.parseErrors[failure]?.inc();
  }

  /** A deadline of `kind` expired ('None' is ignored). */
  timeout(kind: TimeoutKind): void {
    if (kind !== 'None') this.#m.timeoutByKind[TIMEOUT_INDEX[kind]]?.inc();
  }

  /** The connection stopped reading its socket (slow body consumer, pipelining bound, unread responses). */
  readPaused(): void {
    this.#m.readPauses.inc();
  }

  /** A socket write returned false: the client reads slower than we write. */
  writePaused(): void {
    this.#m.writePauses.inc();
  }

  /** The socket closed: a request still in flight counts as aborted; bytes are added; the open gauge falls. */
  [Symbol.dispose](): void {
    if (!this.#open) return;
    this.#open = false;
    const m = this.#m;
    try {
      this.writingBatch();
      if (this.#busy) {
        this.#busy = false;
        m.aborted.inc();
      }
      this.#addBytes();
    } finally {
      m.open.dec();
    }
  }

  // The socket keeps the per-connection byte counts; we add what is new since the last mark.
  #addBytes(): void {
    const socket = this.#socket;
    const read = socket.bytesRead;
    const written = socket.bytesWritten;
    if (read > this.#bytesRead) {
      this.#m.received.add(read - this.#bytesRead);
      this.#bytesRead = read;
    }
    if (written > this.#bytesWritten) {
      this.#m.sent.add(written - this.#bytesWritten);
      this.#bytesWritten = written;
    }
  }
}

/** A ConnectionMetrics that counts nothing: the connection's calls when metrics are off. */
export class NoConnectionMetrics implements Disposable {
  requestStarted(_method: string, _nowMs: number): void {}
  requestFinished(_status: number): void {}
  requestFinishedInBatch(_status: number): void {}
  writingBatch(): void {}
  handedOver(): void {}
  protocolError(_failure: FailureCode): void {}
  timeout(_kind: TimeoutKind): void {}
  readPaused(): void {}
  writePaused(): void {}
  [Symbol.dispose](): void {}
}

const NO_CONNECTION_METRICS = new NoConnectionMetrics();

/** What a server counts with: the built-in set, or nothing when `metrics: false`. */
export interface MetricsRecorder {
  connectionOpened(socket: Socket): ConnectionMetrics | NoConnectionMetrics;
}

/** The recorder of a server with `metrics: false`. */
export const NO_METRICS: MetricsRecorder = { connectionOpened: () => NO_CONNECTION_METRICS };

/**
 * Resolves serve()'s metrics options: the registry `server.metrics` exposes
 * (a new one unless given; an empty one when metrics are off) and the
 * recorder connections report to.
 */
export function setupMetrics(options: ServerMetricsOptions): { readonly registry: Metrics; readonly recorder: MetricsRecorder } {
  const given = options.metrics;
  if (given === false) return { registry: new Metrics(), recorder: NO_METRICS };
  if (given !== undefined && !(given instanceof Metrics)) throw new TypeError('option metrics must be a Metrics registry or false');
  const registry = given ?? new Metrics();
  return { registry, recorder: new ServerMetrics(registry) };
}

/**
 * Returns a handler that answers GET and HEAD of `path` (query ignored) with
 * the Prometheus text of `registry`, and passes every other request to
 * `handler`. Throws TypeError unless `path` starts with '/'.
 */
export function routeMetrics(path: string, registry: Metrics, handler: Handler): Handler {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError('option metricsPath must be a path starting with "/"');
  return (req, res) => {
    const method = req.method;
    if (method === 'GET' || method === 'HEAD') {
      const target = req.target;
      if (target === path || (target.startsWith(path) && target.charCodeAt(path.length) === QUESTION_MARK)) {
        res.header('content-type', PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').end(registry.prometheus());
        return;
      }
    }
    return handler(req, res);
  };
}

const QUESTION_MARK = 0x3f;
