// Upgrade and CONNECT (issue 5, item 5): onUpgrade hands over the raw socket
// (proved with a WebSocket echo: ws on the server, undici's WebSocket as the
// client), CONNECT goes to onConnect or gets 405.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'undici';
import { WebSocketServer } from 'ws';
import { connect, Socket } from 'node:net';
import { serve, type Server } from '../../lib/index.ts';
import { exchange, statuses } from './support.ts';

let server: Server | null = null;
afterEach(async () => {
  await server?.close({ timeoutMs: 500 });
  server = null;
});

describe('onUpgrade', () => {
  it('completes a WebSocket handshake with ws and echoes 1 000 messages to undici', async () => {
    const wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    server = await serve(
      {
        port: 0,
        onUpgrade: (req, socket, head) => {
          // ws reads the handshake from a node:http-like request object.
          const incoming = Object.assign(Object.create(null) as object, {
            method: req.method,
            url: req.target,
            headers: req.headers.toObject(),
          });
          wss.handleUpgrade(incoming as never, socket, head, (ws) => wss.emit('connection', ws, incoming));
        },
      },
      (_req, res) => void res.end('plain'),
    );
    const client = new WebSocket(`ws://127.0.0.1:${server.port}/chat`);
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.addEventListener('error', () => reject(new Error('websocket error')));
      client.addEventListener('open', () => {
        for (let i = 0; i < 1_000; i++) client.send(`message ${i}`);
      });
      client.addEventListener('message', (event) => {
        received.push(String(event.data));
        if (received.length === 1_000) resolve();
      });
    });
    expect(received[0]).toBe('message 0');
    expect(received[999]).toBe('message 999');
    expect(new Set(received).size).toBe(1_000);
    client.close();
    wss.close();
    // The upgraded socket is no longer an HTTP connection of the server.
    expect(server.connections).toBe(0);
  });

  it('passes the bytes already read past the head', async () => {
    let head = '';
    server = await serve(
      {
        port: 0,
        onUpgrade: (_req, socket, rest) => {
          head = rest.toString('latin1');
          socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n');
        },
      },
      (_req, res) => void res.end('plain'),
    );
    await exchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nEARLY-BYTES');
    expect(head).toBe('EARLY-BYTES');
  });

  it('hands over a socket that reads like any stream: paused mode with read(), read-ahead back on, no rawhttp listener or reference left', async () => {
    // While rawhttp owns a socket it skips the stream's read-ahead tick; the new owner must get it back.
    const sent = Buffer.alloc(1024 * 1024, 7);
    let readAheadSkipped: boolean | undefined;
    let listenersLeft = -1;
    let ownerLeft = -1;
    server = await serve(
      {
        port: 0,
        onUpgrade: (_req, socket, rest) => {
          readAheadSkipped = (socket as unknown as { _readableState: { readingMore: boolean } })._readableState.readingMore;
          // Net's own listeners (a fresh socket's) stay; none of rawhttp's.
          const fresh = new Socket();
          listenersLeft = ['data', 'end', 'drain', 'error', 'close'].map((event) => socket.listenerCount(event) - fresh.listenerCount(event)).reduce((sum, count) => sum + count, 0);
          fresh.destroy();
          // The socket's record of the connection that served it is cleared (no reference keeps it alive).
          ownerLeft = Object.getOwnPropertySymbols(socket).filter((key) => (socket as unknown as Record<symbol, unknown>)[key] !== undefined && key.description === 'rawhttp.connection').length;
          socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: count\r\n\r\n');
          let received = rest.length;
          socket.on('readable', () => {
            for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) received += chunk.length;
            if (received === sent.length && !socket.writableEnded) socket.end(`got ${received}`);
          });
        },
      },
      (_req, res) => void res.end('plain'),
    );
    const port = server.port;
    const reply = await new Promise<string>((resolve, reject) => {
      const client: Socket = connect(port, '127.0.0.1');
      let text = '';
      client.on('connect', () => {
        client.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: count\r\n\r\n');
        client.write(sent);
      });
      client.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      client.on('end', () => resolve(text));
      client.on('error', reject);
    });
    expect(readAheadSkipped).toBe(false);
    expect(listenersLeft).toBe(0);
    expect(ownerLeft).toBe(0);
    expect(reply.endsWith(`got ${sent.length}`)).toBe(true);
  });

  it('without onUpgrade, an upgrade request is served as a normal request', async () => {
    server = await serve({ port: 0 }, (_req, res) => void res.end('plain'));
    const result = await exchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade, close\r\nUpgrade: websocket\r\n\r\n');
    expect(statuses(result.text)).toEqual([200]);
    expect(result.text.endsWith('plain')).toBe(true);
  });
});

describe('CONNECT', () => {
  it('without onConnect gets 405 and a close', async () => {
    server = await serve({ port: 0 }, (_req, res) => void res.end('never'));
    const result = await exchange(server.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(statuses(result.text)).toEqual([405]);
    expect(result.closed).toBe(true);
  });

  it('goes to onConnect with the raw socket: a loopback tunnel', async () => {
    const upstream = await serve({ port: 0 }, (req, res) => void res.end(`upstream saw ${req.target}`));
    try {
      server = await serve(
        {
          port: 0,
          onConnect: (req, socket, head) => {
            const [host, port] = req.target.split(':');
            const target: Socket = connect(Number(port), host, () => {
              socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
              if (head.length > 0) target.write(head);
              socket.pipe(target).pipe(socket);
            });
            target.on('error', () => socket.destroy());
            socket.on('error', () => target.destroy());
          },
        },
        (_req, res) => void res.end('never'),
      );
      const result = await exchange(
        server.port,
        `CONNECT 127.0.0.1:${upstream.port} HTTP/1.1\r\nHost: 127.0.0.1:${upstream.port}\r\n\r\nGET /through HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(statuses(result.text)).toEqual([200, 200]);
      expect(result.text.endsWith('upstream saw /through')).toBe(true);
    } finally {
      await upstream.close({ timeoutMs: 200 });
    }
  });
});
