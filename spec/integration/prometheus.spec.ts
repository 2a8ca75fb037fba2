// The exposition against the real thing (issue 6): `promtool check metrics`
// on a busy server's output, and a real Prometheus server scraping
// metricsPath every second, whose query API must report exactly the
// requests this spec sent. Needs the Debian package prometheus: skipped
// loudly when missing here, a failure when missing in CI.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Pool, request } from 'undici';
import { Metrics, serve, type Server } from '../../lib/index.ts';
import { programPath, requireProgram } from '../support/programs.ts';
import { sendRaw } from './support/raw.ts';

const promtool = requireProgram('promtool', 'prometheus');
const prometheus = requireProgram('prometheus', 'prometheus');

let server: Server | null = null;
afterEach(async () => {
  await server?.close({ timeoutMs: 1_000 });
  server = null;
});

/** Runs `command` with `input` on stdin; resolves its exit code and output. */
function run(command: string, args: readonly string[], input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

/** A loopback port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a server whose output has every kind of series: labels with escapes, histograms, errors, aborts. */
async function busyServer(): Promise<Server> {
  const metrics = new Metrics();
  const jobs = metrics.counter('app_jobs', 'Jobs by "queue" \\ kind.\nSecond line.', { queue: ['fast', 'slow "one"', 'back\\slash\nnew'] });
  const sizes = metrics.histogram('app_payload_bytes', 'Payload sizes.', { buckets: [64, 1024, 65536], scale: 1, labels: { route: ['/a', '/b'] } });
  jobs.labels({ queue: 'slow "one"' }).add(2);
  jobs.labels({ queue: 'back\\slash\nnew' }).inc();
  const started = await serve({ metrics, metricsPath: '/metrics', onError: () => {} }, async (req, res) => {
    const body = await req.bytes();
    sizes.labels({ route: req.path === '/b' ? '/b' : '/a' }).observe(body.length);
    res.status(req.path === '/missing' ? 404 : 200).end('ok');
  });
  await (await request(`${started.url}/a`, { method: 'POST', body: 'x'.repeat(100) })).body.text();
  await (await request(`${started.url}/missing`)).body.text();
  await sendRaw(started.port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
  return started;
}

describe.skipIf(promtool.skip)('promtool check metrics', () => {
  it(`accepts the exposition of a busy server without a lint problem${promtool.skip ? ` (skipped: ${promtool.reason})` : ''}`, async () => {
    server = await busyServer();
    const text = await (await request(`${server.url}/metrics`)).body.text();
    const result = await run(programPath(promtool), ['check', 'metrics'], text);
    expect(result.output, 'promtool output: want none').toBe('');
    expect(result.code).toBe(0);
  });

  it('is a real check: it refuses a broken exposition', async () => {
    const result = await run(programPath(promtool), ['check', 'metrics'], '# TYPE x counter\nx{a="1} 1\n');
    expect(result.code).not.toBe(0);
  });
});

describe.skipIf(prometheus.skip)('a real Prometheus server scraping metricsPath', () => {
  let child: ChildProcess | null = null;
  let dir = '';
  let logs = '';
  afterAll(async () => {
    const running = child;
    if (running !== null && running.exitCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it(`reports through its query API exactly the requests this spec sent${prometheus.skip ? ` (skipped: ${prometheus.reason})` : ''}`, async () => {
    const binary = programPath(prometheus);
    server = await serve({ metricsPath: '/metrics', onError: () => {} }, (req, res) => void res.status(req.method === 'PUT' ? 201 : 200).end('ok'));
    dir = mkdtempSync(join(tmpdir(), 'rawhttp-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: rawhttp',
        '    metrics_path: /metrics',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${server.port}']`,
        '',
      ].join('\n'),
    );
    const webPort = await freePort();
    const api = `http://127.0.0.1:${webPort}`;
    child = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${webPort}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (logs += chunk.toString()));

    // The requests this spec counts: PUTs, so Prometheus' own scrapes (GETs) stay apart.
    const SENT = 321;
    const client = new Pool(server.url, { connections: 8 });
    try {
      await Promise.all(
        Array.from({ length: SENT }, async (_, i) => {
          const response = await client.request({ path: `/items/${i}`, method: 'PUT', body: 'x' });
          expect(response.statusCode).toBe(201);
          await response.body.text();
        }),
      );
    } finally {
      await client.close();
    }

    const query = async (promql: string): Promise<number | null> => {
      try {
        const response = await request(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
        const body = (await response.body.json()) as { status: string; data?: { result?: Array<{ value: [number, string] }> } };
        const first = body.data?.result?.[0];
        return first === undefined ? null : Number(first.value[1]);
      } catch {
        return null; // not up yet
      }
    };
    const deadline = Date.now() + 45_000;
    let seen: number | null = null;
    while (Date.now() < deadline) {
      seen = await query('sum(rawhttp_requests_total{job="rawhttp",method="PUT"})');
      if (seen === SENT) break;
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(seen, `Prometheus's sum(rawhttp_requests_total{method="PUT"}): got vs want; its log:\n${logs}`).toBe(SENT);
    expect(await query('up{job="rawhttp"}')).toBe(1);
    // The histogram is usable by PromQL: a median exists once requests were timed.
    const median = await query('histogram_quantile(0.5, sum by (le) (rawhttp_request_duration_seconds_bucket{job="rawhttp"}))');
    expect(median).not.toBeNull();
    expect(median).toBeGreaterThan(0);
  });
});
