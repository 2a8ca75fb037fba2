// Backpressure through the fetch adapter (issue 7, bounds as in issue 4): a
// 64 MiB upload read slowly through c.req.raw.body keeps the server's
// buffered bytes bounded, and a ReadableStream response to a slow client is
// pulled no faster than the client reads.

import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRaw, KIB, MIB, Peak, ServerSockets, SOCKET_READ_BYTES, sleep, until, writeAll } from '../integration/backpressure-support.ts';
import { createApp } from './support/app.ts';
import { FetchServers } from './support/servers.ts';

const servers = new FetchServers();
let sockets: ServerSockets;
let clients: Socket[] = [];

beforeEach(() => {
  sockets = new ServerSockets();
});

afterEach(async () => {
  for (const client of clients) client.destroy();
  clients = [];
  sockets.dispose();
  await servers.closeAll();
});

describe('fetch adapter backpressure', () => {
  it('a 64 MiB upload read slowly from c.req.raw.body: the server holds a bounded number of body bytes, sampled throughout', async () => {
    const TOTAL_BYTES = 64 * MIB;
    const WRITE_BYTES = 64 * KIB;
    // The body stream's highWaterMark (the server default, set explicitly).
    const HWM = 64 * KIB;
    // What the server may hold in user space: the body Readable's buffer, one
    // socket read pushed past it, one chunk handed to the ReadableStream, and
    // one read waiting in the connection — plus the head.
    const SERVER_BOUND = HWM + 3 * SOCKET_READ_BYTES + 4 * KIB;
    // The handler's pace: it sleeps 2 ms after every 512 KiB (≥ 256 ms in all),
    // far slower than loopback, so without backpressure the body would pile up.
    const PACE_BYTES = 512 * KIB;
    const PAUSE_MS = 2;

    const { app, probes } = createApp();
    const { url } = await servers.rawhttp(app.fetch, { highWaterMark: HWM });
    let serverSocket: Socket | undefined;
    const held = new Peak();
    const sample = (at: string): void => {
      serverSocket ??= sockets.all[0];
      if (serverSocket !== undefined) held.note(serverSocket.bytesRead - probes.upload.consumed, at);
    };
    let nextPause = PACE_BYTES;
    probes.upload.onRead = async (consumed) => {
      sample(`after reading ${consumed} bytes`);
      if (consumed >= nextPause) {
        nextPause += PACE_BYTES;
        await sleep(PAUSE_MS);
        sample(`after a pause at ${consumed} bytes`);
      }
    };
    const timer = setInterval(() => sample('on the 2 ms timer'), 2);

    const pattern = Buffer.alloc(WRITE_BYTES);
    for (let i = 0; i < WRITE_BYTES; i++) pattern[i] = (i * 31 + 7) & 0xff;
    const expected = createHash('sha256');
    let sent = 0;
    async function* body(): AsyncGenerator<Buffer> {
      while (sent < TOTAL_BYTES) {
        const chunk = Buffer.from(pattern);
        chunk.writeUInt32BE(sent / WRITE_BYTES, 0);
        expected.update(chunk);
        sent += chunk.length;
        yield chunk;
      }
    }
    const started = Date.now();
    try {
      const res = await request(`${url}/upload`, { method: 'POST', body: Readable.from(body()), headers: { 'content-length': String(TOTAL_BYTES) } });
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ bytes: TOTAL_BYTES, sha256: expected.digest('hex') });
    } finally {
      clearInterval(timer);
    }
    const elapsedMs = Date.now() - started;
    expect(held.samples, 'the server socket was never sampled').toBeGreaterThan(100);
    expect(held.value, `server held at most ${SERVER_BOUND} bytes; peak ${held.toString()}`).toBeLessThanOrEqual(SERVER_BOUND);
    // The upload waited for the handler, not the other way round.
    expect(elapsedMs).toBeGreaterThanOrEqual((TOTAL_BYTES / PACE_BYTES) * PAUSE_MS);
  });

  it('a 16 MiB ReadableStream response to a client that stops reading: the producer is pulled only as the socket drains', async () => {
    const TOTAL_BYTES = 16 * MIB;
    const CHUNK_BYTES = 64 * KIB;
    const HWM = 64 * KIB;
    let pulled = 0;
    const { url } = await servers.rawhttp(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (pulled >= TOTAL_BYTES) return controller.close();
              pulled += CHUNK_BYTES;
              controller.enqueue(new Uint8Array(CHUNK_BYTES).fill(120));
            },
          }),
          { headers: { 'Content-Type': 'application/octet-stream' } },
        ),
      { highWaterMark: HWM },
    );
    const port = Number(new URL(url).port);
    const client = await connectRaw(port, { paused: true });
    clients.push(client);
    await writeAll(client, 'GET /download HTTP/1.1\r\nHost: x\r\n\r\n');
    const server = await sockets.waitForPeerOf(client);
    // Let the server fill every buffer between it and the stalled client.
    await until(() => server.writableLength > 0, 5_000);
    await sleep(200);
    const stalledAt = pulled;
    await sleep(200);
    expect(pulled, 'the producer kept being pulled while nothing drained').toBe(stalledAt);
    // Unsent bytes in the server: the socket's buffer plus what the stream and
    // writer hold. While the kernel took writes whole, the writer could run
    // ahead to the connection's write allowance (16 × HWM, README "Response").
    const kernelAccepted = server.bytesWritten - server.writableLength;
    expect(pulled - kernelAccepted, `pulled ${pulled}, kernel took ${kernelAccepted}`).toBeLessThanOrEqual(16 * HWM + 3 * CHUNK_BYTES);
    expect(pulled).toBeLessThan(TOTAL_BYTES);

    let received = 0;
    client.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    client.resume();
    expect(await until(() => received >= TOTAL_BYTES, 10_000), `received ${received}`).toBe(true);
    expect(pulled).toBe(TOTAL_BYTES);
  });
});
