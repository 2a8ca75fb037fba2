// Starting a benchmark server process and waiting for the readiness line it
// prints on stdout ({"ready":…,"port":…}); shared by the load and metrics
// harnesses so both stop, time out and report failures the same way.

import { spawn } from 'node:child_process';

/** A server process that printed its readiness line. */
export interface ReadyProcess {
  readonly pid: number;
  readonly port: number;
  /** The parsed readiness line. */
  readonly ready: Readonly<Record<string, unknown>>;
  /** What it wrote to stderr (the first 64 KiB or so). */
  readonly stderr: () => string;
  /** Its exit code or signal, null while it runs. */
  readonly exited: () => number | string | null;
  /** SIGTERM, then SIGKILL after 3 s; resolves once it has closed. */
  stop(): Promise<void>;
}

const STDERR_KEEP = 64 * 1024;

/**
 * Spawns `command args` in `cwd` and resolves once it prints a line starting
 * with {"ready"; rejects (and stops it) if that takes over `timeoutMs`, or if
 * it exits first. `label` names it in errors.
 */
export function startReady(command: string, args: readonly string[], cwd: string, label: string, timeoutMs: number): Promise<ReadyProcess> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  let exit: number | string | null = null;
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < STDERR_KEEP) stderr += text;
  });
  const closed = new Promise<void>((done) => child.once('close', () => done()));
  child.once('exit', (code, signal) => {
    exit = code ?? signal;
  });
  const stop = async (): Promise<void> => {
    if (exit !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await closed;
    clearTimeout(killer);
  };
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${label} did not print its readiness line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const line = stdout.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line === undefined) return;
      clearTimeout(timer);
      const ready = JSON.parse(line) as { port: number; pid?: number };
      resolveReady({ pid: child.pid ?? ready.pid ?? 0, port: ready.port, ready, stderr: () => stderr, exited: () => exit, stop });
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${String(exit)}) before it was ready; stderr: ${stderr.slice(-2000)}`));
    });
  });
}
