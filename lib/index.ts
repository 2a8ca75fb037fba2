// rawhttp's public surface: re-exports only.

export { serve, Server, resolveOptions, type CloseOptions, type ServeOptions, type ProtocolSwitchHooks } from './server.ts';
export type { Handler, UpgradeHandler } from './connection.ts';
export { Request } from './request.ts';
export { Response, BodyWriter, type Body, type HeaderValue, type SentResponse } from './response.ts';
export { HeaderView, TrailerList } from './headers.ts';
export {
  HttpError,
  ProtocolError,
  BodyTooLargeError,
  HeadersSentError,
  ResponseEndedError,
  InvalidResponseError,
  ContentLengthMismatchError,
  ClientGoneError,
  Failure,
  FAILURES,
  type FailureCode,
} from './errors.ts';
export { DEFAULTS } from './constants.ts';
export type { ServerOptions, ResolvedOptions, Limits, Timeouts, ErrorContext } from './types.ts';
