// The same Hono app, unchanged, on @hono/node-server and on rawhttp's
// serve({ fetch }): every request gets the same status, the same headers that
// matter and the same body (issue 7).

import { fetch as undiciFetch, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './support/app.ts';
import { FetchServers } from './support/servers.ts';

interface Case {
  readonly name: string;
  readonly path: string;
  readonly method?: 'GET' | 'HEAD' | 'POST';
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /**
   * Where @hono/node-server departs from the Fetch standard and rawhttp does
   * not: the Content-Type rawhttp sends instead (undefined: none), and why.
   */
  readonly standardType?: { readonly type: string | undefined; readonly why: string };
}

// @hono/node-server labels any body whose Response has no Content-Type as
// text/plain; the Fetch standard (and Bun, Deno, Workers) send none.
const NO_INVENTED_TYPE = { type: undefined, why: 'Fetch §6.4.1: a byte or stream body has no Content-Type of its own' };

const JSON_TYPE = { 'content-type': 'application/json' };
const CASES: readonly Case[] = [
  { name: 'text root', path: '/' },
  { name: 'text with a param', path: '/hello/world' },
  { name: 'text with an encoded param', path: '/hello/caf%C3%A9' },
  { name: 'JSON with params and query', path: '/users/7/posts/42?q=a%20b' },
  { name: 'JSON in and out', path: '/echo', method: 'POST', body: '{"a":[1,2,3],"s":"é"}', headers: JSON_TYPE },
  { name: 'bad JSON in', path: '/echo', method: 'POST', body: '{"a":', headers: JSON_TYPE },
  { name: 'html', path: '/html' },
  { name: 'bytes', path: '/bytes' },
  { name: 'ArrayBuffer', path: '/arraybuffer', standardType: NO_INVENTED_TYPE },
  { name: '204 without body', path: '/empty' },
  { name: 'custom status and reason', path: '/teapot' },
  { name: 'Response.json()', path: '/json-static' },
  { name: 'repeated headers', path: '/headers' },
  { name: 'hono/streaming stream()', path: '/stream', standardType: NO_INVENTED_TYPE },
  { name: 'hono/streaming streamText()', path: '/stream-text' },
  { name: 'multi-chunk ReadableStream', path: '/readable-stream' },
  { name: 'two cookies', path: '/cookies' },
  { name: 'redirect 302', path: '/redirect' },
  { name: 'redirect 301', path: '/redirect-permanent' },
  { name: 'route throws', path: '/throws' },
  { name: 'not found', path: '/nope' },
  { name: 'HEAD on a GET route', path: '/hello/head', method: 'HEAD' },
  { name: 'HEAD on a streaming route', path: '/stream', method: 'HEAD' },
  { name: 'clone() of a body', path: '/clone', method: 'POST', body: 'twice please' },
  { name: 'urlencoded formData()', path: '/form', method: 'POST', body: 'a=1&b=two+words', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
  { name: 'body-limit within limit', path: '/limited', method: 'POST', body: '{"small":true}', headers: JSON_TYPE },
  { name: 'body-limit over limit', path: '/limited', method: 'POST', body: JSON.stringify({ big: 'x'.repeat(2048) }), headers: JSON_TYPE },
  { name: 'request introspection', path: '/request?x=1', headers: { 'user-agent': 'parity', 'x-custom': 'yes' } },
];

// The headers that decide what a client does with a response; Date,
// Keep-Alive and Connection legitimately differ between servers, and so may
// the framing of an empty body (Content-Length: 0 or an empty chunked body):
// Content-Length is compared where both servers send it.
const COMPARED = ['content-type', 'location', 'set-cookie', 'x-kind', 'x-one', 'x-many'] as const;

interface Seen {
  readonly status: number;
  readonly headers: Partial<Record<(typeof COMPARED)[number], string | string[]>>;
  readonly contentLength: string | undefined;
  readonly body: string;
}

// RFC 9110 §8.3.1: type, subtype, parameter names and the charset value are
// case-insensitive and OWS may surround ';' — "text/plain; charset=UTF-8"
// (@hono/node-server's own default) and "text/plain;charset=UTF-8" (the
// Fetch standard's) are the same media type.
function normalizeMediaType(value: string): string {
  return value.toLowerCase().replace(/\s*;\s*/g, ';');
}

async function send(base: string, c: Case): Promise<Seen> {
  const res = await request(`${base}${c.path}`, { method: c.method ?? 'GET', ...(c.body === undefined ? {} : { body: c.body }), ...(c.headers === undefined ? {} : { headers: c.headers }) });
  const headers: Partial<Record<(typeof COMPARED)[number], string | string[]>> = {};
  for (const name of COMPARED) {
    const value = res.headers[name];
    if (value !== undefined) headers[name] = name === 'content-type' && typeof value === 'string' ? normalizeMediaType(value) : value;
  }
  // Each server's URL has its own port: compare the rest.
  const body = (await res.body.text()).replaceAll(base, 'http://SERVER');
  const contentLength = res.headers['content-length'];
  return { status: res.statusCode, headers, contentLength: typeof contentLength === 'string' ? contentLength : undefined, body };
}

const servers = new FetchServers();
let nodeUrl = '';
let rawhttpUrl = '';
const globals: Record<string, unknown> = {};

beforeAll(async () => {
  // Each adapter replaces the global Response with its own lazy one when it
  // starts (@hono/node-server first, then rawhttp); the app builds whichever
  // is installed, so each server also writes the other's Response objects.
  nodeUrl = (await servers.nodeServer(createApp().app.fetch)).url;
  globals['@hono/node-server'] = globalThis.Response;
  rawhttpUrl = (await servers.rawhttp(createApp().app.fetch)).url;
  globals['rawhttp'] = globalThis.Response;
});

afterAll(async () => {
  await servers.closeAll();
});

describe.each(['rawhttp', '@hono/node-server'])('parity with @hono/node-server: same app, same answers (global Response from %s)', (owner) => {
  beforeAll(() => {
    Object.defineProperty(globalThis, 'Response', { value: globals[owner], writable: true, configurable: true });
  });

  it.each(CASES)('$name: $path', async (c) => {
    const fromNode = await send(nodeUrl, c);
    const fromRawhttp = await send(rawhttpUrl, c);
    const shown = `@hono/node-server answered ${JSON.stringify(fromNode)}, rawhttp ${JSON.stringify(fromRawhttp)}`;
    expect(fromRawhttp.status, shown).toBe(fromNode.status);
    expect(fromRawhttp.body, shown).toBe(fromNode.body);
    if (fromNode.contentLength !== undefined && fromRawhttp.contentLength !== undefined) expect(fromRawhttp.contentLength, shown).toBe(fromNode.contentLength);
    const want = { ...fromNode.headers };
    if (c.standardType !== undefined) {
      expect(want['content-type'], `${c.standardType.why}; ${shown}`).toBe('text/plain;charset=utf-8');
      if (c.standardType.type === undefined) delete want['content-type'];
      else want['content-type'] = c.standardType.type;
    }
    expect(fromRawhttp.headers, shown).toEqual(want);
  });

  it('rawhttp sends the Response statusText as the reason phrase (@hono/node-server sends the stock one)', async () => {
    const [fromNode, fromRawhttp] = await Promise.all([undiciFetch(`${nodeUrl}/teapot`), undiciFetch(`${rawhttpUrl}/teapot`)]);
    expect(fromRawhttp.status).toBe(fromNode.status);
    expect(fromRawhttp.statusText).toBe('I Am A Teapot');
    expect(fromNode.statusText).toBe("I'm a Teapot");
    await Promise.all([fromNode.text(), fromRawhttp.text()]);
  });
});
