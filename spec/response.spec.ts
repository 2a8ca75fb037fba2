// Runtime guards of the typestate response and its framing choices, through
// a real server and undici (issue 2, items 6 and 7).
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { connect } from 'node:net';
import {
  ContentLengthMismatchError,
  HeadersSentError,
  InvalidResponseError,
  ResponseEndedError,
  serve,
  type Handler,
  type Server,
} from '../lib/index.ts';

let server: Server | null = null;
afterEach(async () => {
  await server?.close({ timeoutMs: 1_000 });
  server = null;
});

async function start(handler: Handler): Promise<string> {
  server = await serve({ port: 0, onError: () => {} }, handler);
  return server.url;
}

function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (got += chunk));
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
    socket.write(bytes);
    setTimeout(() => {
      socket.destroy();
      resolve(got);
    }, 2_000).unref();
  });
}

describe('typestate runtime guard (for untyped callers)', () => {
  it('throws HeadersSentError for header()/status() after end(), ResponseEndedError for a second end()', async () => {
    const errors: unknown[] = [];
    const url = await start((_req, res) => {
      res.end('x');
      const loose = res as unknown as { header(n: string, v: string): void; status(c: number): void; end(): void };
      for (const misuse of [() => loose.header('a', 'b'), () => loose.status(404), () => loose.end()]) {
        try {
          misuse();
        } catch (error) {
          errors.push(error);
        }
      }
    });
    const response = await request(url);
    expect(await response.body.text()).toBe('x');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toBeInstanceOf(HeadersSentError);
    expect((errors[0] as HeadersSentError).code).toBe('ERR_HTTP_HEADERS_SENT');
    expect(errors[1]).toBeInstanceOf(HeadersSentError);
    expect(errors[2]).toBeInstanceOf(ResponseEndedError);
  });

  it('throws HeadersSentError for header() after stream()', async () => {
    let caught: unknown;
    const url = await start((_req, res) => {
      const writer = res.stream();
      try {
        res.header('x-late', '1');
      } catch (error) {
        caught = error;
      }
      writer.end('streamed');
    });
    const response = await request(url);
    expect(await response.body.text()).toBe('streamed');
    expect(response.headers['x-late']).toBeUndefined();
    expect(caught).toBeInstanceOf(HeadersSentError);
  });
});

describe('header validation', () => {
  const cases: Array<[string, () => void, string]> = [];
  it.each([
    ['name with space', (res: Parameters<Handler>[1]) => res.header('bad name', 'v'), 'ERR_INVALID_HTTP_TOKEN'],
    ['empty name', (res: Parameters<Handler>[1]) => res.header('', 'v'), 'ERR_INVALID_HTTP_TOKEN'],
    ['CRLF injection in value', (res: Parameters<Handler>[1]) => res.header('x', 'a\r\nSet-Cookie: evil=1'), 'ERR_INVALID_CHAR'],
    ['NUL in value', (res: Parameters<Handler>[1]) => res.header('x', 'a\0b'), 'ERR_INVALID_CHAR'],
    ['char above Latin-1', (res: Parameters<Handler>[1]) => res.header('x', 'snow ☃'), 'ERR_INVALID_CHAR'],
    ['status 99', (res: Parameters<Handler>[1]) => res.status(99), 'ERR_HTTP_INVALID_STATUS_CODE'],
    ['status 1000', (res: Parameters<Handler>[1]) => res.status(1000), 'ERR_HTTP_INVALID_STATUS_CODE'],
    ['status 101 (not final)', (res: Parameters<Handler>[1]) => res.status(101), 'ERR_HTTP_INVALID_STATUS_CODE'],
  ])('%s → InvalidResponseError', async (_name, misuse, code) => {
    let caught: unknown;
    const url = await start((_req, res) => {
      try {
        misuse(res);
      } catch (error) {
        caught = error;
      }
      res.end('ok');
    });
    const response = await request(url);
    expect(response.statusCode).toBe(200);
    expect(await response.body.text()).toBe('ok');
    expect(caught).toBeInstanceOf(InvalidResponseError);
    expect((caught as InvalidResponseError).code).toBe(code);
  });
  expect(cases).toHaveLength(0);
});

describe('framing of responses', () => {
  it('end(string) sends Content-Length in UTF-8 bytes and one Date header', async () => {
    const url = await start((_req, res) => void res.end('héllo ☃'));
    const response = await request(url);
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength('héllo ☃')));
    expect(typeof response.headers['date']).toBe('string');
    expect(await response.body.text()).toBe('héllo ☃');
  });

  it('stream() without Content-Length is chunked for HTTP/1.1, and trailers arrive', async () => {
    const url = await start((_req, res) => {
      const writer = res.header('trailer', 'x-sum').stream();
      writer.write('a');
      writer.write('bc');
      writer.setTrailers({ 'x-sum': '3' });
      writer.end();
    });
    const port = Number(new URL(url).port);
    const raw = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).toContain('Transfer-Encoding: chunked\r\n');
    expect(raw.endsWith('\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\nx-sum: 3\r\n\r\n')).toBe(true);
  });

  it('chunks queued together (cork, or writes while one is pending) go out as one chunk, in order, and within the declared length', async () => {
    const url = await start((req, res) => {
      if (req.path === '/length') res.header('content-length', '6');
      if (req.path === '/over') res.header('content-length', '3');
      const writer = res.stream();
      writer.cork();
      writer.write('ab');
      writer.write(Buffer.from('cd'));
      writer.write('');
      writer.write(req.path === '/over' ? 'x' : 'é');
      writer.uncork();
      writer.end();
    });
    const port = Number(new URL(url).port);
    const chunked = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    // 'é' is two UTF-8 bytes, read back here as two Latin-1 characters.
    expect(chunked.endsWith('\r\n\r\n6\r\nabcd\u00c3\u00a9\r\n0\r\n\r\n'), chunked).toBe(true);
    const length = await rawExchange(port, 'GET /length HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(length).toContain('content-length: 6\r\n');
    expect(length.endsWith('\r\n\r\nabcd\u00c3\u00a9'), length).toBe(true);
    await expect(request(new URL('/over', url)).then((r) => r.body.text())).rejects.toThrow();
  });

  it('end(bytes) around the copy threshold, pipelined between text responses, arrives whole and in order', async () => {
    // Bodies below 4 KiB (with the head) leave as one copied Buffer, larger ones uncopied; both must frame alike.
    const sizes = [1, 100, 3_900, 4_000, 4_096, 5_000, 70_000];
    const pattern = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff));
    const url = await start((req, res) => {
      const n = Number(req.path.slice(1));
      if (req.path === '/text') return void res.end('plain');
      if (req.path === '/latin1') return void res.status(200, 'Ok\u00e9').end(pattern(10));
      res.header('content-type', 'application/octet-stream').end(pattern(n));
    });
    const paths = sizes.flatMap((n) => [`/${n}`, '/text']).concat('/latin1');
    const wire = paths.map((path, i) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('');
    const raw = Buffer.from(await rawExchange(Number(new URL(url).port), wire), 'latin1');
    let at = 0;
    for (const path of paths) {
      const headEnd = raw.indexOf('\r\n\r\n', at);
      expect(headEnd, `head of ${path}`).toBeGreaterThan(at);
      const head = raw.toString('latin1', at, headEnd);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
      const body = raw.subarray(headEnd + 4, headEnd + 4 + length);
      if (path === '/text') expect(body.toString()).toBe('plain');
      else if (path === '/latin1') {
        expect(head.startsWith('HTTP/1.1 200 Ok\u00e9\r\n')).toBe(true);
        expect(body.equals(pattern(10))).toBe(true);
      } else expect(body.equals(pattern(Number(path.slice(1)))), `body of ${path}`).toBe(true);
      at = headEnd + 4 + length;
    }
    expect(at).toBe(raw.length);
  });

  it('a keep-alive connection reusing its last head never sends a stale or missing field', async () => {
    // Each path answers with its own head; repeats reuse the connection's last head, changes must not.
    const url = await start((req, res) => {
      const path = req.path;
      if (path === '/a') return void res.header('x-route', 'a').end('aa');
      if (path === '/b') return void res.header('x-route', 'b').end('aa');
      if (path === '/c') return void res.status(201).header('x-route', 'a').end('aa');
      if (path === '/d') return void res.header('x-route', 'a').header('x-more', '1').end('aa');
      if (path === '/e') return void res.header('x-route', 'a').end('aaa');
      if (path === '/f') return void res.header('x-route', 'a').header('connection', 'close').end('aa');
      res.end('aa');
    });
    const paths = ['/a', '/a', '/b', '/a', '/c', '/c', '/a', '/d', '/a', '/n', '/n', '/a', '/e', '/a', '/f'];
    const wire = paths.map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join('');
    const raw = await rawExchange(Number(new URL(url).port), wire);
    const heads = raw.split(/\r\n\r\na+/).filter((head) => head !== '');
    expect(heads).toHaveLength(paths.length);
    const fieldsOf = (head: string): string[] =>
      head
        .split('\r\n')
        .slice(1)
        .filter((line) => !line.startsWith('Date: '));
    const keepAlive = ['Keep-Alive: timeout=65']; // the default keepAliveTimeoutMs
    const expected: Record<string, { status: string; fields: string[] }> = {
      '/a': { status: 'HTTP/1.1 200 OK', fields: ['x-route: a', 'Content-Length: 2', ...keepAlive] },
      '/b': { status: 'HTTP/1.1 200 OK', fields: ['x-route: b', 'Content-Length: 2', ...keepAlive] },
      '/c': { status: 'HTTP/1.1 201 Created', fields: ['x-route: a', 'Content-Length: 2', ...keepAlive] },
      '/d': { status: 'HTTP/1.1 200 OK', fields: ['x-route: a', 'x-more: 1', 'Content-Length: 2', ...keepAlive] },
      '/e': { status: 'HTTP/1.1 200 OK', fields: ['x-route: a', 'Content-Length: 3', ...keepAlive] },
      '/f': { status: 'HTTP/1.1 200 OK', fields: ['x-route: a', 'Content-Length: 2', 'Connection: close'] },
      '/n': { status: 'HTTP/1.1 200 OK', fields: ['Content-Length: 2', ...keepAlive] },
    };
    paths.forEach((path, i) => {
      const head = heads[i] as string;
      expect(head.split('\r\n')[0], `status of response ${i} (${path})`).toBe(expected[path]?.status);
      expect(fieldsOf(head), `fields of response ${i} (${path})`).toEqual(expected[path]?.fields);
      expect(head.match(/\r\nDate: /g), `one Date in response ${i}`).toHaveLength(1);
    });
  });

  it('stream() to an HTTP/1.0 client is delimited by close', async () => {
    const url = await start((_req, res) => {
      const writer = res.stream();
      writer.write('one ');
      writer.end('two');
    });
    const raw = await rawExchange(Number(new URL(url).port), 'GET / HTTP/1.0\r\n\r\n');
    expect(raw).toContain('Connection: close\r\n');
    expect(raw).not.toContain('Transfer-Encoding');
    expect(raw.endsWith('\r\n\r\none two')).toBe(true);
  });

  it('HEAD gets Content-Length and no body; 204 and 304 get no body', async () => {
    const url = await start((req, res) => {
      if (req.path === '/204') return void res.status(204).end();
      if (req.path === '/304') return void res.status(304).end();
      res.end('twelve bytes');
    });
    const port = Number(new URL(url).port);
    const raw = await rawExchange(
      port,
      'HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    const responses = raw.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(3);
    expect(responses[0]).toContain('Content-Length: 12\r\n');
    expect(responses[0]?.endsWith('\r\n\r\n')).toBe(true);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
    expect(responses[1]).not.toContain('Content-Length');
    expect(responses[2]).toMatch(/^HTTP\/1\.1 304 Not Modified\r\n/);
    expect(responses[2]?.endsWith('\r\n\r\n')).toBe(true);
  });

  it('a declared Content-Length that end(body) contradicts throws before anything is sent', async () => {
    let caught: unknown;
    const url = await start((_req, res) => {
      res.header('content-length', '5');
      try {
        res.end('too long');
      } catch (error) {
        caught = error;
      }
      res.removeHeader('content-length').end('fixed');
    });
    const response = await request(url);
    expect(await response.body.text()).toBe('fixed');
    expect(caught).toBeInstanceOf(ContentLengthMismatchError);
  });

  it('a streamed body shorter than its Content-Length destroys the socket instead of sending a corrupt message', async () => {
    const url = await start((_req, res) => {
      const writer = res.header('content-length', '10').stream();
      writer.end('short');
    });
    await expect(request(url).then((r) => r.body.text())).rejects.toThrow();
  });

  it('repeated Set-Cookie lines stay separate', async () => {
    const url = await start((_req, res) => void res.header('set-cookie', ['a=1', 'b=2']).appendHeader('set-cookie', 'c=3').end());
    const response = await request(url);
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2', 'c=3']);
  });

  it("a handler's Connection: close is honoured and the connection closes", async () => {
    const url = await start((_req, res) => void res.header('connection', 'close').end('bye'));
    const raw = await rawExchange(Number(new URL(url).port), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(raw.match(/Connection: close\r\n/g)).toHaveLength(1);
    expect(raw.endsWith('bye')).toBe(true);
  });

  it('a Latin-1 reason phrase goes out as Latin-1 bytes while a UTF-8 body stays UTF-8, with or without a body, also pipelined', async () => {
    const url = await start((req, res) => {
      // ASCII header values: only the reason makes the head non-ASCII.
      const reply = res.status(200, 'Grüße').header('x-v', 'plain');
      void (req.target === '/empty' ? reply.end() : reply.end('☃'));
    });
    const port = Number(new URL(url).port);
    const raw = Buffer.from(await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 'latin1');
    const text = raw.toString('latin1');
    const [first, second] = text.split('HTTP/1.1 200 ').slice(1);
    expect(first?.startsWith('Grüße\r\n'), `first status line: ${JSON.stringify(first?.slice(0, 12))}`).toBe(true);
    expect(raw.includes(Buffer.from('\r\n\r\n☃', 'utf8')), 'body bytes are UTF-8').toBe(true);
    expect(second?.startsWith('Grüße\r\n')).toBe(true);
    expect(second).toContain('Content-Length: 0\r\n');
  });
});

describe('request facts', () => {
  it('host is the Host field as received (trimmed), equal to headers.get, undefined for HTTP/1.0 without one, also pipelined', async () => {
    const seen: Array<[string | undefined, string | undefined]> = [];
    const url = await start((req, res) => {
      seen.push([req.host, req.headers.get('host')]);
      res.end('ok');
    });
    const raw = 'GET / HTTP/1.1\r\nAccept: */*\r\nHost:   example.com:8080  \r\nX-A: b\r\n\r\nGET /2 HTTP/1.1\r\nHost: [::1]\r\n\r\nGET /3 HTTP/1.0\r\n\r\n';
    await rawExchange(Number(new URL(url).port), raw);
    expect(seen).toEqual([
      ['example.com:8080', 'example.com:8080'],
      ['[::1]', '[::1]'],
      [undefined, undefined],
    ]);
  });

  it('exposes hasBody and the peer address', async () => {
    const seen: Array<[boolean, string | undefined, number | undefined]> = [];
    const url = await start(async (req, res) => {
      seen.push([req.hasBody, req.remoteAddress, req.remotePort]);
      res.end(await req.text());
    });
    await (await request(url)).body.text();
    await (await request(url, { method: 'POST', body: 'x' })).body.text();
    expect(seen.map(([hasBody]) => hasBody)).toEqual([false, true]);
    expect(seen[0]?.[1]).toBe('127.0.0.1');
    expect(seen[0]?.[2]).toBeGreaterThan(0);
  });
});
