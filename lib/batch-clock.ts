// The clock of the batch of input being handled. A chunk read from a socket
// is handled to its end before any other, so every deadline, Date line and
// metrics start time it produces can share one performance.now() reading
// (they are microseconds apart). It lives here, not on each connection: a
// double held by an object field is boxed in its own heap number, one more
// cache line a connection touches per request (with 1 000 clients those miss).

import { performance } from 'node:perf_hooks';

// -1 while no batch runs. A Float64Array: assigning a double to a module
// variable would allocate a heap number per batch.
const reading = new Float64Array([-1]);

/** Reads the clock for a batch that starts now; returns the reading (monotonic ms). */
export function startBatch(): number {
  const now = performance.now();
  reading[0] = now;
  return now;
}

/** The batch has been handled: later reads go to the clock again. */
export function endBatch(): void {
  reading[0] = -1;
}

/**
 * The batch's reading, or the clock outside a batch. A batch begun inside
 * another (a handler that feeds a second socket synchronously) ends both
 * readings: the outer one then reads the clock, which is only more exact.
 */
export function batchNow(): number {
  const now = reading[0] as number;
  return now >= 0 ? now : performance.now();
}
