// Renders bench/results.json into bench/RESULTS.md (tables per Node version)
// and bench/results.svg (a hand-drawn bar chart of rawhttp ÷ node:http per
// scenario, log scale, ceiling and goal marked). No charting library.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXPECTED_SERVER_ERRORS,
  median,
  SCENARIOS,
  SERVER_LABELS,
  SERVERS,
  type NodeSection,
  type ParseSection,
  type ResultsFile,
  type RunResult,
  type Scenario,
  type ScenarioResult,
  type ServerId,
} from './scenarios.ts';

/** Reads bench/results.json, or an empty store. */
export function loadResults(bench: string): ResultsFile {
  const file = join(bench, 'results.json');
  if (!existsSync(file)) return { load: {}, parse: {} };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ResultsFile>;
  return { load: parsed.load ?? {}, parse: parsed.parse ?? {} };
}

/** Writes results.json, RESULTS.md and results.svg from `results`. */
export function saveAndRender(bench: string, results: ResultsFile): void {
  writeFileSync(join(bench, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(join(bench, 'RESULTS.md'), renderMarkdown(results));
  writeFileSync(join(bench, 'results.svg'), renderSvg(results));
}

// Sections sorted by Node major version.
function byNodeVersion<T extends { node: string }>(record: Record<string, T>): T[] {
  const major = (v: string): number => Number(v.replace(/^v/, '').split('.')[0]);
  return Object.values(record).sort((a, b) => major(a.node) - major(b.node));
}

function metric(scenario: Scenario, run: RunResult): number {
  return scenario.unit === 'MiB/s' ? run.mibPerSec : run.requestsPerSec;
}

/** Summary of one scenario on one Node version. */
interface ScenarioSummary {
  readonly scenario: Scenario;
  readonly result: ScenarioResult;
  /** Metric values per server, per round (NaN for a failed run). */
  readonly values: Record<string, number[]>;
  /** Paired per-round ratios X ÷ node:http. */
  readonly ratios: Record<string, number[]>;
  /** Paired per-round server CPU per request, node:http ÷ X (> 1: X spends less CPU per request). */
  readonly cpuRatios: Record<string, number[]>;
}

// Server CPU per request (µs), or NaN.
function cpuPerRequestUs(run: RunResult | undefined, durationSec: number): number {
  if (run === undefined || !run.ok || !(run.requestsPerSec > 0)) return Number.NaN;
  return (run.cpuSec * 1e6) / (run.requestsPerSec * durationSec);
}

function summarise(scenario: Scenario, result: ScenarioResult): ScenarioSummary {
  const values: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  for (const id of SERVERS) values[id] = result.rounds.map((runs) => {
    const run = runs.find((r) => r.server === id);
    return run?.ok === true ? metric(scenario, run) : Number.NaN;
  });
  const cpuRatios: Record<string, number[]> = {};
  const base = values['node-http'] ?? [];
  for (const id of SERVERS) {
    if (id === 'node-http') continue;
    ratios[id] = (values[id] ?? []).map((v, i) => v / (base[i] ?? Number.NaN)).filter((r) => Number.isFinite(r));
    cpuRatios[id] = result.rounds
      .map((runs) => cpuPerRequestUs(runs.find((r) => r.server === 'node-http'), result.durationSec) / cpuPerRequestUs(runs.find((r) => r.server === id), result.durationSec))
      .filter((r) => Number.isFinite(r) && r > 0);
  }
  return { scenario, result, values, ratios, cpuRatios };
}

function summaries(section: NodeSection): ScenarioSummary[] {
  return SCENARIOS.filter((s) => section.scenarios[s.id] !== undefined).map((s) => summarise(s, section.scenarios[s.id] as ScenarioResult));
}

const finite = (xs: readonly number[]): number[] => xs.filter((x) => Number.isFinite(x));

function rate(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '—';
}

function ms(us: number): string {
  return Number.isFinite(us) ? `${(us / 1000).toFixed(2)}` : 'n/a';
}

function medianMinMax(xs: readonly number[], format: (x: number) => string): string {
  const ok = finite(xs);
  if (ok.length === 0) return '—';
  return `${format(median(ok))} [${format(Math.min(...ok))}–${format(Math.max(...ok))}]`;
}

function foreign(result: ScenarioResult): string {
  const values = finite(result.rounds.flat().map((r) => r.foreignCore0Pct ?? Number.NaN));
  return values.length === 0 ? '—' : `${median(values).toFixed(0)}% (max ${Math.max(...values).toFixed(0)}%)`;
}

function runsOf(result: ScenarioResult, id: ServerId): RunResult[] {
  return result.rounds.map((runs) => runs.find((r) => r.server === id)).filter((r): r is RunResult => r !== undefined);
}

function renderLoadSection(section: NodeSection): string {
  const list = summaries(section);
  const lines: string[] = [];
  lines.push(`## Load — Node ${section.node}`, '');
  const commands = [...new Set(list.map((s) => s.result.command))];
  const dates = list.map((s) => s.result.date).sort();
  const first = list[0]?.result;
  lines.push(`- Command: ${commands.map((c) => `\`${c}\``).join(', ')}`);
  lines.push(`- Date: ${dates[0]?.slice(0, 16).replace('T', ' ') ?? '?'} – ${dates.at(-1)?.slice(0, 16).replace('T', ' ') ?? '?'} UTC`);
  lines.push(`- Driver: ${section.driver}; machine: ${section.machine}`);
  if (first !== undefined) {
    lines.push(`- Each run: a fresh server process on core 0, ${first.warmupSec} s warm-up (discarded) then ${first.durationSec} s measured; ${first.rounds.length} rounds, servers alternated ${SERVERS.map((s) => SERVER_LABELS[s]).join(' → ')} in every round.`);
  }
  lines.push('');
  lines.push(
    'Ratios are paired per round (X ÷ node:http measured in the same round): median [min–max], then every round. ' +
      '"CPU/req" is node:http\'s server CPU per request ÷ rawhttp\'s (> 1: rawhttp spends less CPU per request); it is steadier than throughput when the shared machine is busy. ' +
      '"foreign@core0" is how busy the server\'s core was with other work during the run (median over runs; high = disturbed).',
    '',
  );
  lines.push('| scenario | unit | node:http | rawhttp | **rawhttp ÷ node:http** | per round | ceiling ÷ node:http | CPU/req node:http ÷ rawhttp | goal | goal met | foreign@core0 |');
  lines.push('|---|---|--:|--:|--:|---|--:|--:|--:|:-:|--:|');
  for (const s of list) {
    const raw = s.ratios['rawhttp'] ?? [];
    const ceiling = s.ratios['ceiling'] ?? [];
    const medianRatio = raw.length > 0 ? median(raw) : Number.NaN;
    const met = Number.isFinite(medianRatio) ? (medianRatio >= s.scenario.goal ? 'yes' : 'no') : '—';
    lines.push(
      `| ${s.scenario.title} | ${s.scenario.unit} | ${rate(median(finite(s.values['node-http'] ?? [])))} | ${rate(median(finite(s.values['rawhttp'] ?? [])))} | **${medianMinMax(raw, ratio)}** | ${raw.map(ratio).join(' ') || '—'} | ${medianMinMax(ceiling, ratio)} | ${medianMinMax(s.cpuRatios['rawhttp'] ?? [], ratio)} | ${s.scenario.goal}× | ${met} | ${foreign(s.result)} |`,
    );
  }
  lines.push('');
  lines.push('<details><summary>Per-server detail: throughput median [min–max], latency, server CPU and memory</summary>', '');
  lines.push('| scenario | server | req/s | MiB/s | p50 ms | p99 ms | server CPU µs/req | server CPU % | foreign@core0 % | peak RSS MiB | GC pause ms/s | longest GC pause ms | driver errors |');
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const s of list) {
    for (const id of SERVERS) {
      const runs = runsOf(s.result, id).filter((r) => r.ok);
      if (runs.length === 0) continue;
      const p50 = runs.map((r) => r.p50Us ?? Number.NaN);
      const p99 = runs.map((r) => r.p99Us ?? Number.NaN);
      const cpuPerReq = runs.map((r) => cpuPerRequestUs(r, s.result.durationSec));
      const foreignPct = runs.map((r) => r.foreignCore0Pct ?? Number.NaN);
      const cpuPct = runs.map((r) => (100 * r.cpuSec) / s.result.durationSec);
      const errors = runs.reduce((n, r) => n + r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout, 0);
      const gcPerSec = finite(runs.map((r) => (r.gc?.pauseMs ?? Number.NaN) / s.result.durationSec));
      const gcMax = finite(runs.map((r) => r.gc?.maxPauseMs ?? Number.NaN));
      lines.push(
        `| ${s.scenario.id} | ${SERVER_LABELS[id]} | ${medianMinMax(runs.map((r) => r.requestsPerSec), rate)} | ${rate(median(runs.map((r) => r.mibPerSec)))} | ${ms(median(finite(p50)))} | ${ms(median(finite(p99)))} | ${median(finite(cpuPerReq)).toFixed(1)} | ${median(finite(cpuPct)).toFixed(0)} | ${finite(foreignPct).length > 0 ? median(finite(foreignPct)).toFixed(0) : '—'} | ${(median(finite(runs.map((r) => r.peakRssKiB))) / 1024).toFixed(0)} | ${gcPerSec.length > 0 ? median(gcPerSec).toFixed(1) : '—'} | ${gcMax.length > 0 ? median(gcMax).toFixed(1) : '—'} | ${errors} |`,
      );
    }
  }
  lines.push('', '</details>', '');
  const problems: string[] = [];
  for (const s of list) {
    for (const runs of s.result.rounds) {
      for (const run of runs) {
        for (const problem of run.problems) problems.push(`- ${s.scenario.id} · ${SERVER_LABELS[run.server]} · round ${run.round}${run.ok ? '' : ' (FAILED)'}: ${problem.replace(/\|/g, '\\|')}`);
      }
    }
  }
  const expected: Record<string, number> = {};
  for (const s of list) {
    for (const runs of s.result.rounds) {
      for (const run of runs) {
        for (const [key, n] of Object.entries(run.serverErrors ?? {})) {
          if (EXPECTED_SERVER_ERRORS.includes(key)) expected[`${SERVER_LABELS[run.server]} ${key}`] = (expected[`${SERVER_LABELS[run.server]} ${key}`] ?? 0) + n;
        }
      }
    }
  }
  lines.push(`<details><summary>Anomalies: probe failures, crashes, driver errors, server error reports (${problems.length})</summary>`, '');
  lines.push(problems.length > 0 ? problems.join('\n') : 'None.');
  const expectedList = Object.entries(expected).map(([k, v]) => `${k} ×${v}`);
  if (expectedList.length > 0) lines.push('', `Expected and not counted as anomalies (clients cut off when wrk stops, all rounds): ${expectedList.join(', ')}.`);
  lines.push('', '</details>', '');
  return lines.join('\n');
}

function renderParseSection(section: ParseSection): string {
  const ids = Object.keys(section.parsers);
  const others = ids.filter((id) => id !== 'rawhttp' && id !== 'rawhttp-strings');
  const lines: string[] = [];
  lines.push(`## Parser micro-benchmarks — Node ${section.node}`, '');
  lines.push(`- Command: \`${section.command}\`; date ${section.date.slice(0, 16).replace('T', ' ')} UTC`);
  lines.push(`- tinybench, ${section.timeMsPerTask} ms per task per pass, ${section.passes} passes (median ops/s shown; ratios are per pass, median [min–max]). One op = one whole request: head (+ framing) and body.`);
  for (const id of ids) lines.push(`- \`${id}\`: ${section.parsers[id] ?? ''}`);
  lines.push('');
  const header = ['corpus entry', 'bytes', ...ids.map((id) => `${id} ops/s (ns/req)`), ...others.map((id) => `rawhttp ÷ ${id}`)];
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(`|${header.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`);
  for (const row of section.rows) {
    const cells = ids.map((id) => {
      const ops = row.opsPerSec[id] ?? Number.NaN;
      return `${rate(ops)} (${Number.isFinite(ops) ? Math.round(1e9 / ops) : '—'})`;
    });
    const ratios = others.map((id) => `**${medianMinMax(row.passRatios[id] ?? [], ratio)}**`);
    lines.push(`| ${row.entry} | ${row.bytes} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}

/** RESULTS.md: one load section and one parser section per Node version. */
export function renderMarkdown(results: ResultsFile): string {
  const lines: string[] = [];
  lines.push('# rawhttp benchmark results', '');
  lines.push('Generated by `bench/load.ts` (`npm run bench`) and `bench/parse.bench.ts` (`npm run bench:parse`) from `bench/results.json`; do not edit by hand.', '');
  lines.push(
    'Every number is relative: rawhttp against `node:http` on the same Node, in the same run, on the same 2-core machine (server pinned to core 0 with `taskset`, wrk to core 1, loopback). ' +
      'The **ceiling** is a `node:net` server that only counts `\\r\\n\\r\\n` and writes canned responses: the upper bound of JavaScript on `net.Socket`, not an HTTP server. ' +
      'Latency is wrk\'s (`--latency`, with its coordinated-omission correction); wrk cannot measure latency with pipelining (wg/wrk#236), so it is n/a there.',
    '',
  );
  lines.push('![rawhttp ÷ node:http per scenario](results.svg)', '');
  lines.push(
    'Reading notes:',
    '',
    '- The machine is shared: `foreign@core0` shows how much of the server\'s core other work took during a run. The harness waits for a quiet machine (`--quiet-wait`) and repeats a run whose core 0 was more than `--max-foreign` % busy (`--retries`), keeping the least disturbed attempt; ratios from rounds with high foreign load are less trustworthy, and CPU/req is the steadier comparison then.',
    '- 1 000 connections: wrk opens all sockets at once, and Node (libuv) accepts one connection per event-loop iteration (strace: one `accept4` per `epoll_pwait`). Once the server is busy, an iteration serves ~550 ready sockets and takes ~10 ms, so the rest of the burst leaves the accept queue at ~100 connections/s and their first requests wait seconds: that is the p99 of seconds (and wrk\'s > 2 s timeouts) for every server here, the ceiling included when it loses the race. node:http listens with Node\'s default backlog (511), which the burst also overflows (`ListenOverflows` rises; those clients wait out a retransmission); rawhttp and the ceiling listen with the kernel\'s limit (somaxconn, 4096), so nothing overflows, and when the burst is accepted before the load builds their p99 is tens of ms — which server wins that race changes from run to run (p99 18 ms for the ceiling and 2.4 s for rawhttp in one Node 24 run, the reverse in another). Compare throughput and CPU/req there.',
    "- Connection: close: here the driver can be the bottleneck. One wrk thread opens and closes a connection per request and spends ~90 % of core 1 doing it, mostly in the kernel, at 16–20 k connections/s; Node 24's node:http already comes close to that, so on Node 24 the req/s ratio is bounded by wrk, not by the servers. The server CPU % column (below 100 for rawhttp) and CPU/req show the margin then.",
    '- Pipelined ×16: p50/p99 are n/a because wrk records one latency per batch and its correction then corrupts the percentiles (wg/wrk#236).',
    '- Peak RSS is VmHWM of the server process, warm-up included; CPU is utime+stime from `/proc/<pid>/stat` over the measured window.',
    '- GC: the server\'s garbage-collection pauses in the measured window (`PerformanceObserver` \'gc\' entries, median over rounds): total pause per second of load, and the longest single pause. The young generation of Node 24 keeps growing for several seconds under load, so a 5 s window includes some of that warm-up; long pauses are what the p99 of a scenario can show.',
    '',
  );
  const loads = byNodeVersion(results.load);
  const parses = byNodeVersion(results.parse);
  for (const section of loads) lines.push(renderLoadSection(section));
  for (const section of parses) lines.push(renderParseSection(section));
  if (loads.length === 0 && parses.length === 0) lines.push('No results yet: run `npm run bench` and `npm run bench:parse`.', '');
  return lines.join('\n');
}

// --- SVG chart -------------------------------------------------------------

const COLORS = ['#2b6cb0', '#dd6b20', '#2f855a', '#805ad5'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** results.svg: grouped bars (one per Node version) of rawhttp ÷ node:http, log2 scale around 1. */
export function renderSvg(results: ResultsFile): string {
  const sections = byNodeVersion(results.load);
  const groups = SCENARIOS.filter((s) => sections.some((sec) => sec.scenarios[s.id] !== undefined));
  const width = 980;
  const height = 540;
  const left = 70;
  const right = 20;
  const top = 70;
  const bottom = 128;
  const plotW = width - left - right;
  const plotH = height - top - bottom;

  type Bar = { ratio: number; lo: number; hi: number; ceiling: number };
  const bars: Array<Array<Bar | null>> = groups.map((scenario) =>
    sections.map((section) => {
      const result = section.scenarios[scenario.id];
      if (result === undefined) return null;
      const s = summarise(scenario, result);
      const raw = s.ratios['rawhttp'] ?? [];
      const ceiling = s.ratios['ceiling'] ?? [];
      if (raw.length === 0) return null;
      return { ratio: median(raw), lo: Math.min(...raw), hi: Math.max(...raw), ceiling: ceiling.length > 0 ? median(ceiling) : Number.NaN };
    }),
  );
  const all = bars.flat().flatMap((b) => (b === null ? [] : [b.ratio, b.lo, b.hi, b.ceiling])).concat(groups.map((g) => g.goal)).filter((x) => Number.isFinite(x) && x > 0);
  const minExp = Math.min(-1, Math.floor(Math.log2(Math.min(1, ...all))));
  const maxExp = Math.max(1, Math.ceil(Math.log2(Math.max(1, ...all))));
  const y = (value: number): number => top + plotH - ((Math.log2(value) - minExp) / (maxExp - minExp)) * plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="26" font-size="17" font-weight="600">rawhttp throughput ÷ node:http, per scenario (log scale)</text>`);
  out.push(
    `<text x="${left}" y="46" fill="#555">Same Node, same run, paired per round: bar = median, whisker = min–max over rounds. 1.0 = node:http. Server on core 0, wrk on core 1.</text>`,
  );
  // Grid and axis.
  for (let e = minExp; e <= maxExp; e++) {
    const value = 2 ** e;
    const yy = y(value);
    out.push(`<line x1="${left}" x2="${width - right}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="${e === 0 ? '#222' : '#e2e2e2'}" stroke-width="${e === 0 ? 1.5 : 1}"/>`);
    out.push(`<text x="${left - 8}" y="${(yy + 4).toFixed(1)}" text-anchor="end" fill="#444">${value >= 1 ? value : value.toFixed(value >= 0.25 ? 2 : 3)}×</text>`);
  }
  out.push(`<text x="${left + 4}" y="${(y(1) + 14).toFixed(1)}" fill="#222" font-size="11">node:http = 1.0</text>`);

  const groupW = plotW / Math.max(1, groups.length);
  const barW = Math.min(46, (groupW * 0.62) / Math.max(1, sections.length));
  groups.forEach((scenario, g) => {
    const x0 = left + g * groupW + (groupW - barW * sections.length) / 2;
    const goalY = y(scenario.goal);
    out.push(
      `<line x1="${(x0 - 8).toFixed(1)}" x2="${(x0 + barW * sections.length + 8).toFixed(1)}" y1="${goalY.toFixed(1)}" y2="${goalY.toFixed(1)}" stroke="#c53030" stroke-width="1.5" stroke-dasharray="2 3"/>`,
    );
    sections.forEach((_, k) => {
      const bar = bars[g]?.[k] ?? null;
      if (bar === null) return;
      const x = x0 + k * barW;
      const y1 = y(1);
      const yv = y(bar.ratio);
      const color = COLORS[k % COLORS.length] ?? '#333';
      out.push(
        `<rect x="${(x + 2).toFixed(1)}" y="${Math.min(y1, yv).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${Math.max(1, Math.abs(yv - y1)).toFixed(1)}" fill="${color}" fill-opacity="0.85"><title>${escapeXml(`${scenario.title}, ${sections[k]?.node ?? ''}: ${bar.ratio.toFixed(2)}× (rounds ${bar.lo.toFixed(2)}–${bar.hi.toFixed(2)})`)}</title></rect>`,
      );
      const cx = x + barW / 2;
      out.push(`<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${y(bar.lo).toFixed(1)}" y2="${y(bar.hi).toFixed(1)}" stroke="#111" stroke-width="1.2"/>`);
      for (const v of [bar.lo, bar.hi]) out.push(`<line x1="${(cx - 4).toFixed(1)}" x2="${(cx + 4).toFixed(1)}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#111" stroke-width="1.2"/>`);
      // The bar's value sits under the plot, in its colour: never overlapped.
      out.push(`<text x="${cx.toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" font-size="12" font-weight="700" fill="${color}">${bar.ratio.toFixed(2)}×</text>`);
      if (Number.isFinite(bar.ceiling)) {
        const cy = y(bar.ceiling);
        out.push(`<line x1="${(x + 1).toFixed(1)}" x2="${(x + barW - 1).toFixed(1)}" y1="${cy.toFixed(1)}" y2="${cy.toFixed(1)}" stroke="#111" stroke-width="3"/>`);
        const clear = y(bar.hi) - cy > 14 || cy > y(bar.hi);
        const labelY = clear ? cy - 5 : Math.min(cy, y(bar.hi)) - 5;
        out.push(`<text x="${cx.toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="10" fill="#333">${bar.ceiling.toFixed(1)}</text>`);
      }
    });
    const labelX = left + g * groupW + groupW / 2;
    out.push(`<text x="${labelX.toFixed(1)}" y="${top + plotH + 36}" text-anchor="middle" font-weight="600">${escapeXml(scenario.chartLabel[0])}</text>`);
    out.push(`<text x="${labelX.toFixed(1)}" y="${top + plotH + 52}" text-anchor="middle" fill="#555">${escapeXml(scenario.chartLabel[1])}</text>`);
    out.push(`<text x="${labelX.toFixed(1)}" y="${top + plotH + 68}" text-anchor="middle" fill="#777" font-size="11">${scenario.unit}, goal ${scenario.goal}×</text>`);
  });

  // Legend.
  const legendY = height - 22;
  let lx = left;
  sections.forEach((section, k) => {
    out.push(`<rect x="${lx}" y="${legendY - 10}" width="14" height="12" fill="${COLORS[k % COLORS.length] ?? '#333'}" fill-opacity="0.85"/>`);
    out.push(`<text x="${lx + 20}" y="${legendY}">rawhttp on Node ${escapeXml(section.node)}</text>`);
    lx += 200;
  });
  out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="#111" stroke-width="3"/>`);
  out.push(`<text x="${lx + 28}" y="${legendY}">raw-socket ceiling ÷ node:http</text>`);
  lx += 290;
  out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="#c53030" stroke-width="1.5" stroke-dasharray="2 3"/>`);
  out.push(`<text x="${lx + 28}" y="${legendY}">goal (issue #3)</text>`);
  if (groups.length === 0) out.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#777">no load results yet</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
