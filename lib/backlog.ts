// The listen backlog: how many finished handshakes the kernel queues for
// accept(). Node's default, 511, overflows under a burst of connections, and
// a client whose handshake overflowed believes it is connected: its request
// waits out a retransmission (1 s, then 3 s…). Like Go's net.Listen, rawhttp
// asks for the kernel's own limit, net.core.somaxconn (4096 on current
// Linux), which also caps any larger request.

import { readFileSync } from 'node:fs';

const NODE_DEFAULT_BACKLOG = 511;
// listen(2) takes an int; Linux stores the backlog in 32 bits but somaxconn
// was 16 bits for long: stay within it.
const MAX_BACKLOG = 65_535;
const SOMAXCONN_PATH = '/proc/sys/net/core/somaxconn';

let kernelLimit: number | undefined;

/** The backlog serve() listens with by default: net.core.somaxconn where it can be read, else Node's 511. */
export function defaultBacklog(): number {
  kernelLimit ??= readSomaxconn() ?? NODE_DEFAULT_BACKLOG;
  return kernelLimit;
}

/** Returns `backlog` (or the default); throws TypeError unless it is an integer in [1, 65535]. */
export function resolveBacklog(backlog: number | undefined): number {
  if (backlog === undefined) return defaultBacklog();
  if (!Number.isInteger(backlog) || backlog < 1 || backlog > MAX_BACKLOG) {
    throw new TypeError(`option backlog must be an integer from 1 to ${MAX_BACKLOG}, got ${String(backlog)}`);
  }
  return backlog;
}

function readSomaxconn(): number | undefined {
  try {
    const value = Number(readFileSync(SOMAXCONN_PATH, 'latin1').trim());
    return Number.isInteger(value) && value > 0 ? Math.min(value, MAX_BACKLOG) : undefined;
  } catch {
    return undefined; // not Linux, or /proc not mounted
  }
}
