// Shared vocabulary of the public API: options and limits. A leaf module.

/** Limits on what a peer may send; each has a default in constants.ts and the README. */
export interface Limits {
  /** Largest request head (request line + fields), in bytes → 431. */
  readonly maxHeaderBytes: number;
  /** Most header fields in one head → 431. */
  readonly maxHeaderCount: number;
  /** Longest request-target, in bytes → 414. */
  readonly maxUriBytes: number;
  /** Largest body req.bytes()/text()/json() accept → 413. */
  readonly maxBodyBytes: number;
  /** Largest chunk-size line (size digits + extensions), in bytes → 400. */
  readonly maxChunkExtensionBytes: number;
  /** Largest trailer section, in bytes → 431. */
  readonly maxTrailerBytes: number;
  /** Unread request body discarded to keep a connection alive; beyond it the connection closes. */
  readonly maxDrainBytes: number;
  /** Bytes of later pipelined requests held while a response is in progress; beyond it the socket pauses. */
  readonly maxPipelinedBytes: number;
  /** Requests served on one connection before it closes; 0 = unlimited. */
  readonly maxRequestsPerSocket: number;
  /** Open connections accepted at once; 0 = unlimited. Beyond it new sockets are closed at once. */
  readonly maxConnections: number;
}

/** Timeouts in milliseconds; 0 disables one. */
export interface Timeouts {
  /** From the first byte of a request to the end of its head → 408 and close (slowloris). */
  readonly headersTimeoutMs: number;
  /** From the first byte of a request until its body has been received → 408 and close. */
  readonly requestTimeoutMs: number;
  /** Idle time allowed between requests on a kept-alive connection; announced in Keep-Alive. */
  readonly keepAliveTimeoutMs: number;
  /** Time a response may wait for a peer that has stopped reading before the socket is dropped. */
  readonly writeStallTimeoutMs: number;
}

/** Where an error reported to onError came from. */
export type ErrorContext =
  | { readonly kind: 'Handler'; readonly method: string; readonly target: string }
  | { readonly kind: 'Client'; readonly code: string }
  | { readonly kind: 'Socket' };

/** Options of serve(); every field is optional. */
export interface ServerOptions extends Partial<Limits>, Partial<Timeouts> {
  /** TCP port; 0 (the default) picks an ephemeral port, read it from server.port. */
  readonly port?: number;
  /** Interface to bind; default '127.0.0.1'. */
  readonly host?: string;
  /** Buffer size of request body streams and response writers, in bytes. */
  readonly highWaterMark?: number;
  /**
   * Bytes, across all of this server's connections, that response writers
   * may hold beyond highWaterMark while their clients keep up (the write
   * allowance); 0 keeps every writer at highWaterMark.
   */
  readonly maxWriteAheadBytes?: number;
  /** Sees handler errors and client protocol errors; the default reports handler errors to stderr. */
  readonly onError?: (error: unknown, context: ErrorContext) => void;
  /** A web-standard fetch handler (e.g. Hono's app.fetch) to serve instead of a rawhttp handler; see fetchHandler(). */
  readonly fetch?: FetchHandler;
  /**
   * Lets several threads or processes listen on the same port (SO_REUSEPORT;
   * the kernel spreads connections). Needs Node.js 22.12+ / 23.1+: older
   * versions reject listen() with ReusePortUnsupportedError. Default false.
   */
  readonly reusePort?: boolean;
  /**
   * Connections the kernel may queue for accept() (listen(2) backlog).
   * Default: the kernel's limit, net.core.somaxconn (Node's own default is
   * 511, which a burst of connections overflows: those clients wait 1–3 s
   * for a retransmission). An integer from 1 to 65535; the kernel caps it.
   */
  readonly backlog?: number;
}

/**
 * The second argument of a fetch handler (Hono: `c.env`). At run time it is
 * rawhttp's own request; only these fields are part of the contract.
 */
export interface FetchInfo {
  /** The method as sent, before the Fetch API normalises its case. */
  readonly method: string;
  /** The request-target exactly as sent ('/path?x=1'). */
  readonly target: string;
  /** '1.1' (also for 1.x > 1) or '1.0'. */
  readonly version: '1.1' | '1.0';
}

/** A web-standard request handler: takes a Request, returns (a promise of) a Response. */
export type FetchHandler = (request: Request, info: FetchInfo) => Response | Promise<Response>;

/** ServerOptions with every default filled in. */
export interface ResolvedOptions extends Limits, Timeouts {
  readonly port: number;
  readonly host: string;
  readonly highWaterMark: number;
  readonly maxWriteAheadBytes: number;
  readonly onError: (error: unknown, context: ErrorContext) => void;
  readonly reusePort?: boolean;
  readonly backlog: number;
}
