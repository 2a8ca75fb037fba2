// The demo server started by `npm start`: a live metrics page at /, hello,
// an echo of the request body, a streamed response, and the Prometheus
// exposition at /metrics. PORT and HOST come from the environment.
import { setTimeout as sleep } from 'node:timers/promises';
import { estimateQuantile, serve } from '../dist/index.js';
import { livePage } from './live-page.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const HISTORY = 120; // seconds of samples kept for the page

const samples = [];
const page = livePage();

const server = await serve({ port, host, metricsPath: '/metrics' }, async (req, res) => {
  switch (req.path) {
    case '/':
      res.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').end(page);
      return;
    case '/metrics.json':
      res.header('content-type', 'application/json').header('cache-control', 'no-store').end(JSON.stringify({ intervalMs: 1000, samples }));
      return;
    case '/hello':
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

// Once a second: requests/s, open connections and latency percentiles of
// the last second, from the difference of two snapshots of the histogram.
let previous = read();
const sampler = setInterval(() => {
  const now = read();
  const seconds = (now.at - previous.at) / 1000;
  const window = now.counts.map((count, i) => count - (previous.counts[i] ?? 0));
  const quantile = (q) => {
    const value = estimateQuantile(q, now.le, window);
    return Number.isNaN(value) ? null : value * 1000;
  };
  samples.push({
    t: now.at,
    rps: (now.requests - previous.requests) / seconds,
    open: now.open,
    inFlight: now.inFlight,
    p50: quantile(0.5),
    p90: quantile(0.9),
    p99: quantile(0.99),
    requests: now.requests,
  });
  if (samples.length > HISTORY) samples.shift();
  previous = now;
}, 1000);
sampler.unref();

function read() {
  const snapshot = server.metrics.snapshot();
  const value = (name) => snapshot[name].series.reduce((sum, series) => sum + series.value, 0);
  // The duration histogram has one series per status class: add their buckets up.
  const durations = snapshot.rawhttp_request_duration_seconds.series;
  const counts = durations[0].counts.map((_, i) => durations.reduce((sum, series) => sum + series.counts[i], 0));
  return {
    at: Date.now(),
    requests: value('rawhttp_requests_total'),
    open: value('rawhttp_connections_open'),
    inFlight: value('rawhttp_requests_in_flight'),
    le: durations[0].le,
    counts,
  };
}

console.log(`rawhttp demo listening on ${server.url}`);
console.log(`  open ${server.url}/               live metrics page`);
console.log(`  curl ${server.url}/hello          hello`);
console.log(`  curl -d hi ${server.url}/echo     echo of the request body`);
console.log(`  curl -N ${server.url}/stream      a streamed response`);
console.log(`  curl ${server.url}/metrics        Prometheus text format`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    clearInterval(sampler);
    server.close({ timeoutMs: 5_000 }).then(() => process.exit(0));
  });
}
