// fetchHandler() and serve({ fetch }) with plain fetch functions (issue 7):
// argument checks, failures → 500, the Request built from the wire, and the
// Response written back — byte-exact where framing matters. Each Response
// case runs with a lazy Response and with a real one.

import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchHandler, serve, type FetchHandler, type FetchInfo } from '../../lib/index.ts';
import { LazyResponse } from '../../lib/fetch-response.ts';
import { RawClient, sendRaw, show } from '../integration/support/raw.ts';
import { FetchServers } from './support/servers.ts';

// Captured before any server starts (and installs the lazy one).
const RealResponse = globalThis.Response;
const KINDS = [
  ['lazy', LazyResponse as unknown as typeof Response],
  ['real', RealResponse],
] as const;

const servers = new FetchServers();
afterEach(async () => {
  await servers.closeAll();
});

async function startPort(fetch: FetchHandler): Promise<{ port: number; errors: Awaited<ReturnType<FetchServers['rawhttp']>>['errors'] }> {
  const { url, errors } = await servers.rawhttp(fetch);
  return { port: Number(new URL(url).port), errors };
}

// One request over a raw socket; resolves with the single response parsed.
async function rawExchange(port: number, head: string, method = 'GET'): Promise<{ statusLine: string; fields: ReadonlyArray<readonly [string, string]>; body: string; raw: string }> {
  const client = new RawClient(port);
  try {
    await client.write(head);
    const [response] = await client.responses(1, { methods: [method] });
    if (response === undefined) throw new Error(`no response; got ${show(client.bytes)}`);
    return { statusLine: response.statusLine, fields: response.fields, body: response.body.toString('latin1'), raw: response.raw.toString('latin1') };
  } finally {
    client.destroy();
  }
}

describe('serve({ fetch }) and fetchHandler() arguments', () => {
  it('rejects with TypeError when neither a handler nor options.fetch is given', async () => {
    await expect(serve({ port: 0 })).rejects.toThrow(TypeError);
  });

  it('rejects with TypeError when both a handler and options.fetch are given', async () => {
    const fetch: FetchHandler = () => new Response('x');
    await expect(serve({ port: 0, fetch }, () => {})).rejects.toThrow(/not both/);
  });

  it('throws TypeError for a fetch that is not a function', () => {
    expect(() => fetchHandler(42 as unknown as FetchHandler)).toThrow(TypeError);
  });
});

describe('failures become 500', () => {
  const cases: ReadonlyArray<readonly [string, FetchHandler]> = [
    ['throws', () => {
      throw new Error('sync failure');
    }],
    ['rejects', () => Promise.reject(new Error('async failure'))],
    ['returns a string', () => 'not a response' as unknown as Response],
    ['returns Response.error()', () => RealResponse.error()],
  ];
  it.each(cases)('a fetch handler that %s gets the client a 500 and onError a Handler error', async (_, fetch) => {
    const { url, errors } = await servers.rawhttp(fetch);
    const res = await request(`${url}/x`);
    expect(res.statusCode).toBe(500);
    await res.body.dump();
    expect(errors.map((e) => e.context.kind)).toEqual(['Handler']);
    const again = await request(`${url}/x`);
    expect(again.statusCode).toBe(500);
    await again.body.dump();
  });

  it('a body stream that fails after the head drops the connection (never a second status line)', async () => {
    const { port, errors } = await startPort(
      () =>
        new RealResponse(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              controller.enqueue(new TextEncoder().encode('partial'));
              await new Promise((r) => setTimeout(r, 20));
              controller.error(new Error('producer failed'));
            },
          }),
        ),
    );
    const got = await sendRaw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3_000 });
    expect(got.closed, show(got.bytes)).toBe(true);
    const text = got.bytes.toString('latin1');
    expect(text.match(/HTTP\/1\.1 /g)?.length, show(text)).toBe(1);
    expect(text).toContain('partial');
    expect(text).not.toContain('0\r\n\r\n');
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('the Request a fetch handler receives', () => {
  it('is a real Request with the URL from Host, the method, every header in order, and the raw request as info', async () => {
    let seen: Record<string, unknown> = {};
    const { port } = await startPort((req: Request, info: FetchInfo) => {
      seen = {
        isRequest: req instanceof Request,
        url: req.url,
        method: req.method,
        headers: [...req.headers],
        xMulti: req.headers.get('x-multi'),
        body: req.body,
        info: { method: info.method, target: info.target, version: info.version },
        signalIsAbortSignal: req.signal instanceof AbortSignal,
      };
      return new Response('ok');
    });
    await rawExchange(port, 'GET /path/a?b=c HTTP/1.1\r\nHost: example.test:8080\r\nX-Multi: 1\r\nAccept: */*\r\nX-Multi: 2\r\n\r\n');
    expect(seen).toEqual({
      isRequest: true,
      url: 'http://example.test:8080/path/a?b=c',
      method: 'GET',
      headers: [
        ['accept', '*/*'],
        ['host', 'example.test:8080'],
        ['x-multi', '1, 2'],
      ],
      xMulti: '1, 2',
      body: null,
      info: { method: 'GET', target: '/path/a?b=c', version: '1.1' },
      signalIsAbortSignal: true,
    });
  });

  it('takes the URL from an absolute-form target, and uses defaultHost for HTTP/1.0 without Host', async () => {
    const urls: string[] = [];
    const record: FetchHandler = (req) => {
      urls.push(req.url);
      return new Response('ok');
    };
    const { port } = await startPort(record);
    await rawExchange(port, 'GET http://other.test/abs?q=1 HTTP/1.1\r\nHost: ignored.test\r\n\r\n');
    await rawExchange(port, 'GET /old HTTP/1.0\r\n\r\n');
    const { url } = await servers.rawhttp(record, {}, { defaultHost: 'fallback.test' });
    await rawExchange(Number(new URL(url).port), 'GET /old HTTP/1.0\r\n\r\n');
    expect(urls).toEqual(['http://other.test/abs?q=1', 'http://localhost/old', 'http://fallback.test/old']);
  });

  it('answers 501 for TRACE (the Fetch API cannot represent it) and 400 for OPTIONS *, without calling the handler', async () => {
    let calls = 0;
    const { port } = await startPort(() => {
      calls++;
      return new Response('ok');
    });
    expect((await rawExchange(port, 'TRACE / HTTP/1.1\r\nHost: x\r\n\r\n')).statusLine).toBe('HTTP/1.1 501 Not Implemented');
    expect((await rawExchange(port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n')).statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(calls).toBe(0);
  });

  it('keeps its headers through new Request(request) and its signal through clone()', async () => {
    let copied: string | null = null;
    let cloneSignal: AbortSignal | undefined;
    const gone = new Promise<boolean>((resolve) => {
      void startPort((req) => {
        copied = new Request(req).headers.get('x-token');
        cloneSignal = req.clone().signal;
        cloneSignal.addEventListener('abort', () => resolve(true), { once: true });
        return new Promise<Response>(() => {});
      }).then(async ({ port }) => {
        const client = new RawClient(port);
        await client.write('GET / HTTP/1.1\r\nHost: x\r\nX-Token: t1\r\n\r\n');
        await new Promise((r) => setTimeout(r, 50));
        // A reset, not a FIN: rawhttp reads a FIN as a half-close, the client may still want the answer.
        client.socket.resetAndDestroy();
      });
    });
    const aborted = await Promise.race([gone, new Promise<boolean>((r) => setTimeout(() => r(false), 3_000))]);
    expect(copied).toBe('t1');
    expect(aborted, 'the clone’s signal did not abort when the client went away').toBe(true);
  });

  it('exposes no body for a GET that sends one, and the connection is reused after it is drained', async () => {
    const bodies: Array<ReadableStream | null> = [];
    const { port } = await startPort((req) => {
      bodies.push(req.body);
      return new Response('ok');
    });
    const client = new RawClient(port);
    try {
      await client.write('GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
      const responses = await client.responses(2);
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
    } finally {
      client.destroy();
    }
    expect(bodies).toEqual([null, null]);
  });

  it('an unread POST body is drained and the connection kept; a half-read one closes the connection instead of hanging', async () => {
    const { port } = await startPort(async (req) => {
      if (req.url.endsWith('/half')) {
        const reader = req.body?.getReader();
        await reader?.read();
      }
      return new Response('done');
    });
    const unread = new RawClient(port);
    try {
      await unread.write('POST /unread HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody');
      await unread.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
      expect((await unread.responses(2)).map((r) => r.status)).toEqual([200, 200]);
    } finally {
      unread.destroy();
    }
    const half = new RawClient(port);
    try {
      await half.write(`POST /half HTTP/1.1\r\nHost: x\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`);
      await half.write(Buffer.alloc(256 * 1024, 97));
      const [response] = await half.responses(1);
      expect(response?.status).toBe(200);
      expect(await half.waitForClose(3_000), 'the server kept a connection whose body was abandoned').toBe(true);
    } finally {
      half.destroy();
    }
  });

  it('streams a request body as Uint8Array chunks and refuses a second read', async () => {
    let outcome: Record<string, unknown> = {};
    const { url } = await servers.rawhttp(async (req) => {
      const text = await req.text();
      let second = 'read twice';
      try {
        await req.text();
      } catch (error) {
        second = (error as Error).constructor.name;
      }
      outcome = { text, bodyUsed: req.bodyUsed, second };
      return new Response('ok');
    });
    const res = await request(`${url}/`, { method: 'PUT', body: 'x'.repeat(100_000) });
    await res.body.dump();
    expect(outcome).toEqual({ text: 'x'.repeat(100_000), bodyUsed: true, second: 'TypeError' });
  });
});

describe('reading the request body whole (text, json, arrayBuffer, bytes)', () => {
  const probe = (body: string | Buffer, read: (req: Request) => Promise<unknown>): Promise<unknown> => servers.probe({ method: 'POST', body }, read);

  it('text() drops a UTF-8 BOM and replaces bad sequences, as the standard decoder does', async () => {
    expect(await probe(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69, 0xff]), (req) => req.text())).toBe('hi\ufffd');
  });

  it('json() parses, and rejects bad JSON with SyntaxError', async () => {
    expect(await probe('{"a":[1]}', (req) => req.json())).toEqual({ a: [1] });
    expect(await probe('{"a":', (req) => req.json())).toBe('SyntaxError');
  });

  it('arrayBuffer() hands out a fresh buffer of exactly the body, never a view of a socket buffer', async () => {
    const outcome = (await probe('abcdef', async (req) => {
      const buffer = await req.arrayBuffer();
      return { size: buffer.byteLength, text: Buffer.from(buffer).toString() };
    })) as { size: number; text: string };
    expect(outcome).toEqual({ size: 6, text: 'abcdef' });
  });

  it('leaves the body used and locked, as a standard read does: a second read is a TypeError', async () => {
    expect(
      await probe('once', async (req) => {
        const text = await req.text();
        const second = await req.arrayBuffer().then(
          () => 'read again',
          (error: Error) => error.constructor.name,
        );
        return { text, bodyUsed: req.bodyUsed, second, locked: req.body?.locked };
      }),
    ).toEqual({ text: 'once', bodyUsed: true, second: 'TypeError', locked: true });
  });

  it('after body.cancel(), text() is a TypeError like any used body', async () => {
    expect(
      await probe('cancelled', async (req) => {
        await req.body?.cancel();
        return req.text();
      }),
    ).toBe('TypeError');
  });
});

describe.each(KINDS)('writing a %s Response', (_, ResponseClass) => {
  it('writes a string body in one piece with Content-Length and the standard Content-Type', async () => {
    const { port } = await startPort(() => new ResponseClass('héllo', { status: 201, headers: { 'X-A': '1' } }));
    const res = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(res.statusLine).toBe('HTTP/1.1 201 Created');
    const fields = new Map(res.fields.map(([name, value]) => [name.toLowerCase(), value]));
    expect(fields.get('content-length')).toBe('6');
    expect(fields.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(fields.get('x-a')).toBe('1');
    expect(fields.has('transfer-encoding')).toBe(false);
    expect(Buffer.from(res.body, 'latin1').toString('utf8')).toBe('héllo');
  });

  it('sends each Set-Cookie as its own field line', async () => {
    const headers = new Headers();
    headers.append('Set-Cookie', 'a=1; Path=/');
    headers.append('Set-Cookie', 'b=2; HttpOnly');
    headers.append('Vary', 'Accept');
    headers.append('Vary', 'Origin');
    const { port } = await startPort(() => new ResponseClass('ok', { headers }));
    const res = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const cookies = res.fields.filter(([name]) => name.toLowerCase() === 'set-cookie').map(([, value]) => value);
    expect(cookies, res.raw).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(res.fields.filter(([name]) => name.toLowerCase() === 'vary').map(([, value]) => value)).toEqual(['Accept, Origin']);
  });

  it('sends the statusText as the reason phrase', async () => {
    const { port } = await startPort(() => new ResponseClass(null, { status: 299, statusText: 'Quite Fine' }));
    expect((await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).statusLine).toBe('HTTP/1.1 299 Quite Fine');
  });

  it('answers HEAD with the head only', async () => {
    const { port } = await startPort(() => new ResponseClass('twelve bytes', { headers: { 'Content-Type': 'text/plain' } }));
    const client = new RawClient(port);
    try {
      await client.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const [head, get] = await client.responses(2, { methods: ['HEAD', 'GET'] });
      expect(head?.status).toBe(200);
      expect(head?.body.length).toBe(0);
      expect(get?.body.toString()).toBe('twelve bytes');
    } finally {
      client.destroy();
    }
  });

  it('streams a ReadableStream body chunked, or with the Content-Length the Response declares', async () => {
    const chunks = (): ReadableStream<Uint8Array> => {
      let n = 0;
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((r) => setTimeout(r, 2));
          if (n === 3) return controller.close();
          controller.enqueue(new TextEncoder().encode(`part${n++};`));
        },
      });
    };
    const { port } = await startPort((req) =>
      req.url.endsWith('/sized') ? new ResponseClass(chunks(), { headers: { 'Content-Length': '18' } }) : new ResponseClass(chunks()),
    );
    const chunked = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(chunked.raw.toLowerCase()).toContain('transfer-encoding: chunked');
    expect(chunked.body).toBe('part0;part1;part2;');
    const sized = await rawExchange(port, 'GET /sized HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(sized.raw.toLowerCase()).not.toContain('transfer-encoding');
    expect(sized.raw.toLowerCase()).toContain('content-length: 18');
    expect(sized.body).toBe('part0;part1;part2;');
  });
});

describe('headers changed after construction', () => {
  it('are written, for a lazy Response too', async () => {
    const { port } = await startPort(() => {
      const response = new Response('body');
      response.headers.set('X-Late', 'yes');
      response.headers.set('Content-Type', 'text/x-custom');
      return response;
    });
    const res = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const fields = new Map(res.fields.map(([name, value]) => [name.toLowerCase(), value]));
    expect(fields.get('x-late')).toBe('yes');
    expect(fields.get('content-type')).toBe('text/x-custom');
    expect(res.body).toBe('body');
  });
});
