// The layering of STYLE.md, read from the import lines of lib/*.ts: leaves
// import nothing from lib/; the protocol core imports only leaves and core
// and never node:net, node:stream or timers; the I/O shell may import anything.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const LIB = new URL('../lib/', import.meta.url);

const LAYER = {
  Leaf: 0,
  Core: 1,
  Shell: 2,
} as const;
type Layer = (typeof LAYER)[keyof typeof LAYER];

const LAYERS: Readonly<Record<string, Layer>> = {
  'constants.ts': LAYER.Leaf,
  'types.ts': LAYER.Leaf,
  'metrics.ts': LAYER.Leaf,
  'quantile.ts': LAYER.Leaf,
  'connection-list.ts': LAYER.Leaf,
  'write-budget.ts': LAYER.Leaf,
  'last-bytes.ts': LAYER.Leaf,
  'parse.ts': LAYER.Core,
  'framing.ts': LAYER.Core,
  'decode.ts': LAYER.Core,
  'encode.ts': LAYER.Core,
  'head-memo.ts': LAYER.Core,
  'head-pool.ts': LAYER.Core,
  'latin1.ts': LAYER.Core,
  'state.ts': LAYER.Core,
  'errors.ts': LAYER.Core,
  'headers.ts': LAYER.Core,
  'fetch-url.ts': LAYER.Core,
  'request.ts': LAYER.Shell,
  'request-body.ts': LAYER.Shell,
  'fetch-request.ts': LAYER.Shell,
  'fetch.ts': LAYER.Shell,
  'fetch-response.ts': LAYER.Shell,
  'fetch-write.ts': LAYER.Shell,
  'fetch-web.ts': LAYER.Shell,
  'reuseport.ts': LAYER.Shell,
  'backlog.ts': LAYER.Shell,
  'server-metrics.ts': LAYER.Shell,
  'workers.ts': LAYER.Shell,
  'worker-entry.ts': LAYER.Shell,
  'response.ts': LAYER.Shell,
  'batch-clock.ts': LAYER.Shell,
  'socket-reader.ts': LAYER.Shell,
  'socket-writer.ts': LAYER.Shell,
  'connection.ts': LAYER.Shell,
  'server.ts': LAYER.Shell,
  'timers.ts': LAYER.Shell,
  'index.ts': LAYER.Shell,
};

/** Modules the pure core must never reach: sockets, streams, timers. */
const FORBIDDEN_IN_CORE = new Set(['node:net', 'net', 'node:stream', 'stream', 'node:stream/promises', 'stream/promises', 'node:timers', 'timers', 'node:timers/promises', 'timers/promises', 'node:tls', 'tls', 'node:http', 'http']);
const TIMER_CALL = /\b(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|clearImmediate)\s*\(/;

/** Removes comments (block and line) but keeps string literals intact. */
function stripComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Returns the module specifiers a source file imports or re-exports (static, side-effect, dynamic, require). */
function importsOf(source: string): string[] {
  const code = stripComments(source);
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) if (match[1] !== undefined) out.push(match[1]);
  return out;
}

const files = readdirSync(LIB)
  .filter((name) => name.endsWith('.ts'))
  .sort();
const sources = new Map(files.map((name) => [name, readFileSync(new URL(name, LIB), 'utf8')]));

describe('import extraction (self-test)', () => {
  it('finds static, multi-line, type-only, side-effect, re-export, dynamic and require imports; ignores comments', () => {
    const sample = [
      "import { a,",
      "  b } from './multi.ts';",
      "import type { T } from \"./types.ts\";",
      "import './side.ts';",
      "export { x } from './re.ts';",
      "export * from './star.ts';",
      "const m = await import('node:net');",
      "const r = require('node:stream');",
      "// import { no } from './comment.ts';",
      "/* import { no } from './block.ts'; */",
      "const s = 'http://example.com/ from nowhere';",
    ].join('\n');
    expect(importsOf(sample).sort()).toEqual(['./multi.ts', './re.ts', './side.ts', './star.ts', './types.ts', 'node:net', 'node:stream'].sort());
  });
});

describe('layers (STYLE.md)', () => {
  it('lib/ has modules to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files)('%s is assigned to a layer', (name) => {
    expect(LAYERS[name], `${name}: add it to LAYERS in spec/layers.spec.ts (leaf, core or shell)`).toBeDefined();
  });

  it.each(files)('%s imports only what its layer allows', (name) => {
    const layer = LAYERS[name];
    if (layer === undefined) return; // reported by the test above
    const violations: string[] = [];
    for (const specifier of importsOf(sources.get(name) ?? '')) {
      if (specifier.startsWith('./') || specifier.startsWith('../')) {
        const target = specifier.replace(/^\.\//, '');
        const targetLayer = LAYERS[target];
        if (layer === LAYER.Leaf) violations.push(`${specifier}: a leaf imports nothing from lib/`);
        else if (!sources.has(target)) violations.push(`${specifier}: not a lib/*.ts module`);
        else if (targetLayer === undefined) {
          // The shell may import anything; an unclassified module is reported by the test above.
          if (layer !== LAYER.Shell) violations.push(`${specifier}: unclassified module`);
        }
        else if (targetLayer > layer) violations.push(`${specifier}: layer ${targetLayer} is above ${name}'s layer ${layer}`);
      } else if (layer !== LAYER.Shell && FORBIDDEN_IN_CORE.has(specifier)) {
        violations.push(`${specifier}: the core and leaves have no sockets, streams or timers`);
      }
    }
    expect(violations, `${name}: got imports that break the layering, want none`).toEqual([]);
  });

  const pure = files.filter((name) => LAYERS[name] !== undefined && LAYERS[name] !== LAYER.Shell);
  it.each(pure)('%s calls no timers', (name) => {
    const code = stripComments(sources.get(name) ?? '');
    const match = TIMER_CALL.exec(code);
    expect(match?.[0], `${name}: got a timer call, want none`).toBeUndefined();
  });
});
