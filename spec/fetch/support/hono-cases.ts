// The Hono cases, run against rawhttp once with the lazy global Response
// (the default) and once with globals left alone (overrideGlobalObjects:
// false): the app must not be able to tell.

import { Readable } from 'node:stream';
import { FormData as UndiciFormData, fetch as undiciFetch, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchHandlerOptions } from '../../../lib/index.ts';
import { createApp, type Probes } from './app.ts';
import { FetchServers, type ReportedError } from './servers.ts';

/** Registers the Hono cases; `adapter` undefined means the serve({ fetch }) shorthand. */
export function describeHonoOnRawhttp(title: string, adapter: FetchHandlerOptions | undefined): void {
  const servers = new FetchServers();
  afterEach(async () => {
    await servers.closeAll();
  });

  async function start(): Promise<{ url: string; probes: Probes; errors: ReportedError[] }> {
    const { app, probes } = createApp();
    const { url, errors } = await servers.rawhttp(app.fetch, {}, adapter);
    return { url, probes, errors };
  }

  describe(title, () => {
    it('routes with params and answers text with Content-Length in one response', async () => {
      const { url } = await start();
      const res = await request(`${url}/hello/world`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain;charset=UTF-8');
      expect(res.headers['content-length']).toBe('13');
      expect(res.headers['transfer-encoding']).toBeUndefined();
      expect(await res.body.text()).toBe('Hello, world!');
    });

    it('passes several params and the query string', async () => {
      const { url } = await start();
      const res = await request(`${url}/users/7/posts/42?q=a%20b`);
      expect(await res.body.json()).toEqual({ id: '7', postId: '42', q: 'a b' });
    });

    it('parses a JSON body and answers JSON with a status', async () => {
      const { url } = await start();
      const payload = { name: 'rawhttp', list: [1, 2, 3], nested: { ok: true }, text: 'héllo ✓' };
      const res = await request(`${url}/echo`, { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toBe('application/json');
      expect(await res.body.json()).toEqual({ received: payload });
    });

    it('reads a chunked JSON body', async () => {
      const { url } = await start();
      const parts = ['{"a":', '[1,2', ',3]}'];
      async function* body(): AsyncGenerator<Buffer> {
        for (const part of parts) yield Buffer.from(part);
      }
      const res = await request(`${url}/echo`, { method: 'POST', body: Readable.from(body()), headers: { 'content-type': 'application/json' } });
      expect(res.statusCode).toBe(201);
      expect(await res.body.json()).toEqual({ received: { a: [1, 2, 3] } });
    });

    it('answers 404 for an unknown route and keeps the connection', async () => {
      const { url } = await start();
      const missing = await request(`${url}/nope`);
      expect(missing.statusCode).toBe(404);
      expect(await missing.body.text()).toBe('404 Not Found');
      const after = await request(`${url}/`);
      expect(await after.body.text()).toBe('hello');
    });

    it('writes bytes, ArrayBuffer and empty bodies with the right length', async () => {
      const { url } = await start();
      const bytes = await request(`${url}/bytes`);
      expect(bytes.headers['content-length']).toBe('6');
      expect([...new Uint8Array(await bytes.body.arrayBuffer())]).toEqual([0, 1, 2, 253, 254, 255]);
      const buffer = await request(`${url}/arraybuffer`);
      expect(await buffer.body.text()).toBe('hi');
      const empty = await request(`${url}/empty`);
      expect(empty.statusCode).toBe(204);
      expect(empty.headers['content-length']).toBeUndefined();
      expect(await empty.body.text()).toBe('');
    });

    it('sends the Response statusText as the reason phrase', async () => {
      const { url } = await start();
      const res = await undiciFetch(`${url}/teapot`);
      expect(res.status).toBe(418);
      expect(res.statusText).toBe('I Am A Teapot');
      expect(await res.text()).toBe('short and stout');
    });

    it('serves Response.json() with its status and headers', async () => {
      const { url } = await start();
      const res = await request(`${url}/json-static`);
      expect(res.statusCode).toBe(202);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['x-kind']).toBe('static');
      expect(await res.body.json()).toEqual({ static: true });
    });

    it('joins repeated non-cookie headers as one list', async () => {
      const { url } = await start();
      const res = await request(`${url}/headers`);
      expect(res.headers['x-one']).toBe('1');
      expect(res.headers['x-many']).toBe('a, b');
    });

    it('streams hono/streaming stream() chunked, chunk by chunk', async () => {
      const { url } = await start();
      const res = await request(`${url}/stream`);
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(res.headers['content-length']).toBeUndefined();
      expect(await res.body.text()).toBe('chunk 0\nchunk 1\nchunk 2\n');
    });

    it('streams hono/streaming streamText() with its headers', async () => {
      const { url } = await start();
      const res = await request(`${url}/stream-text`);
      expect(res.headers['content-type']).toBe('text/plain; charset=UTF-8');
      expect(res.headers['transfer-encoding']).toBe('chunked');
      expect(await res.body.text()).toBe('first\nsecond!\n');
    });

    it('streams a multi-chunk ReadableStream body whole', async () => {
      const { url } = await start();
      const res = await request(`${url}/readable-stream`);
      const body = Buffer.from(await res.body.arrayBuffer());
      expect(body.length).toBe(40 * 16 * 1024);
      expect(body[0]).toBe(97);
      expect(body[body.length - 1]).toBe(97 + (39 % 26));
    });

    it('keeps two setCookie() calls as two Set-Cookie lines', async () => {
      const { url } = await start();
      const res = await request(`${url}/cookies`);
      expect(res.headers['set-cookie']).toEqual(['session=abc123; Path=/; HttpOnly', 'theme=dark; Max-Age=3600; Path=/']);
      expect(await res.body.text()).toBe('cookies set');
    });

    it('redirects with c.redirect() (302 and 301) and an empty body', async () => {
      const { url } = await start();
      const found = await request(`${url}/redirect`);
      expect(found.statusCode).toBe(302);
      expect(found.headers.location).toBe('/hello/redirected');
      expect(found.headers['content-length']).toBe('0');
      expect(await found.body.text()).toBe('');
      const moved = await request(`${url}/redirect-permanent`);
      expect(moved.statusCode).toBe(301);
      expect(moved.headers.location).toBe('/hello/moved');
      await moved.body.dump();
      const followed = await undiciFetch(`${url}/redirect`);
      expect(await followed.text()).toBe('Hello, redirected!');
    });

    it('answers HEAD from the GET route without a body', async () => {
      const { url } = await start();
      const res = await request(`${url}/hello/head`, { method: 'HEAD' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain;charset=UTF-8');
      expect(await res.body.text()).toBe('');
      const after = await request(`${url}/hello/again`);
      expect(await after.body.text()).toBe('Hello, again!');
    });

    it('turns an error thrown in a route into Hono’s 500', async () => {
      const { url } = await start();
      const res = await request(`${url}/throws`);
      expect(res.statusCode).toBe(500);
      expect(await res.body.text()).toBe('Internal Server Error');
    });

    it('hands the route a real Request: instanceof, URL from Host, headers, clone, signal', async () => {
      const { url } = await start();
      const res = await request(`${url}/request?x=1`, { headers: { 'user-agent': 'spec-agent', 'x-custom': 'yes' } });
      expect(await res.body.json()).toEqual({
        isRequest: true,
        method: 'GET',
        url: `${url}/request?x=1`,
        userAgent: 'spec-agent',
        custom: 'yes',
        bodyIsNull: true,
        cloneUrl: `${url}/request?x=1`,
        cloneCustom: 'yes',
        aborted: false,
      });
    });

    it('clone() tees the body: both copies read it whole', async () => {
      const { url } = await start();
      const res = await request(`${url}/clone`, { method: 'POST', body: 'twice please' });
      expect(await res.body.json()).toEqual({ fromCopy: 'twice please', fromOriginal: 'twice please', bodyUsed: true });
    });

    it('formData() parses urlencoded and multipart bodies', async () => {
      const { url } = await start();
      const encoded = await request(`${url}/form`, {
        method: 'POST',
        body: 'a=1&b=two+words',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(await encoded.body.json()).toEqual({ entries: [['a', '1'], ['b', 'two words']] });
      // undici's own FormData: its fetch does not recognise the global one's class on every Node.
      const form = new UndiciFormData();
      form.append('field', 'value');
      form.append('file', new Blob(['12345']), 'five.txt');
      const multipart = await undiciFetch(`${url}/form`, { method: 'POST', body: form });
      expect(await multipart.json()).toEqual({ entries: [['field', 'value'], ['file', 'file:five.txt:5']] });
    });

    it('keeps headers through new Request(c.req.raw, init) (hono/body-limit)', async () => {
      const { url } = await start();
      const ok = await request(`${url}/limited`, { method: 'POST', body: '{"small":true}', headers: { 'content-type': 'application/json' } });
      expect(await ok.body.json()).toEqual({ type: 'application/json', body: { small: true } });
      const big = await request(`${url}/limited`, { method: 'POST', body: JSON.stringify({ big: 'x'.repeat(2048) }), headers: { 'content-type': 'application/json' } });
      expect(big.statusCode).toBe(413);
      await big.body.dump();
    });

    it('aborts c.req.raw.signal and hono/streaming onAbort when the client goes away mid-stream', async () => {
      const { url, probes } = await start();
      const controller = new AbortController();
      const res = await request(`${url}/slow`, { signal: controller.signal });
      let received = '';
      await expect(
        (async () => {
          for await (const chunk of res.body) {
            received += String(chunk);
            if (received.includes('tick 2')) controller.abort();
          }
        })(),
      ).rejects.toThrow();
      const within = <T>(promise: Promise<T>): Promise<T | 'timeout'> => Promise.race([promise, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3_000))]);
      expect(await within(probes.abort.signalAborted)).toBe(true);
      expect(await within(probes.abort.streamAborted)).toBeUndefined();
      const writtenAtAbort = probes.abort.written;
      await new Promise((r) => setTimeout(r, 100));
      // The producer stopped: at most the write in flight finished after the abort.
      expect(probes.abort.written).toBeLessThanOrEqual(writtenAtAbort + 1);
      expect(probes.abort.written).toBeLessThan(500);
    });
  });
}
