// Headless Chromium against rawhttp (issue 8 item 5): one page that pulls 60
// subresources — 10 stylesheets, 20 images, 20 scripts, 8 fetch() GETs, a
// fetch() POST of 1 MiB and a streamed response the page reads chunk by
// chunk — all must load; then a screenshot that must show something.

import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Handler, Server } from '../../lib/index.ts';
import { delay, ServerPool, type ReportedError } from '../integration/support/server.ts';
import { AcceptCounter } from './support/accepted.ts';
import { CHROMIUM, launchChromium, summarizeScreenshot } from './support/browser.ts';
import { solidPng } from './support/png.ts';
import { describeWith } from './support/programs.ts';

const STYLESHEETS = 10;
const IMAGES = 20; // half PNG, half SVG
const SCRIPTS = 20;
const GETS = 8;
const UPLOAD_BYTES = 1024 * 1024; // exactly the default maxBodyBytes: req.bytes() must accept it
const STREAM_CHUNKS = 10;
const STREAM_CHUNK_BYTES = 8 * 1024;
const STREAM_GAP_MS = 80;
const SUBRESOURCES = STYLESHEETS + IMAGES + SCRIPTS + GETS + 2;

function colour(n: number): readonly [number, number, number] {
  return [(n * 73 + 40) % 256, (n * 151 + 90) % 256, (n * 199 + 20) % 256];
}

/** The page: every subresource reports itself; an inline script does the fetches and leaves window.__report. */
function page(): string {
  const links = Array.from({ length: STYLESHEETS }, (_, i) => `<link rel="stylesheet" href="/c/${i}.css">`).join('\n');
  const blocks = Array.from({ length: STYLESHEETS }, (_, i) => `<div class="c${i}">c${i}</div>`).join('');
  const images = Array.from({ length: IMAGES }, (_, i) => {
    const src = i % 2 === 0 ? `/img/${i}.png` : `/img/${i}.svg`;
    return `<img src="${src}" width="40" height="40" alt="${i}" onload="__images.push(this.alt)" onerror="__failed.push(this.src)">`;
  }).join('');
  const scripts = Array.from({ length: SCRIPTS }, (_, i) => `<script src="/s/${i}.js" onerror="__failed.push(this.src)"></script>`).join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>rawhttp interop</title>
<script>window.__scripts = []; window.__images = []; window.__failed = [];</script>
${links}
<style>div { display: inline-block; width: 60px; height: 40px; color: white; font: 12px sans-serif; }</style>
</head><body>
<h1>rawhttp interop: ${SUBRESOURCES} subresources</h1>
<section>${blocks}</section>
<section>${images}</section>
${scripts}
<script>
(async () => {
  if (document.readyState !== 'complete') await new Promise((resolve) => addEventListener('load', resolve));
  const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const gets = await Promise.all(Array.from({ length: ${GETS} }, (_, i) => fetch('/api/' + i + '.json').then((r) => r.json())));
  const body = new Uint8Array(${UPLOAD_BYTES});
  for (let i = 0; i < body.length; i += 65536) crypto.getRandomValues(body.subarray(i, i + 65536));
  const [digest, upload] = await Promise.all([
    crypto.subtle.digest('SHA-256', body).then(hex),
    fetch('/upload', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } }).then((r) => r.json()),
  ]);
  const response = await fetch('/stream');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const readAt = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    readAt.push(performance.now());
    text += decoder.decode(value, { stream: true });
  }
  const styles = [...document.querySelectorAll('section > div')].map((div) => getComputedStyle(div).backgroundColor);
  window.__report = {
    scripts: window.__scripts, images: window.__images, failed: window.__failed, styles,
    gets: gets.map((g) => g.n), upload, digest,
    stream: { status: response.status, text, reads: readAt.length, spreadMs: readAt.length ? readAt[readAt.length - 1] - readAt[0] : 0 },
  };
})().catch((error) => { window.__report = { error: String(error && error.stack || error) }; });
</script>
</body></html>`;
}

function streamLine(i: number): string {
  return `chunk ${String(i).padStart(2, '0')} `.padEnd(STREAM_CHUNK_BYTES - 1, '.') + '\n';
}

interface PageReport {
  readonly error?: string;
  readonly scripts: number[];
  readonly images: string[];
  readonly failed: string[];
  readonly styles: string[];
  readonly gets: number[];
  readonly upload: { bytes: number; sha256: string };
  readonly digest: string;
  readonly stream: { status: number; text: string; reads: number; spreadMs: number };
}

describeWith('interop: Chromium', [CHROMIUM], () => {
  const servers = new ServerPool();
  let server: Server;
  let errors: ReportedError[];
  let counter: AcceptCounter;
  let browser: Browser;
  const served: string[] = [];

  const handler: Handler = async (req, res) => {
    const path = req.path;
    served.push(`${req.method} ${path}`);
    let match: RegExpExecArray | null;
    if (path === '/') {
      res.header('content-type', 'text/html; charset=utf-8').end(page());
    } else if ((match = /^\/c\/(\d+)\.css$/.exec(path)) !== null) {
      const [r, g, b] = colour(Number(match[1]));
      res.header('content-type', 'text/css').end(`.c${match[1]} { background-color: rgb(${r}, ${g}, ${b}); }\n`);
    } else if ((match = /^\/img\/(\d+)\.png$/.exec(path)) !== null) {
      res.header('content-type', 'image/png').end(solidPng(40, 40, colour(Number(match[1]))));
    } else if ((match = /^\/img\/(\d+)\.svg$/.exec(path)) !== null) {
      const [r, g, b] = colour(Number(match[1]));
      res.header('content-type', 'image/svg+xml').end(`<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="rgb(${r},${g},${b})"/></svg>`);
    } else if ((match = /^\/s\/(\d+)\.js$/.exec(path)) !== null) {
      res.header('content-type', 'text/javascript').end(`window.__scripts.push(${match[1]});\n`);
    } else if ((match = /^\/api\/(\d+)\.json$/.exec(path)) !== null) {
      res.header('content-type', 'application/json').end(JSON.stringify({ n: Number(match[1]) }));
    } else if (path === '/upload' && req.method === 'POST') {
      const body = await req.bytes();
      res.header('content-type', 'application/json').end(JSON.stringify({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') }));
    } else if (path === '/stream') {
      // No Cache-Control: no-store here: with it Chromium (156) reports a streamed fetch as failed (net::ERR_ABORTED) to DevTools even though it completed — node:http gets the same.
      const writer = res.header('content-type', 'text/plain; charset=utf-8').stream();
      for (let i = 0; i < STREAM_CHUNKS; i++) {
        if (i > 0) await delay(STREAM_GAP_MS);
        writer.write(streamLine(i));
      }
      writer.end();
    } else {
      res.status(404).header('content-type', 'text/plain').end('not found\n');
    }
  };

  beforeAll(async () => {
    ({ server, errors } = await servers.start({}, handler));
    counter = new AcceptCounter(server.port);
    browser = await launchChromium();
  }, 45_000);

  afterAll(async () => {
    counter?.stop();
    await browser?.close();
    await servers.closeAll();
  });

  it(`loads a page with ${SUBRESOURCES} subresources (incl. a 1 MiB fetch POST and a streamed response), all of them, and renders it`, async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
    const tab: Page = await context.newPage();
    const failedRequests: string[] = [];
    const badResponses: string[] = [];
    tab.on('requestfailed', (request) => failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText ?? '?'}`));
    tab.on('response', (response) => {
      if (response.status() !== 200 && !response.url().endsWith('/favicon.ico')) badResponses.push(`${response.status()} ${response.url()}`);
    });
    try {
      const navigation = await tab.goto(`${server.url}/`, { waitUntil: 'load', timeout: 20_000 });
      expect(navigation?.status()).toBe(200);
      await tab.waitForFunction('window.__report !== undefined', undefined, { timeout: 20_000 });
      const report = (await tab.evaluate('window.__report')) as PageReport;
      const why = `served: ${served.join(', ')}`;
      expect(report.error, why).toBeUndefined();
      expect(failedRequests, why).toEqual([]);
      expect(badResponses, why).toEqual([]);
      expect(report.failed, why).toEqual([]);
      expect(report.scripts, 'scripts executed, in document order').toEqual(Array.from({ length: SCRIPTS }, (_, i) => i));
      expect([...report.images].map(Number).sort((a, b) => a - b), 'images decoded').toEqual(Array.from({ length: IMAGES }, (_, i) => i));
      expect(report.styles, 'stylesheets applied').toEqual(Array.from({ length: STYLESHEETS }, (_, i) => `rgb(${colour(i).join(', ')})`));
      expect(report.gets).toEqual(Array.from({ length: GETS }, (_, i) => i));
      expect(report.upload, '1 MiB POST: what the server received vs what the page sent').toEqual({ bytes: UPLOAD_BYTES, sha256: report.digest });
      expect(report.stream.status).toBe(200);
      expect(report.stream.text).toBe(Array.from({ length: STREAM_CHUNKS }, (_, i) => streamLine(i)).join(''));
      expect(report.stream.reads, 'the page read the stream in pieces as they came').toBeGreaterThan(1);
      expect(report.stream.spreadMs).toBeGreaterThan(((STREAM_CHUNKS - 1) * STREAM_GAP_MS) / 2);

      const subresources = served.filter((line) => line !== 'GET /' && line !== 'GET /favicon.ico');
      expect(subresources.length, why).toBe(SUBRESOURCES);
      // Chromium keeps at most 6 connections per host and reuses them; one per request would mean keep-alive failed.
      expect(counter.accepted, `connections Chromium opened for ${served.length} requests`).toBeLessThan(SUBRESOURCES / 2);

      const shot = await summarizeScreenshot(tab);
      console.log(`chromium: ${served.length} requests over ${counter.accepted} connections; screenshot ${shot.width}x${shot.height}, ${shot.bytes} bytes, ${shot.colours} colours`);
      expect(shot.bytes).toBeGreaterThan(1_000);
      expect(shot.width).toBeGreaterThan(0);
      expect(shot.height).toBeGreaterThan(0);
      expect(shot.colours, 'distinct colours in the screenshot (a blank page has 1)').toBeGreaterThan(10);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('rawhttp reported no handler or protocol errors', () => {
    expect(errors.filter((e) => e.context.kind !== 'Socket').map((e) => `${e.context.kind}: ${String(e.error)}`)).toEqual([]);
  });
});
