// Importing rawhttp must not load Node's fetch implementation (issue 7): the
// web globals (Request, Response, Headers, fetch) are lazy getters in Node,
// and reading one loads undici and web streams (≈ 9 MiB RSS). Only calling
// fetchHandler() may. Checked in a fresh process on the compiled build, by
// the module list Node keeps (robust, unlike an RSS margin).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const UNDICI = 'NativeModule internal/deps/undici/undici';

let outDir = '';

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'rawhttp-import-'));
  execFileSync(join(ROOT.pathname, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir, '--declaration', 'false', '--sourceMap', 'false'], { cwd: ROOT });
});

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

interface Probe {
  readonly undiciBefore: boolean;
  readonly undiciAfterImport: boolean;
  readonly globalsUntouched: boolean;
  readonly undiciAfterFetchHandler: boolean;
  readonly wrapped: boolean;
}

// Runs in the child. Nothing may touch the globals before the import is
// judged: on Node 24 even reading a global's property descriptor loads undici.
// Afterwards, Request and Response must still be the platform's root classes
// (a wrapper extends one); fetchHandler() then wraps Request and fetch.
function probeScript(entry: string): string {
  return `
const loaded = () => process.moduleLoadList.includes(${JSON.stringify(UNDICI)});
const undiciBefore = loaded();
const lib = await import(${JSON.stringify(entry)});
const undiciAfterImport = loaded();
const isRoot = (name) => Object.getPrototypeOf(globalThis[name]) === Function.prototype;
const globalsUntouched = isRoot('Request') && isRoot('Response');
const platformRequest = globalThis.Request;
const platformFetch = globalThis.fetch;
lib.fetchHandler(() => new Response('ok'));
const wrapped = globalThis.Request !== platformRequest && globalThis.fetch !== platformFetch;
process.stdout.write(JSON.stringify({ undiciBefore, undiciAfterImport, globalsUntouched, undiciAfterFetchHandler: loaded(), wrapped }));
`;
}

describe('importing rawhttp', () => {
  it('leaves the web globals alone and undici unloaded until fetchHandler() is called', () => {
    const entry = pathToFileURL(join(outDir, 'index.js')).href;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', probeScript(entry)], { encoding: 'utf8' });
    const probe = JSON.parse(out) as Probe;
    expect(probe.undiciBefore, 'undici was loaded before anything was imported: the check proves nothing on this Node').toBe(false);
    expect(probe).toEqual({ undiciBefore: false, undiciAfterImport: false, globalsUntouched: true, undiciAfterFetchHandler: true, wrapped: true });
  });
});
