// serve(), options and graceful close (issue 2, item 6).
import { afterEach, describe, expect, it } from 'vitest';
import { Client, request } from 'undici';
import { resolveOptions, serve, DEFAULTS, type Server } from '../lib/index.ts';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { programPath, requireProgram } from './support/programs.ts';

let server: Server | null = null;
afterEach(async () => {
  await server?.close({ timeoutMs: 1_000 });
  server = null;
});

describe('resolveOptions', () => {
  it('fills every default', () => {
    const resolved = resolveOptions({});
    for (const [name, value] of Object.entries(DEFAULTS)) expect(resolved[name as keyof typeof DEFAULTS]).toBe(value);
    expect(resolved.host).toBe('127.0.0.1');
    expect(resolved.port).toBe(0);
  });

  it.each([
    ['maxHeaderBytes', -1],
    ['maxHeaderCount', 0],
    ['headersTimeoutMs', 1.5],
    ['highWaterMark', 0],
    ['maxWriteAheadBytes', -1],
    ['maxWriteAheadBytes', 0.5],
  ])('refuses %s = %s with a TypeError', (name, value) => {
    expect(() => resolveOptions({ [name]: value })).toThrow(TypeError);
  });
});

// The listen backlog as the kernel holds it: `ss` shows it as Send-Q of a listening socket.
function listenBacklog(port: number): number {
  const out = execFileSync(programPath(ss), ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  const columns = out.trim().split(/\s+/);
  return Number(columns[2]);
}
const ss = requireProgram('ss', 'iproute2');

describe('listen backlog', () => {
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'latin1').trim());

  it.skipIf(ss.skip)('defaults to the kernel limit (net.core.somaxconn), not Node\'s 511, and takes an explicit value', async () => {
    server = await serve({ port: 0 }, (_req, res) => void res.end());
    expect(listenBacklog(server.port)).toBe(somaxconn);
    await server.close();
    server = await serve({ port: 0, backlog: 100 }, (_req, res) => void res.end());
    expect(listenBacklog(server.port)).toBe(100);
    expect(resolveOptions({}).backlog).toBe(somaxconn);
  });

  it.each([0, -1, 1.5, 65_536, Number.NaN])('refuses backlog = %s with a TypeError', (backlog) => {
    expect(() => resolveOptions({ backlog })).toThrow(/backlog/);
    expect(() => resolveOptions({ backlog })).toThrow(TypeError);
  });
});

describe('serve', () => {
  it('binds an ephemeral port and answers', async () => {
    server = await serve({ port: 0 }, (_req, res) => void res.end('hi'));
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const response = await request(server.url);
    expect(await response.body.text()).toBe('hi');
  });

  it('rejects when the port is taken', async () => {
    server = await serve({ port: 0 }, (_req, res) => void res.end());
    await expect(serve({ port: server.port }, (_req, res) => void res.end())).rejects.toThrow(/EADDRINUSE/);
  });

  it('refuses a handler that is not a function', async () => {
    await expect(serve({}, undefined as unknown as () => void)).rejects.toThrow(TypeError);
  });

  it('close() lets an in-flight request finish with Connection: close, closes idle ones, then resolves', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    server = await serve({ port: 0 }, async (req, res) => {
      if (req.path === '/slow') await gate;
      res.end(req.path);
    });
    const idle = new Client(server.url);
    const busy = new Client(server.url);
    expect(await (await idle.request({ path: '/idle', method: 'GET' })).body.text()).toBe('/idle');
    const inFlight = busy.request({ path: '/slow', method: 'GET' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.connections).toBe(2);
    const closed = server.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.connections).toBe(1); // the idle one went at once
    release();
    const response = await inFlight;
    expect(response.headers['connection']).toBe('close');
    expect(await response.body.text()).toBe('/slow');
    await closed;
    expect(server.connections).toBe(0);
    await Promise.all([idle.close(), busy.close()]);
  });

  it('close({ timeoutMs }) destroys connections still busy at the deadline', async () => {
    server = await serve({ port: 0 }, () => new Promise<void>(() => {}));
    const client = new Client(server.url);
    const pending = client.request({ path: '/', method: 'GET' }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close({ timeoutMs: 100 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await pending).toBeInstanceOf(Error);
    await client.destroy();
  });
});
