// nginx as a reverse proxy in front of rawhttp (issue 8 item 4), in both
// upstream modes users deploy: nginx's default (HTTP/1.0, Connection: close,
// one upstream connection per request) and proxy_http_version 1.1 with an
// upstream keepalive pool. Through each: 10 000 random bodies echoed and
// compared, a slow upload and a streamed download, buffered and not.
//
// Upstream reuse is measured where it happens: every TCP connection rawhttp
// accepts is counted through node:net's `net.server.socket` diagnostics
// channel (support/accepted.ts), so nothing stands between nginx and rawhttp.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handler, Server } from '../../lib/index.ts';
import { delay, patternBytes, ServerPool, sha256, type ReportedError } from '../integration/support/server.ts';
import { AcceptCounter } from './support/accepted.ts';
import { startNginx, type Nginx } from './support/nginx.ts';
import { describeWith, findProgram } from './support/programs.ts';

const NGINX = findProgram('nginx', 'nginx');

const REQUESTS = 10_000;
/** Requests in flight through nginx at once (undici connections to nginx). */
const CONCURRENCY = 32;
/** nginx's idle upstream pool in keep-alive mode: above CONCURRENCY, so no connection has to be closed for lack of room. */
const KEEPALIVE_POOL = 64;
const MAX_BODY = 256 * 1024;

const MODES = [
  { name: 'HTTP/1.0 upstream, Connection: close (nginx default)', version: '1.0', keepAlive: false },
  { name: 'HTTP/1.1 upstream with a keepalive pool', version: '1.1', keepAlive: true },
] as const;

/** Returns a xorshift32 generator of uint32s: sizes and offsets reproducible from the seed in failure messages. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Strips the /unbuffered prefix nginx forwards as is. */
function route(path: string): string {
  return path.startsWith('/unbuffered/') ? path.slice('/unbuffered'.length) : path;
}

describeWith('interop: nginx reverse proxy', [NGINX], () => {
  const servers = new ServerPool();
  let server: Server;
  let errors: ReportedError[];
  let counter: AcceptCounter;
  let nginx: Nginx;
  const versions = new Map<string, number>();

  const handler: Handler = async (req, res) => {
    versions.set(req.version, (versions.get(req.version) ?? 0) + 1);
    const query = req.query;
    switch (route(req.path)) {
      case '/echo': {
        res.header('content-type', 'application/octet-stream');
        if (query.get('via') === 'stream') await pipeline(req.body, res.stream());
        else res.end(await req.bytes());
        return;
      }
      case '/upload': {
        // Reads as the bytes come and notes when they came: unbuffered, a slow client stays slow up to here.
        const hash = createHash('sha256');
        let bytes = 0;
        let first = 0;
        let last = 0;
        for await (const chunk of req.body) {
          last = Date.now();
          if (first === 0) first = last;
          hash.update(chunk as Buffer);
          bytes += (chunk as Buffer).length;
        }
        res.header('content-type', 'application/json').end(JSON.stringify({ bytes, sha256: hash.digest('hex'), spreadMs: last - first }));
        return;
      }
      case '/download': {
        const chunks = Number(query.get('chunks'));
        const size = Number(query.get('size'));
        const gapMs = Number(query.get('gapMs'));
        const writer = res.header('content-type', 'application/octet-stream').stream();
        for (let i = 0; i < chunks; i++) {
          if (i > 0) await delay(gapMs);
          if (!writer.write(patternBytes(size, i + 1))) await once(writer, 'drain');
        }
        writer.end();
        return;
      }
      default:
        res.status(404).end('not found\n');
    }
  };

  beforeAll(async () => {
    ({ server, errors } = await servers.start({}, handler));
    counter = new AcceptCounter(server.port);
    const upstream = `server 127.0.0.1:${server.port};`;
    nginx = await startNginx(NGINX.path as string, 2, (ports) => `
  keepalive_requests 100000;
  client_max_body_size 4m;
  # Bodies and responses stay in memory (no temp files): up to 256 KiB each.
  client_body_buffer_size 512k;
  proxy_buffer_size 64k;
  proxy_buffers 8 64k;
  proxy_busy_buffers_size 128k;
  upstream rawhttp_close { ${upstream} }
  upstream rawhttp_keepalive { ${upstream} keepalive ${KEEPALIVE_POOL}; }
  server {
    listen 127.0.0.1:${ports[0]};
    location / { proxy_pass http://rawhttp_close; }
    location /unbuffered/ { proxy_pass http://rawhttp_close; proxy_request_buffering off; proxy_buffering off; }
  }
  server {
    listen 127.0.0.1:${ports[1]};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location / { proxy_pass http://rawhttp_keepalive; }
    location /unbuffered/ { proxy_pass http://rawhttp_keepalive; proxy_request_buffering off; proxy_buffering off; }
  }`);
  }, 30_000);

  afterAll(async () => {
    counter?.stop();
    await nginx?.stop();
    await servers.closeAll();
  });

  /** nginx's error log lines at level error or worse (info lines such as client disconnects are fine). */
  function nginxErrors(): string[] {
    return nginx.errorLog().split('\n').filter((line) => /\[(error|crit|alert|emerg)\]/.test(line));
  }

  for (const [index, mode] of MODES.entries()) {
    describe(mode.name, () => {
      let pool: Pool;
      let port: number;

      beforeAll(() => {
        port = nginx.ports[index] as number;
        pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 });
      });

      afterAll(async () => {
        await pool?.close();
      });

      it(`${REQUESTS} random bodies (0–256 KiB) echoed through nginx: all 200 and identical, ${mode.keepAlive ? 'upstream connections reused' : 'one upstream connection each'}`, async () => {
        const seed = (Date.now() ^ (process.pid << 8)) >>> 0;
        const next = random(seed);
        const source = patternBytes(2 * MAX_BODY, seed);
        const statuses = new Map<number, number>();
        const problems: string[] = [];
        versions.clear();
        await counter.settle();
        counter.reset();
        const started = Date.now();
        let issued = 0;
        let bytes = 0;
        const worker = async (): Promise<void> => {
          while (issued < REQUESTS) {
            const i = issued++;
            const length = next() % (MAX_BODY + 1);
            const offset = next() % (source.length - length + 1);
            const body = source.subarray(offset, offset + length);
            const via = i % 2 === 0 ? 'bytes' : 'stream';
            try {
              const response = await pool.request({ path: `/echo?i=${i}&via=${via}`, method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
              const got = Buffer.from(await response.body.arrayBuffer());
              statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
              bytes += got.length;
              if (response.statusCode !== 200 || !got.equals(body)) {
                problems.push(`#${i} (${via}, ${length} bytes): status ${response.statusCode}, got ${got.length} bytes${got.equals(body) ? '' : ' that differ'}`);
              }
            } catch (error) {
              problems.push(`#${i} (${via}, ${length} bytes): ${String(error)}`);
            }
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        const elapsedMs = Date.now() - started;
        const summary = `seed ${seed}; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ${counter.accepted} upstream connections accepted (peak ${counter.peakOpen} open); rawhttp saw ${JSON.stringify(Object.fromEntries(versions))}; ${elapsedMs} ms`;
        console.log(`nginx ${mode.name}: ${REQUESTS} echoes, ${(bytes / 2 ** 20).toFixed(0)} MiB each way; ${summary}`);

        expect(problems.slice(0, 20), `${problems.length} bad exchanges; ${summary}`).toEqual([]);
        expect(statuses.get(200), summary).toBe(REQUESTS);
        expect(statuses.has(502) || statuses.has(504), summary).toBe(false);
        expect(versions.get(mode.version), `requests rawhttp saw as HTTP/${mode.version}; ${summary}`).toBe(REQUESTS);
        if (mode.keepAlive) {
          // At most one upstream connection per request in flight, each kept in the pool and reused.
          expect(counter.accepted, `upstream connections were not reused; ${summary}`).toBeLessThanOrEqual(KEEPALIVE_POOL);
        } else {
          expect(counter.accepted, `nginx's default mode opens one upstream connection per request; ${summary}`).toBe(REQUESTS);
        }
        expect(nginxErrors(), summary).toEqual([]);
      }, 90_000);

      if (mode.keepAlive) {
        // Narrows the reuse check above to one handler style at a time, sequentially, 40 bodies of 200 KiB.
        for (const via of ['bytes', 'stream'] as const) {
          it(`upstream connection kept when the handler ${via === 'bytes' ? 'reads the whole body, then answers' : 'streams the echo while reading (pipeline(req.body, res.stream()))'}`, async () => {
            const body = patternBytes(200 * 1024, 7);
            await counter.settle();
            counter.reset();
            for (let i = 0; i < 40; i++) {
              const response = await pool.request({ path: `/echo?via=${via}&n=${i}`, method: 'POST', body });
              const got = Buffer.from(await response.body.arrayBuffer());
              expect(response.statusCode).toBe(200);
              expect(got.equals(body), `echo #${i} differs`).toBe(true);
            }
            // nginx may still hold idle connections from earlier tests: count closes too, not only new connections.
            const seen = `${counter.accepted} upstream connections opened and ${counter.closed} closed during 40 sequential requests`;
            expect(counter.closed, `rawhttp closed upstream connections: ${seen}`).toBe(0);
            expect(counter.accepted, seen).toBeLessThanOrEqual(1);
          }, 30_000);
        }
      }

      it('a slow upload (64 KiB in 16 pieces over ~2 s) arrives whole, streamed through when nginx does not buffer', async () => {
        const pieces = Array.from({ length: 16 }, (_, i) => patternBytes(4096, 100 + i));
        const whole = Buffer.concat(pieces);
        const upload = async (path: string): Promise<{ status: number; result: { bytes: number; sha256: string; spreadMs: number } }> => {
          async function* slowly(): AsyncGenerator<Buffer> {
            for (const piece of pieces) {
              await delay(125);
              yield piece;
            }
          }
          const response = await pool.request({ path, method: 'POST', body: Readable.from(slowly()), headers: { 'content-length': String(whole.length) } });
          const text = await response.body.text();
          return { status: response.statusCode, result: JSON.parse(text) as { bytes: number; sha256: string; spreadMs: number } };
        };
        const [buffered, unbuffered] = await Promise.all([upload('/upload'), upload('/unbuffered/upload')]);
        for (const got of [buffered, unbuffered]) {
          expect(got.status).toBe(200);
          expect(got.result).toMatchObject({ bytes: whole.length, sha256: sha256(whole) });
        }
        expect(unbuffered.result.spreadMs, 'with proxy_request_buffering off rawhttp reads the body as the client sends it').toBeGreaterThan(1_000);
        expect(nginxErrors()).toEqual([]);
      }, 30_000);

      it('a streamed download (20 × 64 KiB, 50 ms apart) arrives whole, progressively when nginx does not buffer', async () => {
        const chunks = 20;
        const size = 64 * 1024;
        const gapMs = 50;
        const expected = sha256(Buffer.concat(Array.from({ length: chunks }, (_, i) => patternBytes(size, i + 1))));
        const download = async (path: string): Promise<{ status: number; bytes: number; sha256: string; spreadMs: number }> => {
          const response = await pool.request({ path: `${path}?chunks=${chunks}&size=${size}&gapMs=${gapMs}`, method: 'GET' });
          const hash = createHash('sha256');
          let bytes = 0;
          let first = 0;
          for await (const chunk of response.body) {
            if (first === 0) first = Date.now();
            hash.update(chunk as Buffer);
            bytes += (chunk as Buffer).length;
          }
          return { status: response.statusCode, bytes, sha256: hash.digest('hex'), spreadMs: Date.now() - first };
        };
        const [buffered, unbuffered] = await Promise.all([download('/download'), download('/unbuffered/download')]);
        for (const got of [buffered, unbuffered]) {
          expect(got).toMatchObject({ status: 200, bytes: chunks * size, sha256: expected });
        }
        expect(unbuffered.spreadMs, 'with proxy_buffering off the first bytes reach the client long before the last').toBeGreaterThan(((chunks - 1) * gapMs) / 2);
        expect(nginxErrors()).toEqual([]);
      }, 30_000);
    });
  }

  it('rawhttp reported no handler or protocol errors', () => {
    expect(errors.filter((e) => e.context.kind !== 'Socket').map((e) => `${e.context.kind}: ${String(e.error)}`)).toEqual([]);
  });
});
