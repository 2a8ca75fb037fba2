// The load benchmark's vocabulary: scenarios, servers, and the shape of one
// run's measurements, shared by the harness, the drivers and the report.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One load scenario (issue #3). Goals are rawhttp ÷ node:http throughput. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Two short lines for the chart's axis. */
  readonly chartLabel: readonly [string, string];
  readonly connections: number;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Request body size (POST), in bytes. */
  readonly bodyBytes: number;
  /** Requests sent per write; 1 = no pipelining. */
  readonly pipeline: number;
  /** Every request carries Connection: close. */
  readonly close: boolean;
  /** Response body size, checked by the readiness probe. */
  readonly responseBytes: number;
  /** Report MiB/s instead of requests/s. */
  readonly unit: 'req/s' | 'MiB/s';
  readonly goal: number;
}

const HELLO_BYTES = 13;
const MIB = 1024 * 1024;

export const SCENARIOS: readonly Scenario[] = [
  { id: 'hello', chartLabel: ['keep-alive', 'GET /, 50 conns'], title: 'keep-alive GET / (50 conns)', connections: 50, method: 'GET', path: '/', bodyBytes: 0, pipeline: 1, close: false, responseBytes: HELLO_BYTES, unit: 'req/s', goal: 1.8 },
  { id: 'pipelined', chartLabel: ['pipelined ×16', 'GET /, 50 conns'], title: 'pipelined ×16 GET / (50 conns)', connections: 50, method: 'GET', path: '/', bodyBytes: 0, pipeline: 16, close: false, responseBytes: HELLO_BYTES, unit: 'req/s', goal: 8 },
  { id: 'close', chartLabel: ['Connection: close', 'GET /, 50 conns'], title: 'Connection: close GET / (50 conns)', connections: 50, method: 'GET', path: '/', bodyBytes: 0, pipeline: 1, close: true, responseBytes: HELLO_BYTES, unit: 'req/s', goal: 1.3 },
  { id: 'post', chartLabel: ['POST /echo 1 KiB', '50 conns'], title: 'POST /echo 1 KiB (50 conns)', connections: 50, method: 'POST', path: '/echo', bodyBytes: 1024, pipeline: 1, close: false, responseBytes: 1024, unit: 'req/s', goal: 1.8 },
  { id: 'big', chartLabel: ['1 MiB streamed', 'GET /big, 10 conns'], title: 'GET /big 1 MiB streamed (10 conns)', connections: 10, method: 'GET', path: '/big', bodyBytes: 0, pipeline: 1, close: false, responseBytes: MIB, unit: 'MiB/s', goal: 1.5 },
  { id: 'c1000', chartLabel: ['1 000 connections', 'keep-alive GET /'], title: 'keep-alive GET / (1 000 conns)', connections: 1000, method: 'GET', path: '/', bodyBytes: 0, pipeline: 1, close: false, responseBytes: HELLO_BYTES, unit: 'req/s', goal: 1.8 },
];

/** Server ids, in the order they run within a round (A B C, A B C, …). */
export const SERVERS = ['node-http', 'rawhttp', 'ceiling'] as const;
export type ServerId = (typeof SERVERS)[number];

/** Display names of the servers. */
export const SERVER_LABELS: Readonly<Record<ServerId, string>> = {
  'node-http': 'node:http',
  rawhttp: 'rawhttp',
  ceiling: 'ceiling (raw net)',
};

/** What a load driver (wrk or the undici fallback) reports for one run. */
export interface DriverReport {
  readonly requests: number;
  readonly bytes: number;
  readonly duration_us: number;
  readonly errors: { readonly connect: number; readonly read: number; readonly write: number; readonly status: number; readonly timeout: number };
  /** -1 = not measured. */
  readonly latency_us: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
}

/**
 * Server error reports that wrk causes by stopping mid-request: not anomalies.
 * rawhttp's onError 'Socket' kind is a ClientGoneError; node:http's
 * clientError ECONNRESET/EPIPE the same event.
 */
export const EXPECTED_SERVER_ERRORS: readonly string[] = ['onError:Socket', 'clientError:ECONNRESET', 'clientError:EPIPE'];

/** The line prefix drivers print their JSON report after. */
export const DRIVER_MARKER = 'DRIVER_JSON ';

/** One server's measurements in one round of one scenario. */
export interface RunResult {
  readonly server: ServerId;
  readonly round: number;
  readonly ok: boolean;
  readonly requestsPerSec: number;
  readonly mibPerSec: number;
  /** null when the driver cannot measure it (wrk with pipelining). */
  readonly p50Us: number | null;
  readonly p99Us: number | null;
  /** Server user+system CPU over the measured window (from /proc/<pid>/stat). */
  readonly cpuSec: number;
  /**
   * CPU time on core 0 (the server's core) used by anything but the server
   * during the measured window, as % of the window: other processes on a
   * shared machine, interrupts, steal. High values mean a disturbed run.
   */
  readonly foreignCore0Pct: number;
  /** Attempts made: a disturbed run is repeated (see --max-foreign). */
  readonly attempts: number;
  /** Server peak RSS (VmHWM), warm-up included. */
  readonly peakRssKiB: number;
  readonly errors: DriverReport['errors'];
  /**
   * Error reports the server counted (rawhttp onError by kind, node:http
   * clientError by code). Clients cut off when wrk stops are expected here.
   */
  readonly serverErrors: Record<string, number>;
  /** Problems seen in this run: probe failure, crash, stderr output, error counts. */
  readonly problems: readonly string[];
  /** The server's garbage collection in the measured window (absent in results from before it was recorded). */
  readonly gc?: GcStats;
}

/** Garbage collection in a server during the measured window (PerformanceObserver 'gc' entries). */
export interface GcStats {
  /** Total pause, ms; NaN when the server did not report it. */
  pauseMs: number;
  /** Longest single pause, ms. */
  maxPauseMs: number;
  /** Young-generation collections (scavenges). */
  minor: number;
  /** Other collections: mark-compact, incremental marking, weak callbacks. */
  major: number;
}

/** Every run of one scenario on one Node version. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly date: string;
  readonly command: string;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly rounds: ReadonlyArray<readonly RunResult[]>;
}

/** One Node version's load results. */
export interface NodeSection {
  readonly node: string;
  readonly driver: string;
  readonly machine: string;
  readonly scenarios: Record<string, ScenarioResult>;
}

/** One corpus entry's parser measurements on one Node version. */
export interface ParseRow {
  readonly entry: string;
  readonly bytes: number;
  /** ops/s per parser id, median over passes. */
  readonly opsPerSec: Record<string, number>;
  /** Per-pass rawhttp ÷ other ratios, keyed by the other parser's id. */
  readonly passRatios: Record<string, number[]>;
}

/** One Node version's parser micro-benchmark. */
export interface ParseSection {
  readonly node: string;
  readonly date: string;
  readonly command: string;
  readonly passes: number;
  readonly timeMsPerTask: number;
  readonly parsers: Record<string, string>;
  readonly rows: ParseRow[];
}

/** bench/results.json: the data RESULTS.md and results.svg are rendered from. */
export interface ResultsFile {
  load: Record<string, NodeSection>;
  parse: Record<string, ParseSection>;
}

/** The bench/ source directory, whether running from bench/ or compiled under bench/out/. */
export function benchDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'servers', 'rawhttp.js')) && existsSync(join(dir, 'wrk', 'bench.lua'))) return dir;
    dir = dirname(dir);
    if (existsSync(join(dir, 'bench', 'servers', 'rawhttp.js'))) return join(dir, 'bench');
  }
  throw new Error('cannot find the bench/ directory (servers/ and wrk/ next to it)');
}

/** "node20" for "v20.20.2": results are kept per major version. */
export function nodeKey(version: string): string {
  return `node${version.replace(/^v/, '').split('.')[0] ?? version}`;
}

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
