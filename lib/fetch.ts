// Web-standard fetch handlers ((Request) => Response, e.g. Hono's app.fetch)
// as rawhttp handlers: builds the Request (fetch-request.ts), calls the
// handler, hands its Response to fetch-write.ts. Owns no protocol rules.

import type { Handler } from './connection.ts';
import { BodySource, FetchRequest } from './fetch-request.ts';
import { installLazyResponse, LazyResponse } from './fetch-response.ts';
import { writeLazy, writeResponse } from './fetch-write.ts';
import type { Request as RawRequest } from './request.ts';
import type { Response as RawResponse } from './response.ts';
import type { FetchHandler } from './types.ts';

/** Options of fetchHandler(). */
export interface FetchHandlerOptions {
  /** Host used in the request URL when the request has no Host field (HTTP/1.0); default 'localhost'. */
  readonly defaultHost?: string;
  /**
   * Replace the global Response with a lazy one (default true, as
   * @hono/node-server does): string and byte bodies are then written without
   * ever building a ReadableStream. false leaves globals alone.
   */
  readonly overrideGlobalObjects?: boolean;
}

// new Request() refuses these methods (Fetch §2.2.1 forbidden methods).
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const SLASH = 0x2f;

/**
 * Turns a web-standard fetch handler into a rawhttp handler. The handler
 * gets a real Request (headers, body as a pull stream over the socket,
 * `signal` aborted when the client goes away) and rawhttp's request as its
 * second argument. Its Response is written back: in-memory bodies (strings,
 * bytes) in one write with Content-Length, streams chunked as they come,
 * waiting for 'drain' when the client reads slowly. A handler that throws or
 * returns something other than a Response gets the client a 500. Methods the
 * Fetch API cannot represent (CONNECT, TRACE, TRACK) are answered 501, and
 * the asterisk-form target 400.
 */
export function fetchHandler(fetch: FetchHandler, options: FetchHandlerOptions = {}): Handler {
  if (typeof fetch !== 'function') throw new TypeError('fetchHandler(fetch): fetch must be a function');
  const defaultHost = options.defaultHost ?? 'localhost';
  if (options.overrideGlobalObjects !== false) installLazyResponse();
  return (req, res) => {
    const method = req.method;
    if (FORBIDDEN_METHODS.has(method.toUpperCase())) return refuse(res, 501, 'Not Implemented');
    const url = requestUrl(req, defaultHost);
    if (url === null) return refuse(res, 400, 'Bad Request');
    // GET and HEAD may not carry a body in the Fetch API; the connection drains one if sent.
    const source = method !== 'GET' && method !== 'HEAD' && hasContent(req) ? new BodySource(req) : null;
    let request: FetchRequest;
    try {
      request = new FetchRequest(url, req, source);
    } catch {
      return refuse(res, 400, 'Bad Request');
    }
    const response = fetch(request, req);
    return isThenable(response) ? Promise.resolve(response).then((value) => send(method, res, value, source)) : send(method, res, response, source);
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function refuse(res: RawResponse, status: number, text: string): void {
  res.status(status).header('Content-Type', 'text/plain; charset=utf-8').end(text);
}

// RFC 9112 §3.3: the URL from an absolute-form target as is, else from Host
// and the origin-form target; the asterisk form has no URL.
function requestUrl(req: RawRequest, defaultHost: string): string | null {
  const target = req.target;
  if (target.charCodeAt(0) === SLASH) return `http://${req.headers.get('host') ?? defaultHost}${target}`;
  if (/^https?:\/\//i.test(target)) return target;
  return null;
}

// The parser has already validated the framing: content is a chunked body or a
// non-zero Content-Length (repeated identical values arrive joined: "5, 5").
function hasContent(req: RawRequest): boolean {
  const headers = req.headers;
  if (headers.has('transfer-encoding')) return true;
  const length = headers.get('content-length');
  return length !== undefined && Number.parseInt(length, 10) > 0;
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
