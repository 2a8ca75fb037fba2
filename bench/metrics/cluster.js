// node:cluster running node:http, N workers (argv[2], default 2): the usual
// way to use several cores with Node's own server. The primary announces
// once every worker listens; listen(0) gives them all the same port.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { announce, HELLO } from '../servers/common.js';

const workers = Number(process.argv[2] ?? 2);
const HEADERS = { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(HELLO) };

if (cluster.isPrimary) {
  // Registered before announce()'s handler, which exits: the workers go first.
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
  });
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    if (++listening === workers) announce(`node:cluster + node:http (${workers})`, address.port);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  createServer((_req, res) => {
    res.writeHead(200, HEADERS);
    res.end(HELLO);
  }).listen(0, '127.0.0.1');
}
