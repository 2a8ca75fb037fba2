// Issue 4, request side: a slow handler pauses the socket so the server holds
// a bounded number of body bytes however fast the client sends; req.bytes()
// refuses oversized bodies (413 + close) without reading them; a per-request
// highWaterMark is honoured. Real sockets on 127.0.0.1, raw node:net clients.

import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BodyTooLargeError } from '../../lib/index.ts';
import {
  KIB,
  kernelStreamBufferMax,
  MIB,
  Peak,
  ServerSockets,
  SOCKET_READ_BYTES,
  sleep,
  until,
  waitForDrain,
  writeAll,
  RawClients,
} from './backpressure-support.ts';
import { parseResponses, show } from './support/raw.ts';
import { ServerPool } from './support/server.ts';

const servers = new ServerPool();
let sockets: ServerSockets;
const clients = new RawClients();

beforeEach(() => {
  sockets = new ServerSockets();
});

afterEach(async () => {
  clients.destroyAll();
  sockets.dispose();
  await servers.closeAll();
});


describe('request body backpressure (issue 4)', () => {
  it('a 256 MiB upload to a handler reading 64 KiB every 5 ms: the server holds a bounded number of bytes for it, sampled throughout', async () => {
    const TOTAL_BYTES = 256 * MIB;
    // The server-wide highWaterMark of body streams (the default, set explicitly).
    const HWM = 64 * KIB;
    // The handler's pace, from the issue: 64 KiB every 5 ms, i.e. 4 096 reads ≥ 20.5 s.
    const READ_BYTES = 64 * KIB;
    const TICK_MS = 5;
    // Timers on a shared 2-core machine run late; past this the handler gives up and the test fails.
    const BUDGET_MS = 45_000;
    // push() takes the whole decoded view that crosses highWaterMark: one socket read on top.
    const BODY_BUFFER_BOUND = HWM + SOCKET_READ_BYTES;
    // The client writes 64 KiB at a time and waits for 'drain', so its own buffer holds one write.
    const WRITE_BYTES = 64 * KIB;
    const SAMPLE_MS = 2;

    const head = `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${TOTAL_BYTES}\r\n\r\n`;
    let body: Readable | null = null;
    let bodyError: unknown;
    let consumed = 0;
    let reads = 0;
    const serverHash = createHash('sha256');
    let serverSocket: Socket | null = null;
    let acked = 0;
    const peakBody = new Peak();
    const peakSocket = new Peak();
    const peakHeld = new Peak();
    const peakGap = new Peak();
    let pausedSamples = 0;
    const started = Date.now();

    // What the server holds for this request, all reachable soundly:
    // - body: the Readable's buffer (readableLength);
    // - socket: the server socket's own read buffer (readableLength);
    // - held: bytes the server's JS received (socket.bytesRead, which counts
    //   every byte libuv handed up) minus the head minus what the handler
    //   consumed = socket buffer + connection input queue + body buffer;
    // - gap: bytes the kernel accepted from the client minus consumed = held
    //   plus whatever sits in the kernel's buffers between the two sockets.
    const sample = (at: string): void => {
      const stream = body;
      const socket = serverSocket;
      if (stream !== null) peakBody.note(stream.readableLength, `${at}, consumed ${consumed}`);
      if (socket !== null) {
        peakSocket.note(socket.readableLength, `${at}, consumed ${consumed}`);
        peakHeld.note(socket.bytesRead - head.length - consumed, `${at}, consumed ${consumed}`);
        if (socket.isPaused()) pausedSamples++;
      }
      peakGap.note(acked - consumed, `${at}, consumed ${consumed}`);
    };

    const { server } = await servers.start({ highWaterMark: HWM }, async (req, res) => {
      const stream = req.body;
      body = stream;
      stream.on('error', (error) => {
        bodyError = error;
      });
      const deadline = started + BUDGET_MS;
      // Paused mode: read() on a timer, at most READ_BYTES per tick.
      while (consumed < TOTAL_BYTES && Date.now() < deadline && !stream.destroyed) {
        await sleep(TICK_MS);
        sample('handler tick');
        const available = Math.min(READ_BYTES, stream.readableLength);
        if (available === 0) {
          stream.read(0);
          continue;
        }
        const chunk = stream.read(available) as Buffer | null;
        if (chunk === null) continue;
        reads++;
        consumed += chunk.length;
        serverHash.update(chunk);
      }
      res.status(200).end(JSON.stringify({ consumed, sha256: serverHash.digest('hex') }));
    });

    const client = await clients.open(server.port);
    serverSocket = await sockets.waitForPeerOf(client.socket);
    const sampler = setInterval(() => sample('interval'), SAMPLE_MS);
    const clientHash = createHash('sha256');
    try {
      await writeAll(client.socket, head);
      // A random 1 MiB pool read at shifting offsets: a reordered or lost piece changes the hash.
      const pool = randomBytes(MIB);
      let sent = 0;
      for (let i = 0; sent < TOTAL_BYTES; i++) {
        if (Date.now() > started + BUDGET_MS) throw new Error(`upload not done after ${BUDGET_MS} ms: sent ${sent}, consumed ${consumed}`);
        const offset = ((i * 7919) % 240) * 4 * KIB;
        const piece = pool.subarray(offset, offset + WRITE_BYTES);
        clientHash.update(piece);
        sent += piece.length;
        const length = piece.length;
        const ok = client.socket.write(piece, () => {
          acked += length;
        });
        if (!ok) await waitForDrain(client.socket, BUDGET_MS);
      }
      const gotAll = await until(() => parseResponses(client.received()).responses.length === 1, BUDGET_MS - (Date.now() - started));
      expect(gotAll, `no response; consumed ${consumed} of ${TOTAL_BYTES}, received ${show(client.received())}`).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    const elapsedMs = Date.now() - started;
    const [response] = parseResponses(client.received()).responses;
    const report = [
      `elapsed ${elapsedMs} ms, ${reads} reads, ${peakBody.samples} samples, paused in ${pausedSamples}`,
      `body buffer peak ${peakBody}`,
      `socket buffer peak ${peakSocket}`,
      `server-held peak ${peakHeld}`,
      `client→consumed gap peak ${peakGap}`,
    ].join('\n');
    expect(bodyError, report).toBeUndefined();
    expect(response?.status, report).toBe(200);
    expect(JSON.parse(response?.body.toString() ?? '{}'), report).toEqual({ consumed: TOTAL_BYTES, sha256: clientHash.digest('hex') });

    const socket = serverSocket;
    const socketBufferBound = socket.readableHighWaterMark + SOCKET_READ_BYTES;
    // Body buffer + socket buffer + one read in flight in the connection's input queue.
    const heldBound = BODY_BUFFER_BOUND + socketBufferBound + SOCKET_READ_BYTES;
    const gapBound = kernelStreamBufferMax() + heldBound;
    // The sampler must really have sampled throughout, and seen the socket paused.
    expect(peakBody.samples, report).toBeGreaterThan(2_000);
    expect(pausedSamples, `the server never paused its socket\n${report}`).toBeGreaterThan(0);
    expect(peakBody.value, `body stream buffer over highWaterMark + one socket read (${BODY_BUFFER_BOUND})\n${report}`).toBeLessThanOrEqual(BODY_BUFFER_BOUND);
    expect(peakSocket.value, `socket read buffer over its highWaterMark + one read (${socketBufferBound})\n${report}`).toBeLessThanOrEqual(socketBufferBound);
    expect(peakHeld.value, `server-held bytes over ${heldBound}\n${report}`).toBeLessThanOrEqual(heldBound);
    expect(peakGap.value, `unconsumed bytes over kernel buffers + ${heldBound} = ${gapBound}\n${report}`).toBeLessThanOrEqual(gapBound);
  }, 60_000);
});

describe('size-capped readers (issue 4)', () => {
  it('req.bytes() with a Content-Length over maxBodyBytes: 413 + Connection: close before any body byte is sent', async () => {
    // The default maxBodyBytes (1 MiB), announced ten times over.
    const MAX_BODY_BYTES = MIB;
    const ANNOUNCED_BYTES = 10 * MIB;
    // A 413 needs no body byte: it must arrive while the client is still only waiting.
    const WAIT_MS = 3_000;
    let seen: unknown;
    const { server } = await servers.start({ maxBodyBytes: MAX_BODY_BYTES }, async (req) => {
      try {
        await req.bytes();
      } catch (error) {
        seen = error;
        throw error;
      }
    });
    const client = await clients.open(server.port);
    const serverSocket = await sockets.waitForPeerOf(client.socket);
    const head = `POST /bytes HTTP/1.1\r\nHost: x\r\nContent-Length: ${ANNOUNCED_BYTES}\r\n\r\n`;
    await writeAll(client.socket, head);
    const closed = await until(() => client.ended(), WAIT_MS);
    const { responses, error } = parseResponses(client.received(), { closed });
    expect(error, show(client.received())).toBeUndefined();
    expect(responses.map((r) => r.status), show(client.received())).toEqual([413]);
    expect(responses[0]?.header('connection')?.toLowerCase()).toBe('close');
    expect(closed, `the server kept the connection open; received ${show(client.received())}`).toBe(true);
    expect(serverSocket.bytesRead, 'the server read more than the head').toBe(head.length);
    expect(seen).toBeInstanceOf(BodyTooLargeError);
    expect((seen as BodyTooLargeError).status).toBe(413);
    expect((seen as BodyTooLargeError).code).toBe('ERR_BODY_TOO_LARGE');
  });

  it('a chunked body that exceeds maxBodyBytes mid-way: 413 + Connection: close while the client is still sending', async () => {
    const MAX_BODY_BYTES = 256 * KIB;
    // The client would send 4 MiB in 16 KiB chunks, one every 2 ms (~0.5–1 s); it stops when the answer arrives.
    const CHUNK_BYTES = 16 * KIB;
    const CHUNK_COUNT = 256;
    const CHUNK_GAP_MS = 2;
    let seen: unknown;
    const { server } = await servers.start({ maxBodyBytes: MAX_BODY_BYTES }, async (req) => {
      try {
        await req.bytes();
      } catch (error) {
        seen = error;
        throw error;
      }
    });
    const client = await clients.open(server.port);
    await writeAll(client.socket, 'POST /bytes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const data = randomBytes(CHUNK_BYTES);
    const framed = Buffer.concat([Buffer.from(`${CHUNK_BYTES.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
    let sentChunks = 0;
    while (sentChunks < CHUNK_COUNT && client.received().length === 0 && !client.ended()) {
      if (!client.socket.write(framed)) await waitForDrain(client.socket, 5_000).catch(() => undefined);
      sentChunks++;
      await sleep(CHUNK_GAP_MS);
    }
    const closed = await until(() => client.ended(), 3_000);
    const { responses } = parseResponses(client.received(), { closed });
    expect(responses.map((r) => r.status), show(client.received())).toEqual([413]);
    expect(responses[0]?.header('connection')?.toLowerCase()).toBe('close');
    expect(closed, 'the server kept the connection open after the 413').toBe(true);
    expect(sentChunks, 'the 413 came only after the whole body was sent').toBeLessThan(CHUNK_COUNT);
    expect(sentChunks * CHUNK_BYTES).toBeGreaterThan(MAX_BODY_BYTES);
    expect(seen).toBeInstanceOf(BodyTooLargeError);
  });
});

describe('per-request highWaterMark (issue 4)', () => {
  it('req.bodyStream({ highWaterMark }) sets this request\'s buffer and pauses the socket at it; other requests keep the server-wide one', async () => {
    const SERVER_HWM = 64 * KIB;
    const SMALL_HWM = 8 * KIB;
    const LARGE_HWM = MIB;
    const BODY_BYTES = 4 * MIB;
    // The handler waits this long before reading: long enough for a 4 MiB upload to finish if nothing paused it.
    const HOLD_MS = 300;
    const SAMPLE_MS = 2;
    let serverSocket: Socket | null = null;
    let headBytes = 0;
    let consumed = 0;
    const peakBody = new Peak();
    const peakHeld = new Peak();
    const seen: Record<string, number | boolean> = {};
    // The body is sent only once the handler has made its stream: bytes that arrive with the head are
    // decoded before the handler runs, under the server-wide highWaterMark (they cannot know the request's).
    let onStreamReady = (): void => undefined;
    const streamReady = new Promise<void>((resolve) => {
      onStreamReady = resolve;
    });

    const { server } = await servers.start({ highWaterMark: SERVER_HWM }, async (req, res) => {
      if (req.path === '/small') {
        const stream = req.bodyStream({ highWaterMark: SMALL_HWM });
        seen['small'] = stream.readableHighWaterMark;
        // Only the first call decides; later ones (and req.body) return the same stream.
        seen['sameStream'] = req.bodyStream({ highWaterMark: LARGE_HWM }) === stream && req.body === stream;
        onStreamReady();
        const sampler = setInterval(() => {
          peakBody.note(stream.readableLength, 'holding');
          if (serverSocket !== null) peakHeld.note(serverSocket.bytesRead - headBytes - consumed, 'holding');
        }, SAMPLE_MS);
        await sleep(HOLD_MS);
        clearInterval(sampler);
        for await (const chunk of stream) consumed += (chunk as Buffer).length;
        res.end(String(consumed));
        return;
      }
      if (req.path === '/large') seen['large'] = req.bodyStream({ highWaterMark: LARGE_HWM }).readableHighWaterMark;
      else seen['default'] = req.body.readableHighWaterMark;
      res.end(String((await req.bytes()).length));
    });

    const client = await clients.open(server.port);
    serverSocket = await sockets.waitForPeerOf(client.socket);
    const head = `POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY_BYTES}\r\n\r\n`;
    headBytes = head.length;
    await writeAll(client.socket, head);
    const payload = randomBytes(BODY_BYTES);
    await streamReady;
    await writeAll(client.socket, payload, 10_000);
    await until(() => parseResponses(client.received()).responses.length === 1, 10_000);
    const [response] = parseResponses(client.received()).responses;
    expect(response?.body.toString(), show(client.received())).toBe(String(BODY_BYTES));

    for (const path of ['/large', '/default']) {
      const answer = await request(`${server.url}${path}`, { method: 'POST', body: 'x'.repeat(1000) });
      expect(await answer.body.text()).toBe('1000');
    }

    const socketBound = serverSocket.readableHighWaterMark + SOCKET_READ_BYTES;
    const report = `body peak ${peakBody}; held peak ${peakHeld}`;
    expect(seen).toEqual({ small: SMALL_HWM, sameStream: true, large: LARGE_HWM, default: SERVER_HWM });
    expect(peakBody.samples, report).toBeGreaterThan(20);
    expect(peakBody.value, report).toBeLessThanOrEqual(SMALL_HWM + SOCKET_READ_BYTES);
    expect(peakHeld.value, report).toBeLessThanOrEqual(SMALL_HWM + SOCKET_READ_BYTES + socketBound + SOCKET_READ_BYTES);
  });
});
