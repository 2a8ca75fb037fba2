// The fallback load driver, used only when wrk is absent: an undici Pool with
// one loop per in-flight request. It prints the same DRIVER_JSON line as
// bench/wrk/bench.lua. It is slower than wrk and shares wrk's core budget, so
// its numbers are not comparable with wrk's — load.ts says so loudly.

import { parseArgs } from 'node:util';
import { Pool, errors as undiciErrors } from 'undici';
import { DRIVER_MARKER, type DriverReport } from './scenarios.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '5' },
    method: { type: 'string', default: 'GET' },
    path: { type: 'string', default: '/' },
    'body-bytes': { type: 'string', default: '0' },
    pipeline: { type: 'string', default: '1' },
    close: { type: 'boolean', default: false },
    'timeout-ms': { type: 'string', default: '4000' },
  },
});

if (values.url === undefined) throw new Error('driver: --url is required');
const origin: string = values.url;
const connections = Number(values.connections);
const pipeline = Number(values.pipeline);
const durationMs = Number(values.duration) * 1000;
const timeoutMs = Number(values['timeout-ms']);
const method = values.method === 'POST' ? 'POST' : 'GET';
const bodyBytes = Number(values['body-bytes']);
const body = bodyBytes > 0 ? Buffer.alloc(bodyBytes, 'x') : null;
const headers: Record<string, string> = body === null ? {} : { 'content-type': 'application/octet-stream' };

const pool = new Pool(origin, {
  connections,
  pipelining: pipeline,
  headersTimeout: timeoutMs,
  bodyTimeout: timeoutMs,
  connectTimeout: timeoutMs,
  keepAliveTimeout: 60_000,
});

const errorCounts = { connect: 0, read: 0, write: 0, status: 0, timeout: 0 };
const latenciesUs: number[] = [];
let requests = 0;
let bytes = 0;

function classify(error: unknown): void {
  if (error instanceof undiciErrors.ConnectTimeoutError) errorCounts.connect++;
  else if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) errorCounts.timeout++;
  else if ((error as { code?: string }).code === 'ECONNREFUSED') errorCounts.connect++;
  else errorCounts.read++;
}

const started = performance.now();
const deadline = started + durationMs;

async function loop(): Promise<void> {
  while (performance.now() < deadline) {
    const t0 = performance.now();
    try {
      const response = await pool.request({ origin, path: values.path ?? '/', method, headers, body, reset: values.close });
      for await (const chunk of response.body) bytes += (chunk as Buffer).length;
      if (response.statusCode < 200 || response.statusCode >= 400) errorCounts.status++;
      requests++;
      latenciesUs.push((performance.now() - t0) * 1000);
    } catch (error) {
      classify(error);
    }
  }
}

await Promise.all(Array.from({ length: connections * pipeline }, loop));
const elapsedUs = (performance.now() - started) * 1000;
await pool.destroy();

latenciesUs.sort((a, b) => a - b);
const at = (p: number): number => (latenciesUs.length === 0 ? -1 : Math.round(latenciesUs[Math.min(latenciesUs.length - 1, Math.floor((p / 100) * latenciesUs.length))] as number));
const report: DriverReport = {
  requests,
  bytes,
  duration_us: Math.round(elapsedUs),
  errors: errorCounts,
  latency_us: {
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: at(100),
    mean: latenciesUs.length === 0 ? -1 : latenciesUs.reduce((a, b) => a + b, 0) / latenciesUs.length,
  },
};
process.stdout.write(`${DRIVER_MARKER}${JSON.stringify(report)}\n`);
