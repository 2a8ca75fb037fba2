// The demo server started by `npm start`: hello, an echo of the request
// body, and a streamed response. PORT and HOST come from the environment.
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '../dist/index.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';

const server = await serve({ port, host }, async (req, res) => {
  switch (req.path) {
    case '/':
      res.header('content-type', 'text/plain; charset=utf-8').end('Hello from rawhttp\n');
      return;
    case '/echo': {
      // Streams the body back as it arrives: backpressure both ways.
      const writer = res.header('content-type', req.headers.get('content-type') ?? 'application/octet-stream').stream();
      for await (const chunk of req.body) {
        if (!writer.write(chunk)) await new Promise((resolve) => writer.once('drain', resolve));
      }
      writer.end();
      return;
    }
    case '/stream': {
      const writer = res.header('content-type', 'text/plain; charset=utf-8').stream();
      for (let i = 1; i <= 5; i++) {
        writer.write(`tick ${i} at ${new Date().toISOString()}\n`);
        await sleep(200);
      }
      writer.end();
      return;
    }
    default:
      res.status(404).header('content-type', 'text/plain').end('Not Found\n');
  }
});

console.log(`rawhttp demo listening on ${server.url}`);
console.log(`  curl ${server.url}/            hello`);
console.log(`  curl -d hi ${server.url}/echo  echo of the request body`);
console.log(`  curl -N ${server.url}/stream   a streamed response`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close({ timeoutMs: 5_000 }).then(() => process.exit(0));
  });
}
