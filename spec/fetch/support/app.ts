// The Hono app the fetch-adapter specs serve, unchanged, through rawhttp and
// @hono/node-server: routing, params, JSON, streaming, cookies, redirects,
// body handling and the probes the abort and upload cases read.

import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { setCookie } from 'hono/cookie';
import { stream, streamText } from 'hono/streaming';

/** What the abort route saw; each promise resolves when the event happens. */
export interface AbortProbe {
  /** Resolves with whether `c.req.raw.signal.aborted` was set when its 'abort' event fired. */
  readonly signalAborted: Promise<boolean>;
  /** Resolves when hono/streaming's onAbort ran (the adapter cancelled the body). */
  readonly streamAborted: Promise<void>;
  /** Chunks the route had written when it stopped. */
  written: number;
}

/** What the upload route saw while it read the body. */
export interface UploadProbe {
  /** Body bytes the handler has taken from the ReadableStream so far. */
  consumed: number;
  /** Called after each read with the running total, so a spec can sample. */
  onRead: (consumed: number) => void | Promise<void>;
}

/** The probes a spec can watch; fresh ones per app. */
export interface Probes {
  abort: AbortProbe;
  readonly upload: UploadProbe;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Returns the app and its probes. */
export function createApp(): { app: Hono; probes: Probes } {
  const signalAborted = deferred<boolean>();
  const streamAborted = deferred<void>();
  const probes: Probes = {
    abort: { signalAborted: signalAborted.promise, streamAborted: streamAborted.promise, written: 0 },
    upload: { consumed: 0, onRead: () => {} },
  };
  const app = new Hono();

  app.get('/', (c) => c.text('hello'));
  app.get('/hello/:name', (c) => c.text(`Hello, ${c.req.param('name')}!`));
  app.get('/users/:id/posts/:postId', (c) => c.json({ id: c.req.param('id'), postId: c.req.param('postId'), q: c.req.query('q') ?? null }));
  app.post('/echo', async (c) => c.json({ received: await c.req.json<unknown>() }, 201));
  app.get('/html', (c) => c.html('<p>hi</p>'));
  app.get('/bytes', (c) => c.body(new Uint8Array([0, 1, 2, 253, 254, 255]), 200, { 'Content-Type': 'application/octet-stream' }));
  app.get('/arraybuffer', () => new Response(new Uint8Array([104, 105]).buffer));
  app.get('/empty', (c) => c.body(null, 204));
  app.get('/teapot', () => new Response('short and stout', { status: 418, statusText: 'I Am A Teapot' }));
  app.get('/json-static', () => Response.json({ static: true }, { status: 202, headers: { 'X-Kind': 'static' } }));
  app.get('/headers', (c) => {
    c.header('X-One', '1');
    c.header('X-Many', 'a');
    c.header('X-Many', 'b', { append: true });
    return c.text('headers');
  });

  app.get('/stream', (c) =>
    stream(c, async (s) => {
      for (let i = 0; i < 3; i++) {
        await s.write(new TextEncoder().encode(`chunk ${i}\n`));
        await s.sleep(5);
      }
    }),
  );
  app.get('/stream-text', (c) =>
    streamText(c, async (s) => {
      await s.writeln('first');
      await s.sleep(5);
      await s.write('second');
      await s.writeln('!');
    }),
  );
  app.get('/readable-stream', () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 40) return controller.close();
        controller.enqueue(new Uint8Array(16 * 1024).fill(97 + (sent % 26)));
        sent++;
      },
    });
    return new Response(body, { headers: { 'Content-Type': 'application/octet-stream' } });
  });

  app.get('/cookies', (c) => {
    setCookie(c, 'session', 'abc123', { path: '/', httpOnly: true });
    setCookie(c, 'theme', 'dark', { path: '/', maxAge: 3600 });
    return c.text('cookies set');
  });
  app.get('/redirect', (c) => c.redirect('/hello/redirected'));
  app.get('/redirect-permanent', (c) => c.redirect('/hello/moved', 301));
  app.get('/throws', () => {
    throw new Error('route failed');
  });

  app.get('/request', (c) => {
    const raw = c.req.raw;
    const copy = raw.clone();
    return c.json({
      isRequest: raw instanceof Request,
      method: raw.method,
      url: raw.url,
      userAgent: raw.headers.get('user-agent'),
      custom: raw.headers.get('x-custom'),
      bodyIsNull: raw.body === null,
      cloneUrl: copy.url,
      cloneCustom: copy.headers.get('x-custom'),
      aborted: raw.signal.aborted,
    });
  });
  app.post('/clone', async (c) => {
    const copy = c.req.raw.clone();
    const [fromCopy, fromOriginal] = await Promise.all([copy.text(), c.req.raw.text()]);
    return c.json({ fromCopy, fromOriginal, bodyUsed: c.req.raw.bodyUsed });
  });
  app.post('/form', async (c) => {
    const form = await c.req.raw.formData();
    const entries: Array<[string, string]> = [];
    for (const [name, value] of form) entries.push([name, typeof value === 'string' ? value : `file:${value.name}:${value.size}`]);
    return c.json({ entries });
  });
  // bodyLimit re-wraps the request with new Request(c.req.raw, { body }):
  // headers must survive that copy.
  app.post('/limited', bodyLimit({ maxSize: 1024, onError: (c) => c.text('too large', 413) }), async (c) =>
    c.json({ type: c.req.header('content-type') ?? null, body: await c.req.json<unknown>() }),
  );

  app.get('/slow', (c) => {
    c.req.raw.signal.addEventListener('abort', () => signalAborted.resolve(c.req.raw.signal.aborted), { once: true });
    return streamText(c, async (s) => {
      s.onAbort(() => streamAborted.resolve());
      for (let i = 0; i < 500 && !s.aborted; i++) {
        await s.writeln(`tick ${i}`);
        probes.abort.written = i + 1;
        await s.sleep(10);
      }
    });
  });

  app.post('/upload', async (c) => {
    const body = c.req.raw.body;
    if (body === null) return c.text('no body', 400);
    const hash = createHash('sha256');
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      probes.upload.consumed += value.byteLength;
      await probes.upload.onRead(probes.upload.consumed);
    }
    return c.json({ bytes: probes.upload.consumed, sha256: hash.digest('hex') });
  });

  return { app, probes };
}
