// Compiles lib/ to JavaScript in a temporary directory, for code that runs
// outside vitest's transform: worker threads on Node 20 cannot load .ts.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let built: Promise<string> | null = null;
let outDir: string | null = null;

// vitest ends its workers without a process 'exit' event: clean up when the spec file is done.
afterAll(() => {
  if (outDir !== null) rmSync(outDir, { recursive: true, force: true });
  outDir = null;
  built = null;
});

/**
 * Resolves the directory holding lib/*.ts compiled to .js (once per spec
 * process). Type errors elsewhere in lib/ do not stop the emit; a module
 * that was not emitted makes moduleUrl() throw.
 */
export function compiledLib(): Promise<string> {
  built ??= (async () => {
    const out = mkdtempSync(join(tmpdir(), 'rawhttp-lib-'));
    outDir = out;
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    const args = ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out, '--declaration', 'false', '--sourceMap', 'false'];
    await promisify(execFile)(tsc, args, { cwd: ROOT }).catch((error: unknown) => {
      // tsc exits non-zero on type errors but still emits; only a missing output is fatal.
      if (!existsSync(join(out, 'index.js'))) throw error;
    });
    return out;
  })();
  return built;
}

/** Resolves the file URL of compiled lib module `name` (e.g. 'metrics.js'). */
export async function moduleUrl(name: string): Promise<string> {
  const file = join(await compiledLib(), name);
  if (!existsSync(file)) throw new Error(`compiled lib has no ${name}`);
  return pathToFileURL(file).href;
}
