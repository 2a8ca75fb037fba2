// Expect: 100-continue (issue 5, item 4; RFC 9110 §10.1.1).
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type Handler, type Server } from '../../lib/index.ts';
import { collect, exchange, open, sleep, statuses } from './support.ts';

let server: Server | null = null;
afterEach(async () => {
  await server?.close({ timeoutMs: 500 });
  server = null;
});

async function start(handler: Handler): Promise<number> {
  server = await serve({ port: 0, onError: () => {} }, handler);
  return server.port;
}

const echo: Handler = async (req, res) => void res.end(await req.text());

describe('Expect: 100-continue', () => {
  it.each(['100-continue', '100-Continue', '100-CONTINUE'])('sends 100 Continue when the handler reads the body (%s)', async (token) => {
    const port = await start(echo);
    const socket = await open(port);
    const answer = collect(socket, 3_000);
    let got = '';
    socket.on('data', (chunk: string) => (got += chunk));
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nExpect: ${token}\r\nContent-Length: 5\r\nConnection: close\r\n\r\n`);
    for (let waited = 0; waited < 2_000 && !got.includes('\r\n\r\n'); waited += 10) await sleep(10);
    expect(got).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    socket.write('hello');
    const result = await answer;
    expect(statuses(result.text)).toEqual([100, 200]);
    expect(result.text.endsWith('hello')).toBe(true);
  });

  it('res.writeContinue() sends it on demand, once', async () => {
    const port = await start(async (req, res) => {
      res.writeContinue();
      res.writeContinue();
      res.end(await req.text());
    });
    const socket = await open(port);
    const answer = collect(socket, 3_000);
    socket.write('PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n');
    await sleep(100);
    socket.write('ok');
    expect(statuses((await answer).text)).toEqual([100, 200]);
  });

  it('never sends 100 when the handler answers with a final status first, and closes after', async () => {
    const port = await start((_req, res) => void res.status(401).end('no'));
    const result = await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n');
    expect(statuses(result.text)).toEqual([401]);
    expect(result.text).toContain('Connection: close\r\n');
    expect(result.closed).toBe(true);
  });

  it('any other expectation gets 417 in HTTP/1.1', async () => {
    const port = await start(echo);
    const result = await exchange(port, 'POST / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\nok');
    expect(statuses(result.text)).toEqual([417]);
    expect(result.closed).toBe(true);
  });

  it('is ignored in HTTP/1.0 (RFC 9110 §10.1.1)', async () => {
    const port = await start(echo);
    const result = await exchange(port, 'POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok');
    expect(statuses(result.text)).toEqual([200]);
    expect(result.text.endsWith('ok')).toBe(true);
  });
});
