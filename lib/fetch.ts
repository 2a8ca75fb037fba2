// Web-standard fetch handlers ((Request) => Response, e.g. Hono's app.fetch)
// as rawhttp handlers: builds the Request (fetch-request.ts), calls the
// handler, hands its Response to fetch-write.ts. Owns no protocol rules.

import type { Handler } from './connection.ts';
import { BodySource, createFetchRequest, installLazyRequest, LazyRequest } from './fetch-request.ts';
import { installLazyResponse, LazyResponse } from './fetch-response.ts';
import { requestUrl } from './fetch-url.ts';
import { writeLazy, writeResponse } from './fetch-write.ts';
import type { Response as RawResponse } from './response.ts';
import type { FetchHandler } from './types.ts';

/** Options of fetchHandler(). */
export interface FetchHandlerOptions {
  /** Host used in the request URL when the request has no Host field (HTTP/1.0); default 'localhost'. */
  readonly defaultHost?: string;
  /**
   * Replace the global Response with a lazy one and wrap the global Request
   * and fetch() so they accept the lazy Request (default true, as
   * @hono/node-server does): requests are then LazyRequests, and string and
   * byte responses are written without ever building a ReadableStream. false
   * leaves globals alone, and every request is a real Request.
   */
  readonly overrideGlobalObjects?: boolean;
}

/**
 * Turns a web-standard fetch handler into a rawhttp handler. The handler
 * gets a Request (see LazyRequest and createFetchRequest(): headers, body as
 * a pull stream over the socket, `signal` aborted when the client goes away)
 * and rawhttp's request as its second argument. Its Response is written
 * back: in-memory bodies (strings, bytes) in one write with Content-Length,
 * streams chunked as they come, waiting for 'drain' when the client reads
 * slowly. A handler that throws or returns something other than a Response
 * gets the client a 500. Methods the Fetch API cannot represent (CONNECT,
 * TRACE, TRACK) are answered 501, and a target with no URL (asterisk form)
 * 400. The platform's web classes are read, and the globals replaced, when
 * this is called — not when rawhttp is imported.
 */
export function fetchHandler(fetch: FetchHandler, options: FetchHandlerOptions = {}): Handler {
  if (typeof fetch !== 'function') throw new TypeError('fetchHandler(fetch): fetch must be a function');
  const defaultHost = options.defaultHost ?? 'localhost';
  const lazy = options.overrideGlobalObjects !== false;
  if (lazy) {
    installLazyResponse();
    installLazyRequest();
  }
  return (req, res) => {
    const method = normalizeMethod(req.method);
    if (method === null) return refuse(res, 501, 'Not Implemented');
    const url = requestUrl(req.target, req.host, defaultHost);
    if (url === null) return refuse(res, 400, 'Bad Request');
    // GET and HEAD may not carry a body in the Fetch API; the connection drains one if sent.
    const source = method !== 'GET' && method !== 'HEAD' && req.hasBody ? new BodySource(req) : null;
    let request: Request;
    if (lazy) {
      request = new LazyRequest(url, method, req, source) as unknown as Request;
    } else {
      try {
        request = createFetchRequest(url, req, source);
      } catch {
        return refuse(res, 400, 'Bad Request');
      }
    }
    const response = fetch(request, req);
    return isThenable(response) ? Promise.resolve(response).then((value) => send(method, res, value, source)) : send(method, res, response, source);
  };
}

// Fetch §5.4 Request constructor, method steps: the six methods it
// upper-cases, the three it refuses (null), any other token as sent.
function normalizeMethod(method: string): string | null {
  switch (method) {
    case 'GET':
    case 'POST':
    case 'PUT':
    case 'DELETE':
    case 'PATCH':
    case 'HEAD':
    case 'OPTIONS':
      return method;
  }
  const upper = method.toUpperCase();
  switch (upper) {
    case 'CONNECT':
    case 'TRACE':
    case 'TRACK':
      return null;
    case 'DELETE':
    case 'GET':
    case 'HEAD':
    case 'OPTIONS':
    case 'POST':
    case 'PUT':
      return upper;
  }
  return method;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function refuse(res: RawResponse, status: number, text: string): void {
  res.status(status).header('Content-Type', 'text/plain; charset=utf-8').end(text);
}

// The lazy path stays synchronous: no promise per response.
function send(method: string, res: RawResponse, response: unknown, source: BodySource | null): void | Promise<void> {
  const lazy = LazyResponse.lazyParts(response);
  if (lazy === null) return sendStandard(method, res, response, source);
  try {
    writeLazy(res, lazy);
  } finally {
    source?.release();
  }
}

async function sendStandard(method: string, res: RawResponse, response: unknown, source: BodySource | null): Promise<void> {
  try {
    await writeResponse(method, res, response);
  } finally {
    source?.release();
  }
}
