// Raw-socket helpers for the hardening specs: send bytes, collect what the
// server answers until it closes (or a bound passes).
import { connect, type Socket } from 'node:net';

export interface RawResult {
  readonly text: string;
  readonly closed: boolean;
  readonly elapsedMs: number;
}

/** Opens a socket to 127.0.0.1:port and resolves once connected. */
export function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Collects everything `socket` receives until it closes or `boundMs` passes. */
export function collect(socket: Socket, boundMs: number): Promise<RawResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let text = '';
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ text, closed, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => {
      finish(false);
      socket.destroy();
    }, boundMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => finish(true));
    socket.on('error', () => {});
  });
}

/** Sends `bytes` on a new socket and collects the answer. */
export async function exchange(port: number, bytes: string, boundMs = 3_000): Promise<RawResult> {
  const socket = await open(port);
  const result = collect(socket, boundMs);
  socket.write(bytes);
  return result;
}

/** Status codes of every response in `text`, in order. */
export function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
