// Integration with undici 7 as the client: plain requests, pipelining,
// a 50-connection pool, bodies of every size both ways (buffered and
// streamed), chunked uploads and trailers, header and target helpers,
// handler failures and keep-alive reuse.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildConnector, Client, Pool, request, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Handler, Server } from '../../lib/index.ts';
import { parseResponses, sendRaw, show } from './support/raw.ts';
import { delay, patternBytes, ServerPool, sha256, type TestServer } from './support/server.ts';

const servers = new ServerPool();
let dispatchers: Dispatcher[] = [];

afterEach(async () => {
  const open = dispatchers;
  dispatchers = [];
  await Promise.all(open.map((d) => d.destroy().catch(() => undefined)));
  await servers.closeAll();
});

function track<D extends Dispatcher>(dispatcher: D): D {
  dispatchers.push(dispatcher);
  return dispatcher;
}

const MIB = 1024 * 1024;

/** Routes shared by the cases below; `self()` gives the running server. */
function routes(self: () => Server): Handler {
  return async (req, res) => {
    switch (req.path) {
      case '/hello':
        res.status(200).header('content-type', 'text/plain').end('hello');
        return;
      case '/echo-bytes': {
        const body = await req.bytes();
        res
          .status(200)
          .header('x-received-sha256', sha256(body))
          .header('x-received-length', body.length)
          .header('x-received-te', req.headers.get('transfer-encoding') ?? '')
          .end(body);
        return;
      }
      case '/echo-stream':
        await pipeline(req.body, res.stream());
        return;
      case '/gen': {
        const size = Number(req.query.get('n'));
        const data = patternBytes(size, 7);
        if (req.query.get('mode') === 'end') {
          res.status(200).end(data);
          return;
        }
        const writer = res.stream();
        for (let at = 0; at < data.length; at += 100_000) {
          if (!writer.write(data.subarray(at, at + 100_000))) await new Promise((resolve) => writer.once('drain', resolve));
        }
        writer.end();
        return;
      }
      case '/id': {
        const id = req.query.get('id') ?? '';
        const wait = Number(req.query.get('wait') ?? '0');
        if (wait > 0) await delay(wait);
        res.status(200).header('x-id', id).end(`id=${id}`);
        return;
      }
      case '/connections':
        res.status(200).end(String(self().connections));
        return;
      case '/headers': {
        const h = req.headers;
        res.status(200).end(
          JSON.stringify({
            lower: h.get('x-custom-header') ?? null,
            upper: h.get('X-CUSTOM-HEADER') ?? null,
            mixed: h.get('x-CuStOm-HeAdEr') ?? null,
            has: h.has('X-Custom-Header'),
            all: h.getAll('X-REP'),
            joined: h.get('x-rep') ?? null,
            missing: h.get('x-missing') ?? null,
            missingAll: h.getAll('x-missing'),
            entries: [...h],
          }),
        );
        return;
      }
      case '/trailers': {
        const body = await req.text();
        const trailers = req.trailers;
        res.status(200).end(
          JSON.stringify({
            body,
            trailers: trailers === undefined ? null : [...trailers],
            checksum: trailers?.get('x-CHECKSUM') ?? null,
          }),
        );
        return;
      }
      case '/throw-sync':
        throw new Error('sync failure');
      case '/throw-async':
        await delay(5);
        throw new Error('async failure');
      case '/throw-after-stream': {
        const writer = res.stream();
        writer.write('partial body');
        await delay(5);
        throw new Error('failure after the head was sent');
      }
      default:
        if (req.path.startsWith('/target')) {
          res.status(200).end(
            JSON.stringify({ method: req.method, target: req.target, path: req.path, query: [...req.query], version: req.version }),
          );
          return;
        }
        res.status(404).end('not found');
    }
  };
}

async function start(options: Parameters<ServerPool['start']>[0] = {}): Promise<TestServer> {
  let server: Server | undefined;
  const started = await servers.start({ maxBodyBytes: 16 * MIB, ...options }, routes(() => server as Server));
  server = started.server;
  return started;
}

describe('undici request()', () => {
  it('GET returns status, headers and body', async () => {
    const { server } = await start();
    const dispatcher = track(new Client(server.url));
    const response = await request(`${server.url}/hello`, { dispatcher });
    const body = await response.body.text();
    expect({ status: response.statusCode, body, type: response.headers['content-type'], length: response.headers['content-length'] }).toEqual({
      status: 200,
      body: 'hello',
      type: 'text/plain',
      length: '5',
    });
    expect(response.headers['date']).toMatch(/GMT$/);
  });

  it('POST sends a body that the handler reads', async () => {
    const { server } = await start();
    const dispatcher = track(new Client(server.url));
    const response = await request(`${server.url}/echo-bytes`, { method: 'POST', body: 'payload é', dispatcher });
    expect(response.statusCode).toBe(200);
    expect(await response.body.text()).toBe('payload é');
    expect(response.headers['x-received-length']).toBe(String(Buffer.byteLength('payload é')));
  });

  it('HEAD gets the GET headers (Content-Length 5) and an empty body', async () => {
    const { server } = await start();
    const dispatcher = track(new Client(server.url));
    const response = await request(`${server.url}/hello`, { method: 'HEAD', dispatcher });
    const body = Buffer.from(await response.body.arrayBuffer());
    expect({ status: response.statusCode, length: response.headers['content-length'], bodyBytes: body.length }).toEqual({
      status: 200,
      length: '5',
      bodyBytes: 0,
    });
    // The connection is still usable: no stray body bytes were sent after the HEAD response.
    const next = await request(`${server.url}/hello`, { dispatcher });
    expect(await next.body.text()).toBe('hello');
  });

  it('unknown paths get the handler status (404)', async () => {
    const { server } = await start();
    const dispatcher = track(new Client(server.url));
    const response = await request(`${server.url}/nowhere`, { dispatcher });
    expect(response.statusCode).toBe(404);
    expect(await response.body.text()).toBe('not found');
  });
});

describe('pipelining and pools', () => {
  it('a Client with pipelining: 10 gets 200 concurrent requests answered, each matched to its own id', async () => {
    const { server } = await start();
    const client = track(new Client(server.url, { pipelining: 10 }));
    const count = 200;
    const results = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        // Uneven handler delays: a response finishing early must still wait its turn.
        const response = await client.request({ path: `/id?id=${i}&wait=${(i * 7) % 5}`, method: 'GET' });
        return { i, status: response.statusCode, header: response.headers['x-id'], body: await response.body.text() };
      }),
    );
    const wrong = results.filter((r) => r.status !== 200 || r.header !== String(r.i) || r.body !== `id=${r.i}`);
    expect(wrong.slice(0, 5), `${wrong.length} of ${count} responses mismatched`).toEqual([]);
    expect(server.connections).toBeLessThanOrEqual(1);
  });

  it('a Pool with 50 connections serves 5 000 requests: all 200, bodies correct, at most 50 server connections', async () => {
    const { server } = await start();
    let connects = 0;
    const connector = buildConnector({});
    const pool = track(
      new Pool(server.url, {
        connections: 50,
        connect: (options, callback) => {
          connects++;
          connector(options, callback);
        },
      }),
    );
    let maxConnections = 0;
    const sampler = setInterval(() => {
      maxConnections = Math.max(maxConnections, server.connections);
    }, 2);
    try {
      const count = 5_000;
      const results = await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const response = await pool.request({ path: `/id?id=${i}`, method: 'GET' });
          const body = await response.body.text();
          maxConnections = Math.max(maxConnections, server.connections);
          return { i, status: response.statusCode, body };
        }),
      );
      const wrong = results.filter((r) => r.status !== 200 || r.body !== `id=${r.i}`);
      expect(wrong.slice(0, 5), `${wrong.length} of ${count} wrong`).toEqual([]);
    } finally {
      clearInterval(sampler);
    }
    expect(maxConnections, 'server.connections exceeded the pool size').toBeLessThanOrEqual(50);
    expect(maxConnections).toBeGreaterThan(0);
    expect(connects, 'the pool opened more connections than it has slots: keep-alive not reused').toBeLessThanOrEqual(50);
  });

  it('keep-alive is reused: 20 sequential requests over one TCP connection', async () => {
    const { server } = await start();
    let connects = 0;
    const connector = buildConnector({});
    const client = track(
      new Client(server.url, {
        connect: (options, callback) => {
          connects++;
          connector(options, callback);
        },
      }),
    );
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await client.request({ path: '/connections', method: 'GET' });
      expect(response.headers['connection'], `request ${i}`).toBeUndefined();
      seen.push(await response.body.text());
    }
    expect(seen, 'server.connections seen by the handler').toEqual(Array.from({ length: 20 }, () => '1'));
    expect(connects, 'TCP connections opened by the client').toBe(1);
    expect(server.connections).toBe(1);
  });
});

describe('bodies both ways, compared by sha256', () => {
  const sizes = [0, 1, 64 * 1024, 8 * MIB] as const;

  for (const size of sizes) {
    it(`${size} B echoed through req.bytes() and res.end()`, async () => {
      const { server } = await start();
      const dispatcher = track(new Client(server.url));
      const sent = patternBytes(size, size + 1);
      const response = await request(`${server.url}/echo-bytes`, { method: 'POST', body: sent, dispatcher });
      const got = Buffer.from(await response.body.arrayBuffer());
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-received-length'], 'bytes the server received').toBe(String(size));
      expect(response.headers['x-received-sha256'], 'sha256 of what the server received').toBe(sha256(sent));
      expect({ length: got.length, sha256: sha256(got) }, 'what came back').toEqual({ length: size, sha256: sha256(sent) });
    });

    it(`${size} B echoed by piping req.body into res.stream()`, async () => {
      const { server } = await start();
      const dispatcher = track(new Client(server.url));
      const sent = patternBytes(size, size + 2);
      const response = await request(`${server.url}/echo-stream`, { method: 'POST', body: sent, dispatcher });
      const got = Buffer.from(await response.body.arrayBuffer());
      expect(response.statusCode).toBe(200);
      expect(response.headers['transfer-encoding']).toBe('chunked');
      expect({ length: got.length, sha256: sha256(got) }).toEqual({ length: size, sha256: sha256(sent) });
    });

    for (const mode of ['end', 'stream'] as const) {
      it(`${size} B generated by the server with res.${mode === 'end' ? 'end(body)' : 'stream()'}`, async () => {
        const { server } = await start();
        const dispatcher = track(new Client(server.url));
        const response = await request(`${server.url}/gen?n=${size}&mode=${mode}`, { dispatcher });
        const got = Buffer.from(await response.body.arrayBuffer());
        const want = patternBytes(size, 7);
        expect(response.statusCode).toBe(200);
        if (mode === 'end') expect(response.headers['content-length']).toBe(String(size));
        expect({ length: got.length, sha256: sha256(got) }).toEqual({ length: size, sha256: sha256(want) });
      });
    }
  }

  it('a chunked upload (a stream from an async generator, no length) reaches req.bytes() intact', async () => {
    const { server } = await start();
    const dispatcher = track(new Client(server.url));
    const pieces = [patternBytes(1, 1), patternBytes(70_000, 2), patternBytes(0, 3), patternBytes(3 * MIB, 4), patternBytes(17, 5)];
    const whole = Buffer.concat(pieces);
    async function* body(): AsyncGenerator<Buffer> {
      for (const piece of pieces) {
        yield piece;
        await delay(1);
      }
    }
    const response = await request(`${server.url}/echo-bytes`, { method: 'POST', body: Readable.from(body()), dispatcher });
    const got = Buffer.from(await response.body.arrayBuffer());
    expect(response.headers['x-received-te'], 'the upload was not chunked').toBe('chunked');
    expect(response.headers['x-received-sha256']).toBe(sha256(whole));
    expect({ length: got.length, sha256: sha256(got) }).toEqual({ length: whole.length, sha256: sha256(whole) });
  });

  it('a chunked upload streamed back through res.stream() arrives intact', async () => {
    const { server } = await start();
    const dispatcher = track(new Client(server.url));
    const pieces = Array.from({ length: 40 }, (_, i) => patternBytes(1 + i * 3_001, i + 10));
    const whole = Buffer.concat(pieces);
    async function* body(): AsyncGenerator<Buffer> {
      yield* pieces;
    }
    const response = await request(`${server.url}/echo-stream`, { method: 'POST', body: Readable.from(body()), dispatcher });
    const got = Buffer.from(await response.body.arrayBuffer());
    expect({ length: got.length, sha256: sha256(got) }).toEqual({ length: whole.length, sha256: sha256(whole) });
  });

  it('trailers of a chunked request reach req.trailers (raw socket: undici cannot send request trailers)', async () => {
    const { server } = await start();
    const wire =
      'POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum, X-Other\r\nConnection: close\r\n\r\n' +
      '5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc123\r\nX-Other:  spaced  \r\n\r\n';
    const got = await sendRaw(server.port, wire, { timeoutMs: 3_000 });
    const response = parseResponses(got.bytes, { closed: true }).responses[0];
    expect(response?.status, show(got.bytes)).toBe(200);
    expect(JSON.parse(response?.body.toString() ?? 'null')).toEqual({
      body: 'hello world',
      trailers: [
        ['X-Checksum', 'abc123'],
        ['X-Other', 'spaced'],
      ],
      checksum: 'abc123',
    });
  });

  it('trailers split across several writes still reach req.trailers', async () => {
    const { server } = await start();
    const wire =
      'POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' + '3\r\nabc\r\n0\r\nX-Checksum: split\r\n\r\n';
    const pieces: string[] = [];
    for (let i = 0; i < wire.length; i += 5) pieces.push(wire.slice(i, i + 5));
    const got = await sendRaw(server.port, pieces, { timeoutMs: 3_000 });
    const response = parseResponses(got.bytes, { closed: true }).responses[0];
    expect(JSON.parse(response?.body.toString() ?? 'null'), show(got.bytes)).toEqual({
      body: 'abc',
      trailers: [['X-Checksum', 'split']],
      checksum: 'split',
    });
  });
});

describe('request helpers', () => {
  it('header lookups are case-insensitive; repeated fields come back in order from getAll', async () => {
    const { server } = await start();
    const dispatcher = track(new Client(server.url));
    const response = await request(`${server.url}/headers`, {
      dispatcher,
      headers: ['X-Custom-Header', 'Value', 'x-rep', 'a', 'X-Rep', 'b, c', 'x-REP', 'd'],
    });
    const got = (await response.body.json()) as Record<string, unknown>;
    expect({ ...got, entries: undefined }).toEqual({
      lower: 'Value',
      upper: 'Value',
      mixed: 'Value',
      has: true,
      all: ['a', 'b, c', 'd'],
      joined: 'a, b, c, d',
      missing: null,
      missingAll: [],
      entries: undefined,
    });
  });

  it('header iteration keeps names as sent and the arrival order (raw socket)', async () => {
    const { server } = await start();
    const got = await sendRaw(
      server.port,
      'GET /headers HTTP/1.1\r\nHost: h\r\nX-Custom-Header:   Value  \r\nX-REP: 1\r\nx-rep: 2\r\nConnection: close\r\n\r\n',
      { timeoutMs: 3_000 },
    );
    const response = parseResponses(got.bytes, { closed: true }).responses[0];
    const body = JSON.parse(response?.body.toString() ?? 'null') as { entries: unknown; all: unknown; lower: unknown };
    expect(body.entries, show(got.bytes)).toEqual([
      ['Host', 'h'],
      ['X-Custom-Header', 'Value'],
      ['X-REP', '1'],
      ['x-rep', '2'],
      ['Connection', 'close'],
    ]);
    expect(body.all).toEqual(['1', '2']);
    expect(body.lower).toBe('Value');
  });

  it('req.path and req.query split the target; the target stays as sent', async () => {
    const { server } = await start();
    const dispatcher = track(new Client(server.url));
    const response = await request(`${server.url}/target/a%20b?x=1&y=two&x=3&empty=&sp=a+b&enc=%26%3D`, { dispatcher });
    expect(await response.body.json()).toEqual({
      method: 'GET',
      target: '/target/a%20b?x=1&y=two&x=3&empty=&sp=a+b&enc=%26%3D',
      path: '/target/a%20b',
      query: [
        ['x', '1'],
        ['y', 'two'],
        ['x', '3'],
        ['empty', ''],
        ['sp', 'a b'],
        ['enc', '&='],
      ],
      version: '1.1',
    });
  });

  it('a target without a query has an empty req.query', async () => {
    const { server } = await start();
    const dispatcher = track(new Client(server.url));
    const response = await request(`${server.url}/target`, { dispatcher });
    expect(await response.body.json()).toEqual({ method: 'GET', target: '/target', path: '/target', query: [], version: '1.1' });
  });

  it('absolute-form targets give the path and query of the URI (RFC 9112 §3.2.2)', async () => {
    const { server } = await start();
    const got = await sendRaw(server.port, 'GET http://example.com:8080/target/abs?q=1 HTTP/1.1\r\nHost: example.com:8080\r\nConnection: close\r\n\r\n', {
      timeoutMs: 3_000,
    });
    const response = parseResponses(got.bytes, { closed: true }).responses[0];
    expect(JSON.parse(response?.body.toString() ?? 'null'), show(got.bytes)).toEqual({
      method: 'GET',
      target: 'http://example.com:8080/target/abs?q=1',
      path: '/target/abs',
      query: [['q', '1']],
      version: '1.1',
    });
  });
});

describe('handler failures', () => {
  it('a handler that throws synchronously yields 500, reported to onError', async () => {
    const { server, errors } = await start();
    const dispatcher = track(new Client(server.url));
    const response = await request(`${server.url}/throw-sync`, { dispatcher });
    expect(response.statusCode).toBe(500);
    await response.body.dump();
    expect(errors.map((e) => e.context)).toEqual([{ kind: 'Handler', method: 'GET', target: '/throw-sync' }]);
    // The server is still healthy.
    const next = await request(`${server.url}/hello`, { dispatcher });
    expect(await next.body.text()).toBe('hello');
  });

  it('a handler whose promise rejects yields 500, reported to onError', async () => {
    const { server, errors } = await start();
    const dispatcher = track(new Client(server.url));
    const response = await request(`${server.url}/throw-async`, { dispatcher });
    expect(response.statusCode).toBe(500);
    await response.body.dump();
    expect(errors.map((e) => (e.error as Error).message)).toEqual(['async failure']);
  });

  it('a handler that throws after stream() gets the socket destroyed: the client sees an error, never a 500', async () => {
    const { server } = await start();
    const dispatcher = track(new Client(server.url));
    const outcome = await request(`${server.url}/throw-after-stream`, { dispatcher }).then(
      async (response) => {
        const status = response.statusCode;
        try {
          await response.body.arrayBuffer();
          return `status ${status}, body completed without error`;
        } catch (error) {
          return `status ${status}, body error ${(error as Error).name}`;
        }
      },
      (error: unknown) => `request error ${(error as Error).name}`,
    );
    expect(outcome).toMatch(/^(status 200, body error|request error)/);
  });

  it('after a throw past stream(), the wire holds one status line and an unterminated chunked body', async () => {
    const { server } = await start();
    const got = await sendRaw(server.port, 'GET /throw-after-stream HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3_000 });
    const text = got.bytes.toString('latin1');
    expect(got.closed, `socket not closed: ${show(text)}`).toBe(true);
    expect(text.match(/HTTP\/1\.1 \d{3}/g), show(text)).toEqual(['HTTP/1.1 200']);
    expect(text.endsWith('0\r\n\r\n'), `the broken body was terminated as if complete: ${show(text)}`).toBe(false);
  });
});
