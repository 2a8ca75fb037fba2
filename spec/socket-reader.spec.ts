// SocketReader on real loopback sockets: bytes arrive whole and in order as
// chunks that no later read overwrites; pause() holds them back; the peer's
// FIN still ends the socket; a socket it stops reading behaves as any stream.
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, Socket, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SocketReader } from '../lib/socket-reader.ts';
import { until } from './support/until.ts';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

interface Served {
  readonly server: Server;
  readonly port: number;
  /** The served sockets, in the order they were accepted. */
  readonly accepted: Socket[];
}

async function listen(reader: SocketReader): Promise<Served> {
  const accepted: Socket[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted.push(socket);
    sockets.push(socket);
    reader.start(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, accepted };
}

async function dial(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** The event's first emission, or a failure after boundMs. */
const once = (socket: Socket, event: string, boundMs = 5_000): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' in time`)), boundMs);
    socket.once(event, (value: unknown) => {
      clearTimeout(timer);
      resolve(value);
    });
  });

const total = (chunks: readonly Buffer[]): number => chunks.reduce((sum, chunk) => sum + chunk.length, 0);

// Whether this Node offers the hooks (a fresh socket carries them, all null).
const nodeHasHooks = ['kBuffer', 'kBufferCb', 'kBufferGen'].every((name) => Object.getOwnPropertySymbols(new Socket()).some((symbol) => symbol.description === name));

describe('SocketReader', () => {
  it('reads a served socket without a data listener on this Node (Node 20 and 24 have the hooks)', async () => {
    const chunks: Buffer[] = [];
    const reader = new SocketReader(function (chunk) {
      chunks.push(chunk);
    });
    const served = await listen(reader);
    const client = await dial(served.port);
    client.write('hello');
    await until(() => total(chunks) === 5);
    const socket = served.accepted[0];
    if (socket === undefined) throw new Error('not accepted');
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(reader.readsDirectly(socket)).toBe(nodeHasHooks);
    expect(socket.listenerCount('data')).toBe(nodeHasHooks ? 0 : 1);
    // The Nodes this project supports all have them; a later one may not, and then 'data' serves.
    if (Number(process.versions.node.split('.')[0]) <= 24) expect(nodeHasHooks).toBe(true);
  });

  it('falls back to data events for a socket that cannot take the hooks (no handle yet)', async () => {
    const plain = createServer((socket) => socket.end('from the server'));
    servers.push(plain);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const address = plain.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const chunks: Buffer[] = [];
    const reader = new SocketReader(function (chunk) {
      chunks.push(chunk);
    });
    // Not yet connected: the socket has no handle to read into a user buffer.
    const client = new Socket();
    sockets.push(client);
    reader.start(client);
    expect(reader.readsDirectly(client)).toBe(false);
    expect(client.listenerCount('data')).toBe(1);
    client.connect(address.port, '127.0.0.1');
    await until(() => total(chunks) === 15);
    expect(Buffer.concat(chunks).toString()).toBe('from the server');
    reader.stop(client);
    expect(client.listenerCount('data')).toBe(0);
  });

  it('hands out chunks that later reads, on the same or other sockets, never overwrite', async () => {
    const received = new Map<Socket, Buffer[]>();
    const reader = new SocketReader(function (chunk) {
      const list = received.get(this) ?? [];
      list.push(chunk);
      received.set(this, list);
    });
    const served = await listen(reader);
    const clients = await Promise.all([dial(served.port), dial(served.port), dial(served.port)]);
    const sent = clients.map(() => [] as Buffer[]);
    for (let round = 0; round < 20; round++) {
      for (const [index, client] of clients.entries()) {
        const piece = randomBytes(1 + ((round * 37 + index * 101) % 3000));
        sent[index]?.push(piece);
        client.write(piece);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const expected = sent.map((pieces) => Buffer.concat(pieces));
    await until(() => served.accepted.length === 3 && served.accepted.every((socket) => total(received.get(socket) ?? []) > 0));
    await until(() => total(served.accepted.flatMap((socket) => received.get(socket) ?? [])) === expected.reduce((sum, bytes) => sum + bytes.length, 0));
    // Each accepted socket carries one client's bytes, unchanged by all the reads that came after them.
    const got = served.accepted.map((socket) => Buffer.concat(received.get(socket) ?? []).toString('hex')).sort();
    expect(got).toEqual(expected.map((bytes) => bytes.toString('hex')).sort());
  });

  it('holds bytes back while paused, and delivers 8 MiB intact in chunks that hold at most twice their memory', async () => {
    const chunks: Buffer[] = [];
    let deliveredWhilePaused = 0;
    let paused = false;
    const reader = new SocketReader(function (chunk) {
      if (paused) deliveredWhilePaused += chunk.length;
      chunks.push(chunk);
      // Every 512 KiB: stop, and go on a little later.
      if (Math.floor(total(chunks) / (512 * 1024)) > Math.floor((total(chunks) - chunk.length) / (512 * 1024))) {
        paused = true;
        this.pause();
        setTimeout(() => {
          paused = false;
          this.resume();
        }, 5);
      }
    });
    const served = await listen(reader);
    const client = await dial(served.port);
    const payload = randomBytes(8 * 1024 * 1024);
    client.end(payload);
    await until(() => total(chunks) === payload.length, 20_000);
    expect(deliveredWhilePaused).toBe(0);
    // No chunk holds more memory than twice its length (or a slice of Node's 8 KiB pool).
    const oversized = chunks.filter((chunk) => chunk.buffer.byteLength > Math.max(2 * chunk.length, Buffer.poolSize));
    expect(oversized.map((chunk) => [chunk.length, chunk.buffer.byteLength])).toEqual([]);
    expect(createHash('sha256').update(Buffer.concat(chunks)).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it("emits 'end' at the peer's FIN", async () => {
    const reader = new SocketReader(() => {});
    const served = await listen(reader);
    const client = await dial(served.port);
    client.end('last words');
    await until(() => served.accepted.length === 1);
    const socket = served.accepted[0];
    if (socket === undefined) throw new Error('not accepted');
    await once(socket, 'end');
    expect(socket.bytesRead).toBe(10);
  });

  it('stops: later bytes reach the stream (data, read(), and a paused socket still sees the FIN)', async () => {
    let stopped: Socket | null = null;
    const before: Buffer[] = [];
    const reader = new SocketReader(function (chunk) {
      before.push(chunk);
      this.pause();
      reader.stop(this);
      stopped = this;
    });
    const served = await listen(reader);
    const client = await dial(served.port);
    client.write('first');
    await until(() => stopped !== null);
    const socket = stopped as unknown as Socket;
    expect(socket.listenerCount('data')).toBe(0);
    // Paused mode: read() returns what arrives.
    client.write('second');
    await once(socket, 'readable');
    expect(String(socket.read())).toBe('second');
    // Flowing mode through a data listener, then paused by its owner: the FIN still ends it.
    const after: string[] = [];
    socket.on('data', (chunk: Buffer) => after.push(chunk.toString()));
    client.write('third');
    await until(() => after.join('') === 'third');
    socket.pause();
    client.end();
    await once(socket, 'end');
    expect(Buffer.concat(before).toString()).toBe('first');
  });
});
