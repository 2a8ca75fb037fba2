// Finding and running the real programs the interop specs drive (curl, ab,
// wrk, nginx, chromium). A missing program skips its specs loudly on a
// developer's machine and fails them under CI, where .ci/run installs it.

import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { createServer, connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

/** Whether we run under CI: `CI` set to anything but '', '0' or 'false'. */
export const UNDER_CI = process.env['CI'] !== undefined && !['', '0', 'false'].includes(process.env['CI'].toLowerCase());

/** A program looked up on disk: its path, or why it is missing. */
export interface Program {
  readonly name: string;
  /** Absolute path of the executable; undefined when missing. */
  readonly path: string | undefined;
  /** Why it is missing and how to install it (empty when found). */
  readonly missing: string;
}

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Looks `name` up on PATH (and in the sbin directories, where Debian puts
 * nginx, which a non-root PATH often lacks). An absolute `name` is checked as
 * is. `debianPackage` names what to install when it is missing.
 */
export function findProgram(name: string, debianPackage: string): Program {
  const candidates = name.startsWith('/')
    ? [name]
    : [...(process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== ''), ...SBIN_DIRS].map((dir) => join(dir, name));
  const path = candidates.find(isExecutable);
  return { name, path, missing: path === undefined ? `${name} is not installed (apt-get install -y ${debianPackage})` : '' };
}

/**
 * Declares a describe block that needs `programs`. When one is missing the
 * block is replaced: under CI by a failing test (CI must run the interop
 * specs, never skip them), elsewhere by a skipped one and a loud warning.
 */
export function describeWith(title: string, programs: readonly Program[], body: () => void): void {
  const missing = programs.filter((program) => program.path === undefined);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const reason = missing.map((program) => program.missing).join('; ');
  if (UNDER_CI) {
    describe(title, () => {
      it('has its programs installed (required under CI)', () => {
        throw new Error(`${reason} — under CI (CI=${process.env['CI']}) the interop specs must run, not be skipped; .ci/run installs them`);
      });
    });
    return;
  }
  process.stderr.write(`\n${'!'.repeat(78)}\n!! SKIPPING interop specs "${title}": ${reason}\n${'!'.repeat(78)}\n\n`);
  describe.skip(`${title} — SKIPPED: ${reason}`, () => {
    it('needs the missing program', () => undefined);
  });
}

/** What a finished program did. */
export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly elapsedMs: number;
  /** Killed because it outlived `timeoutMs`. */
  readonly timedOut: boolean;
}

/** Options of run(). */
export interface RunOptions {
  /** Bytes written to stdin, which is then closed; stdin is /dev/null without it. */
  readonly input?: Uint8Array;
  /** SIGKILL after this long (default 30 s). */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Runs `path args…` to completion, bounded by timeoutMs, collecting its output. */
export function run(path: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString(), elapsedMs: Date.now() - started, timedOut });
    });
    if (options.input !== undefined && child.stdin !== null) {
      child.stdin.on('error', () => undefined); // the program may exit before reading it all; its exit code tells
      child.stdin.end(options.input);
    }
  });
}

/** Formats a run for a failure message. */
export function describeRun(what: string, result: RunResult): string {
  const out = result.stdout.toString('latin1');
  return `${what}: exit ${result.code ?? result.signal}${result.timedOut ? ' (timed out)' : ''} after ${result.elapsedMs} ms\n--- stdout\n${out.slice(0, 2_000)}\n--- stderr\n${result.stderr.slice(0, 3_000)}`;
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago (for programs that cannot report the port they bound). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves whether 127.0.0.1:`port` accepted a connection within timeoutMs; `alive` false stops waiting early. */
export async function waitForPort(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepted) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
