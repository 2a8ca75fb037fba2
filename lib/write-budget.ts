// The server-wide bound on response bytes held beyond highWaterMark.
//
// A connection whose client keeps up may let its response writer run ahead
// of highWaterMark (the write allowance, see Connection.noteBodyWritten):
// that is what turns 64 KiB pieces into one writev. A client that reads
// fast and then stops leaves that run-ahead in the server until it reads
// again or the write-stall timeout drops it. Each connection's run-ahead is
// taken from one budget per server, so a thousand such clients hold at most
// the budget beyond their highWaterMarks, not a thousand allowances.

/** Bytes that connections may take for run-ahead and must give back. */
export class WriteAheadBudget {
  #available: number;

  constructor(bytes: number) {
    this.#available = bytes;
  }

  /** Bytes not taken by any connection. */
  get available(): number {
    return this.#available;
  }

  /** Takes up to `wanted` bytes; returns how many were granted (0 when the budget is spent). */
  take(wanted: number): number {
    const granted = Math.min(wanted, this.#available);
    this.#available -= granted;
    return granted;
  }

  /** Returns bytes taken earlier. */
  give(bytes: number): void {
    this.#available += bytes;
  }
}
