// The body of each serveWorkers() thread: attach to the shared metrics as
// this thread's shard, load the handler module, serve() it with reusePort,
// and close gracefully when the pool says so.

import { parentPort, workerData } from 'node:worker_threads';
import type { Handler } from './connection.ts';
import { Metrics } from './metrics.ts';
import { serve } from './server.ts';
import { declarePoolMetrics, type FromWorker, type HandlerModule, type ToWorker, type WorkerInit } from './workers.ts';

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('rawhttp worker-entry runs only inside serveWorkers() threads');
  const init = workerData as WorkerInit;
  const metrics = new Metrics({ buffer: init.buffer, shard: init.shard });
  // Same order as the pool's thread, so every thread places metrics at the same cells.
  declarePoolMetrics(metrics);
  const loaded = (await import(init.handler)) as HandlerModule;
  const handler = loaded.default;
  if (typeof handler !== 'function') throw new TypeError(`${init.handler}: a serveWorkers() handler module must export default function (req, res)`);
  if (typeof loaded.declareMetrics === 'function') await (loaded.declareMetrics as (metrics: Metrics) => unknown)(metrics);
  const server = await serve({ ...init.options, port: init.port, metrics, reusePort: true }, handler as Handler);
  port.on('message', (message: ToWorker) => {
    if (message.kind !== 'Close') return;
    const options = message.timeoutMs === undefined ? {} : { timeoutMs: message.timeoutMs };
    // process.exit in a worker ends this thread only; it also ends timers the module left running.
    void server.close(options).then(() => process.exit(0));
  });
  const listening: FromWorker = { kind: 'Listening', port: server.port, metrics: metrics.describe() };
  port.postMessage(listening);
}

await main();
