// The connection's state machine: the HttpState union and its pure
// transitions (hyper's rule: reuse only when reading and writing are both
// done and keep-alive holds). No I/O here.

import type { BodyDecoder } from './decode.ts';

/** Why a connection ended. */
export type CloseReason = 'Done' | 'ClientClosed' | 'ProtocolError' | 'HandlerError' | 'Timeout' | 'ServerClosing' | 'SocketError' | 'Upgraded';

/** The part of one request/response exchange the state machine reasons about. */
export interface ExchangeProgress {
  /** Body still being read; null once fully read (or when there is none). */
  decoder: BodyDecoder | null;
  /** The whole response has been handed to the socket. */
  responseDone: boolean;
  /** The connection may carry another request after this exchange. */
  keepAlive: boolean;
}

/** One connection's phase; the variants carry the other side's progress as data. */
export type HttpState<X extends ExchangeProgress> =
  | { readonly kind: 'ReadingHeaders' }
  | { readonly kind: 'ReadingBody'; readonly exchange: X }
  | { readonly kind: 'WritingResponse'; readonly exchange: X }
  | { readonly kind: 'Closed'; readonly reason: CloseReason };

const READING_HEADERS = { kind: 'ReadingHeaders' } as const;

/** Fails to compile when a switch over a union misses a variant. */
export function assertNever(value: never): never {
  throw new Error(`unexpected state: ${JSON.stringify(value)}`);
}

/** Returns the state a fresh connection starts in. */
export function initialState<X extends ExchangeProgress>(): HttpState<X> {
  return READING_HEADERS;
}

/** Returns the state once a head has been parsed and its exchange begun. */
export function afterHead<X extends ExchangeProgress>(exchange: X): HttpState<X> {
  return exchange.decoder !== null ? { kind: 'ReadingBody', exchange } : { kind: 'WritingResponse', exchange };
}

/**
 * Returns the state after progress on either side of `exchange`: reading
 * while the body is unfinished, writing while the response is, and once both
 * are done, the next head (keep-alive) or Closed.
 */
export function afterProgress<X extends ExchangeProgress>(exchange: X): HttpState<X> {
  if (exchange.decoder !== null) return { kind: 'ReadingBody', exchange };
  if (!exchange.responseDone) return { kind: 'WritingResponse', exchange };
  return exchange.keepAlive ? READING_HEADERS : { kind: 'Closed', reason: 'Done' };
}

/** Returns the Closed state for `reason`. */
export function closed<X extends ExchangeProgress>(reason: CloseReason): HttpState<X> {
  return { kind: 'Closed', reason };
}
