// Streaming throughput, rawhttp vs node:http (issue 4): 1 GiB uploaded
// through a handler that consumes req.body, and 1 GiB downloaded from a
// handler that writes it through res.stream() honouring 'drain'. Both servers
// run in the same session, on Node 20 and Node 24, pinned to CPU 0; curl is
// the client, pinned to CPU 1; rounds alternate which server goes first.
//
// Run (Node ≥ 22.18 / 24 runs this .ts file directly; the servers it starts
// run on both Node 20 and Node 24):
//   npm run build && $(scripts/node24.sh) bench/stream.ts [--rounds 5] [--mib 1024] [--out bench/RESULTS-stream.md]

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Options {
  readonly rounds: number;
  readonly bytes: number;
  readonly out: string;
}

function parseArgs(argv: readonly string[]): Options {
  let rounds = 5;
  let mib = 1024;
  let out = join(root, 'bench', 'RESULTS-stream.md');
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--rounds' && value !== undefined) rounds = Number(value);
    else if (argv[i] === '--mib' && value !== undefined) mib = Number(value);
    else if (argv[i] === '--out' && value !== undefined) out = resolve(value);
    else continue;
    i++;
  }
  if (!Number.isInteger(rounds) || rounds < 3) throw new Error('--rounds must be an integer ≥ 3');
  if (!Number.isInteger(mib) || mib < 1) throw new Error('--mib must be a positive integer');
  return { rounds, bytes: mib * 1024 * 1024, out };
}

// Both handlers use the same 64 KiB piece and the same flowing-mode 'data'
// consumer, so the servers differ only in their HTTP machinery.
const RAWHTTP_SERVER = `
const { serve } = await import(process.env.RAWHTTP_DIST);
const PIECE = Buffer.alloc(64 * 1024, 'x');
const server = await serve({ port: 0, host: '127.0.0.1', onError: (error, context) => {
  if (context.kind !== 'Client') process.stderr.write('rawhttp ' + context.kind + ': ' + String(error && error.stack || error) + '\\n');
} }, (req, res) => {
  if (req.path === '/upload') {
    let received = 0;
    const body = req.body;
    body.on('data', (chunk) => { received += chunk.length; });
    body.on('end', () => { res.header('content-type', 'text/plain').end(String(received)); });
    return;
  }
  if (req.path === '/download') {
    const total = Number(req.query.get('bytes'));
    const writer = res.header('content-type', 'application/octet-stream').header('content-length', total).stream();
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = total - sent >= PIECE.length ? PIECE : PIECE.subarray(0, total - sent);
        sent += piece.length;
        if (!writer.write(piece)) { writer.once('drain', pump); return; }
      }
      writer.end();
    };
    pump();
    return;
  }
  res.status(404).end();
});
process.stdout.write(JSON.stringify({ ready: true, port: server.port, pid: process.pid, node: process.version }) + '\\n');
`;

const NODE_HTTP_SERVER = `
const { createServer } = await import('node:http');
const PIECE = Buffer.alloc(64 * 1024, 'x');
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/upload') {
    let received = 0;
    req.on('data', (chunk) => { received += chunk.length; });
    req.on('end', () => {
      const text = String(received);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': text.length });
      res.end(text);
    });
    return;
  }
  if (url.pathname === '/download') {
    const total = Number(url.searchParams.get('bytes'));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = total - sent >= PIECE.length ? PIECE : PIECE.subarray(0, total - sent);
        sent += piece.length;
        if (!res.write(piece)) { res.once('drain', pump); return; }
      }
      res.end();
    };
    pump();
    return;
  }
  res.writeHead(404).end();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ ready: true, port: server.address().port, pid: process.pid, node: process.version }) + '\\n');
});
`;

const SERVERS = [
  { name: 'rawhttp', code: RAWHTTP_SERVER },
  { name: 'node:http', code: NODE_HTTP_SERVER },
] as const;
type ServerName = (typeof SERVERS)[number]['name'];
type Direction = 'upload' | 'download';

interface RunningServer {
  readonly name: ServerName;
  readonly port: number;
  readonly pid: number;
  readonly node: string;
  readonly child: ChildProcess;
}

/** Starts one server pinned to CPU 0 and resolves once it prints its readiness line. */
function startServer(nodeBin: string, name: ServerName, code: string): Promise<RunningServer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('taskset', ['-c', '0', nodeBin, '--input-type=module', '-e', code], {
      env: { ...process.env, RAWHTTP_DIST: pathToFileURL(join(root, 'dist', 'index.js')).href },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${name} on ${nodeBin} did not start within 10 s`));
    }, 10_000);
    child.once('exit', (codeValue) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${String(codeValue)} before it was ready`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n')[0];
      if (!output.includes('\n') || line === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const ready = JSON.parse(line) as { port: number; pid: number; node: string };
      resolvePromise({ name, port: ready.port, pid: ready.pid, node: ready.node, child });
    });
  });
}

async function stopServer(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise<void>((resolvePromise) => server.child.once('exit', () => resolvePromise()));
  server.child.kill('SIGTERM');
  await exited;
}

/** A memory figure of `pid` from /proc/<pid>/status (VmHWM = peak RSS, VmRSS = current), in bytes. */
function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (match === null) throw new Error(`no ${field} for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** User + system CPU time of `pid` so far, in seconds (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5) (utime, stime), counted from the state field (3).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Sample {
  readonly mbPerSecond: number;
  readonly serverCpuSeconds: number;
}

/** One transfer with curl pinned to CPU 1; checks status and byte counts. */
async function transfer(server: RunningServer, direction: Direction, bytes: number, uploadFile: string): Promise<Sample> {
  const url = `http://127.0.0.1:${server.port}/${direction}${direction === 'download' ? `?bytes=${bytes}` : ''}`;
  const writeOut = '\\n%{http_code} %{size_upload} %{size_download} %{time_total}';
  const args =
    direction === 'upload'
      ? ['-c', '1', 'curl', '-sS', '--fail', '-H', 'Expect:', '-T', uploadFile, '-o', '-', '-w', writeOut, url]
      : ['-c', '1', 'curl', '-sS', '--fail', '-o', '/dev/null', '-w', writeOut, url];
  const cpuBefore = cpuSeconds(server.pid);
  const { stdout } = await run('taskset', args, { maxBuffer: 1024 * 1024 });
  const serverCpuSeconds = cpuSeconds(server.pid) - cpuBefore;
  const lines = stdout.trim().split('\n');
  const [status, uploaded, downloaded, seconds] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
  if (status !== 200) throw new Error(`${server.name} ${direction}: HTTP ${String(status)}`);
  const moved = direction === 'upload' ? uploaded : downloaded;
  if (moved !== bytes) throw new Error(`${server.name} ${direction}: moved ${String(moved)} of ${bytes} bytes`);
  if (direction === 'upload' && Number(lines[0]) !== bytes) throw new Error(`${server.name} counted ${String(lines[0])} of ${bytes} uploaded bytes`);
  return { mbPerSecond: bytes / 1e6 / (seconds ?? Number.NaN), serverCpuSeconds };
}

/** Writes a `bytes`-long file of a repeated random 1 MiB block. */
async function makeUploadFile(path: string, bytes: number): Promise<void> {
  const { randomBytes } = await import('node:crypto');
  const block = randomBytes(1024 * 1024);
  const out = createWriteStream(path);
  for (let written = 0; written < bytes; written += block.length) {
    const piece = bytes - written >= block.length ? block : block.subarray(0, bytes - written);
    if (!out.write(piece)) await new Promise<void>((resolvePromise) => out.once('drain', () => resolvePromise()));
  }
  await new Promise<void>((resolvePromise, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolvePromise())));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Row {
  readonly node: string;
  readonly direction: Direction;
  readonly server: ServerName;
  readonly mbPerSecond: number[];
  readonly cpuSecondsPerGiB: number[];
  readonly idleRssBytes: number;
  peakRssBytes: number;
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).join(' ');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const node24 = execFileSync(join(root, 'scripts', 'node24.sh'), { encoding: 'utf8' }).trim();
  const nodes = [
    { label: 'Node 20', bin: 'node' },
    { label: 'Node 24', bin: node24 },
  ];
  const dir = await mkdtemp(join(tmpdir(), 'rawhttp-bench-stream-'));
  const uploadFile = join(dir, 'upload.bin');
  const warmUpBytes = Math.max(1, Math.floor(options.bytes / 8));
  const warmUpFile = join(dir, 'warm-up.bin');
  const rows: Row[] = [];
  const loadBefore = loadAverage();
  const started = Date.now();
  try {
    await makeUploadFile(uploadFile, options.bytes);
    await makeUploadFile(warmUpFile, warmUpBytes);
    for (const node of nodes) {
      for (const direction of ['upload', 'download'] as const) {
        // Fresh servers per direction, so VmHWM is the peak of that direction alone.
        const running: RunningServer[] = [];
        for (const spec of SERVERS) running.push(await startServer(node.bin, spec.name, spec.code));
        const version = running[0]?.node ?? '?';
        const byName = new Map<ServerName, Row>();
        for (const server of running) {
          const row: Row = {
            node: `${node.label} (${version})`,
            direction,
            server: server.name,
            mbPerSecond: [],
            cpuSecondsPerGiB: [],
            idleRssBytes: statusBytes(server.pid, 'VmRSS'),
            peakRssBytes: 0,
          };
          byName.set(server.name, row);
          rows.push(row);
          // Warm-up (JIT, socket buffers): 1/8 of the size, not counted.
          await transfer(server, direction, warmUpBytes, warmUpFile);
        }
        for (let round = 0; round < options.rounds; round++) {
          const order = round % 2 === 0 ? running : [...running].reverse();
          for (const server of order) {
            const sample = await transfer(server, direction, options.bytes, uploadFile);
            const row = byName.get(server.name) as Row;
            row.mbPerSecond.push(sample.mbPerSecond);
            row.cpuSecondsPerGiB.push(sample.serverCpuSeconds / (options.bytes / 2 ** 30));
            process.stderr.write(`${row.node} ${direction} round ${round + 1} ${server.name}: ${sample.mbPerSecond.toFixed(0)} MB/s, server CPU ${sample.serverCpuSeconds.toFixed(2)} s\n`);
          }
        }
        for (const server of running) {
          (byName.get(server.name) as Row).peakRssBytes = statusBytes(server.pid, 'VmHWM');
          await stopServer(server);
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const loadAfter = loadAverage();
  writeFileSync(options.out, report(rows, options, { loadBefore, loadAfter, seconds: (Date.now() - started) / 1000 }));
  process.stderr.write(`wrote ${options.out}\n`);
}

function report(rows: readonly Row[], options: Options, run: { loadBefore: string; loadAfter: string; seconds: number }): string {
  const mib = options.bytes / 1024 / 1024;
  const curl = (execFileSync('curl', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '').split(' ').slice(0, 2).join(' ');
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'latin1').trim();
  const lines: string[] = [];
  lines.push('# Streaming throughput: rawhttp vs node:http');
  lines.push('');
  lines.push(`${mib} MiB per transfer through a handler (upload: the handler consumes \`req.body\` / \`req\` with a`);
  lines.push(`'data' listener; download: the handler writes 64 KiB pieces through \`res.stream()\` / \`res\`, waiting`);
  lines.push(`for 'drain' whenever \`write()\` returns false, with Content-Length). Server pinned to CPU 0`);
  lines.push('(`taskset -c 0`), curl pinned to CPU 1 (`taskset -c 1`); upload = `curl -T file -H "Expect:"`,');
  lines.push(`download = \`curl -o /dev/null\`. ${options.rounds} rounds, alternating which server goes first, after`);
  lines.push('one uncounted warm-up each; fresh servers per direction, so peak RSS (VmHWM) belongs to one direction.');
  lines.push('MB/s = 10^6 bytes per second of curl\'s `time_total`; figures are medians (min–max in brackets).');
  lines.push('Server CPU = user + system seconds the server process spent per GiB (steadier than MB/s on a busy');
  lines.push('machine: the transfer rate also depends on curl and the kernel). Peak RSS = VmHWM after all rounds');
  lines.push('(in brackets: VmRSS of the idle server before the first transfer).');
  lines.push('');
  lines.push('| Node | direction | rawhttp MB/s | node:http MB/s | ratio | rawhttp CPU s/GiB | node:http CPU s/GiB | rawhttp peak RSS | node:http peak RSS |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  const fmt = (values: readonly number[], digits: number): string =>
    `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
  const mibOf = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
  const rss = (row: Row): string => `${mibOf(row.peakRssBytes)} (${mibOf(row.idleRssBytes)})`;
  for (let i = 0; i + 1 < rows.length; i += 2) {
    const raw = rows[i] as Row;
    const http = rows[i + 1] as Row;
    const ratio = median(raw.mbPerSecond) / median(http.mbPerSecond);
    lines.push(
      `| ${raw.node} | ${raw.direction} | ${fmt(raw.mbPerSecond, 0)} | ${fmt(http.mbPerSecond, 0)} | ${ratio.toFixed(2)} | ${fmt(raw.cpuSecondsPerGiB, 2)} | ${fmt(http.cpuSecondsPerGiB, 2)} | ${rss(raw)} | ${rss(http)} |`,
    );
  }
  lines.push('');
  lines.push('Every round, in order (MB/s):');
  lines.push('');
  for (const row of rows) lines.push(`- ${row.node} ${row.direction} ${row.server}: ${row.mbPerSecond.map((v) => v.toFixed(0)).join(', ')}`);
  lines.push('');
  lines.push('## Environment');
  lines.push('');
  lines.push(`- ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${kernel}, ${curl}`);
  lines.push(`- load average before / after: ${run.loadBefore} / ${run.loadAfter} (a shared machine: other jobs may add noise); run took ${run.seconds.toFixed(0)} s`);
  lines.push('');
  lines.push('## Command');
  lines.push('');
  lines.push('```sh');
  lines.push(`npm run build && $(scripts/node24.sh) bench/stream.ts --rounds ${options.rounds} --mib ${mib}`);
  lines.push('```');
  lines.push('');
  return `${lines.join('\n')}\n`;
}

await main();
