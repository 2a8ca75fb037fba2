// No handler behaviour and no input crashes the process (issue 5, item 7),
// and onError sees handler and client errors.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { serve, ProtocolError, type ErrorContext, type Handler, type Server } from '../../lib/index.ts';
import { exchange, sleep, statuses } from './support.ts';

let server: Server | null = null;
afterEach(async () => {
  await server?.close({ timeoutMs: 500 });
  server = null;
});

interface Seen {
  error: unknown;
  context: ErrorContext;
}

async function start(handler: Handler, seen: Seen[] = []): Promise<number> {
  server = await serve({ port: 0, onError: (error, context) => seen.push({ error, context }) }, handler);
  return server.port;
}

describe('handler misbehaviour', () => {
  it('a synchronous throw becomes a 500 and onError sees it with its request', async () => {
    const seen: Seen[] = [];
    const port = await start(() => {
      throw new Error('boom');
    }, seen);
    const response = await request(`http://127.0.0.1:${port}/sync?x=1`);
    expect(response.statusCode).toBe(500);
    await response.body.text();
    expect(seen).toHaveLength(1);
    expect((seen[0]?.error as Error).message).toBe('boom');
    expect(seen[0]?.context).toEqual({ kind: 'Handler', method: 'GET', target: '/sync?x=1' });
  });

  it('an async rejection becomes a 500 and the connection stays usable', async () => {
    const port = await start(async (req, res) => {
      if (req.path === '/fail') throw new Error('later');
      res.end('fine');
    });
    const result = await exchange(port, 'GET /fail HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statuses(result.text)).toEqual([500, 200]);
    expect(result.text.endsWith('fine')).toBe(true);
  });

  it('a throw after the head was sent destroys the socket: never a second status line', async () => {
    const port = await start((_req, res) => {
      res.stream().write('partial');
      throw new Error('mid-stream');
    });
    const result = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statuses(result.text)).toEqual([200]);
    expect(result.closed).toBe(true);
    expect(result.text).not.toContain('500');
  });

  it('a write after end reports an error instead of crashing', async () => {
    const seen: Seen[] = [];
    const port = await start((_req, res) => {
      const writer = res.stream();
      writer.end('done');
      writer.write('after end');
    }, seen);
    const response = await request(`http://127.0.0.1:${port}/`);
    expect(await response.body.text()).toBe('done');
    await sleep(20);
    expect(seen.some(({ error }) => (error as { code?: string }).code === 'ERR_STREAM_WRITE_AFTER_END')).toBe(true);
  });

  it('a handler that rejects with a non-Error value still gets a 500', async () => {
    const port = await start(() => Promise.reject('a string'));
    const response = await request(`http://127.0.0.1:${port}/`);
    expect(response.statusCode).toBe(500);
    await response.body.text();
  });
});

describe('client errors', () => {
  it('onError sees a ProtocolError with the failure code, and the default writes nothing to stdout', async () => {
    const seen: Seen[] = [];
    const port = await start((_req, res) => void res.end(), seen);
    const result = await exchange(port, 'GET / HTTP/1.1\r\nHost : x\r\n\r\n');
    expect(statuses(result.text)).toEqual([400]);
    expect(seen[0]?.error).toBeInstanceOf(ProtocolError);
    expect(seen[0]?.context).toEqual({ kind: 'Client', code: 'ERR_WS_BEFORE_COLON' });
  });

  it('the default onError writes nothing to stdout for handler or client errors', async () => {
    const writes: unknown[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: unknown) => {
      writes.push(chunk);
      return true;
    }) as typeof process.stdout.write;
    const errWrite = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      server = await serve({ port: 0 }, () => {
        throw new Error('quiet');
      });
      await exchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nBAD\r\n\r\n');
      await exchange(server.port, 'GET / HTTP/1.1\r\nHost : x\r\n\r\n');
    } finally {
      process.stdout.write = original;
      process.stderr.write = errWrite;
    }
    expect(writes).toEqual([]);
  });
});
