// Byte-exact integration cases over raw node:net sockets: persistence
// (RFC 9112 §9.3), pipelining order, HEAD, error statuses for each class of
// bad input, and what happens to bodies the handler ignores.

import { afterEach, describe, expect, it } from 'vitest';
import type { Handler, Request, Server } from '../../lib/index.ts';
import { parseResponses, RawClient, sendRaw, show, type RawResponse } from './support/raw.ts';
import { delay, eventually, ServerPool } from './support/server.ts';

const servers = new ServerPool();
afterEach(async () => {
  await servers.closeAll();
});

/** Routes shared by most cases. */
const handler: Handler = async (req, res) => {
  const path = req.path;
  if (path.startsWith('/slow')) await delay(Number(req.query.get('ms') ?? '30'));
  if (path === '/read') {
    const body = await req.bytes();
    res.status(200).end(`read ${body.length}`);
    return;
  }
  res.status(200).header('X-Path', path).end(`hello ${path}`);
};

async function start(options: Parameters<ServerPool['start']>[0] = {}, h: Handler = handler): Promise<number> {
  const { server } = await servers.start(options, h);
  return server.port;
}

function describeResponses(responses: readonly RawResponse[]): string {
  return JSON.stringify(responses.map((r) => ({ status: r.statusLine, fields: r.fields, body: r.body.toString('latin1').slice(0, 80) })));
}

const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

describe('persistence (RFC 9112 §9.3)', () => {
  it('HTTP/1.0 without keep-alive: the response says Connection: close and the server closes', async () => {
    const port = await start();
    const got = await sendRaw(port, 'GET /a HTTP/1.0\r\n\r\n', { timeoutMs: 3_000 });
    expect(got.closed, `server did not close within 3 s; received ${show(got.bytes)}`).toBe(true);
    const { responses, rest, error } = parseResponses(got.bytes, { closed: true });
    expect(error, show(got.bytes)).toBeUndefined();
    expect(rest.length, `trailing bytes ${show(rest)}`).toBe(0);
    expect(responses.length, describeResponses(responses)).toBe(1);
    const [response] = responses as [RawResponse];
    expect(response.status).toBe(200);
    expect(response.header('connection')?.toLowerCase()).toBe('close');
    expect(response.body.toString()).toBe('hello /a');
  });

  it('HTTP/1.0 with Connection: keep-alive is answered with keep-alive and serves a second request', async () => {
    const port = await start();
    const client = new RawClient(port);
    try {
      await client.write('GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const first = await client.responses(1, { timeoutMs: 3_000 });
      expect(first.length, `got ${show(client.bytes)}`).toBe(1);
      expect(first[0]?.header('connection')?.toLowerCase(), describeResponses(first)).toBe('keep-alive');
      expect(first[0]?.body.toString()).toBe('hello /one');
      // The connection must still be open after the first response.
      await delay(50);
      expect(client.closed, 'server closed a keep-alive HTTP/1.0 connection').toBe(false);
      await client.write('GET /two HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const both = await client.responses(2, { timeoutMs: 3_000 });
      expect(both.length, `got ${show(client.bytes)}`).toBe(2);
      expect(both[1]?.status).toBe(200);
      expect(both[1]?.body.toString()).toBe('hello /two');
      expect(both[1]?.header('connection')?.toLowerCase()).toBe('keep-alive');
    } finally {
      client.destroy();
    }
  });

  it('HTTP/1.1 Connection: close is honoured: Connection: close in the response, then the server closes', async () => {
    const port = await start();
    const got = await sendRaw(port, 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 3_000 });
    expect(got.closed, `server did not close; received ${show(got.bytes)}`).toBe(true);
    const { responses, rest } = parseResponses(got.bytes, { closed: true });
    expect(responses.length, show(got.bytes)).toBe(1);
    expect(rest.length).toBe(0);
    expect(responses[0]?.status).toBe(200);
    expect(responses[0]?.header('connection')?.toLowerCase()).toBe('close');
  });

  // Who asked for the close decides how the server lets go: a client that
  // said "close" sends nothing more (RFC 9112 §9.6), so its socket is
  // released as soon as the response is out; when the server decides, or
  // bytes already followed the request, the server keeps reading until the
  // client's FIN, so that a late request cannot turn into a reset that
  // destroys the response in the client's buffer.
  describe('closing: released at once when the client asked, lingering otherwise', () => {
    // Sends `request` on a fresh client and waits for one 200 and the server's FIN.
    async function answeredThenFin(h: Handler, request: string): Promise<{ server: Server; client: RawClient }> {
      const { server } = await servers.start({}, h);
      const client = new RawClient(server.port);
      await client.write(request);
      const responses = await client.responses(1, { timeoutMs: 3_000 });
      expect(responses.map((r) => r.status), show(client.bytes)).toEqual([200]);
      expect(await client.waitForClose(3_000), 'no FIN from the server').toBe(true);
      return { server, client };
    }

    const closeCases = [
      { name: 'HTTP/1.1 Connection: close', request: 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' },
      { name: 'HTTP/1.0 without keep-alive', request: 'GET /c HTTP/1.0\r\n\r\n' },
      { name: 'Connection: close on a request with a body read by the handler', request: 'POST /read HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello' },
    ];
    for (const c of closeCases) {
      it(`${c.name}: the server closes its socket after the response without waiting for the client's FIN`, async () => {
        const { server, client } = await answeredThenFin(handler, c.request);
        try {
          // The client never ends its side; the server must not hold the socket half-open for it.
          const released = await eventually(() => server.connections === 0, 2_000);
          expect(released, `the server still holds ${server.connections} connection(s) 2 s after answering a client that asked to close`).toBe(true);
        } finally {
          client.destroy();
        }
      });
    }

    // The socket is closed at once only when the kernel has every byte; a
    // response it could not take whole must still arrive whole, then the FIN.
    for (const [name, respond] of [
      ['one 16 MiB write', (res: Parameters<Handler>[1]) => {
        res.end(Buffer.alloc(16 * 1024 * 1024, 'a'));
      }],
      ['16 MiB streamed in 64 KiB pieces', (res: Parameters<Handler>[1]) => {
        const writer = res.header('content-length', 16 * 1024 * 1024).stream();
        const piece = Buffer.alloc(64 * 1024, 'a');
        let left = 256;
        const more = (): void => {
          while (left > 0) {
            left--;
            if (!writer.write(piece)) return void writer.once('drain', more);
          }
          writer.end();
        };
        more();
      }],
    ] as const) {
      it(`Connection: close and a response the kernel cannot take at once (${name}): a client that reads late gets all of it, then the FIN`, async () => {
        const { server } = await servers.start({}, (_req, res) => respond(res));
        const client = new RawClient(server.port);
        try {
          client.socket.pause();
          await client.write('GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
          await delay(300);
          client.socket.resume();
          expect(await client.waitForClose(10_000), 'no FIN from the server').toBe(true);
          expect(client.error).toBeUndefined();
          const { responses } = parseResponses(client.bytes, { closed: true });
          expect(responses.map((r) => r.status)).toEqual([200]);
          expect(responses[0]?.body.length).toBe(16 * 1024 * 1024);
          expect(responses[0]?.body.every((byte) => byte === 0x61)).toBe(true);
          expect(await eventually(() => server.connections === 0, 2_000)).toBe(true);
        } finally {
          client.destroy();
        }
      });
    }

    const lingerCases = [
      {
        name: 'the handler asked for the close on a keep-alive request',
        request: 'GET /h HTTP/1.1\r\nHost: x\r\n\r\n',
        handler: ((_req, res) => {
          res.header('Connection', 'close').end('bye');
        }) satisfies Handler,
      },
      {
        name: 'bytes of another request followed the Connection: close request',
        request: 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /late HTTP/1.1\r\nHost: x\r\n\r\n',
        handler,
      },
    ];
    for (const c of lingerCases) {
      it(`${c.name}: the server half-closes and keeps reading until the client's FIN`, async () => {
        const { server, client } = await answeredThenFin(c.handler, c.request);
        try {
          await delay(300);
          expect(server.connections, 'the server dropped the socket before the client ended its side').toBe(1);
          // Bytes sent now are read and discarded, not answered with a reset.
          await client.write('GET /ignored HTTP/1.1\r\nHost: x\r\n\r\n');
          await delay(100);
          expect(client.error).toBeUndefined();
          client.end();
          expect(await eventually(() => server.connections === 0, 2_000), 'the server kept the socket after the client FIN').toBe(true);
          expect(parseResponses(client.bytes, { closed: true }).responses.length, show(client.bytes)).toBe(1);
        } finally {
          client.destroy();
        }
      });
    }
  });

  it('HTTP/1.1 without Connection stays open after the response', async () => {
    const port = await start();
    const client = new RawClient(port);
    try {
      await client.write('GET /k HTTP/1.1\r\nHost: x\r\n\r\n');
      const responses = await client.responses(1, { timeoutMs: 3_000 });
      expect(responses[0]?.status, show(client.bytes)).toBe(200);
      expect(responses[0]?.header('connection')).toBeUndefined();
      await delay(100);
      expect(client.closed).toBe(false);
    } finally {
      client.destroy();
    }
  });

  it('every response carries a Date header in IMF-fixdate form (RFC 9110 §6.6.1)', async () => {
    const port = await start();
    const got = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 3_000 });
    const response = parseResponses(got.bytes, { closed: true }).responses[0];
    const date = response?.header('date');
    expect(date, show(got.bytes)).toMatch(HTTP_DATE);
    expect(Math.abs(Date.parse(date as string) - Date.now()), `Date ${String(date)} is far from now`).toBeLessThan(5_000);
  });
});

describe('HEAD (RFC 9110 §9.3.2)', () => {
  it('sends the GET headers, including Content-Length, and no body bytes', async () => {
    const port = await start();
    const get = await sendRaw(port, 'GET /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 3_000 });
    const head = await sendRaw(port, 'HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 3_000 });
    expect(head.closed).toBe(true);
    const text = head.bytes.toString('latin1');
    const headEnd = text.indexOf('\r\n\r\n');
    expect(headEnd, show(text)).toBeGreaterThan(0);
    expect(text.length, `bytes after the HEAD response's head: ${show(text.slice(headEnd + 4))}`).toBe(headEnd + 4);
    const headResponse = parseResponses(head.bytes, { methods: ['HEAD'], closed: true }).responses[0];
    const getResponse = parseResponses(get.bytes, { closed: true }).responses[0];
    expect(headResponse?.status).toBe(200);
    expect(headResponse?.header('content-length'), `HEAD ${show(text)}`).toBe(String('hello /h'.length));
    expect(headResponse?.header('content-length')).toBe(getResponse?.header('content-length'));
  });

  it('a HEAD response pipelined before a GET does not swallow the GET response', async () => {
    const port = await start();
    const got = await sendRaw(port, 'HEAD /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 3_000 });
    const { responses, rest } = parseResponses(got.bytes, { methods: ['HEAD', 'GET'], closed: true });
    expect(responses.map((r) => r.status), show(got.bytes)).toEqual([200, 200]);
    expect(rest.length).toBe(0);
    expect(responses[1]?.body.toString()).toBe('hello /2');
  });
});

describe('pipelining (RFC 9112 §9.3.2)', () => {
  it('answers 3 requests sent in one write in order, even when the first is slowest', async () => {
    const port = await start();
    const requests =
      'GET /slow1?ms=60 HTTP/1.1\r\nHost: x\r\n\r\n' + 'GET /slow2?ms=5 HTTP/1.1\r\nHost: x\r\n\r\n' + 'GET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const got = await sendRaw(port, requests, { timeoutMs: 3_000 });
    expect(got.closed).toBe(true);
    const { responses, rest } = parseResponses(got.bytes, { closed: true });
    expect(responses.map((r) => r.header('x-path')), describeResponses(responses)).toEqual(['/slow1', '/slow2', '/third']);
    expect(responses.map((r) => r.body.toString())).toEqual(['hello /slow1', 'hello /slow2', 'hello /third']);
    expect(rest.length).toBe(0);
  });

  // Targets are decoded through a memo of the last one: repeats, one-byte
  // differences at the same length, and targets beyond its 64 bytes must
  // each come back exactly as sent.
  it('gives every pipelined request its own target, however alike they are', async () => {
    const port = await start({}, (req, res) => {
      res.status(200).end(req.target);
    });
    const long = `/${'l'.repeat(70)}?q=1`;
    const targets = ['/item/1', '/item/1', '/item/2', '/', '/item/2', long, `${long.slice(0, -1)}2`, long, '/item/1', '/it%C3%A9m'];
    const requests = targets.map((t, i) => `GET ${t} HTTP/1.1\r\nHost: x\r\n${i === targets.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('');
    const got = await sendRaw(port, requests, { timeoutMs: 3_000 });
    const { responses } = parseResponses(got.bytes, { closed: true });
    expect(responses.map((r) => r.body.toString('latin1'))).toEqual(targets);
  });

  it('answers 3 pipelined requests in order when each is written byte by byte in small pieces', async () => {
    const port = await start();
    const requests = ['GET /a HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /b HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'].join('');
    const pieces: string[] = [];
    for (let i = 0; i < requests.length; i += 7) pieces.push(requests.slice(i, i + 7));
    const got = await sendRaw(port, pieces, { timeoutMs: 3_000 });
    const { responses } = parseResponses(got.bytes, { closed: true });
    expect(responses.map((r) => r.header('x-path')), show(got.bytes)).toEqual(['/a', '/b', '/c']);
  });
});

// A marker that must never come back in an error response (Go's rule: name the status, never the input).
const MARK = 'zq7MARKx';

interface BadCase {
  readonly name: string;
  readonly bytes: string;
  readonly status: number;
  readonly options?: Parameters<ServerPool['start']>[0];
}

const BAD_CASES: readonly BadCase[] = [
  { name: 'request line with two spaces (RFC 9112 §3)', bytes: `GET  /${MARK} HTTP/1.1\r\nHost: x\r\n\r\n`, status: 400 },
  { name: 'request line without version (RFC 9112 §3)', bytes: `GET /${MARK}\r\nHost: x\r\n\r\n`, status: 400 },
  { name: 'method that is not a token (RFC 9112 §3.1)', bytes: `G@T /${MARK} HTTP/1.1\r\nHost: x\r\n\r\n`, status: 400 },
  { name: 'lower-case version (RFC 9112 §2.3)', bytes: `GET /${MARK} http/1.1\r\nHost: x\r\n\r\n`, status: 400 },
  { name: 'bare LF line endings (RFC 9112 §2.2)', bytes: `GET /${MARK} HTTP/1.1\nHost: x\n\n`, status: 400 },
  { name: 'bare LF after a header (RFC 9112 §2.2)', bytes: `GET /${MARK} HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n`, status: 400 },
  { name: 'whitespace before colon (RFC 9112 §5.1)', bytes: `GET /${MARK} HTTP/1.1\r\nHost: x\r\nX-Bad : ${MARK}\r\n\r\n`, status: 400 },
  { name: 'obs-fold (RFC 9112 §5.2)', bytes: `GET /${MARK} HTTP/1.1\r\nHost: x\r\nX-A: b\r\n ${MARK}\r\n\r\n`, status: 400 },
  { name: 'NUL in a field value (RFC 9110 §5.5)', bytes: `GET /${MARK} HTTP/1.1\r\nHost: x\r\nX-A: a\0${MARK}\r\n\r\n`, status: 400 },
  { name: 'missing Host in HTTP/1.1 (RFC 9112 §3.2)', bytes: `GET /${MARK} HTTP/1.1\r\nX-A: ${MARK}\r\n\r\n`, status: 400 },
  { name: 'two Host fields (RFC 9112 §3.2)', bytes: `GET /${MARK} HTTP/1.1\r\nHost: a\r\nHost: ${MARK}\r\n\r\n`, status: 400 },
  {
    name: 'Content-Length with Transfer-Encoding (RFC 9112 §6.3)',
    bytes: `POST /${MARK} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
  },
  { name: 'differing Content-Length values (RFC 9112 §6.3)', bytes: `POST /${MARK} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`, status: 400 },
  { name: 'signed Content-Length (RFC 9110 §8.6)', bytes: `POST /${MARK} HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nabcde`, status: 400 },
  { name: 'chunked not final (RFC 9112 §6.3)', bytes: `POST /${MARK} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n`, status: 400 },
  {
    name: 'bad chunk size (RFC 9112 §7.1)',
    bytes: `POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${MARK}\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'chunk data not followed by CRLF (RFC 9112 §7.1)',
    bytes: `POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc${MARK}\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'Content-Length over maxBodyBytes read with req.bytes() → 413 (RFC 9110 §15.5.14)',
    bytes: `POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n${'a'.repeat(2048)}`,
    status: 413,
    options: { maxBodyBytes: 1024 },
  },
  { name: 'target longer than maxUriBytes → 414', bytes: `GET /${MARK}${'a'.repeat(9_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, status: 414 },
  {
    name: 'more header fields than maxHeaderCount → 431 (RFC 6585 §5)',
    bytes: `GET /${MARK} HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 120 }, (_, i) => `X-H${i}: ${MARK}\r\n`).join('')}\r\n`,
    status: 431,
  },
  {
    name: 'head larger than maxHeaderBytes → 431 (RFC 6585 §5)',
    bytes: `GET /${MARK} HTTP/1.1\r\nHost: x\r\nX-Big: ${MARK}${'b'.repeat(20_000)}\r\n\r\n`,
    status: 431,
  },
  { name: 'Transfer-Encoding: gzip, chunked → 501 (RFC 9112 §6.1)', bytes: `POST /${MARK} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, status: 501 },
  { name: 'HTTP/2.0 → 505 (RFC 9110 §15.6.6)', bytes: `GET /${MARK} HTTP/2.0\r\nHost: x\r\n\r\n`, status: 505 },
  { name: 'HTTP/3.1 → 505', bytes: `GET /${MARK} HTTP/3.1\r\nHost: x\r\n\r\n`, status: 505 },
  { name: 'unknown expectation → 417 (RFC 9110 §10.1.1)', bytes: `GET /${MARK} HTTP/1.1\r\nHost: x\r\nExpect: ${MARK}\r\n\r\n`, status: 417 },
];

describe('error statuses through a real socket', () => {
  for (const c of BAD_CASES) {
    it(`${c.status}: ${c.name}; Connection: close, then close, input never echoed`, async () => {
      const port = await start(c.options ?? {});
      const got = await sendRaw(port, c.bytes, { timeoutMs: 3_000 });
      const { responses, rest, error } = parseResponses(got.bytes, { closed: true });
      expect(error, `unparseable reply ${show(got.bytes)}`).toBeUndefined();
      expect(responses.map((r) => r.status), `got ${show(got.bytes)}`).toEqual([c.status]);
      const response = responses[0] as RawResponse;
      expect(response.header('connection')?.toLowerCase(), show(got.bytes)).toBe('close');
      expect(response.header('date'), show(got.bytes)).toMatch(HTTP_DATE);
      expect(rest.length, `bytes after the error response: ${show(rest)}`).toBe(0);
      expect(got.closed, `server did not close after ${c.status} within 3 s`).toBe(true);
      expect(got.bytes.toString('latin1').includes(MARK), `the reply echoes request bytes: ${show(got.bytes)}`).toBe(false);
    });
  }

  it('413 for a Content-Length over maxBodyBytes closes the connection even when the client does not send the body (RFC 9112 §9.6)', async () => {
    const port = await start({ maxBodyBytes: 1024 });
    const got = await sendRaw(port, 'POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n', { timeoutMs: 3_000 });
    const { responses } = parseResponses(got.bytes, { closed: true });
    expect(responses.map((r) => r.status), show(got.bytes)).toEqual([413]);
    expect(responses[0]?.header('connection')?.toLowerCase()).toBe('close');
    expect(got.closed, 'after a response with Connection: close the server must close (RFC 9112 §9.6), but the socket stayed open for 3 s').toBe(true);
  });
});

describe('a malformed request behind valid pipelined ones', () => {
  it('is answered only after their responses: 200, 200, then 400 and close', async () => {
    const port = await start();
    const bytes = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n' + 'GET /b HTTP/1.1\r\nHost: x\r\n\r\n' + `GET /c HTTP/1.1\r\nHost: x\r\nX-Bad : ${MARK}\r\n\r\n`;
    const got = await sendRaw(port, bytes, { timeoutMs: 3_000 });
    const { responses, rest } = parseResponses(got.bytes, { closed: true });
    expect(responses.map((r) => r.status), show(got.bytes)).toEqual([200, 200, 400]);
    expect(responses.map((r) => r.header('x-path') ?? null)).toEqual(['/a', '/b', null]);
    expect(responses[2]?.header('connection')?.toLowerCase()).toBe('close');
    expect(rest.length).toBe(0);
    expect(got.closed).toBe(true);
  });

  it('waits for valid requests answered asynchronously (handler awaits a timer)', async () => {
    const port = await start();
    const bytes =
      'GET /slow1?ms=80 HTTP/1.1\r\nHost: x\r\n\r\n' + 'GET /slow2?ms=20 HTTP/1.1\r\nHost: x\r\n\r\n' + `GET /c HTTP/1.1\nHost: x\r\n\r\n`;
    const got = await sendRaw(port, bytes, { timeoutMs: 3_000 });
    const { responses, rest } = parseResponses(got.bytes, { closed: true });
    expect(responses.map((r) => r.status), show(got.bytes)).toEqual([200, 200, 400]);
    expect(responses.map((r) => r.body.toString()).slice(0, 2)).toEqual(['hello /slow1', 'hello /slow2']);
    expect(rest.length).toBe(0);
    expect(got.closed).toBe(true);
  });

  it('waits for a valid request with a body read asynchronously before answering a bad one', async () => {
    const port = await start();
    const bytes = 'POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' + 'GET /slow?ms=30 HTTP/1.1\r\nHost: x\r\n\r\n' + 'GET /x HTTP/9.9\r\nHost: x\r\n\r\n';
    const got = await sendRaw(port, bytes, { timeoutMs: 3_000 });
    const { responses } = parseResponses(got.bytes, { closed: true });
    expect(responses.map((r) => r.status), show(got.bytes)).toEqual([200, 200, 505]);
    expect(responses[0]?.body.toString()).toBe('read 5');
  });
});

describe('a body cut short by the client', () => {
  it('a Content-Length body ended early by FIN is not blamed on the server: no 5xx, just 400 or a close (RFC 9112 §8)', async () => {
    const port = await start();
    const got = await sendRaw(port, 'POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc', { timeoutMs: 3_000, endAfterWrite: true });
    expect(got.closed, `no close within 3 s; got ${show(got.bytes)}`).toBe(true);
    const statuses = parseResponses(got.bytes, { closed: true }).responses.map((r) => r.status);
    expect(statuses.filter((status) => status !== 400), `a truncated upload got ${show(got.bytes)}`).toEqual([]);
  });

  it('a chunked body ended early by FIN is not blamed on the server: no 5xx, just 400 or a close', async () => {
    const port = await start();
    const got = await sendRaw(port, 'POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', { timeoutMs: 3_000, endAfterWrite: true });
    expect(got.closed, `no close within 3 s; got ${show(got.bytes)}`).toBe(true);
    const statuses = parseResponses(got.bytes, { closed: true }).responses.map((r) => r.status);
    expect(statuses.filter((status) => status !== 400), `a truncated upload got ${show(got.bytes)}`).toEqual([]);
  });
});

describe('bodies the handler ignores', () => {
  const ignoring: Handler = (req: Request, res) => {
    res.status(200).header('X-Path', req.path).end('ignored');
  };

  it('a small ignored body (10 KiB) is drained and the connection serves the next request', async () => {
    const port = await start({}, ignoring);
    const client = new RawClient(port);
    try {
      const body = 'x'.repeat(10 * 1024);
      await client.write(`POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      const first = await client.responses(1, { timeoutMs: 3_000 });
      expect(first.map((r) => r.status), show(client.bytes)).toEqual([200]);
      expect(first[0]?.header('connection'), describeResponses(first)).toBeUndefined();
      await client.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
      const both = await client.responses(2, { timeoutMs: 3_000 });
      expect(both.map((r) => r.header('x-path')), show(client.bytes)).toEqual(['/first', '/second']);
      expect(client.closed).toBe(false);
    } finally {
      client.destroy();
    }
  });

  it('a small ignored body sent after the response still lets the next request through', async () => {
    const port = await start({}, ignoring);
    const client = new RawClient(port);
    try {
      const body = 'y'.repeat(10 * 1024);
      await client.write(`POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
      const first = await client.responses(1, { timeoutMs: 3_000 });
      expect(first.map((r) => r.status), show(client.bytes)).toEqual([200]);
      await client.write(body);
      await client.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
      const both = await client.responses(2, { timeoutMs: 3_000 });
      expect(both.map((r) => r.header('x-path')), show(client.bytes)).toEqual(['/first', '/second']);
    } finally {
      client.destroy();
    }
  });

  it('an ignored 10 MiB body the client stops sending after the response: the server still closes (RFC 9112 §9.6)', async () => {
    const port = await start({}, ignoring);
    const client = new RawClient(port);
    try {
      await client.write(`POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
      await client.write(Buffer.alloc(1024, 0x61));
      const responses = await client.responses(1, { timeoutMs: 3_000 });
      expect(responses.map((r) => r.status), show(client.bytes)).toEqual([200]);
      expect(responses[0]?.header('connection')?.toLowerCase(), describeResponses(responses)).toBe('close');
      const closed = await client.waitForClose(3_000);
      expect(closed, 'the response said Connection: close but the server neither closed nor half-closed within 3 s').toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('an ignored 10 MiB body: the response says Connection: close and the socket closes', async () => {
    const port = await start({}, ignoring);
    const client = new RawClient(port);
    try {
      const size = 10 * 1024 * 1024;
      await client.write(`POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
      const piece = Buffer.alloc(256 * 1024, 0x61);
      // Keep sending the body until the server closes (bounded by the body size).
      for (let sent = 0; sent < size && !client.closed && client.error === undefined; sent += piece.length) {
        await client.write(piece).catch(() => undefined);
      }
      const closed = await client.waitForClose(3_000);
      const { responses } = parseResponses(client.bytes, { closed: true });
      expect(responses.map((r) => r.status), show(client.bytes)).toEqual([200]);
      expect(responses[0]?.header('connection')?.toLowerCase(), describeResponses(responses)).toBe('close');
      expect(closed, 'server kept the socket open').toBe(true);
    } finally {
      client.destroy();
    }
  });
});
