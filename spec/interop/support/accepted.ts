// Counts the TCP connections a server in this process accepts, through the
// documented `net.server.socket` diagnostics channel that node:net publishes
// on for every accepted socket: no proxy in between, nothing of rawhttp
// touched. A socket belongs to the server when its local port is the
// server's port (an accepted socket's local address is the listening one).

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

const CHANNEL = 'net.server.socket';

/** AcceptCounter tallies the connections accepted on one local port, how many closed, and how many are open at once. */
export class AcceptCounter {
  readonly port: number;
  #accepted = 0;
  #open = 0;
  #peakOpen = 0;
  #closed = 0;
  #lastEventAt = 0;
  readonly #onMessage = (message: unknown): void => {
    const socket = (message as { socket?: Socket } | null)?.socket;
    if (socket === undefined || socket.localPort !== this.port) return;
    this.#accepted++;
    this.#open++;
    this.#lastEventAt = Date.now();
    if (this.#open > this.#peakOpen) this.#peakOpen = this.#open;
    socket.once('close', () => {
      this.#open--;
      this.#closed++;
      this.#lastEventAt = Date.now();
    });
  };

  /** Starts counting connections accepted on local port `port`; call stop() when done. */
  constructor(port: number) {
    this.port = port;
    subscribe(CHANNEL, this.#onMessage);
  }

  /** Connections accepted since construction (or the last reset()). */
  get accepted(): number {
    return this.#accepted;
  }

  /** The most connections open at once since construction (or the last reset()). */
  get peakOpen(): number {
    return this.#peakOpen;
  }

  /** Connections on the port that closed since construction (or the last reset()), whenever accepted. */
  get closed(): number {
    return this.#closed;
  }

  /** Zeroes the tallies; connections still open keep counting as open. */
  reset(): void {
    this.#accepted = 0;
    this.#closed = 0;
    this.#peakOpen = this.#open;
  }

  /**
   * Resolves once no connection was accepted or closed for `quietMs` (at
   * most `timeoutMs`): lets closes still in flight from earlier traffic land
   * before a reset().
   */
  async settle(quietMs = 300, timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() - this.#lastEventAt < quietMs && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  stop(): void {
    unsubscribe(CHANNEL, this.#onMessage);
  }
}
