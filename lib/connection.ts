// One socket's life: bytes in → parseHead → framing → handler → body decoder,
// responses out strictly in order, keep-alive, backpressure both ways, and
// every protocol failure answered once with its status and a close.
// Owns the HttpState; all error→status mapping happens in #reject.

import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { batchNow, endBatch, startBatch } from './batch-clock.ts';
import { REASON_PHRASES } from './constants.ts';
import { ChunkedDecoder, LengthDecoder, type BodyDecoder } from './decode.ts';
import { encodeErrorResponse, type DateCache } from './encode.ts';
import type { Listed } from './connection-list.ts';
import { ClientGoneError, Failure, FAILURES, HttpError, ProtocolError, type FailureCode } from './errors.ts';
import { decideFraming, peerWillClose, type Framing } from './framing.ts';
import type { HeadMemo } from './head-memo.ts';
import type { ParsedHeadPool } from './head-pool.ts';
import { INCOMPLETE, parseHead, type ParsedHead } from './parse.ts';
import { Request, type BodyChannel } from './request.ts';
import { Response, type ResponseChannel } from './response.ts';
import type { ConnectionMetrics, MetricsRecorder, NoConnectionMetrics } from './server-metrics.ts';
import { SocketReader } from './socket-reader.ts';
import { SocketWriter, THROUGH_STREAM } from './socket-writer.ts';
import { afterHead, afterProgress, assertNever, closed, initialState, type CloseReason, type ExchangeProgress, type HttpState } from './state.ts';
import type { ResolvedOptions } from './types.ts';
import type { WriteAheadBudget } from './write-budget.ts';

/** The request handler: may be sync or async; a throw becomes a 500 (or a dropped socket once the head is out). */
export type Handler = (req: Request, res: Response) => void | Promise<void>;

/**
 * Receives a socket that leaves HTTP: the request, the raw socket (paused,
 * with no rawhttp listeners left) and the bytes already read past the head.
 */
export type UpgradeHandler = (req: Request, socket: Socket, head: Buffer) => void;

/** What a connection needs from its server. */
export interface ServerContext {
  readonly options: ResolvedOptions;
  readonly handler: Handler;
  /** Takes over sockets whose request asks to switch protocols (Connection: upgrade + Upgrade). */
  readonly onUpgrade: UpgradeHandler | undefined;
  /** Takes over sockets of CONNECT requests; without it CONNECT gets 405. */
  readonly onConnect: UpgradeHandler | undefined;
  /** Date lines; connections keep monotonic time (deadlines survive wall-clock steps) and ask it with lineAt(). */
  readonly dateCache: DateCache;
  /** The last response head any connection built, reused by the next response made of the same parts. */
  readonly headMemo: HeadMemo;
  /** Parsed heads lent to connections while they read a head. */
  readonly headPool: ParsedHeadPool;
  /** Built-in metrics: each connection reports its transitions to the tracker it gets here. */
  readonly recorder: MetricsRecorder;
  /** The server is shutting down: finish in-flight requests, then close. */
  readonly closing: boolean;
  /** Where connections take the bytes their response writers may hold beyond highWaterMark. */
  readonly writeBudget: WriteAheadBudget;
  onConnectionClosed(connection: Connection): void;
}

// The socket's own record of the connection serving it (see Connection#onData).
const CONNECTION = Symbol('rawhttp.connection');
interface ServedSocket extends Socket {
  [CONNECTION]?: Connection | undefined;
}

// ECONNRESET, EPIPE…: not HTTP errors. 'close' follows and cleans up.
function ignoreSocketError(): void {}

/** Which deadline a connection is waiting on. */
export type DeadlineKind = 'None' | 'Headers' | 'Request' | 'KeepAlive' | 'Linger';

// After our FIN, how long a peer may keep the socket half-open before we drop it.
const LINGER_MS = 5_000;
// Past this much batched text, writes go straight to the (then corked) socket, where writableLength bounds them.
const PENDING_TEXT_LIMIT = 64 * 1024;
const CONTINUE_LINE = 'HTTP/1.1 100 Continue\r\n\r\n';
// How far a response writer may run ahead of highWaterMark while the kernel keeps taking its writes at once.
const WRITE_ALLOWANCE_FACTOR = 16;

/**
 * Connection drives one socket. It handles one request at a time: bytes of
 * later pipelined requests wait (bounded) until the current response is
 * complete, so responses are always in request order.
 */
export class Connection implements Listed<Connection> {
  readonly socket: Socket;
  // The server's ConnectionList links.
  listPrev: Connection | null = null;
  listNext: Connection | null = null;
  readonly #ctx: ServerContext;
  readonly #options: ResolvedOptions;
  readonly #metrics: ConnectionMetrics | NoConnectionMetrics;
  #state: HttpState<Exchange> = initialState();
  // Held only while a head is being parsed; idle connections hold none.
  #head: ParsedHead | null = null;
  // Unconsumed input, as received: #chunk is read from #inputOffset, and
  // #queued holds the chunks behind it. Nearly always one chunk or none, so
  // that one is a field: no array to touch per request (with 1 000 clients,
  // a connection's array and its backing store were two cache misses).
  #chunk: Buffer | null = null;
  #queued: Buffer[] | null = null;
  #inputOffset = 0;
  #inputBytes = 0;
  #processing = false;
  // The socket was corked during this batch of input (a write that could not join the batched text).
  #corked = false;
  #peerEnded = false;
  #pausedForBody = false;
  #pausedForPipeline = false;
  #waitingForDrain = false;
  #socketPaused = false;
  #drainCallbacks: Array<() => void> = [];
  #requests = 0;
  // Deadlines and the request's start are whole milliseconds (rounded up: a
  // deadline fires up to 1 ms late, never early), so that the fields hold
  // small integers rather than boxed doubles (see batch-clock.ts). Past 2³¹ ms
  // (24 days) of process time V8 widens them to doubles: slower, still right.
  #requestStartedAt = 0;
  // UTF-8 text written while a batch of input is handled, sent as one write at its end.
  #pendingText = '';
  // Bytes of a write through the handle (see SocketWriter) that the kernel has not taken yet.
  #directUnsent = 0;
  // Bytes a response writer may hold before write() returns false; see noteBodyWritten.
  #writeAllowance: number;
  // Taken from the server's write-ahead budget: at least #writeAllowance − highWaterMark,
  // and kept while bytes written under a larger allowance may still be held.
  #writeAhead = 0;
  /** Absolute time (whole ms, performance.now()) at which #deadlineKind expires; 0 when none. */
  deadlineAt = 0;
  #deadlineKind: DeadlineKind = 'None';
  /** Absolute time (whole ms) after which a stalled write drops the socket; 0 when not stalled. */
  writeStallAt = 0;

  // One set of socket listeners serves every connection: EventEmitter (and
  // the SocketReader, for #onData) calls them with the socket as `this`, and
  // the socket names its connection.
  // Closures per connection would be five functions and a context each, and
  // the context one more cache line to miss per request with 1 000 clients.
  // (A socket handed over gets its listeners removed; an emit under way may still call one.)
  static readonly #onData = function (this: ServedSocket, chunk: Buffer): void {
    const connection = this[CONNECTION];
    if (connection !== undefined) connection.#onSocketData(chunk);
  };
  // `this`, not `Connection`: tsc's output reads the class's own binding there before it is set.
  static readonly #reader = new SocketReader(this.#onData);
  static readonly #onEnd = function (this: ServedSocket): void {
    const connection = this[CONNECTION];
    if (connection !== undefined) connection.#onSocketEnd();
  };
  static readonly #onDrain = function (this: ServedSocket): void {
    const connection = this[CONNECTION];
    if (connection !== undefined) connection.#onSocketDrain();
  };
  static readonly #writer = new SocketWriter(function (this: ServedSocket, status: number): void {
    const connection = this[CONNECTION];
    if (connection !== undefined) connection.#onDirectSent(status);
  });
  static readonly #onClose = function (this: ServedSocket): void {
    const connection = this[CONNECTION];
    if (connection !== undefined) connection.#onSocketClose();
  };

  constructor(socket: Socket, ctx: ServerContext) {
    this.socket = socket;
    this.#ctx = ctx;
    this.#options = ctx.options;
    this.#metrics = ctx.recorder.connectionOpened(socket);
    this.#writeAllowance = ctx.options.highWaterMark;
    (socket as ServedSocket)[CONNECTION] = this;
    Connection.#reader.start(socket);
    socket.on('end', Connection.#onEnd);
    socket.on('drain', Connection.#onDrain);
    socket.on('error', ignoreSocketError);
    socket.on('close', Connection.#onClose);
    this.#arm('Headers', this.#options.headersTimeoutMs);
  }

  /** The server's resolved options. */
  get options(): ResolvedOptions {
    return this.#options;
  }

  /** The server's last response head (see HeadMemo). */
  get headMemo(): HeadMemo {
    return this.#ctx.headMemo;
  }

  /** The current "Date: …\r\n" line (cached per second). */
  dateLine(): string {
    return this.#ctx.dateCache.lineAt(batchNow());
  }

  /** Current phase, for the server and for tests. */
  get state(): HttpState<ExchangeProgress>['kind'] {
    return this.#state.kind;
  }

  /** Whether the connection is between requests with nothing received: safe to close at once. */
  get isIdle(): boolean {
    return this.#state.kind === 'ReadingHeaders' && this.#inputBytes === 0;
  }

  /** Closes an idle connection now; a busy one closes after its current response. */
  shutdown(): void {
    if (this.isIdle) this.#close('ServerClosing');
  }

  /** Destroys the socket whatever it is doing, after handing the kernel what was already written. */
  destroy(): void {
    const socket = this.socket;
    this.#flushText();
    while (socket.writableCorked > 0) socket.uncork();
    socket.destroy();
  }

  /** Called by the server's sweep with performance.now(): acts on an expired deadline. */
  checkDeadlines(nowMs: number): void {
    if (this.#writeAhead > 0 && this.isIdle) {
      // Idle through a sweep: the next response starts again at highWaterMark, and others may use the share.
      this.#writeAllowance = this.#options.highWaterMark;
      this.#settleWriteAhead();
    }
    if (this.writeStallAt !== 0 && nowMs >= this.writeStallAt) {
      this.#metrics.timeout('WriteStall');
      this.socket.destroy();
      return;
    }
    if (this.deadlineAt === 0 || nowMs < this.deadlineAt) return;
    const kind = this.#deadlineKind;
    this.#arm('None', 0);
    this.#metrics.timeout(kind);
    switch (kind) {
      case 'Headers':
        // A peer that never sent a byte gets no 408: there is no request to answer.
        if (this.#inputBytes === 0) this.#close('Timeout');
        else this.#reject(Failure.HeadersTimeout);
        return;
      case 'Request':
        this.#onRequestTimeout();
        return;
      case 'KeepAlive':
        if (this.isIdle) this.#close('Timeout');
        return;
      case 'Linger':
      case 'None':
        this.socket.destroy();
        return;
      default:
        assertNever(kind);
    }
  }

  #arm(kind: DeadlineKind, ms: number): void {
    if (kind === 'None' || ms <= 0) {
      this.#deadlineKind = 'None';
      this.deadlineAt = 0;
      return;
    }
    this.#deadlineKind = kind;
    this.deadlineAt = Math.ceil(batchNow() + ms);
  }

  #onSocketData(chunk: Buffer): void {
    if (this.#state.kind === 'Closed') return;
    const now = startBatch();
    if (this.#inputBytes === 0 && this.#state.kind === 'ReadingHeaders') {
      // The idle wait ends at the first byte of the next request (Go's rule).
      this.#requestStartedAt = Math.ceil(now);
      this.#arm('Headers', this.#options.headersTimeoutMs);
    }
    if (this.#chunk === null) this.#chunk = chunk;
    else (this.#queued ??= []).push(chunk);
    this.#inputBytes += chunk.length;
    try {
      this.#process();
    } finally {
      endBatch();
    }
  }

  #onSocketEnd(): void {
    this.#peerEnded = true;
    this.#process();
  }

  #onSocketDrain(): void {
    this.writeStallAt = 0;
    if (this.#state.kind === 'ReadingHeaders') this.#settleWriteAhead();
    const callbacks = this.#drainCallbacks;
    if (callbacks.length > 0) {
      this.#drainCallbacks = [];
      for (const callback of callbacks) callback();
    }
    if (this.#waitingForDrain) {
      this.#waitingForDrain = false;
      this.#updateFlow();
      this.#process();
    }
  }

  #onSocketClose(): void {
    // Disposed however this returns (an abort listener may throw): the open
    // and in-flight gauges fall. try/finally rather than `using`: Node 22's
    // V8 cannot parse `using`, and worker threads load lib/ as it is there.
    try {
      const state = this.#state;
      if (state.kind === 'ReadingBody' || state.kind === 'WritingResponse') {
        const exchange = state.exchange;
        if (!exchange.responseDone || exchange.decoder !== null) {
          const error = new ClientGoneError();
          exchange.request.abort(error);
          exchange.abortResponse(error);
        }
      }
      this.#state = closed(state.kind === 'Closed' ? state.reason : 'ClientClosed');
      this.#releaseHead();
      this.#dropInput();
      this.#drainCallbacks = [];
      this.#arm('None', 0);
      this.writeStallAt = 0;
      this.#returnWriteAhead();
      this.#ctx.onConnectionClosed(this);
    } finally {
      this.#metrics[Symbol.dispose]();
    }
  }

  // The loop: consume input for as long as the state allows. Re-entrant
  // calls (a handler that answers synchronously) just let the loop go on.
  #process(): void {
    if (this.#processing) return;
    this.#processing = true;
    // Responses produced while this batch of input is handled (pipelined
    // requests answered synchronously) leave in one write, not one syscall
    // each: text joins #pendingText; anything else corks the socket until
    // the batch ends. A batch of text only never corks (no cork bookkeeping
    // on the keep-alive path).
    try {
      while (this.#step()) {
        // each step consumed input or changed state
      }
      if (this.#peerEnded) this.#onPeerEndedAndInputDone();
    } finally {
      this.#processing = false;
      this.#metrics.writingBatch();
      this.#flushText();
      if (this.#corked) {
        this.#corked = false;
        this.socket.uncork();
      }
    }
  }

  // One step of the loop; false when it must wait for bytes, the handler or the peer.
  #step(): boolean {
    const state = this.#state;
    switch (state.kind) {
      case 'ReadingHeaders':
        return this.#inputBytes > 0 && this.#readHead();
      case 'ReadingBody':
        return this.#inputBytes > 0 && !this.#pausedForBody && this.#readBody(state.exchange);
      case 'WritingResponse':
        // Later pipelined requests wait here; beyond the bound, stop reading.
        if (this.#inputBytes > this.#options.maxPipelinedBytes && !this.#pausedForPipeline) {
          this.#pausedForPipeline = true;
          this.#updateFlow();
        }
        return false;
      case 'Closed':
        this.#dropInput();
        return false;
      default:
        return assertNever(state);
    }
  }

  #readHead(): boolean {
    // Do not start on the next request while the previous responses sit
    // unread in our socket buffer: that is what bounds a pipelining peer.
    if (this.#unsentBytes + this.#pendingText.length > this.#options.highWaterMark) this.#flushText();
    if (this.#unsentBytes > this.#options.highWaterMark) {
      if (!this.#waitingForDrain) {
        this.#waitingForDrain = true;
        this.#updateFlow();
      }
      return false;
    }
    const head = (this.#head ??= this.#ctx.headPool.take());
    let buf = this.#chunk as Buffer;
    let start = this.#inputOffset;
    let result = parseHead(buf, start, buf.length, this.#options, head);
    let next: Buffer | undefined;
    while (result === INCOMPLETE && (next = this.#queued?.shift()) !== undefined) {
      // The only copy: an unfinished head joined with the next chunk (bounded by maxHeaderBytes).
      const joined = Buffer.concat([buf.subarray(start), next]);
      this.#chunk = joined;
      this.#inputOffset = 0;
      buf = joined;
      start = 0;
      result = parseHead(buf, start, buf.length, this.#options, head);
    }
    if (result === INCOMPLETE) return false;
    if (result < 0) {
      this.#reject(-result as FailureCode);
      return false;
    }
    const framing = decideFraming(head);
    if (typeof framing === 'number') {
      this.#reject(-framing as FailureCode);
      return false;
    }
    this.#consume(result);
    this.#beginExchange(buf, start, head, framing);
    this.#releaseHead();
    return true;
  }

  #releaseHead(): void {
    if (this.#head === null) return;
    this.#ctx.headPool.give(this.#head);
    this.#head = null;
  }

  #beginExchange(buf: Buffer, base: number, head: ParsedHead, framing: Framing): void {
    const options = this.#options;
    this.#requests++;
    this.#metrics.requestStarted(head.method, batchNow());
    const body = framing.body;
    let decoder: BodyDecoder | null = null;
    if (body.kind === 'Length') decoder = new LengthDecoder(body.length);
    else if (body.kind === 'Chunked') decoder = new ChunkedDecoder(options);
    const lastAllowed = options.maxRequestsPerSocket > 0 && this.#requests >= options.maxRequestsPerSocket;
    const keepAlive = framing.keepAlive && !lastAllowed && !this.#ctx.closing;
    const exchange = new Exchange(this, buf, base, head, decoder, body.kind === 'Length' ? body.length : -1, keepAlive, framing.expectContinue);
    this.#state = afterHead(exchange);
    if (decoder !== null && options.requestTimeoutMs > 0) {
      // requestTimeoutMs counts from the request's first byte, head included.
      this.#arm('Request', options.requestTimeoutMs);
      this.deadlineAt = this.#requestStartedAt + options.requestTimeoutMs;
    } else {
      this.#arm('None', 0);
    }
    const isConnect = exchange.method === 'CONNECT';
    const takeover = isConnect ? this.#ctx.onConnect : framing.wantsUpgrade ? this.#ctx.onUpgrade : undefined;
    if (takeover !== undefined && decoder === null) {
      this.#handOver(exchange.request, takeover);
      return;
    }
    if (isConnect && takeover === undefined) {
      exchange.keepAlive = false;
      exchange.response.status(405).header('content-type', 'text/plain').end('Method Not Allowed');
      return;
    }
    // Body bytes that came with the head are decoded before the handler runs,
    // so that a small body is already complete for req.bytes() (no stream).
    while (exchange.decoder !== null && this.#inputBytes > 0 && !this.#pausedForBody && this.#state.kind === 'ReadingBody') {
      this.#readBody(exchange);
    }
    if (exchange.responseDone || this.#state.kind === 'Closed') return;
    this.#invokeHandler(exchange);
  }

  // The socket leaves HTTP: no rawhttp listener, timer or buffer stays behind.
  #handOver(request: Request, takeover: UpgradeHandler): void {
    const socket = this.socket;
    this.#flushText(); // earlier pipelined responses go before the new protocol's bytes
    const rest = this.#chunk === null ? Buffer.alloc(0) : Buffer.concat([this.#chunk, ...(this.#queued ?? [])]).subarray(this.#inputOffset);
    socket.pause();
    Connection.#reader.stop(socket);
    socket.off('end', Connection.#onEnd);
    socket.off('drain', Connection.#onDrain);
    socket.off('error', ignoreSocketError);
    socket.off('close', Connection.#onClose);
    (socket as ServedSocket)[CONNECTION] = undefined;
    // Like node:http: the new owner's first 'data' listener starts the flow.
    (socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
    this.#state = closed('Upgraded');
    this.#dropInput();
    this.#arm('None', 0);
    this.writeStallAt = 0;
    this.#returnWriteAhead();
    this.#metrics.handedOver();
    this.#ctx.onConnectionClosed(this);
    try {
      takeover(request, socket, rest);
    } catch (error) {
      this.#options.onError(error, { kind: 'Handler', method: request.method, target: request.target });
      socket.destroy();
    }
  }

  #invokeHandler(exchange: Exchange): void {
    try {
      const result = this.#ctx.handler(exchange.request, exchange.response);
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(undefined, (error: unknown) => this.#onHandlerError(exchange, error));
      }
    } catch (error) {
      this.#onHandlerError(exchange, error);
    }
  }

  #onHandlerError(exchange: Exchange, error: unknown): void {
    const request = exchange.request;
    this.#ctx.options.onError(error, { kind: 'Handler', method: request.method, target: request.target });
    if (this.#state.kind === 'Closed') return;
    const status = error instanceof HttpError ? error.status : 500;
    // A body refused as too large is left unread: the connection cannot be reused.
    if (status === 413) exchange.keepAlive = false;
    // Never a second status line: once the head is out, the socket must go.
    if (!exchange.response.sendErrorIfOpen(status, statusText(status))) {
      if (!exchange.responseDone) this.destroy();
    }
  }

  #readBody(exchange: Exchange): boolean {
    const decoder = exchange.decoder as BodyDecoder;
    const buf = this.#chunk as Buffer;
    const start = this.#inputOffset;
    const next = decoder.decode(buf, start, buf.length, exchange.sink);
    if (next < 0) {
      this.#reject(-next as FailureCode);
      return false;
    }
    this.#consume(next - start);
    if (this.#state.kind === 'Closed') return false;
    if (decoder.done) {
      exchange.decoder = null;
      exchange.request.endBody(decoder instanceof ChunkedDecoder ? decoder.trailers : null);
      this.#arm('None', 0);
      this.#advance(exchange);
    }
    return true;
  }

  #consume(bytes: number): void {
    this.#inputBytes -= bytes;
    this.#inputOffset += bytes;
    let chunk = this.#chunk;
    while (chunk !== null && this.#inputOffset >= chunk.length) {
      this.#inputOffset -= chunk.length;
      chunk = this.#queued?.shift() ?? null;
    }
    this.#chunk = chunk;
  }

  #dropInput(): void {
    this.#chunk = null;
    this.#queued = null;
    this.#inputOffset = 0;
    this.#inputBytes = 0;
  }

  // Moves the state machine after either side made progress.
  #advance(exchange: Exchange): void {
    if (this.#ctx.closing) exchange.keepAlive = false;
    const next = afterProgress(exchange);
    this.#state = next;
    if (next.kind === 'ReadingHeaders') {
      this.#pausedForBody = false;
      this.#pausedForPipeline = false;
      this.#updateFlow();
      if (this.#inputBytes > 0) {
        this.#requestStartedAt = Math.ceil(batchNow());
        this.#arm('Headers', this.#options.headersTimeoutMs);
      } else {
        this.#arm('KeepAlive', this.#options.keepAliveTimeoutMs);
      }
      this.#process();
    } else if (next.kind === 'Closed') {
      this.#endSocket(exchange.peerWillClose && this.#inputBytes === 0);
    }
  }

  /** The exchange's body consumer is full: stop reading the socket. */
  pauseForBody(): void {
    if (this.#pausedForBody) return;
    this.#pausedForBody = true;
    this.#updateFlow();
  }

  /** The exchange's body consumer wants more. */
  resumeForBody(exchange: Exchange): void {
    if (exchange.continuePending) this.sendContinue(exchange);
    if (!this.#pausedForBody) return;
    this.#pausedForBody = false;
    this.#updateFlow();
    this.#process();
  }

  /** Sends the interim 100 Continue the client is waiting for (RFC 9110 §10.1.1). */
  sendContinue(exchange: Exchange): void {
    if (!exchange.continuePending || exchange.headCommitted) return;
    exchange.continuePending = false;
    this.write(CONTINUE_LINE, 'latin1');
  }

  /** The response is complete; move on (next request, drain, or close). */
  finishResponse(exchange: Exchange): void {
    exchange.responseDone = true;
    this.#settleWriteAhead();
    if (this.#processing) this.#metrics.requestFinishedInBatch(exchange.response.statusCode);
    else this.#metrics.requestFinished(exchange.response.statusCode);
    if (this.#state.kind === 'Closed') return;
    if (!exchange.keepAlive && exchange.decoder !== null) {
      // Nothing more will be read on this connection: the rest of the body
      // (which may never come, e.g. after a refused 100-continue) is moot.
      exchange.request.abort(new ClientGoneError('the connection closed before the request body was read'));
      exchange.decoder = null;
      this.#close('Done');
      return;
    }
    if (exchange.decoder !== null && !exchange.request.isBodyConsumed) {
      // The handler is done without reading the body: drain it (bounded) or close.
      exchange.request.discardBody();
      exchange.discarding = true;
      if (this.#pausedForBody) {
        this.#pausedForBody = false;
        this.#updateFlow();
      }
    }
    this.#advance(exchange);
    if (this.#state.kind === 'ReadingBody') this.#process();
  }

  /** Counts discarded body bytes; beyond maxDrainBytes the connection closes. */
  noteDrained(exchange: Exchange, bytes: number): void {
    exchange.drainedBytes += bytes;
    if (exchange.drainedBytes > this.#options.maxDrainBytes) {
      exchange.keepAlive = false;
      this.#close('Done');
    }
  }

  /** Decides keep-alive as the head goes out and returns the connection lines. */
  commitHead(exchange: Exchange, handlerWantsClose: boolean): string {
    exchange.headCommitted = true;
    const options = this.#options;
    if (handlerWantsClose || this.#ctx.closing || this.#peerEnded) exchange.keepAlive = false;
    const decoder = exchange.decoder;
    if (decoder !== null && exchange.keepAlive) {
      if (exchange.continuePending) {
        // The client may be waiting for 100 Continue that will never come: the body cannot be drained.
        exchange.keepAlive = false;
      } else if (!exchange.request.isBodyConsumed) {
        const tooMuch = decoder instanceof LengthDecoder ? decoder.remaining > options.maxDrainBytes : true;
        if (tooMuch) exchange.keepAlive = false;
      }
    }
    if (!exchange.keepAlive) return 'Connection: close\r\n';
    let lines = exchange.versionMinor === 0 ? 'Connection: keep-alive\r\n' : '';
    if (options.keepAliveTimeoutMs > 0) lines += this.#ctx.dateCache.keepAliveLine(options.keepAliveTimeoutMs);
    return lines;
  }

  /** Writes to the socket, noting a stall when the peer stops reading. */
  write(data: string | Uint8Array, encoding?: BufferEncoding): boolean {
    const socket = this.socket;
    if (socket.destroyed) return false;
    if (this.#processing && encoding === 'utf8' && typeof data === 'string' && this.#pendingText.length < PENDING_TEXT_LIMIT) {
      // Responses answered within one batch of input become one string and
      // one write: cheaper than a writev of many small strings.
      this.#pendingText += data;
      return true;
    }
    if (this.#processing && !this.#corked) {
      this.#corked = true;
      socket.cork();
    }
    this.#flushText();
    return this.#send(data, encoding);
  }

  #flushText(): void {
    const text = this.#pendingText;
    if (text === '') return;
    this.#pendingText = '';
    this.#send(text, 'utf8');
  }

  // Through the handle while the socket's stream is idle, else through the
  // stream. Only writes shorter than highWaterMark, which the stream would
  // accept with true: a longer one (a body piece) goes through the stream,
  // which answers false and so lets the writer gather the pieces that follow
  // into one writev while it waits (see noteBodyWritten).
  #send(data: string | Uint8Array, encoding: BufferEncoding | undefined): boolean {
    const socket = this.socket;
    // One partial write through the handle at a time: until it is sent, later bytes queue behind it in the stream.
    const direct = this.#directUnsent === 0 && data.length < this.#options.highWaterMark;
    const unsent = direct ? Connection.#writer.write(socket, data, encoding) : THROUGH_STREAM;
    let ok: boolean;
    if (unsent === THROUGH_STREAM) {
      ok = encoding === undefined ? socket.write(data) : socket.write(data, encoding);
    } else {
      this.#directUnsent = unsent;
      // As the stream would answer: false at highWaterMark (the socket's is the server's), and 'drain' follows.
      ok = unsent < this.#options.highWaterMark;
    }
    if (!ok) this.#writeRefused();
    return ok;
  }

  // The rest of a write through the handle has left (or failed, and the socket is destroyed).
  #onDirectSent(status: number): void {
    this.#directUnsent = 0;
    if (status < 0) return;
    // The stream says when its own bytes are gone; until then it is not drained.
    if (!this.socket.writableNeedDrain) this.#onSocketDrain();
  }

  // What the socket still holds: the stream's bytes and what is left of a write through the handle.
  get #unsentBytes(): number {
    return this.socket.writableLength + this.#directUnsent;
  }

  // The socket's buffer is past highWaterMark: count it, and start the stall clock if it is not running.
  #writeRefused(): void {
    this.#metrics.writePaused();
    if (this.writeStallAt === 0 && this.#options.writeStallTimeoutMs > 0) this.writeStallAt = Math.ceil(batchNow() + this.#options.writeStallTimeoutMs);
  }

  /** Bytes a response writer may hold before its write() returns false. */
  get writeAllowance(): number {
    return this.#writeAllowance;
  }

  // A body write went to the socket. If the kernel took all of it at once,
  // the peer is keeping up: the allowance doubles (up to 16 × highWaterMark),
  // so that a producer writing 64 KiB pieces fills one writev of up to 1 MiB
  // instead of one syscall per piece (which costs 1.5–1.8× the CPU per byte on
  // loopback). Each write the kernel could not take whole halves it, so a
  // peer that stops reading is back at highWaterMark within four writes.
  // What the allowance adds to highWaterMark comes from the server's
  // write-ahead budget: when it is spent, the allowance stops growing.
  // Learned per socket: the next response on a keep-alive connection starts
  // where this one left off (starting each response at highWaterMark cost
  // 35–37 % on 1 MiB responses), until the connection sits idle through a
  // sweep. Writes held by this batch's cork say nothing.
  noteBodyWritten(): void {
    if (this.#corked) return;
    const base = this.#options.highWaterMark;
    const allowance = this.#writeAllowance;
    if (this.#unsentBytes !== 0) {
      // The budget share stays: bytes written under the larger allowance may still be held.
      this.#writeAllowance = Math.max(allowance / 2, base);
      return;
    }
    const wanted = Math.min(allowance * 2, base * WRITE_ALLOWANCE_FACTOR);
    const missing = wanted - base - this.#writeAhead;
    if (missing > 0) this.#writeAhead += this.#ctx.writeBudget.take(missing);
    this.#writeAllowance = Math.min(wanted, base + this.#writeAhead);
  }

  // Gives back the budget share beyond what the allowance and the socket's
  // unsent bytes still need. Called when no body writer is active (between
  // responses), so the socket's buffer is all this connection holds.
  #settleWriteAhead(): void {
    if (this.#writeAhead === 0) return;
    const base = this.#options.highWaterMark;
    const needed = Math.max(this.#writeAllowance, this.#unsentBytes) - base;
    const keep = needed > 0 ? Math.min(needed, this.#writeAhead) : 0;
    if (keep === this.#writeAhead) return;
    this.#ctx.writeBudget.give(this.#writeAhead - keep);
    this.#writeAhead = keep;
  }

  #returnWriteAhead(): void {
    if (this.#writeAhead === 0) return;
    this.#ctx.writeBudget.give(this.#writeAhead);
    this.#writeAhead = 0;
    this.#writeAllowance = this.#options.highWaterMark;
  }

  /** Calls back once the socket buffer drains. */
  waitForDrain(callback: () => void): void {
    if (!this.socket.writableNeedDrain && this.#directUnsent === 0) callback();
    else this.#drainCallbacks.push(callback);
  }

  /** Answers a protocol failure with its status and closes; or drops the socket if a head is already out. */
  #reject(failure: FailureCode): void {
    const info = FAILURES[failure];
    this.#metrics.protocolError(failure);
    this.#options.onError(new ProtocolError(failure), { kind: 'Client', code: info.code });
    const state = this.#state;
    if (state.kind === 'ReadingBody' || state.kind === 'WritingResponse') {
      const exchange = state.exchange;
      exchange.keepAlive = false;
      exchange.request.abort(new ProtocolError(failure));
      exchange.decoder = null;
      if (exchange.response.sendErrorIfOpen(info.status, statusText(info.status))) return;
      if (!exchange.responseDone) this.destroy();
      else this.#close('ProtocolError');
      return;
    }
    if (state.kind === 'Closed') return;
    this.write(encodeErrorResponse(info.status, this.dateLine()), 'latin1');
    this.#close('ProtocolError');
  }

  #onRequestTimeout(): void {
    const state = this.#state;
    if (state.kind !== 'ReadingBody') return;
    this.#reject(Failure.RequestTimeout);
  }

  #onPeerEndedAndInputDone(): void {
    const state = this.#state;
    switch (state.kind) {
      case 'ReadingHeaders':
        // No further request can complete: whatever partial head remains is dropped.
        this.#close('ClientClosed');
        return;
      case 'ReadingBody':
        if (this.#inputBytes === 0 && !state.exchange.responseDone && state.exchange.decoder !== null) {
          // The body was cut short.
          state.exchange.keepAlive = false;
          // An incomplete message is the client's fault (RFC 9112 §8): the
          // handler's body stream fails, the client gets 400 (or, if a
          // response is already under way, a dropped socket) and we close —
          // not wait for a handler that may never answer.
          const exchange = state.exchange;
          exchange.request.abort(new ProtocolError(Failure.IncompleteBody));
          if (exchange.headCommitted) {
            exchange.abortResponse(new ClientGoneError('the client ended the request before its body was complete'));
            this.destroy();
          } else {
            this.#reject(Failure.IncompleteBody);
          }
        } else if (state.exchange.responseDone) {
          this.#close('ClientClosed');
        }
        return;
      case 'WritingResponse':
        state.exchange.keepAlive = false;
        return;
      case 'Closed':
        return;
      default:
        assertNever(state);
    }
  }

  #close(reason: CloseReason): void {
    if (this.#state.kind !== 'Closed') this.#state = closed(reason);
    this.#endSocket();
  }

  // Graceful close: FIN after the queued responses; keep reading (and
  // discarding) so the peer gets our response rather than a reset, for a
  // while. When the peer said it would close and sent nothing more, it has
  // no further request to send (RFC 9112 §9.6) that a reset could destroy
  // our response for: the socket is released once our bytes are out (as
  // node:http and Go's net/http do), without waiting for its FIN — a read
  // event, an 'end' and a half-open socket less per connection. When the
  // kernel already has all our bytes, the socket is closed at once, as Go
  // does: close() sends them and then the FIN, as shutdown() would, without
  // the shutdown request, its wait for the socket to be writable and its
  // callback.
  #endSocket(peerDone = false): void {
    this.#dropInput();
    this.#pausedForBody = false;
    this.#pausedForPipeline = false;
    this.#waitingForDrain = false;
    this.#updateFlow();
    this.#flushText();
    if (peerDone && this.#unsentBytes === 0) this.socket.destroy();
    else if (peerDone) this.socket.destroySoon();
    else if (!this.socket.writableEnded) this.socket.end();
    this.#arm('Linger', LINGER_MS);
  }

  #updateFlow(): void {
    const shouldPause = this.#state.kind !== 'Closed' && (this.#pausedForBody || this.#pausedForPipeline || this.#waitingForDrain);
    if (shouldPause === this.#socketPaused) return;
    this.#socketPaused = shouldPause;
    if (shouldPause) {
      this.socket.pause();
      this.#metrics.readPaused();
    } else {
      this.socket.resume();
    }
  }
}

function statusText(status: number): string {
  return REASON_PHRASES[status] ?? 'Error';
}

const ignoreContent = (): void => {};

/**
 * Exchange is one request/response pair: the state machine's progress data
 * and the channels through which the request and response reach the socket.
 */
class Exchange implements ExchangeProgress, BodyChannel, ResponseChannel {
  decoder: BodyDecoder | null;
  responseDone = false;
  keepAlive: boolean;
  headCommitted = false;
  continuePending: boolean;
  discarding = false;
  drainedBytes = 0;
  /** The request asked to close after this exchange: the peer sends nothing more. */
  readonly peerWillClose: boolean;
  readonly method: string;
  readonly versionMinor: number;
  readonly request: Request;
  readonly response: Response;
  readonly sink: (view: Buffer) => void;
  readonly #connection: Connection;

  // Positional: one exchange per request, and an init object would be one more allocation.
  constructor(connection: Connection, buf: Buffer, base: number, head: ParsedHead, decoder: BodyDecoder | null, contentLength: number, keepAlive: boolean, expectContinue: boolean) {
    this.#connection = connection;
    this.decoder = decoder;
    this.keepAlive = keepAlive;
    this.continuePending = expectContinue;
    this.peerWillClose = peerWillClose(head);
    this.method = head.method;
    this.versionMinor = head.versionMinor;
    this.request = new Request(buf, base, head, contentLength, decoder !== null, this);
    this.response = new Response(this);
    this.sink =
      decoder === null
        ? ignoreContent
        : (view) => {
            if (this.discarding) connection.noteDrained(this, view.length);
            else if (!this.request.pushBody(view)) connection.pauseForBody();
          };
  }

  onBodyDemand(): void {
    this.#connection.resumeForBody(this);
  }

  get remoteAddress(): string | undefined {
    return this.#connection.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#connection.socket.remotePort;
  }

  get highWaterMark(): number {
    return this.#connection.options.highWaterMark;
  }

  get maxBodyBytes(): number {
    return this.#connection.options.maxBodyBytes;
  }

  onBodyAbandoned(): void {
    this.keepAlive = false;
    this.discarding = true;
    this.request.discardBody();
    this.#connection.resumeForBody(this);
  }

  commitHead(handlerWantsClose: boolean): string {
    return this.#connection.commitHead(this, handlerWantsClose);
  }

  sendContinue(): void {
    this.#connection.sendContinue(this);
  }

  dateLine(): string {
    return this.#connection.dateLine();
  }

  get headMemo(): HeadMemo {
    return this.#connection.headMemo;
  }

  write(data: string | Uint8Array, encoding?: BufferEncoding): boolean {
    return this.#connection.write(data, encoding);
  }

  cork(): void {
    this.#connection.socket.cork();
  }

  uncork(): void {
    this.#connection.socket.uncork();
  }

  waitForDrain(callback: () => void): void {
    this.#connection.waitForDrain(callback);
  }

  get writeAllowance(): number {
    return this.#connection.writeAllowance;
  }

  noteBodyWritten(): void {
    this.#connection.noteBodyWritten();
  }

  finish(): void {
    this.#connection.finishResponse(this);
  }

  destroy(error: Error): void {
    if (!this.responseDone) this.#connection.options.onError(error, { kind: 'Socket' });
    this.#connection.destroy();
  }

  report(error: unknown): void {
    this.#connection.options.onError(error, { kind: 'Socket' });
  }

  abortResponse(error: Error): void {
    this.response.abort(error);
  }
}
