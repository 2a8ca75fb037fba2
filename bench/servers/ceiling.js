// The raw-socket ceiling: not an HTTP server. It counts "\r\n\r\n" in what
// arrives and writes one canned response per count — the most a JS server on
// net.Socket could do. The first request on a connection picks the canned
// response (hello, 1 KiB echo, 1 MiB big; "Connection: close" → end()).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { announce, BIG_BYTES, HELLO } from './common.js';

const canned = (type, body, close) =>
  Buffer.concat([
    Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`, 'latin1'),
    body,
  ]);
const ECHO_BYTES = 1024;
const RESPONSES = {
  hello: canned('text/plain', Buffer.from(HELLO), false),
  close: canned('text/plain', Buffer.from(HELLO), true),
  echo: canned('application/octet-stream', Buffer.alloc(ECHO_BYTES, 'x'), false),
  big: canned('application/octet-stream', Buffer.alloc(BIG_BYTES, 'x'), false),
};
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
// n copies of a response, built once per n: a pipelined batch is one write.
const repeatedCache = new Map();
function repeated(kind, n) {
  if (n === 1) return RESPONSES[kind];
  const key = `${kind}:${n}`;
  let buf = repeatedCache.get(key);
  if (buf === undefined) {
    buf = Buffer.concat(Array.from({ length: n }, () => RESPONSES[kind]));
    if (kind !== 'big') repeatedCache.set(key, buf);
  }
  return buf;
}

function kindOf(chunk) {
  const text = chunk.toString('latin1', 0, Math.min(chunk.length, 512));
  if (text.startsWith('POST')) return 'echo';
  if (text.startsWith('GET /big')) return 'big';
  if (/\r\nconnection:\s*close\r\n/i.test(text)) return 'close';
  return 'hello';
}

const server = createServer({ noDelay: true }, (socket) => {
  let kind = null;
  let tail = 0; // how many bytes of "\r\n\r\n" matched at the end of the last chunk
  socket.on('data', (chunk) => {
    if (kind === null) kind = kindOf(chunk);
    let count = 0;
    let from = 0;
    // A terminator split across chunks: finish the partial match first.
    if (tail > 0) {
      let i = 0;
      while (i < chunk.length && tail < 4 && chunk[i] === HEAD_END[tail]) {
        i++;
        tail++;
      }
      if (tail === 4) {
        count++;
        from = i;
      }
      tail = 0;
    }
    for (;;) {
      const at = chunk.indexOf(HEAD_END, from);
      if (at < 0) break;
      count++;
      from = at + 4;
    }
    for (let k = Math.min(3, chunk.length - from); k > 0; k--) {
      if (HEAD_END.subarray(0, k).equals(chunk.subarray(chunk.length - k))) {
        tail = k;
        break;
      }
    }
    if (count === 0) return;
    if (kind === 'close') socket.end(RESPONSES.close);
    else socket.write(repeated(kind, count));
  });
  socket.on('error', () => socket.destroy());
});
// The same listen backlog as rawhttp's default (the kernel's somaxconn), so
// that the ceiling stays an upper bound when 1 000 clients connect at once;
// node:http keeps Node's default of 511, as its users get it.
const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'latin1').trim()) || 511;
server.listen({ port: 0, host: '127.0.0.1', backlog: somaxconn }, () => announce('ceiling', server.address().port));
