// The build users run (`npm run build`, then `npm start` or an import of
// dist/) serves requests. The specs run lib/ through vitest's own transform,
// and tsc's output can differ: a static field initializer that named its
// class compiled to a read of the class's alias before it was set, and
// dist/ threw at import while every spec passed. With --pending-deprecation
// the same build writes every response through the socket's stream rather
// than its handle (see socket-writer.ts): that path serves as well.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'rawhttp-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// Serves 'built <method> <target>' and an echo of POST bodies, printing its port.
const SERVER = (entry: string): string => `
const { serve } = await import(${JSON.stringify(entry)});
const server = await serve({ port: 0, host: '127.0.0.1' }, async (req, res) => {
  if (req.method === 'POST') return void res.end(await req.bytes());
  res.header('content-type', 'text/plain').end('built ' + req.method + ' ' + req.target);
});
process.stdout.write(JSON.stringify({ port: server.port }) + '\\n');
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
process.stdin.resume();
`;

let built = false;
function build(): void {
  if (built) return;
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  built = true;
}

describe('the tsc build', () => {
  for (const flags of [[], ['--pending-deprecation']]) {
    it(`compiles, imports, and serves GET, POST and 50 pipelined GETs to undici${flags.length > 0 ? ` (node ${flags.join(' ')})` : ''}`, async () => {
      build();
      const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', SERVER(pathToFileURL(join(out, 'index.js')).href)], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      try {
        const port = await new Promise<number>((resolve, reject) => {
          let text = '';
          const timer = setTimeout(() => reject(new Error(`no port in time: ${stderr}`)), 10_000);
          child.stdout.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            const match = /"port":(\d+)/.exec(text);
            if (match !== null) {
              clearTimeout(timer);
              resolve(Number(match[1]));
            }
          });
          child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`the built server exited (${String(code)}): ${stderr}`));
          });
        });
        const got = await request(`http://127.0.0.1:${port}/hello?x=1`);
        expect(got.statusCode).toBe(200);
        expect(await got.body.text()).toBe('built GET /hello?x=1');
        const body = Buffer.alloc(100_000, 'z');
        const echoed = await request(`http://127.0.0.1:${port}/echo`, { method: 'POST', body });
        expect(Buffer.from(await echoed.body.arrayBuffer()).equals(body)).toBe(true);
        const client = new Client(`http://127.0.0.1:${port}`, { pipelining: 10 });
        try {
          const texts = await Promise.all(
            Array.from({ length: 50 }, async (_, i) => {
              const { body: piped } = await client.request({ path: `/p/${i}`, method: 'GET' });
              return piped.text();
            }),
          );
          expect(texts).toEqual(Array.from({ length: 50 }, (_, i) => `built GET /p/${i}`));
        } finally {
          await client.close();
        }
        expect(stderr).not.toMatch(/Warning/);
      } finally {
        child.stdin.end();
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve(undefined);
          }, 5_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve(undefined);
          });
        });
      }
    }, 150_000);
  }
});
