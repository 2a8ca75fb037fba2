// SocketWriter on real loopback sockets: a write through the handle arrives
// whole, in order with what the stream writes after it, is counted in
// bytesWritten, and reports the rest of a write the kernel took in part; the
// stream is used whenever it holds bytes; a failed write destroys the socket
// with a typed error; and without the binding (--pending-deprecation) every
// write goes through the stream, with no warning.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SocketWriter, THROUGH_STREAM } from '../lib/socket-writer.ts';
import { moduleUrl } from './support/compile.ts';
import { until } from './support/until.ts';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server-side socket and its client, connected on loopback; the client is paused and not reading. */
async function pair(pauseOnConnect = false): Promise<{ served: Socket; client: Socket }> {
  let served: Socket | undefined;
  const server = createServer({ allowHalfOpen: true, pauseOnConnect }, (socket) => {
    served = socket;
    sockets.push(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const client = connect({ port: address.port, host: '127.0.0.1' });
  client.pause();
  sockets.push(client);
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  await until(() => served !== undefined);
  return { served: served as Socket, client };
}

/** Reads from the client until `length` bytes have arrived (bounded). */
async function readAll(client: Socket, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  client.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    got += chunk.length;
  });
  client.resume();
  await until(() => got >= length, 20_000);
  return Buffer.concat(chunks);
}

interface Sent {
  readonly socket: Socket;
  readonly status: number;
}

function recordingWriter(): { writer: SocketWriter; sent: Sent[] } {
  const sent: Sent[] = [];
  const writer = new SocketWriter(function (status) {
    sent.push({ socket: this, status });
  });
  return { writer, sent };
}

describe('SocketWriter', () => {
  it('writes text and bytes through the handle on Node 20–24: the kernel takes them at once, the stream holds nothing, bytesWritten counts them', async () => {
    const { served, client } = await pair();
    const { writer, sent } = recordingWriter();
    const before = served.bytesWritten;
    expect(writer.write(served, 'héllo ', 'utf8')).toBe(0);
    expect(writer.write(served, 'é|', 'latin1')).toBe(0);
    expect(writer.write(served, Uint8Array.of(1, 2, 3), undefined)).toBe(0);
    expect(served.writableLength).toBe(0);
    const expected = Buffer.concat([Buffer.from('héllo ', 'utf8'), Buffer.from('é|', 'latin1'), Buffer.from([1, 2, 3])]);
    expect(served.bytesWritten - before).toBe(expected.length);
    expect(await readAll(client, expected.length)).toEqual(expected);
    expect(sent).toEqual([]);
  });

  it('goes through the stream (writing nothing) while the stream is corked, holds bytes, has ended, or for an encoding or a view it does not write', async () => {
    const { served } = await pair();
    const { writer } = recordingWriter();
    const bytesBefore = served.bytesWritten;
    served.cork();
    expect(writer.write(served, 'x', 'utf8')).toBe(THROUGH_STREAM);
    served.uncork();
    expect(writer.write(served, 'ff', 'hex')).toBe(THROUGH_STREAM);
    // Views the handle would assert on (a process abort on Node 24): the stream's business.
    expect(writer.write(served, new Uint16Array(2) as unknown as Uint8Array, undefined)).toBe(THROUGH_STREAM);
    expect(writer.write(served, Object.create(Uint8Array.prototype) as Uint8Array, undefined)).toBe(THROUGH_STREAM);
    expect(served.bytesWritten).toBe(bytesBefore);
    // Fill the kernel: the stream then holds bytes of its own.
    const piece = Buffer.alloc(1024 * 1024);
    while (served.writableLength === 0) {
      served.write(piece);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const queued = served.writableLength;
    expect(writer.write(served, 'x', 'utf8')).toBe(THROUGH_STREAM);
    expect(served.writableLength).toBe(queued);
    served.end();
    expect(writer.write(served, 'x', 'utf8')).toBe(THROUGH_STREAM);
  });

  it('a write the kernel takes in part: returns what is left, reports it sent once the peer reads, and the stream writes after it arrive after it', async () => {
    const { served, client } = await pair();
    const { writer, sent } = recordingWriter();
    const written: Buffer[] = [];
    // Bytes, then text: each kind kept alive and sent whole.
    let left = 0;
    for (let i = 0; left === 0 && i < 4096; i++) {
      const piece = i % 2 === 0 ? randomBytes(64 * 1024) : Buffer.from(randomBytes(32 * 1024).toString('hex'), 'latin1');
      left = i % 2 === 0 ? writer.write(served, piece, undefined) : writer.write(served, piece.toString('latin1'), 'utf8');
      written.push(piece);
    }
    expect(left, 'the kernel never refused part of a write').toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(64 * 1024);
    expect(served.writableLength).toBe(0);
    // Until it is sent, later bytes go through the stream, which queues them behind it.
    const after = randomBytes(200 * 1024);
    served.write(after);
    written.push(after);
    const expected = Buffer.concat(written);
    expect(sent).toEqual([]);
    const received = await readAll(client, expected.length);
    await until(() => sent.length === 1);
    expect(sent[0]?.socket).toBe(served);
    expect(sent[0]?.status).toBe(0);
    expect(received.length).toBe(expected.length);
    expect(createHash('sha256').update(received).digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
  });

  it('a write left in part when the peer resets: the listener hears a failure, the socket is destroyed with a typed error', async () => {
    const { served, client } = await pair(true);
    const { writer, sent } = recordingWriter();
    const errors: Error[] = [];
    served.on('error', (error: Error) => errors.push(error));
    const piece = 'y'.repeat(60 * 1024);
    let left = 0;
    for (let i = 0; left === 0 && i < 4096; i++) left = writer.write(served, piece, 'utf8');
    expect(left, 'the kernel never refused part of a write').toBeGreaterThan(0);
    client.resetAndDestroy();
    await until(() => sent.length === 1);
    expect(sent[0]?.status).toBeLessThan(0);
    expect(served.destroyed).toBe(true);
    await until(() => errors.length > 0);
    expect((errors[0] as NodeJS.ErrnoException).syscall).toBe('write');
  });

  it('a write to a peer that reset the connection destroys the socket with a typed error', async () => {
    // Never reading: the server side learns of the reset only when it writes.
    const { served, client } = await pair(true);
    const { writer } = recordingWriter();
    const errors: Error[] = [];
    served.on('error', (error: Error) => errors.push(error));
    client.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 100 && !served.destroyed; i++) {
      writer.write(served, 'after the reset', 'utf8');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(served.destroyed).toBe(true);
    await until(() => errors.length > 0);
    const error = errors[0] as NodeJS.ErrnoException;
    expect(['EPIPE', 'ECONNRESET']).toContain(error.code);
    expect(error.syscall).toBe('write');
    expect(writer.write(served, 'x', 'utf8')).toBe(THROUGH_STREAM);
  });

  // Node 20 and 22 name the permission model's flag --experimental-permission, Node 24 --permission.
  const permission = Number(process.versions.node.split('.')[0]) >= 23 ? '--permission' : '--experimental-permission';
  for (const [name, flags] of [
    ['--pending-deprecation (where process.binding would warn)', ['--pending-deprecation']],
    ['the permission model (where process.binding throws)', [permission, '--allow-fs-read=*', '--no-warnings=ExperimentalWarning']],
  ] as const) {
    it(`with ${name} every write goes through the stream and nothing warns`, { timeout: 60_000 }, async () => {
      const script = `
        import { createServer, connect } from 'node:net';
        import { SocketWriter } from ${JSON.stringify(await moduleUrl('socket-writer.js'))};
        const writer = new SocketWriter(() => {});
        const server = createServer((socket) => {
          console.log('result', writer.write(socket, 'hello', 'utf8'));
          socket.end();
          server.close();
        }).listen(0, '127.0.0.1', () => connect(server.address().port, '127.0.0.1').resume());
      `;
      const run = promisify(execFile);
      const { stdout, stderr } = await run(process.execPath, [...flags, '--input-type=module', '-e', script], { timeout: 20_000 });
      expect(stdout.trim()).toBe(`result ${THROUGH_STREAM}`);
      expect(stderr).not.toMatch(/Warning/);
    });
  }
});
