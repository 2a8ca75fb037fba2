// The failure-code table (every way a request can be refused, with its
// status) and the typed errors built from it. Pure: no I/O. The parser and
// decoders return these codes; only connection.ts turns one into an error.

/**
 * Failure codes returned (negated) by parse.ts, framing.ts and decode.ts.
 * Each names the rule it enforces; `FAILURES[code]` gives status and reason.
 */
export const Failure = {
  BadRequestLine: 1,
  BadMethod: 2,
  BadTarget: 3,
  TargetFormMismatch: 4,
  BadVersion: 5,
  MissingVersion: 6,
  UnsupportedVersion: 7,
  UriTooLong: 8,
  BadLineEnding: 9,
  BadFieldName: 10,
  WhitespaceBeforeColon: 11,
  MissingColon: 12,
  BadFieldValue: 13,
  ObsoleteLineFolding: 14,
  HeaderTooLarge: 15,
  TooManyHeaders: 16,
  MissingHost: 17,
  DuplicateHost: 18,
  BadHost: 19,
  BadContentLength: 20,
  ConflictingContentLength: 21,
  ContentLengthWithTransferEncoding: 22,
  BadTransferEncoding: 23,
  ChunkedNotFinal: 24,
  UnsupportedTransferCoding: 25,
  BadChunkSize: 26,
  ChunkSizeOverflow: 27,
  BadChunkExtension: 28,
  ChunkExtensionTooLarge: 29,
  MissingChunkTerminator: 30,
  BadTrailer: 31,
  ForbiddenTrailer: 32,
  TrailerTooLarge: 33,
  BodyTooLarge: 34,
  ExpectationFailed: 35,
  HeadersTimeout: 36,
  RequestTimeout: 37,
  IncompleteBody: 38,
} as const;

export type FailureCode = (typeof Failure)[keyof typeof Failure];

interface FailureInfo {
  readonly status: 400 | 408 | 413 | 414 | 417 | 431 | 501 | 505;
  readonly code: string;
  readonly reason: string;
}

const info = (status: FailureInfo['status'], code: string, reason: string): FailureInfo => ({ status, code, reason });

/** Status and stable error code of every failure, indexed by its number. */
export const FAILURES: Readonly<Record<FailureCode, FailureInfo>> = {
  [Failure.BadRequestLine]: info(400, 'ERR_BAD_REQUEST_LINE', 'malformed request line (RFC 9112 §3)'),
  [Failure.BadMethod]: info(400, 'ERR_BAD_METHOD', 'method is not a token (RFC 9112 §3.1)'),
  [Failure.BadTarget]: info(400, 'ERR_BAD_TARGET', 'invalid request-target (RFC 9112 §3.2, RFC 3986)'),
  [Failure.TargetFormMismatch]: info(400, 'ERR_TARGET_FORM', 'request-target form not allowed for this method (RFC 9112 §3.2)'),
  [Failure.BadVersion]: info(400, 'ERR_BAD_VERSION', 'malformed HTTP-version (RFC 9112 §2.3)'),
  [Failure.MissingVersion]: info(400, 'ERR_MISSING_VERSION', 'request line without HTTP-version (RFC 9112 §3)'),
  [Failure.UnsupportedVersion]: info(505, 'ERR_HTTP_VERSION', 'HTTP major version not supported (RFC 9110 §15.6.6)'),
  [Failure.UriTooLong]: info(414, 'ERR_URI_TOO_LONG', 'request-target longer than maxUriBytes (RFC 9112 §3)'),
  [Failure.BadLineEnding]: info(400, 'ERR_BAD_LINE_ENDING', 'line not ended by CRLF: bare LF or bare CR (RFC 9112 §2.2)'),
  [Failure.BadFieldName]: info(400, 'ERR_BAD_FIELD_NAME', 'field name is not a token (RFC 9110 §5.1)'),
  [Failure.WhitespaceBeforeColon]: info(400, 'ERR_WS_BEFORE_COLON', 'whitespace between field name and colon (RFC 9112 §5.1)'),
  [Failure.MissingColon]: info(400, 'ERR_MISSING_COLON', 'field line without colon (RFC 9112 §5)'),
  [Failure.BadFieldValue]: info(400, 'ERR_BAD_FIELD_VALUE', 'field value has a forbidden character (RFC 9110 §5.5)'),
  [Failure.ObsoleteLineFolding]: info(400, 'ERR_OBS_FOLD', 'obsolete line folding (RFC 9112 §5.2)'),
  [Failure.HeaderTooLarge]: info(431, 'ERR_HEADER_TOO_LARGE', 'request head larger than maxHeaderBytes (RFC 6585 §5)'),
  [Failure.TooManyHeaders]: info(431, 'ERR_TOO_MANY_HEADERS', 'more header fields than maxHeaderCount (RFC 6585 §5)'),
  [Failure.MissingHost]: info(400, 'ERR_MISSING_HOST', 'HTTP/1.1 request without Host (RFC 9112 §3.2)'),
  [Failure.DuplicateHost]: info(400, 'ERR_DUPLICATE_HOST', 'more than one Host field (RFC 9112 §3.2)'),
  [Failure.BadHost]: info(400, 'ERR_BAD_HOST', 'Host is not uri-host [":" port] (RFC 9112 §3.2)'),
  [Failure.BadContentLength]: info(400, 'ERR_BAD_CONTENT_LENGTH', 'Content-Length is not 1*DIGIT (RFC 9110 §8.6)'),
  [Failure.ConflictingContentLength]: info(400, 'ERR_CONFLICTING_CONTENT_LENGTH', 'differing Content-Length values (RFC 9112 §6.3)'),
  [Failure.ContentLengthWithTransferEncoding]: info(400, 'ERR_CL_WITH_TE', 'Content-Length together with Transfer-Encoding (RFC 9112 §6.3)'),
  [Failure.BadTransferEncoding]: info(400, 'ERR_BAD_TRANSFER_ENCODING', 'malformed Transfer-Encoding (RFC 9112 §6.1)'),
  [Failure.ChunkedNotFinal]: info(400, 'ERR_CHUNKED_NOT_FINAL', 'chunked is not the final transfer coding (RFC 9112 §6.3)'),
  [Failure.UnsupportedTransferCoding]: info(501, 'ERR_TRANSFER_CODING', 'transfer coding not implemented (RFC 9112 §6.1)'),
  [Failure.BadChunkSize]: info(400, 'ERR_BAD_CHUNK_SIZE', 'malformed chunk size (RFC 9112 §7.1)'),
  [Failure.ChunkSizeOverflow]: info(400, 'ERR_CHUNK_SIZE_OVERFLOW', 'chunk size too large (RFC 9112 §7.1)'),
  [Failure.BadChunkExtension]: info(400, 'ERR_BAD_CHUNK_EXTENSION', 'malformed chunk extension (RFC 9112 §7.1.1)'),
  [Failure.ChunkExtensionTooLarge]: info(400, 'ERR_CHUNK_EXTENSION_TOO_LARGE', 'chunk extensions larger than maxChunkExtensionBytes'),
  [Failure.MissingChunkTerminator]: info(400, 'ERR_CHUNK_TERMINATOR', 'chunk data not followed by CRLF (RFC 9112 §7.1)'),
  [Failure.BadTrailer]: info(400, 'ERR_BAD_TRAILER', 'malformed trailer field (RFC 9112 §7.1.2)'),
  [Failure.ForbiddenTrailer]: info(400, 'ERR_FORBIDDEN_TRAILER', 'framing field sent as trailer (RFC 9110 §6.5.1)'),
  [Failure.TrailerTooLarge]: info(431, 'ERR_TRAILER_TOO_LARGE', 'trailer section larger than maxTrailerBytes'),
  [Failure.BodyTooLarge]: info(413, 'ERR_BODY_TOO_LARGE', 'request content larger than maxBodyBytes (RFC 9110 §15.5.14)'),
  [Failure.ExpectationFailed]: info(417, 'ERR_EXPECTATION_FAILED', 'unsupported expectation (RFC 9110 §10.1.1)'),
  [Failure.HeadersTimeout]: info(408, 'ERR_HEADERS_TIMEOUT', 'request head not received in time'),
  [Failure.RequestTimeout]: info(408, 'ERR_REQUEST_TIMEOUT', 'request not received in time'),
  [Failure.IncompleteBody]: info(400, 'ERR_INCOMPLETE_BODY', 'the client ended the connection before the body was complete (RFC 9112 §8)'),
};

/** An HTTP-level refusal: carries the status the connection answers with and a stable `code`. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

/** The request itself broke the protocol; `failure` says which rule. */
export class ProtocolError extends HttpError {
  readonly failure: FailureCode;
  constructor(failure: FailureCode) {
    const { status, code, reason } = FAILURES[failure];
    super(status, code, reason);
    this.name = 'ProtocolError';
    this.failure = failure;
  }
}

/** The request body exceeded a size limit (413). */
export class BodyTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super(413, 'ERR_BODY_TOO_LARGE', `request body exceeds ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** API misuse: a header or status was set after the head went out. */
export class HeadersSentError extends Error {
  readonly code = 'ERR_HTTP_HEADERS_SENT';
  constructor(action: string) {
    super(`cannot ${action}: the response head was already sent`);
    this.name = 'HeadersSentError';
  }
}

/** API misuse: a write after the response ended. */
export class ResponseEndedError extends Error {
  readonly code = 'ERR_STREAM_WRITE_AFTER_END';
  constructor() {
    super('cannot write: the response has already ended');
    this.name = 'ResponseEndedError';
  }
}

/** API misuse: an invalid header name, value or status code given to the response. */
export class InvalidResponseError extends TypeError {
  readonly code: string;
  constructor(code: 'ERR_INVALID_HTTP_TOKEN' | 'ERR_INVALID_CHAR' | 'ERR_HTTP_INVALID_STATUS_CODE' | 'ERR_INVALID_ARG_TYPE', message: string) {
    super(message);
    this.name = 'InvalidResponseError';
    this.code = code;
  }
}

/** The body did not match the Content-Length the handler declared. */
export class ContentLengthMismatchError extends Error {
  readonly code = 'ERR_HTTP_CONTENT_LENGTH_MISMATCH';
  constructor(declared: number, actual: number) {
    super(`response body is ${actual} bytes but Content-Length declared ${declared}`);
    this.name = 'ContentLengthMismatchError';
  }
}

/** The client went away before the exchange completed. */
export class ClientGoneError extends Error {
  readonly code = 'ERR_CLIENT_GONE';
  constructor(message = 'the client closed the connection', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClientGoneError';
  }
}
