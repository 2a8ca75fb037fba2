// Runs a private nginx for a spec: a config written to a fresh temp dir, in
// the foreground as one process (daemon off, master_process off), pid file,
// logs and temp files in that dir, listening on loopback ports only.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './programs.ts';

/** A running nginx. */
export interface Nginx {
  /** The temp dir holding nginx.conf, the logs and nginx's temp files. */
  readonly dir: string;
  /** The ports it listens on, in the order the config asked for them. */
  readonly ports: readonly number[];
  /** Returns the error log so far (for failure messages). */
  errorLog(): string;
  /** Returns the access log so far. */
  accessLog(): string;
  /** Stops nginx (SIGTERM, SIGKILL after 5 s), then removes its dir. */
  stop(): Promise<void>;
}

/**
 * Starts nginx from `binary` with the `http { … }` block returned by
 * `httpBlock(ports, dir)`, for `portCount` free loopback ports. Resolves once
 * every port accepts connections; rejects with the error log when nginx
 * exits or does not listen within 10 s (retried once: a "free" port can be
 * taken between the probe and nginx's bind).
 */
export async function startNginx(binary: string, portCount: number, httpBlock: (ports: readonly number[], dir: string) => string): Promise<Nginx> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return await startOnce(binary, portCount, httpBlock);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(binary: string, portCount: number, httpBlock: (ports: readonly number[], dir: string) => string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'rawhttp-nginx-'));
  const ports: number[] = [];
  for (let i = 0; i < portCount; i++) ports.push(await freePort());
  const errorLogPath = join(dir, 'error.log');
  const accessLogPath = join(dir, 'access.log');
  const conf = `
# Written by spec/interop for one spec run.
daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLogPath} info;
events { worker_connections 2048; }
http {
  access_log ${accessLogPath};
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${httpBlock(ports, dir)}
}
`;
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  writeFileSync(errorLogPath, '');
  writeFileSync(accessLogPath, '');
  // -e: the early error log (before the config is read) goes to our dir too.
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', confPath, '-e', errorLogPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (error) => {
      exited = true;
      output += String(error);
      resolve();
    });
  });
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (const port of ports) {
    if (!(await waitForPort(port, 10_000, () => !exited))) {
      const log = read(errorLogPath);
      await stop();
      throw new Error(`nginx did not listen on 127.0.0.1:${port} (exited: ${exited})\n--- output\n${output}\n--- error.log\n${log}\n--- nginx.conf\n${conf}`);
    }
  }
  return { dir, ports, errorLog: () => read(errorLogPath), accessLog: () => read(accessLogPath), stop };
}
