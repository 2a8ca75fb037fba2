// Limits with their defaults (issue 5, item 2): each is enforced with its
// status, and the defaults are the ones the README documents.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { serve, DEFAULTS, type Server, type ServeOptions, type Handler } from '../../lib/index.ts';
import { collect, exchange, open, sleep, statuses } from './support.ts';

let server: Server | null = null;
afterEach(async () => {
  await server?.close({ timeoutMs: 500 });
  server = null;
});

async function start(options: ServeOptions, handler: Handler = async (req, res) => void res.end(await req.text())): Promise<number> {
  server = await serve({ port: 0, onError: () => {}, ...options }, handler);
  return server.port;
}

describe('defaults', () => {
  it('match the README options table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented: Record<string, string> = {
      maxHeaderBytes: '16 KiB',
      maxHeaderCount: '100',
      maxUriBytes: '8 KiB',
      maxBodyBytes: '1 MiB',
      headersTimeoutMs: '60 000',
      requestTimeoutMs: '300 000',
      keepAliveTimeoutMs: '65 000',
    };
    for (const [name, text] of Object.entries(documented)) expect(readme).toContain(`| \`${name}\` | ${text} |`);
    expect(DEFAULTS.maxHeaderBytes).toBe(16 * 1024);
    expect(DEFAULTS.maxHeaderCount).toBe(100);
    expect(DEFAULTS.maxUriBytes).toBe(8 * 1024);
    expect(DEFAULTS.maxBodyBytes).toBe(1024 * 1024);
    expect(DEFAULTS.headersTimeoutMs).toBe(60_000);
    expect(DEFAULTS.requestTimeoutMs).toBe(300_000);
    expect(DEFAULTS.keepAliveTimeoutMs).toBe(65_000);
  });
});

describe('head limits', () => {
  it.each([
    ['maxHeaderBytes → 431', { maxHeaderBytes: 256 }, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(300)}\r\n\r\n`, 431],
    ['maxHeaderCount → 431', { maxHeaderCount: 5 }, `GET / HTTP/1.1\r\nHost: x\r\n${'X-A: 1\r\n'.repeat(5)}\r\n`, 431],
    ['maxUriBytes → 414', { maxUriBytes: 64 }, `GET /${'a'.repeat(80)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    ['maxTrailerBytes → 431', { maxTrailerBytes: 16 }, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-Trailer: ${'b'.repeat(40)}\r\n\r\n`, 431],
    ['maxChunkExtensionBytes → 400', { maxChunkExtensionBytes: 16 }, `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=${'c'.repeat(40)}\r\na\r\n0\r\n\r\n`, 400],
  ] as const)('%s', async (_name, options, bytes, status) => {
    const port = await start(options);
    const result = await exchange(port, bytes);
    expect(statuses(result.text)).toEqual([status]);
    expect(result.text).toContain('Connection: close\r\n');
    expect(result.closed).toBe(true);
  });

  it('a head just under maxHeaderBytes is accepted', async () => {
    const base = 'GET / HTTP/1.1\r\nHost: x\r\nX-Pad: \r\nConnection: close\r\n\r\n';
    const port = await start({ maxHeaderBytes: 256 });
    const result = await exchange(port, base.replace('X-Pad: ', `X-Pad: ${'p'.repeat(256 - base.length)}`));
    expect(statuses(result.text)).toEqual([200]);
  });
});

describe('maxBodyBytes', () => {
  it('req.text() refuses a body announced larger with 413 before reading it', async () => {
    const port = await start({ maxBodyBytes: 10 });
    const result = await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n');
    expect(statuses(result.text)).toEqual([413]);
    expect(result.closed).toBe(true);
  });

  it('req.text() refuses a chunked body that grows past the limit with 413', async () => {
    const port = await start({ maxBodyBytes: 10 });
    const result = await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n');
    expect(statuses(result.text)).toEqual([413]);
    expect(result.closed).toBe(true);
  });
});

describe('maxRequestsPerSocket', () => {
  it('closes the connection after N requests, the last one saying Connection: close', async () => {
    const port = await start({ maxRequestsPerSocket: 2 }, (_req, res) => void res.end('x'));
    const result = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3));
    expect(statuses(result.text)).toEqual([200, 200]);
    expect(result.text.match(/Connection: close/g)).toHaveLength(1);
    expect(result.closed).toBe(true);
  });
});

describe('maxConnections', () => {
  it('refuses sockets beyond the limit cleanly and serves the rest', async () => {
    const port = await start({ maxConnections: 2 }, (_req, res) => void res.end('x'));
    const first = await open(port);
    const second = await open(port);
    await sleep(50);
    const third = await open(port);
    const refused = await collect(third, 2_000);
    expect(refused.closed).toBe(true);
    expect(refused.text).toBe('');
    const answer = collect(first, 2_000);
    first.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statuses((await answer).text)).toEqual([200]);
    second.destroy();
  });
});
