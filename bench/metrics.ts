// The cost of rawhttp's built-in metrics, and serving on several cores
// (issue 6). Writes bench/RESULTS-metrics.md and bench/results-metrics.json.
//
// 1. Hello-world keep-alive with metrics on vs off, on Node 20 and 24:
//    paired (both servers at once on core 0, one wrk each on core 1), then
//    alternating (a fresh server per run on core 0, wrk on core 1, on/off
//    then off/on) for --rounds rounds; disturbed runs are repeated.
// 2. Node 24 only (serveWorkers needs reusePort): serveWorkers with 2
//    workers vs one rawhttp thread vs node:cluster running node:http with 2
//    workers, rotated for --rounds rounds.
// 3. In-process: nanoseconds of metrics work per request (start + finish).
//
//   npm run bench:metrics -- [--duration 5] [--rounds 5] [--warmup 1] [--connections 50]
//                            [--node20 <path>] [--node24 <path>] [--skip-workers] [--quiet-wait 90]

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startReady, type ReadyProcess } from './ready.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    node20: { type: 'string', default: process.execPath },
    node24: { type: 'string', default: '' },
    'skip-workers': { type: 'boolean', default: false },
    'max-foreign': { type: 'string', default: '15' },
    'quiet-wait': { type: 'string', default: '90' },
    retries: { type: 'string', default: '2' },
  },
});

// Compiled to bench/out/bench/metrics.js; the sources live beside this file.
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, HERE.includes(`${join('bench', 'out')}`) ? '../../..' : '..');
const BENCH = join(ROOT, 'bench');
const durationSec = Number(values.duration);
const warmupSec = Number(values.warmup);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const maxForeignPct = Number(values['max-foreign']);
const quietWaitSec = Number(values['quiet-wait']);
const retries = Number(values.retries);
const READY_TIMEOUT_MS = 15_000;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
// Servers still running, stopped if this harness is interrupted.
const running = new Set<() => Promise<void>>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.all([...running].map((stop) => stop())).then(() => process.exit(130));
  });
}

if (!(durationSec > 0) || !(rounds >= 1) || !(warmupSec >= 0) || !(connections >= 1)) throw new Error('--duration, --rounds, --connections must be positive');

function which(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}
if (which('wrk') === null) throw new Error('wrk is not installed: apt-get install -y wrk');
if (which('taskset') === null) throw new Error('taskset is not installed (util-linux)');

function node24Path(): string {
  if (values.node24 !== '') return values.node24;
  const out = spawnSync(join(ROOT, 'scripts', 'node24.sh'), { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`scripts/node24.sh failed: ${out.stderr}`);
  return out.stdout.trim();
}

function nodeVersion(node: string): string {
  return spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
}

/** Starts `script` under `node`, pinned to `cores`, and waits for its readiness line. */
function startServer(node: string, script: string, args: readonly string[], cores: string): Promise<ReadyProcess> {
  return startReady('taskset', ['-c', cores, node, join(BENCH, script), ...args], ROOT, script, READY_TIMEOUT_MS);
}

interface WrkResult {
  readonly rps: number;
  readonly errors: number;
  readonly p50us: number;
  readonly p99us: number;
}

/** Runs wrk on core 1 against port for `seconds`. */
function runWrk(port: number, seconds: number, conns: number): Promise<WrkResult> {
  return new Promise((done, fail) => {
    const args = ['-c', '1', 'wrk', '-t1', `-c${conns}`, `-d${seconds}s`, '--timeout', '4s', '-s', join(BENCH, 'wrk', 'bench.lua'), `http://127.0.0.1:${port}/`];
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRK_METHOD: 'GET', WRK_PATH: '/' } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (out += text));
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000);
    child.once('close', () => {
      clearTimeout(killer);
      const line = out.split('\n').find((l) => l.startsWith('DRIVER_JSON '));
      if (line === undefined) return fail(new Error(`wrk printed no DRIVER_JSON: ${out.slice(-2000)}`));
      const report = JSON.parse(line.slice('DRIVER_JSON '.length)) as {
        requests: number;
        duration_us: number;
        errors: Record<string, number>;
        latency_us: { p50: number; p99: number };
      };
      const errors = Object.values(report.errors).reduce((a, b) => a + b, 0);
      done({ rps: report.requests / (report.duration_us / 1e6), errors, p50us: report.latency_us.p50, p99us: report.latency_us.p99 });
    });
  });
}

/** Busy and total jiffies per CPU from /proc/stat. */
function cpuTimes(): Array<{ busy: number; total: number }> {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      const fields = line.trim().split(/\s+/).slice(1).map(Number);
      const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
      const total = fields.reduce((a, b) => a + b, 0);
      return { busy: total - idle, total };
    });
}

/** CPU jiffies used so far by process `pid` (all its threads). */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Waits (up to --quiet-wait seconds) until the machine's cores are mostly idle: others share it. */
async function waitQuiet(): Promise<void> {
  for (let i = 0; i < quietWaitSec; i++) {
    const before = cpuTimes();
    await sleep(1000);
    const after = cpuTimes();
    const busiest = Math.max(...after.map((t, c) => ((t.busy - (before[c]?.busy ?? 0)) / Math.max(1, t.total - (before[c]?.total ?? 0))) * 100));
    if (busiest < 20) return;
  }
}

interface Measured extends WrkResult {
  /** Share of core 0 used by something other than the server during the run, %. */
  readonly foreignPct: number;
  /** CPU time the server process (all its threads) used during the measured run. */
  readonly serverCpuSec: number;
  /**
   * Requests per second of server CPU: the server's efficiency, which other
   * work on a shared machine disturbs far less than raw req/s.
   */
  readonly perCpuSec: number;
}

/** One measured run: fresh server, warm-up, then wrk for --duration; repeated when core 0 was disturbed. */
async function measure(node: string, script: string, args: readonly string[], cores: string, conns: number, accountCore0: boolean): Promise<Measured> {
  let best: Measured | null = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    await waitQuiet();
    const server = await startServer(node, script, args, cores);
    running.add(server.stop);
    try {
      if (warmupSec > 0) await runWrk(server.port, warmupSec, conns);
      const cpuBefore = cpuTimes()[0];
      const ticksBefore = processTicks(server.pid);
      const result = await runWrk(server.port, durationSec, conns);
      const cpuAfter = cpuTimes()[0];
      const ticks = processTicks(server.pid) - ticksBefore;
      let foreignPct = 0;
      if (accountCore0 && cpuBefore !== undefined && cpuAfter !== undefined) {
        const total = cpuAfter.total - cpuBefore.total;
        foreignPct = Math.max(0, ((cpuAfter.busy - cpuBefore.busy - ticks) / Math.max(1, total)) * 100);
      }
      const serverCpuSec = ticks / CLK_TCK;
      const measured = { ...result, foreignPct, serverCpuSec, perCpuSec: (result.rps * durationSec) / Math.max(serverCpuSec, 1e-9) };
      if (best === null || measured.foreignPct < best.foreignPct) best = measured;
      if (measured.foreignPct <= maxForeignPct) break;
      process.stderr.write(`  (core 0 was ${foreignPct.toFixed(0)}% busy with other work: again)\n`);
    } finally {
      running.delete(server.stop);
      await server.stop();
    }
  }
  if (best === null) throw new Error('no run');
  return best;
}

function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface CostResult {
  readonly node: string;
  readonly on: Measured[];
  readonly off: Measured[];
  /** Per round: 1 - on/off of requests per server CPU second, in %. */
  readonly costPct: number[];
  /** Per round: 1 - on/off of raw requests per second, in %. */
  readonly rawCostPct: number[];
}

async function metricsCost(node: string): Promise<CostResult> {
  const version = nodeVersion(node);
  const on: Measured[] = [];
  const off: Measured[] = [];
  const costPct: number[] = [];
  const rawCostPct: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so drift (thermal, neighbours) does not favour one side.
    const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    const got: Partial<Record<'on' | 'off', Measured>> = {};
    for (const variant of order) {
      got[variant] = await measure(node, join('metrics', 'rawhttp-hello.js'), [variant], '0', connections, true);
      const m = got[variant];
      process.stderr.write(`${version} round ${round + 1} metrics ${variant}: ${Math.round(m.rps)} req/s, ${Math.round(m.perCpuSec)} per CPU-s (foreign ${m.foreignPct.toFixed(1)}%)\n`);
    }
    const a = got.on as Measured;
    const b = got.off as Measured;
    on.push(a);
    off.push(b);
    costPct.push((1 - a.perCpuSec / b.perCpuSec) * 100);
    rawCostPct.push((1 - a.rps / b.rps) * 100);
  }
  return { node: version, on, off, costPct, rawCostPct };
}

interface PairedResult {
  readonly node: string;
  readonly on: number[];
  readonly off: number[];
  /** Per round: 1 - on/off of the concurrent req/s, in %. */
  readonly costPct: number[];
}

/**
 * On and off at the same time: both servers pinned to core 0 (the kernel
 * shares it fairly between them), each driven by its own wrk on core 1 with
 * half the connections. Whatever disturbs the machine disturbs both alike,
 * so the ratio of their req/s is the ratio of their per-request CPU cost.
 * The start order swaps each round.
 */
async function pairedCost(node: string): Promise<PairedResult> {
  const version = nodeVersion(node);
  const result: PairedResult = { node: version, on: [], off: [], costPct: [] };
  const half = Math.max(1, Math.floor(connections / 2));
  for (let round = 0; round < rounds; round++) {
    await waitQuiet();
    const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    const servers: Partial<Record<'on' | 'off', ReadyProcess>> = {};
    try {
      for (const variant of order) {
        const started = await startServer(node, join('metrics', 'rawhttp-hello.js'), [variant], '0');
        running.add(started.stop);
        servers[variant] = started;
      }
      const on = servers.on as ReadyProcess;
      const off = servers.off as ReadyProcess;
      if (warmupSec > 0) await Promise.all([runWrk(on.port, warmupSec, half), runWrk(off.port, warmupSec, half)]);
      const [a, b] = await Promise.all([runWrk(on.port, durationSec, half), runWrk(off.port, durationSec, half)]);
      result.on.push(a.rps);
      result.off.push(b.rps);
      result.costPct.push((1 - a.rps / b.rps) * 100);
      process.stderr.write(`${version} paired round ${round + 1}: on ${Math.round(a.rps)} req/s, off ${Math.round(b.rps)} req/s\n`);
    } finally {
      for (const started of Object.values(servers)) {
        running.delete(started.stop);
        await started.stop();
      }
    }
  }
  return result;
}

type MultiId = 'workers' | 'single' | 'cluster';
const MULTI: Record<MultiId, { label: string; script: string; args: string[] }> = {
  workers: { label: 'rawhttp serveWorkers, 2 worker threads', script: join('metrics', 'workers.js'), args: ['2'] },
  single: { label: 'rawhttp, one thread', script: join('metrics', 'rawhttp-hello.js'), args: ['on'] },
  cluster: { label: 'node:cluster + node:http, 2 workers', script: join('metrics', 'cluster.js'), args: ['2'] },
};

async function multiCore(node: string): Promise<Record<MultiId, Measured[]>> {
  const version = nodeVersion(node);
  const out: Record<MultiId, Measured[]> = { workers: [], single: [], cluster: [] };
  const ids = Object.keys(MULTI) as MultiId[];
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round.
    const order = ids.map((_, i) => ids[(i + round) % ids.length] as MultiId);
    for (const id of order) {
      const spec = MULTI[id];
      // Servers may use both cores; wrk is pinned to core 1 and so shares it with one of them.
      const result = await measure(node, spec.script, spec.args, '0,1', 2 * connections, false);
      out[id].push(result);
      process.stderr.write(`${version} round ${round + 1} ${spec.label}: ${Math.round(result.rps)} req/s\n`);
    }
  }
  return out;
}

interface MicroResult {
  readonly nsPerRequest: number;
  readonly nsPerRequestOff: number;
}

/** Nanoseconds the connection's metrics calls cost per request, measured in-process on the compiled code. */
async function micro(): Promise<MicroResult> {
  const distUrl = (name: string): string => pathToFileURL(join(ROOT, 'dist', name)).href;
  const { Metrics } = (await import(distUrl('metrics.js'))) as typeof import('../lib/metrics.ts');
  const { ServerMetrics, NO_METRICS } = (await import(distUrl('server-metrics.js'))) as typeof import('../lib/server-metrics.ts');
  const socket = { bytesRead: 0, bytesWritten: 0 } as unknown as import('node:net').Socket;
  const run = (recorder: { connectionOpened(s: import('node:net').Socket): { requestStarted(m: string, nowMs: number): void; requestFinished(s: number): void } }): number => {
    const tracker = recorder.connectionOpened(socket);
    const fake = socket as unknown as { bytesRead: number; bytesWritten: number };
    const N = 2_000_000;
    // The start time is the connection's clock reading for the input chunk,
    // taken with or without metrics (deadlines and the Date line use it).
    const chunkClock = performance.now();
    for (let i = 0; i < 200_000; i++) {
      tracker.requestStarted('GET', chunkClock);
      tracker.requestFinished(200);
    }
    const started = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      tracker.requestStarted('GET', chunkClock);
      fake.bytesRead += 40;
      fake.bytesWritten += 120;
      tracker.requestFinished(200);
    }
    return Number(process.hrtime.bigint() - started) / N;
  };
  const on = median([1, 2, 3].map(() => run(new ServerMetrics(new Metrics()))));
  const off = median([1, 2, 3].map(() => run(NO_METRICS)));
  return { nsPerRequest: on, nsPerRequestOff: off };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function report(costs: CostResult[], paired: PairedResult[], multi: { node: string; results: Record<MultiId, Measured[]> } | null, microResult: MicroResult, wrkVersion: string): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines: string[] = [];
  lines.push('# Metrics cost and multi-core serving (issue 6)', '');
  lines.push(`Generated by \`npm run bench:metrics\` (bench/metrics.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpu}, Linux ${release()}, ${wrkVersion}.`);
  lines.push(`Each run is a fresh server process, ${warmupSec} s of warm-up, then ${durationSec} s measured by wrk (1 thread, keep-alive, \`GET /\` → 13-byte hello).`);
  lines.push('The machine is shared with other work: before each run the harness waits for idle cores, and a run whose core 0 was more than');
  lines.push(`${maxForeignPct}% busy with something other than the server is repeated (up to ${retries} times, the least disturbed kept).`, '');
  lines.push('## 1. Built-in metrics on vs off', '');
  lines.push('### Paired: on and off at the same time', '');
  lines.push(`Both servers pinned to core 0 at once (the kernel shares the core fairly between them), each driven by its own wrk on core 1`);
  lines.push(`with ${Math.max(1, Math.floor(connections / 2))} connections; the start order swaps each round. Whatever disturbs the machine disturbs both alike,`);
  lines.push('so the ratio of their req/s is the ratio of their CPU cost per request. This is the figure to read.', '');
  lines.push('| Node | on: req/s (median) | off: req/s (median) | cost per round, % | **cost, median %** |');
  lines.push('|---|---:|---:|---|---:|');
  for (const p of paired) {
    lines.push(`| ${p.node} | ${fmt(median(p.on))} | ${fmt(median(p.off))} | ${p.costPct.map((c) => c.toFixed(1)).join(', ')} | **${median(p.costPct).toFixed(1)}** |`);
  }
  lines.push('');
  lines.push('### Alternating: one server at a time', '');
  lines.push(`Server pinned to core 0 (\`taskset -c 0\`), wrk pinned to core 1, ${connections} connections; on and off alternate (on/off, then off/on) for ${rounds} rounds.`);
  lines.push('"on" is the default server (every connection and request counted, durations timed); "off" is `metrics: false`.');
  lines.push('Cost is measured on **requests per second of server CPU time** (the server process\'s user + system time during the run,');
  lines.push('from /proc): on a machine shared with other work, a neighbour that takes core 0 away lowers req/s of whichever');
  lines.push('variant it lands on, but barely changes how much CPU one request needs. Raw req/s and its cost are shown too.', '');
  lines.push('| Node | on: req/s | off: req/s | raw cost, median % | on: req per CPU-s | off: req per CPU-s | cost per round, % | **cost, median %** |');
  lines.push('|---|---:|---:|---:|---:|---:|---|---:|');
  for (const c of costs) {
    lines.push(
      `| ${c.node} | ${fmt(median(c.on.map((m) => m.rps)))} | ${fmt(median(c.off.map((m) => m.rps)))} | ${median(c.rawCostPct).toFixed(1)} | ` +
        `${fmt(median(c.on.map((m) => m.perCpuSec)))} | ${fmt(median(c.off.map((m) => m.perCpuSec)))} | ${c.costPct.map((p) => p.toFixed(1)).join(', ')} | **${median(c.costPct).toFixed(1)}** |`,
    );
  }
  lines.push('');
  lines.push(`Goal: under 3 %. In-process, the metrics work of one request (start + finish: one clock read at the finish, the method counter, the status class's duration histogram) costs **${microResult.nsPerRequest.toFixed(0)} ns** (${microResult.nsPerRequestOff.toFixed(0)} ns with \`metrics: false\`);`);
  const fastest = Math.max(...costs.map((c) => median(c.off.map((m) => m.perCpuSec))));
  const nsPerRequest = 1e9 / fastest;
  lines.push(`a hello request needs ${(nsPerRequest / 1000).toFixed(1)} µs of server CPU at best (${fmt(fastest)} per CPU-s), so the expected cost is ${(((microResult.nsPerRequest - microResult.nsPerRequestOff) / nsPerRequest) * 100).toFixed(1)} %.`);
  lines.push('Run to run, the same server scatters by up to ±15 % on this shared virtual machine even with core 0 otherwise idle, so single');
  lines.push('alternating rounds swing either way and a few rounds cannot resolve a 3 % effect; the paired runs above can.', '');
  if (multi !== null) {
    lines.push(`## 2. Several cores (${multi.node})`, '');
    lines.push(`Servers may use both cores (\`taskset -c 0,1\`); wrk is pinned to core 1, ${2 * connections} connections, so the load generator shares a core with one worker:`);
    lines.push('on this 2-core machine the multi-worker figures understate what more cores would give. Order rotated each round.', '');
    lines.push('| server | req/s (median) | rounds | vs one rawhttp thread |');
    lines.push('|---|---:|---|---:|');
    const single = median(multi.results.single.map((m) => m.rps));
    for (const id of ['workers', 'single', 'cluster'] as const) {
      const runs = multi.results[id];
      const med = median(runs.map((m) => m.rps));
      lines.push(`| ${MULTI[id].label} | ${fmt(med)} | ${runs.map((m) => fmt(m.rps)).join(', ')} | ${(med / single).toFixed(2)}× |`);
    }
    lines.push('');
  } else {
    lines.push('## 2. Several cores', '', 'Skipped (`--skip-workers`).', '');
  }
  lines.push('## Reproduce', '', '```sh', 'npm run bench:metrics                 # Node 20 (this node) and Node 24 (scripts/node24.sh)', 'npm run bench:metrics -- --rounds 7 --duration 10', '```', '');
  return lines.join('\n');
}

const node20 = values.node20;
const node24 = node24Path();
const wrkOutput = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
const wrkVersion = `wrk ${/wrk\s+(\S+)/.exec(`${wrkOutput.stdout}${wrkOutput.stderr}`)?.[1] ?? '?'}`;
const microResult = await micro();
process.stderr.write(`metrics work per request: ${microResult.nsPerRequest.toFixed(1)} ns (off: ${microResult.nsPerRequestOff.toFixed(1)} ns)\n`);
const paired = [await pairedCost(node20), await pairedCost(node24)];
const costs = [await metricsCost(node20), await metricsCost(node24)];
const multi = values['skip-workers'] ? null : { node: nodeVersion(node24), results: await multiCore(node24) };
writeFileSync(join(BENCH, 'results-metrics.json'), `${JSON.stringify({ date: new Date().toISOString(), micro: microResult, paired, costs, multi }, null, 2)}\n`);
writeFileSync(join(BENCH, 'RESULTS-metrics.md'), report(costs, paired, multi, microResult, wrkVersion));
process.stderr.write('wrote bench/RESULTS-metrics.md and bench/results-metrics.json\n');
