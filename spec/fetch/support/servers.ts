// Starts fetch-handler servers on 127.0.0.1:0 — rawhttp through serve({ fetch })
// and, for parity, @hono/node-server — and closes them all afterwards.

import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { request } from 'undici';
import { fetchHandler, serve, type ErrorContext, type FetchHandler, type FetchHandlerOptions, type Server, type ServerOptions } from '../../../lib/index.ts';

/** An error a server reported through onError. */
export interface ReportedError {
  readonly error: unknown;
  readonly context: ErrorContext;
}

/** A listening server and where to reach it. */
export interface Started {
  readonly url: string;
  readonly errors: ReportedError[];
}

/** Servers started by one spec file; `closeAll()` belongs in afterEach. */
export class FetchServers {
  #rawhttp: Server[] = [];
  #node: HttpServer[] = [];

  /**
   * Serves `fetch` with rawhttp: the serve({ fetch }) shorthand, or
   * serve(options, fetchHandler(fetch, adapter)) when adapter options are
   * given. Errors are collected, not printed.
   */
  async rawhttp(fetch: FetchHandler, options: ServerOptions = {}, adapter?: FetchHandlerOptions): Promise<Started> {
    const errors: ReportedError[] = [];
    const base: ServerOptions = { host: '127.0.0.1', port: 0, onError: (error, context) => errors.push({ error, context }), ...options };
    const server = adapter === undefined ? await serve({ ...base, fetch }) : await serve(base, fetchHandler(fetch, adapter));
    this.#rawhttp.push(server);
    return { url: server.url, errors };
  }

  /**
   * Sends one request (`method`, `headers`, optional `body`) to a rawhttp
   * fetch server whose handler runs `read` on the Request, and resolves
   * what `read` resolved — or the name of the error class it threw.
   */
  async probe(init: { readonly method: string; readonly headers?: Record<string, string>; readonly body?: string | Buffer }, read: (req: Request) => Promise<unknown>): Promise<unknown> {
    let outcome: unknown;
    const { url } = await this.rawhttp(async (req) => {
      try {
        outcome = await read(req);
      } catch (error) {
        outcome = `${(error as Error).constructor.name}`;
      }
      return new Response('ok');
    });
    const res = await request(`${url}/`, { method: init.method, headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }) });
    await res.body.dump();
    return outcome;
  }

  /** Serves `fetch` with @hono/node-server on node:http. */
  async nodeServer(fetch: (request: Request) => Response | Promise<Response>): Promise<Started> {
    const server = createAdaptorServer({ fetch, port: 0, hostname: '127.0.0.1' }) as HttpServer;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#node.push(server);
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, errors: [] };
  }

  /** Closes every server, destroying connections still open after `timeoutMs`. */
  async closeAll(timeoutMs = 2_000): Promise<void> {
    const rawhttp = this.#rawhttp;
    const node = this.#node;
    this.#rawhttp = [];
    this.#node = [];
    await Promise.all([
      ...rawhttp.map((server) => server.close({ timeoutMs })),
      ...node.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    ]);
  }
}
