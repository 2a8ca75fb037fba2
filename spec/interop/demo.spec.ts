// The demo of `npm start` (issue 8 item 6): built with `npm run build` and
// started as `npm start` starts it (node examples/demo.js, PORT from the
// environment), then loaded in headless Chromium — its page must render, its
// echo and stream routes must work from the page, and SIGTERM must stop it.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM, launchChromium, summarizeScreenshot } from './support/browser.ts';
import { describeRun, describeWith, freePort, run, waitForPort } from './support/programs.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describeWith('interop: the npm start demo in Chromium', [CHROMIUM], () => {
  let demo: ChildProcess | undefined;
  let output = '';
  let exited: Promise<[number | null, NodeJS.Signals | null]>;
  let port: number;
  let browser: Browser;

  beforeAll(async () => {
    const build = await run('npm', ['run', 'build'], { cwd: ROOT, timeoutMs: 120_000 });
    if (build.code !== 0) throw new Error(describeRun('npm run build', build));
    port = await freePort();
    const child = spawn(process.execPath, ['examples/demo.js'], { cwd: ROOT, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    demo = child;
    exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    if (!(await waitForPort(port, 15_000, () => child.exitCode === null && child.signalCode === null))) {
      throw new Error(`the demo did not listen on 127.0.0.1:${port}; its output:\n${output}`);
    }
    browser = await launchChromium();
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    if (demo !== undefined && demo.exitCode === null && demo.signalCode === null) {
      demo.kill('SIGTERM');
      const killer = setTimeout(() => demo?.kill('SIGKILL'), 8_000);
      await exited;
      clearTimeout(killer);
    }
  }, 20_000);

  it('prints where it listens and renders its page in Chromium', async () => {
    expect(output).toContain(`rawhttp demo listening on http://127.0.0.1:${port}`);
    const context = await browser.newContext({ viewport: { width: 800, height: 300 } });
    try {
      const page = await context.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText ?? '?'}`));
      // The greeting moved to /hello when / became the live metrics page (issue 6).
      const response = await page.goto(`http://127.0.0.1:${port}/hello`, { waitUntil: 'load', timeout: 20_000 });
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-type']).toBe('text/plain; charset=utf-8');
      expect(((await page.evaluate('document.body.innerText')) as string).trim()).toBe('Hello from rawhttp');

      const echo = (await page.evaluate(`fetch('/echo', { method: 'POST', body: 'ping from chromium', headers: { 'content-type': 'text/plain' } }).then(async (r) => [r.status, await r.text()])`)) as [number, string];
      expect(echo).toEqual([200, 'ping from chromium']);

      const stream = (await page.evaluate(`(async () => {
        const reader = (await fetch('/stream')).body.getReader();
        const decoder = new TextDecoder();
        let text = '';
        let reads = 0;
        for (;;) { const { done, value } = await reader.read(); if (done) break; reads++; text += decoder.decode(value, { stream: true }); }
        return { text, reads };
      })()`)) as { text: string; reads: number };
      expect(stream.text.split('\n').filter((line) => line !== '').map((line) => line.replace(/ at .*$/, ''))).toEqual(['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5']);
      expect(stream.reads, 'the ticks arrived one by one').toBeGreaterThan(1);

      // The live page (issue 6): it polls /metrics.json each second and draws its charts.
      const live = await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' });
      expect(live?.headers()['content-type']).toBe('text/html; charset=utf-8');
      await page.waitForFunction(`document.getElementById('status').textContent.includes('requests served')`, undefined, { timeout: 10_000 });
      expect(await page.evaluate(`document.querySelectorAll('svg path').length`)).toBeGreaterThan(0);
      const shot = await summarizeScreenshot(page);
      expect(shot.bytes).toBeGreaterThan(500);
      expect(shot.colours, 'distinct colours in the screenshot: text on a background').toBeGreaterThan(1);
      expect(failed).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('stops on SIGTERM with exit code 0', async () => {
    expect(demo?.exitCode, `the demo exited early:\n${output}`).toBeNull();
    demo?.kill('SIGTERM');
    const [code, signal] = await Promise.race([exited, new Promise<[string, null]>((resolve) => setTimeout(() => resolve(['still running after 8 s', null]), 8_000))]);
    expect({ code, signal }, output).toEqual({ code: 0, signal: null });
  }, 15_000);
});
