// Message framing and connection semantics of a parsed request head
// (RFC 9112 §6, §9.3; RFC 9110 §7.6.1, §10.1.1). Pure: decides, never does.

import { Failure } from './errors.ts';
import { Expectation, FinalCoding, type ParsedHead } from './parse.ts';

/** How the request's content is delimited (RFC 9112 §6.3). */
export type BodyKind = { readonly kind: 'None' } | { readonly kind: 'Length'; readonly length: number } | { readonly kind: 'Chunked' };

/** What the connection must do with one request. */
export interface Framing {
  readonly body: BodyKind;
  /** The connection may carry another request after this one. */
  readonly keepAlive: boolean;
  /** The client waits for 100 Continue before sending the body. */
  readonly expectContinue: boolean;
  /** The client asks to switch protocols (Connection: upgrade + Upgrade). */
  readonly wantsUpgrade: boolean;
}

const NO_BODY: BodyKind = { kind: 'None' };
const CHUNKED: BodyKind = { kind: 'Chunked' };

/**
 * Whether the request says the client closes after it: "close", or HTTP/1.0
 * without "keep-alive" (RFC 9112 §9.3). Such a client sends no further
 * request on the connection (§9.6).
 */
export function peerWillClose(head: ParsedHead): boolean {
  return head.connectionClose || (head.versionMinor === 0 && !head.connectionKeepAlive);
}

/**
 * Decides framing for a complete head. Returns a Framing, or a negated
 * Failure code when the head's framing cannot be trusted — the connection
 * must then answer with the failure's status and close.
 */
export function decideFraming(head: ParsedHead): Framing | number {
  const isHttp11 = head.versionMinor === 1;
  // RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
  let keepAlive = !peerWillClose(head);
  let body: BodyKind = NO_BODY;

  if (head.transferEncodingLines > 0) {
    // RFC 9112 §6.3 rule 3: both fields is a smuggling attempt, never resolved by precedence here.
    if (head.contentLength !== -1) return -Failure.ContentLengthWithTransferEncoding;
    if (head.transferCodings === 0) return -Failure.BadTransferEncoding;
    // RFC 9112 §6.1: chunked must not be applied more than once.
    if (head.chunkedCount > 1) return -Failure.BadTransferEncoding;
    if (head.finalCoding !== FinalCoding.Chunked) return -Failure.ChunkedNotFinal;
    if (head.transferCodings > 1) return -Failure.UnsupportedTransferCoding;
    body = CHUNKED;
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing: close after the response.
    if (!isHttp11) keepAlive = false;
  } else if (head.contentLength > 0) {
    body = { kind: 'Length', length: head.contentLength };
  }

  // RFC 9110 §10.1.1: an HTTP/1.0 request's expectation is ignored.
  let expectContinue = false;
  if (isHttp11) {
    if (head.expectation === Expectation.Other) return -Failure.ExpectationFailed;
    expectContinue = head.expectation === Expectation.Continue && body.kind !== 'None';
  }

  // RFC 9110 §7.8: a server MUST ignore Upgrade received in an HTTP/1.0 request.
  const wantsUpgrade = isHttp11 && head.connectionUpgrade && head.upgradeField !== -1;
  // The common bodiless requests share frozen answers: no allocation per request.
  if (body === NO_BODY && !wantsUpgrade) return keepAlive ? BODILESS_KEEP_ALIVE : BODILESS_CLOSE;
  return { body, keepAlive, expectContinue, wantsUpgrade };
}

const BODILESS_KEEP_ALIVE: Framing = Object.freeze({ body: NO_BODY, keepAlive: true, expectContinue: false, wantsUpgrade: false });
const BODILESS_CLOSE: Framing = Object.freeze({ body: NO_BODY, keepAlive: false, expectContinue: false, wantsUpgrade: false });
