// LazyRequest (lib/fetch-request.ts) against the standard it stands in for
// (issue 7): nothing is built for what a handler does not read, and what it
// does read — after async gaps too — answers as a real Request would,
// including copies through the wrapped global Request and fetch().

import { Hono } from 'hono';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { installLazyRequest, LazyRequest } from '../../lib/fetch-request.ts';
import { webClasses } from '../../lib/fetch-web.ts';
import type { Request as RawRequest } from '../../lib/request.ts';
import { RawClient } from '../integration/support/raw.ts';
import { FetchServers } from './support/servers.ts';

const servers = new FetchServers();
afterEach(async () => {
  await servers.closeAll();
});

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/** A stand-in for rawhttp's request that counts what the LazyRequest touches. */
function countingRaw(method: string, fields: ReadonlyArray<[string, string]>): { raw: RawRequest; touched: Record<string, number> } {
  const touched: Record<string, number> = { headers: 0, signal: 0, body: 0 };
  const controller = new AbortController();
  const raw = {
    method,
    get headers(): Iterable<[string, string]> {
      touched['headers'] = (touched['headers'] ?? 0) + 1;
      return fields;
    },
    get signal(): AbortSignal {
      touched['signal'] = (touched['signal'] ?? 0) + 1;
      return controller.signal;
    },
    get body(): never {
      touched['body'] = (touched['body'] ?? 0) + 1;
      throw new Error('the body was opened');
    },
  };
  return { raw: raw as unknown as RawRequest, touched };
}

describe('what a LazyRequest builds', () => {
  it('answers method, url, body and bodyUsed of a GET without reading headers, signal or body', () => {
    installLazyRequest();
    const { raw, touched } = countingRaw('GET', [['Host', 'a.test']]);
    const lazy = new LazyRequest('http://a.test/x?y=1', 'GET', raw, null) as unknown as Request;
    expect([lazy.method, lazy.url, lazy.body, lazy.bodyUsed]).toEqual(['GET', 'http://a.test/x?y=1', null, false]);
    expect(lazy instanceof Request).toBe(true);
    expect(touched).toEqual({ headers: 0, signal: 0, body: 0 });
  });

  it('fills the headers once, on first read, and hands out the same Headers every time', () => {
    installLazyRequest();
    const { raw, touched } = countingRaw('GET', [['X-A', '1'], ['x-a', '2'], ['Accept', '*/*']]);
    const lazy = new LazyRequest('http://a.test/', 'GET', raw, null) as unknown as Request;
    const headers = lazy.headers;
    expect(headers).toBeInstanceOf(webClasses().Headers);
    expect([...headers]).toEqual([['accept', '*/*'], ['x-a', '1, 2']]);
    expect(lazy.headers).toBe(headers);
    expect(touched).toEqual({ headers: 1, signal: 0, body: 0 });
  });

  it('reads the signal from rawhttp’s request only when asked', () => {
    installLazyRequest();
    const { raw, touched } = countingRaw('GET', []);
    const lazy = new LazyRequest('http://a.test/', 'GET', raw, null) as unknown as Request;
    expect(lazy.signal).toBeInstanceOf(AbortSignal);
    expect(touched).toEqual({ headers: 0, signal: 1, body: 0 });
  });
});

describe('a LazyRequest is a Request to the code that checks', () => {
  it('passes instanceof for the wrapped global and the platform class, and names itself Request', async () => {
    let seen: Record<string, unknown> = {};
    const { url } = await servers.rawhttp((req) => {
      seen = {
        isLazy: LazyRequest.unwrap(new Object()) === null && Object.getPrototypeOf(req) === LazyRequest.prototype,
        global: req instanceof Request,
        platform: req instanceof webClasses().Request,
        tag: Object.prototype.toString.call(req),
        constructorName: req.constructor.name,
        realIsRequest: new Request('http://x.test/') instanceof Request,
        platformIsRequest: new (webClasses().Request)('http://x.test/') instanceof Request,
      };
      return new Response('ok');
    });
    await (await request(`${url}/`)).body.dump();
    expect(seen).toEqual({ isLazy: true, global: true, platform: true, tag: '[object Request]', constructorName: 'Request', realIsRequest: true, platformIsRequest: true });
  });
});

describe('reading a LazyRequest after async gaps', () => {
  it('gives headers, signal, clone() and formData() as a real Request would', async () => {
    let seen: Record<string, unknown> = {};
    const { url } = await servers.rawhttp(async (req) => {
      await tick();
      const agent = req.headers.get('user-agent');
      await tick();
      const signal = req.signal;
      await tick();
      const copy = req.clone();
      await tick();
      const form = await req.formData();
      seen = {
        agent,
        aborted: signal.aborted,
        copyUrl: copy.url,
        copyMethod: copy.method,
        copyType: copy.headers.get('content-type'),
        copyText: await copy.text(),
        form: [...form],
        bodyUsed: req.bodyUsed,
      };
      return new Response('ok');
    });
    const res = await request(`${url}/form?q=1`, {
      method: 'POST',
      body: 'a=1&b=two+words',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'gap-agent' },
    });
    await res.body.dump();
    expect(seen).toEqual({
      agent: 'gap-agent',
      aborted: false,
      copyUrl: `${url}/form?q=1`,
      copyMethod: 'POST',
      copyType: 'application/x-www-form-urlencoded',
      copyText: 'a=1&b=two+words',
      form: [['a', '1'], ['b', 'two words']],
      bodyUsed: true,
    });
  });

  it('aborts the signal read after a gap, and a clone’s, when the client goes away', async () => {
    const aborted = new Promise<[boolean, boolean]>((resolve) => {
      void servers
        .rawhttp(async (req) => {
          await tick();
          const copy = req.clone();
          const signal = req.signal;
          const both = Promise.all([once(signal), once(copy.signal)]);
          void both.then(() => resolve([signal.aborted, copy.signal.aborted]));
          return new Promise<Response>(() => {});
        })
        .then(async ({ url }) => {
          const client = new RawClient(Number(new URL(url).port));
          await client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
          await new Promise((r) => setTimeout(r, 50));
          client.socket.resetAndDestroy();
        });
    });
    const outcome = await Promise.race([aborted, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3_000))]);
    expect(outcome).toEqual([true, true]);
  });
});

function once(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

describe('the body of a LazyRequest behaves as a standard body', () => {
  const probe = (method: string, body: string | undefined, headers: Record<string, string>, read: (req: Request) => Promise<unknown>): Promise<unknown> =>
    servers.probe({ method, headers, ...(body === undefined ? {} : { body }) }, read);
  const rejects = (promise: Promise<unknown>): Promise<string> =>
    promise.then(
      () => 'resolved',
      (error: Error) => error.constructor.name,
    );
  const throws = (fn: () => unknown): string => {
    try {
      fn();
      return 'returned';
    } catch (error) {
      return (error as Error).constructor.name;
    }
  };

  it('after text(): bodyUsed, a locked body, and TypeError from a second read, clone() and new Request(request)', async () => {
    expect(
      await probe('POST', 'once', {}, async (req) => {
        const text = await req.text();
        return { text, bodyUsed: req.bodyUsed, locked: req.body?.locked, again: await rejects(req.json()), clone: throws(() => req.clone()), copy: throws(() => new Request(req)) };
      }),
    ).toEqual({ text: 'once', bodyUsed: true, locked: true, again: 'TypeError', clone: 'TypeError', copy: 'TypeError' });
  });

  it('after reading the body stream, text() is a TypeError', async () => {
    expect(
      await probe('PUT', 'streamed', {}, async (req) => {
        const reader = req.body?.getReader();
        let text = '';
        for (;;) {
          const chunk = await reader?.read();
          if (chunk === undefined || chunk.done) break;
          text += Buffer.from(chunk.value).toString();
        }
        return { text, bodyUsed: req.bodyUsed, again: await rejects(req.text()) };
      }),
    ).toEqual({ text: 'streamed', bodyUsed: true, again: 'TypeError' });
  });

  it('blob() carries the Content-Type, bytes() and arrayBuffer() copy the body', async () => {
    expect(
      await probe('POST', 'blobbed', { 'content-type': 'text/x-spec' }, async (req) => {
        const blob = await req.blob();
        return { type: blob.type, text: await blob.text() };
      }),
    ).toEqual({ type: 'text/x-spec', text: 'blobbed' });
    expect(await probe('POST', 'bytes', {}, async (req) => Buffer.from(await req.arrayBuffer()).toString())).toBe('bytes');
  });

  it('a GET has a null body: text() is empty, json() a SyntaxError, and it stays unused', async () => {
    expect(await probe('GET', undefined, {}, async (req) => ({ text: await req.text(), json: await rejects(req.json()), bodyUsed: req.bodyUsed }))).toEqual({
      text: '',
      json: 'SyntaxError',
      bodyUsed: false,
    });
  });
});

describe('copying a LazyRequest', () => {
  it('new Request(request) copies method, url, headers, body and follows the signal', async () => {
    let seen: Record<string, unknown> = {};
    const { url } = await servers.rawhttp(async (req) => {
      const copy = new Request(req);
      seen = {
        method: copy.method,
        url: copy.url,
        token: copy.headers.get('x-token'),
        text: await copy.text(),
        originalUsed: req.bodyUsed,
        signalFollows: copy.signal !== req.signal && !copy.signal.aborted,
        again: (() => {
          try {
            return new Request(req).url;
          } catch (error) {
            return (error as Error).constructor.name;
          }
        })(),
      };
      return new Response('ok');
    });
    const res = await request(`${url}/copy`, { method: 'PATCH', body: 'payload', headers: { 'x-token': 't1' } });
    await res.body.dump();
    // The copy took the body: a second copy without one of its own is refused, as with any Request.
    expect(seen).toEqual({ method: 'PATCH', url: `${url}/copy`, token: 't1', text: 'payload', originalUsed: true, signalFollows: true, again: 'TypeError' });
  });

  it('serves as the init of new Request(url, request): method, headers and body carry over', async () => {
    let seen: Record<string, unknown> = {};
    const { url } = await servers.rawhttp(async (req) => {
      const moved = new Request('http://elsewhere.test/moved', req);
      seen = { url: moved.url, method: moved.method, token: moved.headers.get('x-token'), text: await moved.text() };
      return new Response('ok');
    });
    await (await request(`${url}/`, { method: 'DELETE', body: 'gone', headers: { 'x-token': 't2' } })).body.dump();
    expect(seen).toEqual({ url: 'http://elsewhere.test/moved', method: 'DELETE', token: 't2', text: 'gone' });
  });

  it('copies carry header changes made before and after the real Request was built', async () => {
    let seen: Record<string, unknown> = {};
    const { url } = await servers.rawhttp((req) => {
      req.headers.set('x-before', '1');
      const first = req.clone();
      req.headers.set('x-after', '2');
      req.headers.delete('x-drop');
      const second = req.clone();
      const third = new Request(req);
      seen = {
        first: [first.headers.get('x-before'), first.headers.get('x-after')],
        second: [second.headers.get('x-before'), second.headers.get('x-after'), second.headers.get('x-drop')],
        third: [third.headers.get('x-after'), third.headers.get('x-drop')],
      };
      return new Response('ok');
    });
    await (await request(`${url}/`, { headers: { 'x-drop': 'gone' } })).body.dump();
    expect(seen).toEqual({ first: ['1', null], second: ['1', '2', null], third: ['2', null] });
  });

  it('fetch(request) sends it on, body and changed headers included (a proxy)', async () => {
    const upstream = await servers.rawhttp(async (req) => new Response(`${req.method} ${new URL(req.url).pathname} ${req.headers.get('x-token')} ${await req.text()}`));
    const upstreamHost = new URL(upstream.url).host;
    const { url } = await servers.rawhttp(async (req) => {
      if (req.headers.get('x-hop') === '2') return new Response(`hop ${req.method} ${await req.text()}`);
      const forwarded = await fetch(new Request(req.url.replace(/^http:\/\/[^/]+/, `http://${upstreamHost}`), req));
      return new Response(await forwarded.text());
    });
    const res = await request(`${url}/proxied`, { method: 'POST', body: 'hello upstream', headers: { 'x-token': 'abc' } });
    expect(await res.body.text()).toBe('POST /proxied abc hello upstream');
    // The request itself, to this same server with one more header.
    const { url: loop } = await servers.rawhttp(async (req) => {
      if (req.headers.get('x-hop') === '2') return new Response(`hop ${req.method} ${await req.text()}`);
      req.headers.set('x-hop', '2');
      const again = await fetch(req);
      return new Response(await again.text());
    });
    const looped = await request(`${loop}/loop`, { method: 'PUT', body: 'round trip' });
    expect(await looped.body.text()).toBe('hop PUT round trip');
  });
});

describe('Hono middleware that reads request headers', () => {
  it('c.req.header(), c.req.header() for all, and c.req.raw.headers agree', async () => {
    const app = new Hono<{ Variables: { agent: string | undefined } }>();
    app.use(async (c, next) => {
      c.set('agent', c.req.header('user-agent'));
      await next();
    });
    app.get('/h', (c) => c.json({ agent: c.get('agent') ?? null, all: c.req.header(), raw: [...c.req.raw.headers].filter(([name]) => name.startsWith('x-')) }));
    const { url } = await servers.rawhttp(app.fetch);
    const res = await request(`${url}/h`, { headers: { 'user-agent': 'mw-agent', 'x-one': '1', 'x-two': 'b' } });
    const body = (await res.body.json()) as { agent: string; all: Record<string, string>; raw: string[][] };
    expect(body.agent).toBe('mw-agent');
    expect(body.all).toMatchObject({ 'user-agent': 'mw-agent', 'x-one': '1', 'x-two': 'b' });
    expect(body.raw).toEqual([['x-one', '1'], ['x-two', 'b']]);
  });
});

// text(), json(), arrayBuffer() and bytes() take a body that came whole with
// its head without a stream, and stream one that is still arriving: both
// ways must give the same bytes, for both request kinds, and neither is
// capped by maxBodyBytes (the standard has no limit; Hono's bodyLimit is the
// handler's tool).
describe('a body read whole: arrived with the head, or still arriving', () => {
  const body = JSON.stringify({ name: 'rawhttp', text: 'é'.repeat(40), n: 42 });
  const reads = ['text', 'json', 'arrayBuffer', 'bytes'] as const;
  type Read = (typeof reads)[number];
  const show = async (req: Request, how: Read): Promise<string> => {
    if (how === 'text') return req.text();
    if (how === 'json') return JSON.stringify(await req.json());
    if (how === 'arrayBuffer') return Buffer.from(await req.arrayBuffer()).toString();
    // Request#bytes() is newer than the DOM types this project compiles against.
    return Buffer.from(await (req as Request & { bytes(): Promise<Uint8Array> }).bytes()).toString();
  };
  const start = (overrideGlobalObjects: boolean, maxBodyBytes?: number) =>
    servers.rawhttp(
      async (req) => {
        const how = new URL(req.url).pathname.slice(1) as Read;
        const text = await show(req, how);
        return new Response(`${text.length}:${text}:${String(req.bodyUsed)}`);
      },
      maxBodyBytes === undefined ? {} : { maxBodyBytes },
      { overrideGlobalObjects },
    );
  const head = (how: Read, length: number): string => `POST /${how} HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`;
  const expected = (text: string): string => `${text.length}:${text}:true`;

  for (const overrideGlobalObjects of [true, false]) {
    const kind = overrideGlobalObjects ? 'LazyRequest' : 'FetchRequest';
    it(`${kind}: the same bytes whether the body came in the head's write or in pieces after it`, async () => {
      const { url } = await start(overrideGlobalObjects);
      const port = Number(new URL(url).port);
      const bytes = Buffer.from(body);
      for (const how of reads) {
        const together = new RawClient(port);
        await together.write(Buffer.concat([Buffer.from(head(how, bytes.length), 'latin1'), bytes]));
        const split = new RawClient(port);
        await split.write(head(how, bytes.length));
        await new Promise((resolve) => setTimeout(resolve, 20));
        await split.write(bytes.subarray(0, 10));
        await new Promise((resolve) => setTimeout(resolve, 20));
        await split.write(bytes.subarray(10));
        const [a] = await together.responses(1);
        const [b] = await split.responses(1);
        together.socket.destroy();
        split.socket.destroy();
        expect([a?.body.toString(), b?.body.toString()], how).toEqual([expected(body), expected(body)]);
      }
    });
  }

  it('a chunked body in pieces, and a body beyond maxBodyBytes in one write, are read whole', async () => {
    const { url } = await start(true, 1024);
    const port = Number(new URL(url).port);
    const chunked = new RawClient(port);
    await chunked.write('POST /text HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await chunked.write('6\r\n world\r\n0\r\n\r\n');
    const [c] = await chunked.responses(1);
    chunked.socket.destroy();
    expect(c?.body.toString()).toBe(expected('hello world'));
    const large = 'x'.repeat(64 * 1024);
    const res = await request(`${url}/text`, { method: 'POST', body: large });
    expect(await res.body.text()).toBe(expected(large));
  });
});
