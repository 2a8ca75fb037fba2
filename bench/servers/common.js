// What every benchmark server shares: the routes' payloads, the /big streaming
// loop (honours write() === false and 'drain'), and the readiness line the
// load harness waits for on stdout.

import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';

/** Body of GET /. */
export const HELLO = 'Hello, World!';
/** Size of GET /big: 1 MiB. */
export const BIG_BYTES = 1024 * 1024;
/** /big is written in views of this size, like a file stream would. */
export const BIG_CHUNK_BYTES = 64 * 1024;
const BIG = Buffer.alloc(BIG_BYTES, 'x');

/**
 * Streams the 1 MiB /big body into `writer` (a Writable), stopping at every
 * write() that returns false until 'drain', then calls writer.end().
 */
export function streamBig(writer) {
  let sent = 0;
  const pump = () => {
    while (sent < BIG_BYTES) {
      const chunk = BIG.subarray(sent, sent + BIG_CHUNK_BYTES);
      sent += chunk.length;
      if (!writer.write(chunk)) {
        writer.once('drain', pump);
        return;
      }
    }
    writer.end();
  };
  pump();
}

// Garbage collection during the measured window: the harness sends SIGUSR2
// when the window starts. Entries arrive batched after the GC, so each is
// counted by its start time, not by when it is delivered.
const gc = { pauseMs: 0, maxPauseMs: 0, minor: 0, major: 0 };
let gcWindowStart = Number.POSITIVE_INFINITY;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.startTime < gcWindowStart) continue;
    gc.pauseMs += entry.duration;
    gc.maxPauseMs = Math.max(gc.maxPauseMs, entry.duration);
    if (entry.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
    else gc.major++;
  }
}).observe({ entryTypes: ['gc'] });

/**
 * Prints the readiness line; on SIGTERM/SIGINT prints `stats()` (error counts
 * the harness reports) and the window's GC figures as a BENCH_SERVER_STATS
 * line on stderr and exits. SIGUSR2 starts the GC window.
 */
export function announce(name, port, stats = () => ({})) {
  const exit = () => {
    process.stderr.write(`BENCH_SERVER_STATS ${JSON.stringify({ ...stats(), gc })}\n`);
    process.exit(0);
  };
  process.on('SIGTERM', exit);
  process.on('SIGINT', exit);
  process.on('SIGUSR2', () => {
    gcWindowStart = performance.now();
  });
  process.stdout.write(`${JSON.stringify({ ready: true, server: name, port, pid: process.pid, node: process.version })}\n`);
}
