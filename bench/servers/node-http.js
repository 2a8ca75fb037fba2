// node:http under load, written the way a careful user would: explicit
// Content-Length, one writeHead, the /big body streamed with backpressure.
import { createServer } from 'node:http';
import { announce, BIG_BYTES, HELLO, streamBig } from './common.js';

const HELLO_HEADERS = { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(HELLO) };
const BIG_HEADERS = { 'content-type': 'application/octet-stream', 'content-length': BIG_BYTES };

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/echo') {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    });
    return;
  }
  if (req.url === '/big') {
    res.writeHead(200, BIG_HEADERS);
    streamBig(res);
    return;
  }
  res.writeHead(200, HELLO_HEADERS);
  res.end(HELLO);
});
// clientError counts by code: ECONNRESET/EPIPE are expected when wrk stops.
const clientErrorCounts = {};
server.on('clientError', (error, socket) => {
  const key = error.code ?? 'unknown';
  clientErrorCounts[key] = (clientErrorCounts[key] ?? 0) + 1;
  socket.destroy();
});
server.listen(0, '127.0.0.1', () => announce('node:http', server.address().port, () => ({ clientError: clientErrorCounts })));
