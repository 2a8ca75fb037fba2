// The built-in rawhttp_ metrics and the metrics options of serve() (issue 6):
// what a real connection counts at each transition, metricsPath, metrics:
// false, a user registry, reusePort.

import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Metrics, PROMETHEUS_CONTENT_TYPE, ReusePortUnsupportedError, serve, supportsReusePort, type Handler, type ServeOptions, type Server } from '../../lib/index.ts';
import { parseExposition, sumSamples } from '../support/exposition.ts';
import { RawClient, sendRaw } from './support/raw.ts';
import { eventually, ServerPool } from './support/server.ts';

const pool = new ServerPool();
const extra: Server[] = [];
afterEach(async () => {
  await pool.closeAll();
  await Promise.all(extra.splice(0).map((server) => server.close({ timeoutMs: 1_000 })));
});

/** Sum of the series of `name` whose labels include `match`, from server.metrics.snapshot(). */
function value(server: Server, name: string, match: Readonly<Record<string, string>> = {}): number {
  const metric = server.metrics.snapshot()[name];
  if (metric === undefined) throw new Error(`no metric ${name}`);
  let sum = 0;
  for (const series of metric.series) {
    if (!Object.entries(match).every(([label, want]) => series.labels[label] === want)) continue;
    sum += 'value' in series ? series.value : series.count;
  }
  return sum;
}

const GET = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';

/** Starts a server with serve()'s full options (hooks, metrics); closed after each test. */
async function start(options: ServeOptions, handler: Handler): Promise<{ server: Server }> {
  const server = await serve({ onError: () => {}, ...options }, handler);
  extra.push(server);
  return { server };
}

describe('built-in metrics', () => {
  it('counts requests by method, responses by status class with their durations, bytes both ways and keep-alive reuse', async () => {
    const { server } = await pool.start({}, async (req, res) => {
      if (req.method === 'POST') {
        res.status(201).end(await req.text());
        return;
      }
      res.status(req.method === 'DELETE' ? 404 : 200).end('ok');
    });
    const client = new RawClient(server.port);
    const sent = [GET, 'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', 'DELETE /c HTTP/1.1\r\nHost: x\r\n\r\n'];
    await client.write(sent.join(''));
    const responses = await client.responses(3);
    expect(responses.map((r) => r.status)).toEqual([200, 201, 404]);
    client.end();
    await client.waitForClose();
    expect(await eventually(() => value(server, 'rawhttp_connections_open') === 0)).toBe(true);
    expect(value(server, 'rawhttp_requests_total', { method: 'GET' })).toBe(1);
    expect(value(server, 'rawhttp_requests_total', { method: 'POST' })).toBe(1);
    expect(value(server, 'rawhttp_requests_total', { method: 'DELETE' })).toBe(1);
    expect(value(server, 'rawhttp_requests_total')).toBe(3);
    expect(value(server, 'rawhttp_request_duration_seconds', { status: '2xx' })).toBe(2);
    expect(value(server, 'rawhttp_request_duration_seconds', { status: '4xx' })).toBe(1);
    expect(value(server, 'rawhttp_request_duration_seconds')).toBe(3);
    expect(value(server, 'rawhttp_keepalive_reuses_total')).toBe(2);
    expect(value(server, 'rawhttp_connections_accepted_total')).toBe(1);
    expect(value(server, 'rawhttp_connections_used_total')).toBe(1);
    expect(value(server, 'rawhttp_requests_in_flight')).toBe(0);
    expect(value(server, 'rawhttp_received_bytes_total'), 'bytes received: got vs sent by the client').toBe(Buffer.byteLength(sent.join(''), 'latin1'));
    expect(value(server, 'rawhttp_sent_bytes_total'), 'bytes sent: got vs received by the client').toBe(client.bytes.length);
    client.destroy();
  });

  it('gives responses answered in one batch of pipelined input the time their shared write is made, and counts every one, sync or async', async () => {
    const busyMs = 30;
    const { server } = await pool.start({}, async (req, res) => {
      if (req.path === '/busy') {
        const until = performance.now() + busyMs;
        while (performance.now() < until) {
          // a handler that holds the thread: the batch's write waits for it
        }
      }
      if (req.path === '/async') await new Promise((resolve) => setTimeout(resolve, 5));
      res.status(req.path === '/missing' ? 404 : 200).end('ok');
    });
    const client = new RawClient(server.port);
    // A 404 inside the batch: responses of another status class are a group of their own.
    const paths = ['/busy', '/fast', '/missing', '/fast', '/async', '/fast'];
    await client.write(paths.map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    expect((await client.responses(paths.length)).map((r) => r.status)).toEqual([200, 200, 404, 200, 200, 200]);
    // Counted while the connection stays open: a batch's durations do not wait for its close.
    expect(await eventually(() => value(server, 'rawhttp_request_duration_seconds') === paths.length)).toBe(true);
    expect(value(server, 'rawhttp_request_duration_seconds', { status: '2xx' })).toBe(paths.length - 1);
    expect(value(server, 'rawhttp_request_duration_seconds', { status: '4xx' })).toBe(1);
    expect(value(server, 'rawhttp_connections_open')).toBe(1);
    const [series] = (server.metrics.snapshot()['rawhttp_request_duration_seconds']?.series ?? []).filter((one) => one.labels.status === '2xx');
    if (series === undefined || !('le' in series)) throw new Error('no 2xx duration series');
    // The 2xx answered with /busy (three of them) arrived together and left in one write, at least busyMs later.
    const under = (seconds: number): number => series.counts[series.le.findIndex((bound) => bound >= seconds)] ?? 0;
    expect(under(0.025), 'responses counted under 25 ms').toBeLessThanOrEqual(2);
    expect(series.sum).toBeGreaterThanOrEqual((3 * busyMs) / 1000);
    client.destroy();
  });

  it('holds a request in the in-flight gauge until its response completes', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const { server } = await pool.start({}, async (_req, res) => {
      await released;
      res.end('done');
    });
    const pending = request(`${server.url}/slow`);
    expect(await eventually(() => value(server, 'rawhttp_requests_in_flight') === 1)).toBe(true);
    expect(value(server, 'rawhttp_connections_open')).toBe(1);
    release();
    expect(await (await pending).body.text()).toBe('done');
    expect(value(server, 'rawhttp_requests_in_flight')).toBe(0);
  });

  it('counts a request whose client left before the response as aborted, and puts both gauges back', async () => {
    const { server } = await pool.start({}, () => new Promise<void>(() => {}));
    const client = new RawClient(server.port);
    await client.write(GET);
    expect(await eventually(() => value(server, 'rawhttp_requests_in_flight') === 1)).toBe(true);
    // A reset, not a FIN: a half-closed client may still be waiting for its response.
    client.socket.resetAndDestroy();
    expect(await eventually(() => value(server, 'rawhttp_connections_open') === 0)).toBe(true);
    expect(value(server, 'rawhttp_requests_in_flight')).toBe(0);
    expect(value(server, 'rawhttp_requests_total', { method: 'GET' })).toBe(1);
    expect(value(server, 'rawhttp_requests_aborted_total')).toBe(1);
    expect(value(server, 'rawhttp_request_duration_seconds')).toBe(0);
  });

  it.each([
    ['ERR_DUPLICATE_HOST', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['ERR_BAD_LINE_ENDING', 'GET / HTTP/1.1\nHost: a\r\n\r\n'],
    ['ERR_CL_WITH_TE', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ])('counts a refused request under rawhttp_parse_errors_total{code="%s"}, not as a request', async (code, bytes) => {
    const { server } = await pool.start({}, (_req, res) => void res.end());
    const result = await sendRaw(server.port, bytes);
    expect(result.closed).toBe(true);
    expect(await eventually(() => value(server, 'rawhttp_connections_open') === 0)).toBe(true);
    expect(value(server, 'rawhttp_parse_errors_total', { code })).toBe(1);
    expect(value(server, 'rawhttp_parse_errors_total')).toBe(1);
    expect(value(server, 'rawhttp_requests_total')).toBe(0);
  });

  it('counts timeouts by kind: a slow head (headers), an idle keep-alive connection (keep_alive)', async () => {
    const { server } = await pool.start({ headersTimeoutMs: 60, keepAliveTimeoutMs: 60 }, (_req, res) => void res.end('ok'));
    const slow = await sendRaw(server.port, 'GET / HTTP/1.1\r\nHost:');
    expect(slow.bytes.toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
    const idle = new RawClient(server.port);
    await idle.write(GET);
    await idle.responses(1);
    expect(await idle.waitForClose(3_000)).toBe(true);
    idle.destroy();
    expect(value(server, 'rawhttp_timeouts_total', { kind: 'headers' })).toBe(1);
    expect(value(server, 'rawhttp_timeouts_total', { kind: 'keep_alive' })).toBe(1);
    expect(value(server, 'rawhttp_parse_errors_total')).toBe(0);
  });

  it('counts backpressure: reading paused for a slow body consumer, writes to a client that does not read', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'x');
    const { server } = await pool.start({ highWaterMark: 1024 }, async (req, res) => {
      if (req.method === 'POST') {
        await new Promise((resolve) => setTimeout(resolve, 50));
        res.end(String((await req.bytes()).length));
        return;
      }
      res.end(big);
    });
    const upload = await request(`${server.url}/up`, { method: 'POST', body: Buffer.alloc(512 * 1024) });
    expect(await upload.body.text()).toBe(String(512 * 1024));
    expect(value(server, 'rawhttp_backpressure_pauses_total', { direction: 'read' })).toBeGreaterThan(0);
    const socket = connect(server.port, '127.0.0.1');
    socket.pause();
    socket.write(GET);
    expect(await eventually(() => value(server, 'rawhttp_backpressure_pauses_total', { direction: 'write' }) > 0)).toBe(true);
    socket.destroy();
  });

  it('counts a socket handed to onUpgrade as an upgrade and a closed connection', async () => {
    const { server } = await start(
      {
        onUpgrade: (_req, socket) => {
          socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n');
        },
      },
      (_req, res) => void res.end(),
    );
    const result = await sendRaw(server.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n');
    expect(result.bytes.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    expect(value(server, 'rawhttp_requests_total', { method: 'GET' })).toBe(1);
    expect(value(server, 'rawhttp_upgrades_total')).toBe(1);
    expect(value(server, 'rawhttp_requests_in_flight')).toBe(0);
    expect(value(server, 'rawhttp_connections_open')).toBe(0);
  });
});

describe('metrics options', () => {
  it('answers GET and HEAD of metricsPath with the text format, before the handler, query ignored', async () => {
    let handled = 0;
    const { server } = await start({ metricsPath: '/metrics' }, (req, res) => {
      handled++;
      res.end(`handler saw ${req.method} ${req.target}`);
    });
    await (await request(`${server.url}/x`)).body.text();
    const scrape = await request(`${server.url}/metrics`);
    expect(scrape.statusCode).toBe(200);
    expect(scrape.headers['content-type']).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parseExposition(await scrape.body.text());
    expect(families.get('rawhttp_requests_total')?.type).toBe('counter');
    // The scrape itself started before the text was made: it counts, its response does not yet.
    expect(sumSamples(families, 'rawhttp_requests_total', { method: 'GET' })).toBe(2);
    expect(sumSamples(families, 'rawhttp_request_duration_seconds_count', { status: '2xx' })).toBe(1);
    expect(sumSamples(families, 'rawhttp_requests_in_flight')).toBe(1);
    const head = await request(`${server.url}/metrics`, { method: 'HEAD' });
    expect(head.statusCode).toBe(200);
    expect(await head.body.text()).toBe('');
    expect((await (await request(`${server.url}/metrics?name=x`)).body.text()).startsWith('# HELP')).toBe(true);
    expect(await (await request(`${server.url}/metrics`, { method: 'POST', body: '' })).body.text()).toBe('handler saw POST /metrics');
    expect(await (await request(`${server.url}/metricsx`)).body.text()).toBe('handler saw GET /metricsx');
    expect(handled).toBe(3);
  });

  it('refuses a metricsPath that is not a path', async () => {
    await expect(serve({ metricsPath: 'metrics' }, (_req, res) => void res.end())).rejects.toThrow(TypeError);
  });

  it('counts nothing built in with metrics: false, yet keeps server.metrics for your own', async () => {
    const { server } = await start({ metrics: false, metricsPath: '/metrics' }, (_req, res) => void res.end('ok'));
    await (await request(`${server.url}/x`)).body.text();
    expect(server.metrics.prometheus()).toBe('');
    server.metrics.counter('mine_total', 'Mine.').inc();
    expect(await (await request(`${server.url}/metrics`)).body.text()).toBe('# HELP mine_total Mine.\n# TYPE mine_total counter\nmine_total 1\n');
  });

  it('counts into a registry declared before serving, shared by two servers, with the handler’s own metrics', async () => {
    const metrics = new Metrics();
    const greetings = metrics.counter('app_greetings_total', 'Greetings.', { lang: ['en', 'fr'] });
    const en = greetings.labels({ lang: 'en' });
    const handler: Handler = (_req, res) => {
      en.inc();
      res.end('hi');
    };
    const a = await start({ metrics }, handler);
    const b = await start({ metrics, metricsPath: '/metrics' }, handler);
    expect(a.server.metrics).toBe(metrics);
    await (await request(`${a.server.url}/`)).body.text();
    await (await request(`${b.server.url}/`)).body.text();
    const families = parseExposition(await (await request(`${b.server.url}/metrics`)).body.text());
    expect(sumSamples(families, 'app_greetings_total', { lang: 'en' })).toBe(2);
    expect(sumSamples(families, 'rawhttp_requests_total')).toBe(3);
    expect(sumSamples(families, 'rawhttp_request_duration_seconds_count')).toBe(2);
    expect(sumSamples(families, 'rawhttp_connections_accepted_total')).toBe(3);
  });

  it('refuses a metrics option that is neither a registry nor false', async () => {
    await expect(serve({ metrics: {} as Metrics }, (_req, res) => void res.end())).rejects.toThrow(TypeError);
  });

  it.skipIf(supportsReusePort())(`rejects reusePort on Node ${process.versions.node}, naming the version needed`, async () => {
    const failed = serve({ reusePort: true }, (_req, res) => void res.end());
    await expect(failed).rejects.toThrow(ReusePortUnsupportedError);
    await expect(failed).rejects.toThrow(/22\.12/);
  });

  it.skipIf(!supportsReusePort())(`lets two servers listen on one port with reusePort (Node ${process.versions.node})`, async () => {
    const first = await serve({ reusePort: true }, (_req, res) => void res.end('a'));
    extra.push(first);
    const second = await serve({ reusePort: true, port: first.port }, (_req, res) => void res.end('b'));
    extra.push(second);
    expect(second.port).toBe(first.port);
    const answer = await (await request(`${first.url}/`)).body.text();
    expect(['a', 'b']).toContain(answer);
  });
});
