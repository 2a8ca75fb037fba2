// serveWorkers() (issue 6): worker threads on one port with reusePort, one
// shared metrics buffer, restarts, graceful close. Needs net listen's
// reusePort (Node 22.12+ / 23.1+): on Node 20 only the clear refusal runs.

import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, Pool, request } from 'undici';
import { ReusePortUnsupportedError, serveWorkers, supportsReusePort, type WorkerPool } from '../../lib/index.ts';
import { parseExposition, sumSamples } from '../support/exposition.ts';
import { eventually } from './support/server.ts';

const FIXTURE = new URL('./fixtures/workers-app.ts', import.meta.url);
const HAS_REUSE_PORT = supportsReusePort();
const SKIP_REASON = HAS_REUSE_PORT ? '' : ` (skipped on Node ${process.versions.node}: net listen has no reusePort before 22.12 / 23.1)`;

let pool: WorkerPool | null = null;
afterEach(async () => {
  await pool?.close({ timeoutMs: 2_000 });
  pool = null;
});

function requestsOf(target: WorkerPool, shard?: number): number {
  const series = target.metrics.snapshot(shard)['rawhttp_requests_total']?.series ?? [];
  return series.reduce((sum, s) => sum + ('value' in s ? s.value : 0), 0);
}

describe.skipIf(HAS_REUSE_PORT)('serveWorkers on a Node without reusePort', () => {
  it(`throws ReusePortUnsupportedError naming the Node version needed (Node ${process.versions.node})`, async () => {
    const started = serveWorkers({ port: 0, workers: 2, handler: FIXTURE });
    await expect(started).rejects.toThrow(ReusePortUnsupportedError);
    await expect(started).rejects.toThrow(/serveWorkers\(\) needs the reusePort option.*22\.12\+ or 23\.1\+.*this is Node\.js v20/);
  });
});

describe('serveWorkers', () => {
  it.skipIf(!HAS_REUSE_PORT)(`serves 20 000 undici requests over many connections with 2 workers, counted exactly in one buffer${SKIP_REASON}`, async () => {
    const errors: unknown[] = [];
    pool = await serveWorkers({ port: 0, workers: 2, handler: FIXTURE, metricsPath: '/metrics', onWorkerError: (error) => errors.push(error) });
    expect(pool.port).toBeGreaterThan(0);
    expect(pool.listening).toBe(2);
    const TOTAL = 20_000;
    const CONCURRENCY = 64;
    const client = new Pool(pool.url, { connections: CONCURRENCY });
    const threads = new Set<string>();
    let next = 0;
    try {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < TOTAL) {
            next++;
            const response = await client.request({ path: '/hello', method: 'GET' });
            threads.add(await response.body.text());
          }
        }),
      );
    } finally {
      await client.close();
    }
    // Every response completed before the client saw it, so the counts are final.
    expect(requestsOf(pool), 'summed rawhttp_requests_total: got vs want').toBe(TOTAL);
    const perWorker = [requestsOf(pool, pool.shardOf(0)), requestsOf(pool, pool.shardOf(1))];
    expect(perWorker[0], `requests per worker ${perWorker.join(' + ')}`).toBeGreaterThan(0);
    expect(perWorker[1], `requests per worker ${perWorker.join(' + ')}`).toBeGreaterThan(0);
    expect(threads.size).toBe(2);
    // A scrape answered by either worker shows the sum, the module's own metric included.
    const families = parseExposition(await (await request(`${pool.url}/metrics`)).body.text());
    // The scrape counts itself as a request started; its response is not done while the text is made.
    expect(sumSamples(families, 'rawhttp_requests_total')).toBe(TOTAL + 1);
    expect(sumSamples(families, 'rawhttp_request_duration_seconds_count')).toBe(TOTAL);
    expect(sumSamples(families, 'fixture_greetings_total')).toBe(TOTAL);
    expect(sumSamples(families, 'rawhttp_worker_restarts_total')).toBe(0);
    // The pool's own view adopted the module's metric from the workers.
    expect(pool.metrics.snapshot()['fixture_greetings_total']?.series[0]).toEqual({ labels: {}, value: TOTAL });
    expect(errors).toEqual([]);
  });

  it.skipIf(!HAS_REUSE_PORT)(`restarts a worker that crashed, counts it, and keeps serving${SKIP_REASON}`, async () => {
    const errors: Array<{ error: unknown; worker: number }> = [];
    pool = await serveWorkers({ port: 0, workers: 2, handler: FIXTURE, restartDelayMs: 20, onWorkerError: (error, worker) => errors.push({ error, worker }) });
    const started = pool;
    // Keep-alive off so each request is a fresh connection the kernel may place anywhere.
    const dispatcher = new Agent({ pipelining: 0 });
    try {
      const crash = await request(`${started.url}/crash`, { dispatcher });
      expect(await crash.body.text()).toBe('crashing');
      expect(await eventually(() => started.restarts === 1 && started.listening === 2, 10_000)).toBe(true);
      expect(errors).toHaveLength(1);
      expect(String(errors[0]?.error)).toMatch(/crash requested by the spec/);
      for (let i = 0; i < 100; i++) {
        const response = await request(`${started.url}/hello`, { dispatcher, headers: { connection: 'close' } });
        expect(response.statusCode).toBe(200);
        await response.body.text();
      }
      // The dead thread's sockets are gone, and so is its part of the gauges.
      const openNow = (): number => {
        const series = started.metrics.snapshot()['rawhttp_connections_open']?.series[0];
        return series !== undefined && 'value' in series ? series.value : -1;
      };
      expect(await eventually(() => openNow() === 0)).toBe(true);
    } finally {
      await dispatcher.close();
    }
  });

  it.skipIf(!HAS_REUSE_PORT)(`closes every worker gracefully: an in-flight-free pool stops listening${SKIP_REASON}`, async () => {
    pool = await serveWorkers({ port: 0, workers: 2, handler: FIXTURE });
    const { port } = pool;
    await (await request(`${pool.url}/hello`)).body.text();
    await pool.close();
    expect(pool.listening).toBe(0);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it.skipIf(!HAS_REUSE_PORT)(`refuses options a thread cannot receive, and a bad worker count${SKIP_REASON}`, async () => {
    await expect(serveWorkers({ port: 0, workers: 0, handler: FIXTURE })).rejects.toThrow(TypeError);
    const withFunction = { port: 0, workers: 1, handler: FIXTURE, fetch: () => new Response('') } as unknown as Parameters<typeof serveWorkers>[0];
    await expect(serveWorkers(withFunction)).rejects.toThrow(/fetch is a function/);
  });

  it.skipIf(!HAS_REUSE_PORT)(`rejects when the handler module cannot be loaded, leaving no thread behind${SKIP_REASON}`, async () => {
    const missing = new URL('./fixtures/no-such-module.ts', import.meta.url);
    await expect(serveWorkers({ port: 0, workers: 2, handler: missing })).rejects.toThrow(/no-such-module|Cannot find/);
  });
});
