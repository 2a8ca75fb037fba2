// Timeouts (issue 5, item 1): slowloris, whole-request, keep-alive idle and
// write-stall deadlines, with small values so the suite stays fast.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { serve, type Server, type ServeOptions, type Handler } from '../../lib/index.ts';
import { collect, exchange, open, sleep, statuses } from './support.ts';

let server: Server | null = null;
afterEach(async () => {
  await server?.close({ timeoutMs: 500 });
  server = null;
});

async function start(options: ServeOptions, handler: Handler = (_req, res) => void res.end('ok')): Promise<number> {
  server = await serve({ port: 0, onError: () => {}, ...options }, handler);
  return server.port;
}

describe('headersTimeoutMs', () => {
  it('cuts off a client that sends one header byte at a time (slowloris) with 408 and a close', async () => {
    const port = await start({ headersTimeoutMs: 300 });
    const socket = await open(port);
    const answer = collect(socket, 3_000);
    const head = 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n';
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < head.length && !socket.destroyed) socket.write(head[sent++] as string);
    }, 20);
    const result = await answer;
    clearInterval(drip);
    expect(statuses(result.text)).toEqual([408]);
    expect(result.text).toContain('Connection: close\r\n');
    expect(result.closed).toBe(true);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(250);
    expect(result.elapsedMs).toBeLessThan(1_500);
    expect(sent).toBeLessThan(head.length);
  });

  it('closes a connection that never sends a byte, without a response', async () => {
    const port = await start({ headersTimeoutMs: 200 });
    const socket = await open(port);
    const result = await collect(socket, 3_000);
    expect(result.closed).toBe(true);
    expect(result.text).toBe('');
  });

  it('0 disables it', async () => {
    const port = await start({ headersTimeoutMs: 0, keepAliveTimeoutMs: 0, requestTimeoutMs: 0 });
    const socket = await open(port);
    const answer = collect(socket, 600);
    socket.write('GET / HTTP/1.1\r\n');
    const result = await answer;
    expect(result.closed).toBe(false);
  });
});

describe('requestTimeoutMs', () => {
  it('answers 408 when the body does not arrive in time, counting from the first byte', async () => {
    const port = await start({ requestTimeoutMs: 300, headersTimeoutMs: 5_000 }, async (req, res) => {
      res.end(await req.text());
    });
    const socket = await open(port);
    const answer = collect(socket, 3_000);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial');
    const result = await answer;
    expect(statuses(result.text)).toEqual([408]);
    expect(result.closed).toBe(true);
    expect(result.elapsedMs).toBeLessThan(1_500);
  });
});

describe('keepAliveTimeoutMs', () => {
  it('is announced in Keep-Alive: timeout=N and closes an idle connection after it', async () => {
    const port = await start({ keepAliveTimeoutMs: 1_000 });
    const socket = await open(port);
    const answer = collect(socket, 4_000);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const result = await answer;
    expect(result.text).toContain('Keep-Alive: timeout=1\r\n');
    expect(result.closed).toBe(true);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(900);
    expect(result.elapsedMs).toBeLessThan(2_500);
  });

  it('defaults to 65 s, above common load-balancer idle timeouts', async () => {
    const port = await start({});
    const response = await request(`http://127.0.0.1:${port}/`);
    await response.body.text();
    expect(response.headers['keep-alive']).toBe('timeout=65');
  });

  it('the idle wait ends at the first byte of the next request', async () => {
    const port = await start({ keepAliveTimeoutMs: 300, headersTimeoutMs: 2_000 });
    const socket = await open(port);
    const answer = collect(socket, 3_000);
    socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(150);
    socket.write('GET /2 HTTP/1.1\r\n'); // first byte of the next request before the idle deadline
    await sleep(400); // past the idle deadline, inside the headers deadline
    socket.write('Host: x\r\nConnection: close\r\n\r\n');
    const result = await answer;
    expect(statuses(result.text)).toEqual([200, 200]);
  });
});

describe('write stall', () => {
  it('drops a peer that stops reading while a response is written', async () => {
    let abortedAtMs = -1;
    let startedAtMs = 0;
    const port = await start({ writeStallTimeoutMs: 300 }, async (req, res) => {
      startedAtMs = Date.now();
      req.signal.addEventListener('abort', () => (abortedAtMs = Date.now()));
      const writer = res.stream();
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const drainOrClose = (): Promise<void> =>
        new Promise((resolve) => {
          const done = (): void => {
            writer.off('drain', done);
            writer.off('close', done);
            resolve();
          };
          writer.on('drain', done);
          writer.on('close', done);
        });
      // Bounded: 256 MiB at most, far more than loopback buffers hold.
      for (let i = 0; i < 4096 && !writer.destroyed; i++) if (!writer.write(chunk)) await drainOrClose();
    });
    const socket = await open(port);
    socket.pause(); // never read: a paused socket also never sees the server's close
    socket.on('error', () => {});
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let waited = 0; waited < 5_000 && (abortedAtMs < 0 || server?.connections !== 0); waited += 50) await sleep(50);
    socket.destroy();
    expect(abortedAtMs).toBeGreaterThan(0);
    expect(server?.connections).toBe(0);
    // Stalled for 300 ms (plus the time to fill the loopback buffers).
    expect(abortedAtMs - startedAtMs).toBeLessThan(3_000);
  });
});

describe('sweep', () => {
  it('keeps no timer per request: many requests on one connection add no active timers', async () => {
    const port = await start({});
    const before = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const result = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(200) + 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statuses(result.text)).toHaveLength(201);
    const after = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before + 1);
  });
});
