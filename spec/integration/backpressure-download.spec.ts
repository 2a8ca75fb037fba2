// Issue 4, response side: res.stream() is a Writable whose write() returns
// false while the socket is backed up, so a slow client bounds what the
// server buffers; stream.pipeline() of a file through it arrives intact;
// end(trailers) sends trailers. Real sockets on 127.0.0.1.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { Client } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BodyWriter } from '../../lib/index.ts';
import { connectRaw, KIB, kernelStreamBufferMax, MIB, Peak, ServerSockets, sleep, SOCKET_READ_BYTES, unsentBytes, until, waitForDrain, writeAll } from './backpressure-support.ts';
import { parseResponses, show } from './support/raw.ts';
import { ServerPool, sha256 } from './support/server.ts';

const servers = new ServerPool();
let sockets: ServerSockets;
let clients: Socket[] = [];
let undiciClients: Client[] = [];

beforeEach(() => {
  sockets = new ServerSockets();
});

afterEach(async () => {
  for (const client of clients) client.destroy();
  clients = [];
  await Promise.all(undiciClients.map((c) => c.destroy().catch(() => undefined)));
  undiciClients = [];
  sockets.dispose();
  await servers.closeAll();
});

const CRLFCRLF = Buffer.from('\r\n\r\n');

describe('response body backpressure (issue 4)', () => {
  it('a handler writing 256 MiB to a slow reader: the server holds at most the write allowance (16 × highWaterMark) + one chunk, write() false is followed by drain', async () => {
    const TOTAL_BYTES = 256 * MIB;
    // The server-wide highWaterMark of response writers (the default, set explicitly).
    const HWM = 64 * KIB;
    // The handler writes 64 KiB pieces, like fs.createReadStream does.
    const CHUNK_BYTES = 64 * KIB;
    // The client reads 128 KiB every 5 ms (resume, count, pause): 2 048 ticks ≥ 10.2 s.
    const READ_PER_TICK_BYTES = 128 * KIB;
    const TICK_MS = 5;
    // Timers on a shared 2-core machine run late; past this the test fails.
    const BUDGET_MS = 45_000;
    const SAMPLE_MS = 2;

    let writer: BodyWriter | null = null;
    let serverSocket: Socket | null = null;
    let written = 0;
    let bodyRead = 0;
    let falses = 0;
    let drainsAfterFalse = 0;
    let handlerError: unknown;
    const serverHash = createHash('sha256');
    const peakSocket = new Peak();
    const peakWriter = new Peak();
    const peakHeld = new Peak();
    const peakGap = new Peak();
    const started = Date.now();

    // socket: what the server socket holds unsent (unsentBytes), reached
    // through the 'net.server.socket' diagnostics channel; writer: the
    // BodyWriter's own buffer; held: both together, every byte the server
    // process holds for this response; gap: written by the handler minus read
    // by the client = held + kernel buffers + the client's own read buffer.
    const sample = (at: string): void => {
      const socket = serverSocket;
      const w = writer;
      if (socket === null || w === null) return;
      const where = `${at}, written ${written}`;
      peakSocket.note(unsentBytes(socket), where);
      peakWriter.note(w.writableLength, where);
      peakHeld.note(unsentBytes(socket) + w.writableLength, where);
      peakGap.note(written - bodyRead, where);
    };

    const { server } = await servers.start({ highWaterMark: HWM }, async (_req, res) => {
      try {
        const w = res.header('content-length', TOTAL_BYTES).stream();
        writer = w;
        const pool = randomBytes(MIB);
        for (let i = 0; written < TOTAL_BYTES; i++) {
          if (Date.now() > started + BUDGET_MS) throw new Error(`handler still writing after ${BUDGET_MS} ms`);
          const offset = ((i * 7919) % 240) * 4 * KIB;
          const piece = pool.subarray(offset, offset + CHUNK_BYTES);
          serverHash.update(piece);
          written += piece.length;
          const ok = w.write(piece);
          sample('after write');
          if (!ok) {
            falses++;
            await waitForDrain(w, BUDGET_MS);
            drainsAfterFalse++;
            sample('after drain');
          }
        }
        w.end();
        await finished(w);
      } catch (error) {
        handlerError = error;
      }
    });

    const client = await connectRaw(server.port, { paused: true });
    clients.push(client);
    serverSocket = await sockets.waitForPeerOf(client);
    const clientHash = createHash('sha256');
    let head: Buffer | null = null;
    let headBuf = Buffer.alloc(0);
    let tickBytes = 0;
    client.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => {
      tickBytes += chunk.length;
      let bodyPart = chunk;
      if (head === null) {
        headBuf = Buffer.concat([headBuf, chunk]);
        const end = headBuf.indexOf(CRLFCRLF);
        if (end < 0) return;
        head = headBuf.subarray(0, end + 4);
        bodyPart = headBuf.subarray(end + 4);
      }
      bodyRead += bodyPart.length;
      clientHash.update(bodyPart);
      if (tickBytes >= READ_PER_TICK_BYTES) client.pause();
    });
    const reader = setInterval(() => {
      tickBytes = 0;
      client.resume();
    }, TICK_MS);
    const sampler = setInterval(() => sample('interval'), SAMPLE_MS);
    try {
      await writeAll(client, 'GET /download HTTP/1.1\r\nHost: x\r\n\r\n');
      const done = await until(() => bodyRead >= TOTAL_BYTES || handlerError !== undefined, BUDGET_MS - (Date.now() - started), 20);
      expect(done, `download incomplete after ${BUDGET_MS} ms: read ${bodyRead}, written ${written}`).toBe(true);
    } finally {
      clearInterval(reader);
      clearInterval(sampler);
    }
    const socket = serverSocket;
    // While the kernel takes writes whole, a writer may run ahead of HWM up
    // to the connection's write allowance (16 × HWM); the socket then holds
    // what the kernel left of one such batch.
    const allowanceMax = 16 * HWM;
    const socketBound = Math.max(allowanceMax, socket.writableHighWaterMark) + CHUNK_BYTES;
    // The handler writes only while write() returns true: the writer holds less than the allowance + one chunk.
    const writerBound = allowanceMax + CHUNK_BYTES;
    const heldBound = socketBound + writerBound;
    // The client's own read buffer (its highWaterMark + one read) also sits between written and read.
    const gapBound = kernelStreamBufferMax() + heldBound + client.readableHighWaterMark + SOCKET_READ_BYTES;
    const report = [
      `elapsed ${Date.now() - started} ms; write() false ${falses}×, drain after false ${drainsAfterFalse}×`,
      `server socket unsent peak ${peakSocket} (socket writableHighWaterMark ${socket.writableHighWaterMark})`,
      `writer writableLength peak ${peakWriter}`,
      `server-held peak ${peakHeld}`,
      `written→read gap peak ${peakGap}`,
    ].join('\n');
    expect(handlerError, report).toBeUndefined();
    expect(head === null ? '' : (head as Buffer).toString('latin1'), report).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(bodyRead, report).toBe(TOTAL_BYTES);
    expect(clientHash.digest('hex'), report).toBe(serverHash.digest('hex'));
    expect(peakSocket.samples, report).toBeGreaterThan(2_000);
    expect(falses, `write() never returned false\n${report}`).toBeGreaterThan(0);
    expect(drainsAfterFalse, `a write() false was not followed by 'drain'\n${report}`).toBe(falses);
    expect(peakSocket.value, `server socket unsent over max(highWaterMark, socket's) + one chunk = ${socketBound}\n${report}`).toBeLessThanOrEqual(socketBound);
    expect(peakWriter.value, `writer buffer over ${writerBound}\n${report}`).toBeLessThanOrEqual(writerBound);
    expect(peakHeld.value, `server-held over ${heldBound}\n${report}`).toBeLessThanOrEqual(heldBound);
    expect(peakGap.value, `written-but-unread over ${gapBound}\n${report}`).toBeLessThanOrEqual(gapBound);
  }, 60_000);
});

/** What a piece-writing handler did: how far it got and what write() let it run ahead. */
interface WriterState {
  writer: BodyWriter | null;
  written: number;
  trueAboveHwm: number;
  falses: number;
  error: unknown;
}

function newWriterState(): WriterState {
  return { writer: null, written: 0, trueAboveHwm: 0, falses: 0, error: undefined };
}

type StreamingResponse = { header(n: string, v: number): { stream(): BodyWriter } };

// The piece size of writePieces (fs.createReadStream's default).
const PIECE_BYTES = 64 * KIB;

// Writes `totalBytes` in PIECE_BYTES pieces while write() returns true, waits for
// 'drain' after false, and records in `state` how often write() returned true
// with `hwm` or more buffered (the writer ran ahead of highWaterMark).
async function writePieces(res: StreamingResponse, totalBytes: number, hwm: number, state: WriterState): Promise<void> {
  try {
    const w = res.header('content-length', totalBytes).stream();
    state.writer = w;
    const piece = Buffer.alloc(PIECE_BYTES, 0x78);
    while (state.written < totalBytes) {
      state.written += piece.length;
      const ok = w.write(piece);
      if (ok && w.writableLength >= hwm) state.trueAboveHwm++;
      if (!ok) {
        state.falses++;
        await waitForDrain(w, 30_000);
      }
    }
    w.end();
    await finished(w);
  } catch (error) {
    state.error = error;
  }
}

describe('write allowance: run ahead of highWaterMark only while the peer keeps up', () => {
  const HWM = 64 * KIB;
  const CHUNK_BYTES = PIECE_BYTES;

  function writingHandler(totalBytes: number, state: WriterState) {
    return (_req: unknown, res: StreamingResponse): Promise<void> => writePieces(res, totalBytes, HWM, state);
  }

  it('a client reading as fast as it can: write() returns true above highWaterMark (pieces leave in larger writes), the body arrives whole', async () => {
    const TOTAL = 32 * MIB;
    const state = newWriterState();
    const { server } = await servers.start({ highWaterMark: HWM }, writingHandler(TOTAL, state));
    const client = await connectRaw(server.port);
    clients.push(client);
    let received = 0;
    client.on('data', (chunk: Buffer) => (received += chunk.length));
    await writeAll(client, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const done = await until(() => received > TOTAL || state.error !== undefined, 30_000);
    expect(state.error).toBeUndefined();
    expect(done, `received ${received} of ${TOTAL} body bytes`).toBe(true);
    expect(state.trueAboveHwm, `write() never returned true with ≥ ${HWM} buffered: the writer never ran ahead of highWaterMark for a fast reader (falses ${state.falses})`).toBeGreaterThan(0);
  }, 60_000);

  it('a client that reads fast and then stops: the server holds at most 16 × highWaterMark + one chunk, and finishes once the client reads again', async () => {
    const TOTAL = 64 * MIB;
    const FAST_BYTES = 16 * MIB;
    const state = newWriterState();
    const { server } = await servers.start({ highWaterMark: HWM }, writingHandler(TOTAL, state));
    const client = await connectRaw(server.port);
    clients.push(client);
    const serverSocket = await sockets.waitForPeerOf(client);
    let received = 0;
    client.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= FAST_BYTES) client.pause();
    });
    await writeAll(client, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await until(() => received >= FAST_BYTES, 30_000), `received ${received}`).toBe(true);
    expect(state.trueAboveHwm, 'the allowance never grew while the client read fast').toBeGreaterThan(0);
    // The client stopped reading: wait until the handler is stuck waiting for 'drain'.
    let last = -1;
    const stuck = await until(() => {
      const stalled = state.written === last;
      last = state.written;
      return stalled;
    }, 20_000, 500);
    expect(stuck, 'the handler kept writing to a client that stopped reading').toBe(true);
    const held = unsentBytes(serverSocket) + (state.writer?.writableLength ?? 0);
    expect(held, `held ${held} bytes for a stopped client`).toBeLessThanOrEqual(16 * HWM + 2 * CHUNK_BYTES);
    // Once the client reads again, the rest arrives and the handler finishes.
    client.removeAllListeners('data');
    let more = 0;
    client.on('data', (chunk: Buffer) => (more += chunk.length));
    client.resume();
    expect(await until(() => state.written >= TOTAL || state.error !== undefined, 40_000), `written ${state.written} of ${TOTAL}`).toBe(true);
    expect(state.error).toBeUndefined();
  }, 60_000);

  it('a client that never reads: the server holds at most 16 × highWaterMark + one chunk once the kernel buffers are full', async () => {
    const TOTAL = 256 * MIB;
    const state = newWriterState();
    const { server } = await servers.start({ highWaterMark: HWM }, writingHandler(TOTAL, state));
    const client = await connectRaw(server.port, { paused: true });
    clients.push(client);
    const serverSocket = await sockets.waitForPeerOf(client);
    await writeAll(client, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    let last = -1;
    const stuck = await until(() => {
      const stalled = state.written === last && state.written > 0;
      last = state.written;
      return stalled;
    }, 20_000, 500);
    expect(stuck, 'the handler kept writing to a client that never reads').toBe(true);
    const held = unsentBytes(serverSocket) + (state.writer?.writableLength ?? 0);
    expect(state.error).toBeUndefined();
    expect(held, `held ${held} bytes for a client that never read (written ${state.written}, run-ahead writes ${state.trueAboveHwm})`).toBeLessThanOrEqual(
      16 * HWM + 2 * CHUNK_BYTES,
    );
  }, 60_000);
});

describe('write-ahead budget: what writers hold beyond highWaterMark is bounded per server (maxWriteAheadBytes)', () => {
  const HWM = 64 * KIB;
  const CHUNK_BYTES = PIECE_BYTES;

  // Each request gets its own state.
  function writingHandler(totalBytes: number, states: WriterState[]) {
    return (_req: unknown, res: StreamingResponse): Promise<void> => {
      const state = newWriterState();
      states.push(state);
      return writePieces(res, totalBytes, HWM, state);
    };
  }

  async function stalledClients(port: number, count: number, states: WriterState[]): Promise<Socket[]> {
    const serverSockets: Socket[] = [];
    for (let i = 0; i < count; i++) {
      const client = await connectRaw(port, { paused: true });
      clients.push(client);
      client.on('error', () => undefined);
      serverSockets.push(await sockets.waitForPeerOf(client));
      await writeAll(client, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    }
    expect(await until(() => states.length === count, 10_000), `${states.length} of ${count} handlers started`).toBe(true);
    // Every handler is stuck once no one has written for a while (the kernel buffers are full).
    let last = -1;
    const stuck = await until(() => {
      const total = states.reduce((sum, state) => sum + state.written, 0);
      const stalled = total === last;
      last = total;
      return stalled;
    }, 30_000, 500);
    expect(stuck, 'the handlers kept writing to clients that never read').toBe(true);
    return serverSockets;
  }

  it('eight clients that never read: together they hold at most 2 × (8 × (highWaterMark + one piece) + the budget), though writers ran ahead while the kernel took their writes', async () => {
    const COUNT = 8;
    const BUDGET = 256 * KIB;
    const states: WriterState[] = [];
    const { server } = await servers.start({ highWaterMark: HWM, maxWriteAheadBytes: BUDGET }, writingHandler(256 * MIB, states));
    const serverSockets = await stalledClients(server.port, COUNT, states);
    const held = states.reduce((sum, state, i) => sum + unsentBytes(serverSockets[i] as Socket) + (state.writer?.writableLength ?? 0), 0);
    const report = states.map((state, i) => `#${i}: written ${state.written}, run-ahead writes ${state.trueAboveHwm}, held ${unsentBytes(serverSockets[i] as Socket) + (state.writer?.writableLength ?? 0)}`).join('\n');
    for (const state of states) expect(state.error, report).toBeUndefined();
    expect(states.some((state) => state.trueAboveHwm > 0), `no writer ever ran ahead of highWaterMark\n${report}`).toBe(true);
    // A writer stops at its allowance + one piece, and the socket holds at most one batch of it (counted
    // in both until its callback); the allowances together exceed COUNT × HWM by at most the budget.
    // Without the budget, each would hold ≈ 16 × HWM here (≈ 4.6 MiB in all).
    const bound = 2 * (COUNT * (HWM + CHUNK_BYTES) + BUDGET);
    expect(held, `held ${held} bytes in all, bound ${bound}\n${report}`).toBeLessThanOrEqual(bound);
  }, 60_000);

  it('the budget comes back when stalled connections close: a new fast client runs ahead again', async () => {
    const states: WriterState[] = [];
    const { server } = await servers.start({ highWaterMark: HWM, maxWriteAheadBytes: 4 * HWM }, writingHandler(64 * MIB, states));
    await stalledClients(server.port, 2, states);
    for (const client of clients) client.destroy();
    expect(await until(() => server.connections === 0, 10_000), `${server.connections} connections left`).toBe(true);
    expect(server.writeBudget.available, 'budget after every connection closed').toBe(4 * HWM);
    const fresh = await connectRaw(server.port);
    clients.push(fresh);
    let received = 0;
    fresh.on('data', (chunk: Buffer) => (received += chunk.length));
    await writeAll(fresh, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const state = () => states[2];
    expect(await until(() => state()?.written === 64 * MIB || state()?.error !== undefined, 30_000), `fresh writer wrote ${state()?.written}`).toBe(true);
    expect(await until(() => received > 64 * MIB, 30_000), `received ${received}`).toBe(true);
    expect(state()?.error).toBeUndefined();
    expect(state()?.trueAboveHwm, 'the fresh connection never ran ahead: the closed ones kept their budget').toBeGreaterThan(0);
  }, 60_000);

  it('an idle keep-alive connection gives its share back: after one sweep, a second fast client runs ahead too', async () => {
    const TOTAL = 16 * MIB;
    const states: WriterState[] = [];
    // writeStallTimeoutMs 400 makes the sweep run every 100 ms; a fast client never stalls that long.
    const { server } = await servers.start({ highWaterMark: HWM, maxWriteAheadBytes: 2 * HWM, writeStallTimeoutMs: 400 }, writingHandler(TOTAL, states));
    const download = async (index: number): Promise<void> => {
      const client = await connectRaw(server.port);
      clients.push(client);
      let received = 0;
      client.on('data', (chunk: Buffer) => (received += chunk.length));
      await writeAll(client, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(await until(() => received > TOTAL || states[index]?.error !== undefined, 30_000), `client ${index} received ${received}`).toBe(true);
      expect(states[index]?.error).toBeUndefined();
      expect(states[index]?.trueAboveHwm, `client ${index} never ran ahead of highWaterMark`).toBeGreaterThan(0);
    };
    // The first client takes the whole budget and stays connected, idle.
    await download(0);
    await sleep(1_000);
    expect(server.writeBudget.available, 'budget after the first connection sat idle through sweeps').toBe(2 * HWM);
    await download(1);
    expect(server.connections).toBe(2);
  }, 60_000);

  it('maxWriteAheadBytes 0: write() returns false at highWaterMark even for a fast reader, and the body arrives whole', async () => {
    const TOTAL = 16 * MIB;
    const states: WriterState[] = [];
    const { server } = await servers.start({ highWaterMark: HWM, maxWriteAheadBytes: 0 }, writingHandler(TOTAL, states));
    const client = await connectRaw(server.port);
    clients.push(client);
    let received = 0;
    client.on('data', (chunk: Buffer) => (received += chunk.length));
    await writeAll(client, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await until(() => received > TOTAL || states[0]?.error !== undefined, 30_000), `received ${received}`).toBe(true);
    expect(states[0]?.error).toBeUndefined();
    expect(states[0]?.trueAboveHwm, 'write() returned true with highWaterMark or more buffered').toBe(0);
  }, 60_000);
});

describe('stream.pipeline() through res.stream() (issue 4)', () => {
  const FILE_BYTES = 64 * MIB;
  let dir = '';
  let file = '';
  let fileSha = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rawhttp-backpressure-'));
    file = join(dir, 'random-64MiB.bin');
    const handle = await open(file, 'w');
    const hash = createHash('sha256');
    try {
      for (let at = 0; at < FILE_BYTES; at += MIB) {
        const piece = randomBytes(MIB);
        hash.update(piece);
        await handle.write(piece);
      }
    } finally {
      await handle.close();
    }
    fileSha = hash.digest('hex');
  });

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  for (const framing of ['chunked', 'content-length'] as const) {
    it(`pipeline(fs.createReadStream(64 MiB), res.stream()) arrives intact (${framing}, sha256 compared)`, async () => {
      let handlerError: unknown;
      const { server } = await servers.start({}, async (_req, res) => {
        try {
          if (framing === 'content-length') res.header('content-length', FILE_BYTES);
          await pipeline(createReadStream(file), res.stream());
        } catch (error) {
          handlerError = error;
        }
      });
      const client = new Client(server.url);
      undiciClients.push(client);
      const response = await client.request({ path: '/file', method: 'GET' });
      const hash = createHash('sha256');
      let length = 0;
      for await (const chunk of response.body) {
        hash.update(chunk as Buffer);
        length += (chunk as Buffer).length;
      }
      expect(handlerError).toBeUndefined();
      expect(response.statusCode).toBe(200);
      if (framing === 'chunked') expect(response.headers['transfer-encoding']).toBe('chunked');
      else expect(response.headers['content-length']).toBe(String(FILE_BYTES));
      expect(length).toBe(FILE_BYTES);
      expect(hash.digest('hex')).toBe(fileSha);
    }, 30_000);
  }
});

describe('trailers (issue 4)', () => {
  it('BodyWriter end({ "x-checksum": … }) sends the trailer after the last chunk of a chunked response', async () => {
    const data = randomBytes(100 * KIB);
    const checksum = sha256(data);
    const { server } = await servers.start({}, (_req, res) => {
      const writer = res.header('trailer', 'x-checksum').stream();
      writer.write(data.subarray(0, 50 * KIB));
      writer.write(data.subarray(50 * KIB));
      writer.end({ 'x-checksum': checksum });
    });
    const client = await connectRaw(server.port);
    clients.push(client);
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    await writeAll(client, 'GET /trailers HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n');
    await until(() => parseResponses(Buffer.concat(chunks)).responses.length === 1, 3_000);
    const bytes = Buffer.concat(chunks);
    const { responses, rest } = parseResponses(bytes);
    expect(responses.length, show(bytes)).toBe(1);
    const [response] = responses;
    expect(response?.status).toBe(200);
    expect(response?.header('transfer-encoding')).toBe('chunked');
    expect(response?.body.equals(data), 'body differs').toBe(true);
    expect(response?.trailers).toEqual([['x-checksum', checksum]]);
    expect(rest.length, `bytes after the response ${show(rest)}`).toBe(0);
    // The last data chunk's CRLF, the last-chunk, the trailer field, the final CRLF (RFC 9112 §7.1.2).
    const tail = `\r\n0\r\nx-checksum: ${checksum}\r\n\r\n`;
    expect(bytes.subarray(-tail.length).toString('latin1'), show(bytes.subarray(-200))).toBe(tail);
  });
});
