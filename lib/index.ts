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
export type { WriteAheadBudget } from './write-budget.ts';
export { fetchHandler, type FetchHandlerOptions } from './fetch.ts';
export type { FetchHandler, FetchInfo } from './types.ts';
export {
  Metrics,
  Counter,
  Gauge,
  GaugeLease,
  Histogram,
  Family,
  type MetricsOptions,
  type HistogramOptions,
  type LabelSpec,
  type LabelValues,
  type MetricType,
  type MetricDescriptor,
  type MetricsSnapshot,
  type MetricSnapshot,
  type ValueSeries,
  type HistogramSeries,
} from './metrics.ts';
export { estimateQuantile } from './quantile.ts';
export { DURATION_BUCKETS, PROMETHEUS_CONTENT_TYPE, type ServerMetricsOptions } from './server-metrics.ts';
export { serveWorkers, WorkerPool, type ServeWorkersOptions } from './workers.ts';
export { supportsReusePort, ReusePortUnsupportedError } from './reuseport.ts';
