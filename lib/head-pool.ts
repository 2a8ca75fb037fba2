// Parsed heads (each with its offsets array) are shared by a server's
// connections: only a connection in the middle of a head holds one, so a
// thousand idle keep-alive connections cost no parser memory. One pool per
// server, whose heads all have its maxHeaderCount: taking one is an array
// pop (a pool per process keyed by capacity cost two Map lookups a request).
import { ParsedHead } from './parse.ts';

// Heads beyond this many free ones are left to the GC: a burst of
// half-received heads should not pin their memory afterwards.
const FREE_HEADS_KEPT = 64;

export class ParsedHeadPool {
  readonly #free: ParsedHead[] = [];
  readonly #maxHeaderCount: number;

  constructor(maxHeaderCount: number) {
    this.#maxHeaderCount = maxHeaderCount;
  }

  take(): ParsedHead {
    return this.#free.pop() ?? new ParsedHead(this.#maxHeaderCount);
  }

  give(head: ParsedHead): void {
    head.reset();
    if (this.#free.length < FREE_HEADS_KEPT) this.#free.push(head);
  }

  /** Free heads kept for the next takers. */
  get size(): number {
    return this.#free.length;
  }
}
