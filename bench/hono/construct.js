// Micro-benchmark: what the web objects of one request cost on this Node —
// Request, Headers, AbortSignal, ReadableStream, Response and reading it back —
// next to what the fetch adapter builds instead (LazyRequest, FetchRequest,
// LazyResponse).
// Run by bench/hono.js under each --node; prints one JSON line of ns/op.

import { Bench } from 'tinybench';

// Internal classes: imported from the compiled build next to index.js.
const lib = (file) => import(new URL(file, process.env.RAWHTTP_LIB).href);
const { createFetchRequest, installLazyRequest, LazyRequest } = await lib('fetch-request.js');
const { LazyResponse } = await lib('fetch-response.js');
const { requestUrl } = await lib('fetch-url.js');
// Measured before the globals are wrapped, so the rows above stay the platform's.
const PlatformRequest = globalThis.Request;
const PlatformHeaders = globalThis.Headers;

const URL_TEXT = 'http://127.0.0.1:3000/hello/world?x=1';
// What a browser sends with a plain GET.
const HEADERS = [
  ['host', '127.0.0.1:3000'],
  ['connection', 'keep-alive'],
  ['sec-ch-ua', '"Chromium";v="130"'],
  ['sec-ch-ua-mobile', '?0'],
  ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36'],
  ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  ['sec-fetch-site', 'none'],
  ['sec-fetch-mode', 'navigate'],
  ['sec-fetch-dest', 'document'],
  ['accept-encoding', 'gzip, deflate, br'],
  ['accept-language', 'en-US,en;q=0.9'],
  ['cookie', 'session=abc123; theme=dark'],
];
// The fields of rawhttp's Request that FetchRequest reads.
const raw = (method) => ({ method, headers: HEADERS, body: null, get signal() { return new AbortController().signal; } });
const getRaw = raw('GET');
const postRaw = raw('POST');
// What FetchRequest takes for a body: a BodySource; only its stream() is used at construction.
const source = { stream: () => new ReadableStream({ pull() {} }, { highWaterMark: 0 }) };
const lazy = (method) => {
  installLazyRequest();
  return new LazyRequest(URL_TEXT, method, getRaw, null);
};

let sink = 0;
const bench = new Bench({ time: Number(process.env.BENCH_TIME_MS ?? 300), warmupTime: 100 });
bench
  .add('new URL(url)', () => { sink += new URL(URL_TEXT).href.length; })
  .add('new AbortController()', () => { sink += new AbortController().signal.aborted ? 1 : 0; })
  .add('new Headers() + 12 append()', () => { const h = new PlatformHeaders(); for (const [n, v] of HEADERS) h.append(n, v); sink += 1; })
  .add('new Request(url)', () => { sink += new PlatformRequest(URL_TEXT).method.length; })
  .add('new Request(url, { headers: 12 })', () => { sink += new PlatformRequest(URL_TEXT, { headers: HEADERS }).method.length; })
  .add('new Request(url) then 12 append()', () => { const r = new PlatformRequest(URL_TEXT); const h = r.headers; for (const [n, v] of HEADERS) h.append(n, v); sink += 1; })
  .add('new Request(url, { signal })', () => { sink += new PlatformRequest(URL_TEXT, { signal: new AbortController().signal }).method.length; })
  .add('new Request(url, POST, stream body)', () => { sink += new PlatformRequest(URL_TEXT, { method: 'POST', body: new ReadableStream({ pull() {} }, { highWaterMark: 0 }), duplex: 'half' }).method.length; })
  .add('FetchRequest GET (12 headers)', () => { sink += createFetchRequest(URL_TEXT, getRaw, null).method.length; })
  .add('FetchRequest POST + stream body', () => { sink += createFetchRequest(URL_TEXT, postRaw, source).method.length; })
  .add('requestUrl(target, host)', () => { sink += requestUrl('/hello/world?x=1', '127.0.0.1:3000', 'localhost').length; })
  .add('LazyRequest: method + url', () => { const r = lazy('GET'); sink += r.method.length + r.url.length; })
  .add('LazyRequest: + headers.get()', () => { sink += lazy('GET').headers.get('user-agent').length; })
  .add('LazyRequest: + signal', () => { sink += lazy('GET').signal.aborted ? 0 : 1; })
  .add('LazyRequest: + clone()', () => { sink += lazy('GET').clone().url.length; })
  .add('new Response(string)', () => { sink += new Response('Hello, world!').status; })
  .add('new Response(string, { headers })', () => { sink += new Response('{"a":1}', { headers: { 'Content-Type': 'application/json' } }).status; })
  .add('Response(string) + arrayBuffer()', async () => { sink += (await new Response('Hello, world!').arrayBuffer()).byteLength; })
  .add('Response(string) + text()', async () => { sink += (await new Response('Hello, world!').text()).length; })
  .add('Response(string) + 2 reader reads', async () => { const reader = new Response('Hello, world!').body.getReader(); sink += (await reader.read()).value.length; await reader.read(); })
  .add('Response(string) + headers.forEach', () => { new Response('Hello, world!').headers.forEach((v) => { sink += v.length; }); })
  .add('LazyResponse(string) + lazyParts', () => { sink += LazyResponse.lazyParts(new LazyResponse('Hello, world!')).status; })
  .add('LazyResponse(string, { headers }) + lazyParts', () => { sink += LazyResponse.lazyParts(new LazyResponse('{"a":1}', { headers: { 'Content-Type': 'application/json' } })).status; });

await bench.run();
const rows = {};
// The median: a GC pause or another process on the machine skews the mean.
for (const task of bench.tasks) {
  if (task.result?.error !== undefined) throw task.result.error;
  rows[task.name] = Math.round((task.result?.latency?.p50 ?? NaN) * 1e6);
}
process.stdout.write(`${JSON.stringify({ node: process.version, nsPerOp: rows, sink: sink > 0 })}\n`);
