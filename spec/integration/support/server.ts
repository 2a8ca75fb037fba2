// Starts rawhttp servers on 127.0.0.1:0 for integration specs and closes
// every one of them afterwards, so no spec leaks a listening socket.

import { createHash } from 'node:crypto';
import { serve, type ErrorContext, type Handler, type Server, type ServerOptions } from '../../../lib/index.ts';

/** An error the server reported through onError. */
export interface ReportedError {
  readonly error: unknown;
  readonly context: ErrorContext;
}

/** A started server and the errors it reported. */
export interface TestServer {
  readonly server: Server;
  readonly errors: ReportedError[];
}

/** Servers started by one spec file; `closeAll()` belongs in afterEach. */
export class ServerPool {
  #servers: Server[] = [];

  /** Starts a server on 127.0.0.1:0 that collects reported errors instead of printing them. */
  async start(options: ServerOptions, handler: Handler): Promise<TestServer> {
    const errors: ReportedError[] = [];
    const server = await serve(
      { host: '127.0.0.1', port: 0, onError: (error, context) => errors.push({ error, context }), ...options },
      handler,
    );
    this.#servers.push(server);
    return { server, errors };
  }

  /** Closes every server, destroying connections still open after `timeoutMs`. */
  async closeAll(timeoutMs = 2_000): Promise<void> {
    const servers = this.#servers;
    this.#servers = [];
    await Promise.all(servers.map((server) => server.close({ timeoutMs })));
  }
}

/** Returns the hex sha256 of `data`. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Returns `length` deterministic pseudo-random bytes (xorshift32 seeded with `seed`). */
export function patternBytes(length: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` every 10 ms until it holds or `timeoutMs` passes; resolves whether it held. */
export async function eventually(predicate: () => boolean, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() >= deadline) return false;
    await delay(10);
  }
  return true;
}
