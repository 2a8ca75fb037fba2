// Writes a web-standard Response through rawhttp's typestate Response: a
// LazyResponse's string or bytes in one write, other bodies read as they
// come — gathered into one write when already in memory, else streamed with
// backpressure. Framing and HEAD/204/304 rules stay response.ts's
// (RFC 9110 §6.4.1, §9.3.2).

import { Buffer } from 'node:buffer';
import type { LazyParts } from './fetch-response.ts';
import { webClasses } from './fetch-web.ts';
import type { BodyWriter, Response as RawResponse } from './response.ts';

// A body read that settles within this many microtask turns was already in
// memory (a string or bytes Response settles in 1–2 on Node 20 and 24);
// one still pending after them is a real stream, and the head goes out.
const SETTLE_TURNS = 3;
// In-memory bodies up to this size are sent in one write with Content-Length.
const GATHER_LIMIT_BYTES = 64 * 1024;
const UNSETTLED = Symbol('unsettled');

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

/**
 * Writes any Response (real, lazy that was materialized, or another
 * library's) for a request of `method`. Throws TypeError, before anything is
 * sent, for a value that is not a Response or is Response.error(); a body
 * that fails after the head destroys the connection.
 */
export async function writeResponse(method: string, res: RawResponse, response: unknown): Promise<void> {
  if (!(response instanceof webClasses().Response)) throw new TypeError(`the fetch handler returned ${typeof response}, not a Response`);
  const status = response.status;
  // Response.error() is a network error: there is nothing to send but a failure.
  if (status === 0) throw new TypeError('the fetch handler returned Response.error()');
  const reason = response.statusText;
  res.status(status, reason === '' ? undefined : reason);
  // Headers iterate Set-Cookie values one by one (Fetch §5.2 "sort and
  // combine"): each becomes its own field line, never joined.
  response.headers.forEach((value, name) => {
    res.appendHeader(name, value);
  });
  const body = response.body;
  if (body === null) {
    res.end();
    return;
  }
  if (method === 'HEAD') {
    body.cancel().catch(ignore);
    res.end();
    return;
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let pending: Promise<ReadResult> | null = null;
  while (bytes < GATHER_LIMIT_BYTES) {
    const read = reader.read();
    const result = await settleSoon(read);
    if (result === UNSETTLED) {
      pending = read;
      break;
    }
    if (result.done) {
      res.end(join(chunks, bytes));
      return;
    }
    const chunk = asBytes(result.value);
    chunks.push(chunk);
    bytes += chunk.byteLength;
  }
  await streamBody(res.stream(), reader, chunks, pending);
}

/**
 * Writes a LazyResponse nobody materialized (parts from
 * LazyResponse.lazyParts()): its headers as given, its string or bytes in
 * one write with Content-Length (HEAD: just the length, RFC 9110 §9.3.2).
 */
export function writeLazy(res: RawResponse, parts: LazyParts): void {
  res.status(parts.status, parts.statusText === '' ? undefined : parts.statusText);
  const headers = parts.headers;
  let hasType = false;
  if (headers instanceof webClasses().Headers) {
    hasType = headers.has('content-type');
    headers.forEach((value, name) => {
      res.appendHeader(name, value);
    });
  } else if (headers !== undefined) {
    for (const name in headers) {
      if (name.length === 12 && name.toLowerCase() === 'content-type') hasType = true;
      res.appendHeader(name, headers[name] as string);
    }
  }
  const body = parts.body;
  if (typeof body === 'string') {
    // The default the Response constructor gives a string body (Fetch §6.4.1 extract a body).
    if (!hasType) res.appendHeader('Content-Type', 'text/plain;charset=UTF-8');
    res.end(body);
  } else {
    res.end(body ?? undefined);
  }
}

// Streams the rest of the body, honouring write() === false until 'drain'.
// A client that goes away cancels the body, so its producer stops.
async function streamBody(
  writer: BodyWriter,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  chunks: Uint8Array[],
  pending: Promise<ReadResult> | null,
): Promise<void> {
  const onClose = (): void => {
    reader.cancel().catch(ignore);
  };
  writer.once('close', onClose);
  try {
    for (const chunk of chunks) writer.write(chunk);
    let read = pending ?? reader.read();
    for (;;) {
      const { done, value } = await read;
      if (writer.destroyed) return;
      if (done) break;
      if (!writer.write(asBytes(value))) await drained(writer);
      if (writer.destroyed) return;
      read = reader.read();
    }
    writer.end();
  } catch (error) {
    // The head is out: an unfinished body cannot become a valid message.
    writer.destroy(error instanceof Error ? error : new Error(String(error)));
  } finally {
    writer.off('close', onClose);
  }
}

function drained(writer: BodyWriter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      writer.off('drain', done);
      writer.off('close', done);
      resolve();
    };
    writer.on('drain', done);
    writer.on('close', done);
  });
}

// Resolves with the promise's value if it settles within SETTLE_TURNS
// microtask turns, else with UNSETTLED (the promise is still usable).
async function settleSoon<T>(promise: Promise<T>): Promise<T | typeof UNSETTLED> {
  let settled = false;
  let failed = false;
  let value: T | undefined;
  let error: unknown;
  promise.then(
    (result) => {
      settled = true;
      value = result;
    },
    (reason: unknown) => {
      settled = true;
      failed = true;
      error = reason;
    },
  );
  for (let turn = 0; turn < SETTLE_TURNS && !settled; turn++) await undefined;
  if (!settled) return UNSETTLED;
  if (failed) throw error;
  return value as T;
}

// Response bodies are byte streams; anything else is the handler's bug (the
// standard body readers throw TypeError too).
function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError('a Response body chunk must be a Uint8Array');
}

function join(chunks: Uint8Array[], bytes: number): Uint8Array | undefined {
  if (chunks.length <= 1) return chunks[0];
  return Buffer.concat(chunks, bytes);
}

function ignore(): void {
  // A cancel that fails has nothing left to clean up.
}
