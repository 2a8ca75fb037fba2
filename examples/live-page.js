// The demo's live page: one self-contained HTML document (inline CSS, JS and
// SVG; nothing from outside the server) that polls /metrics.json every
// second and plots requests/s, open connections and latency percentiles.

const CHARTS = [
  { id: 'rps', title: 'Requests per second', unit: 'req/s', series: [{ key: 'rps', label: 'requests/s', colour: '#2563eb' }] },
  { id: 'open', title: 'Open connections', unit: '', series: [{ key: 'open', label: 'open', colour: '#059669' }, { key: 'inFlight', label: 'in flight', colour: '#a3a3a3' }] },
  {
    id: 'latency',
    title: 'Latency (from the duration histogram)',
    unit: 'ms',
    series: [
      { key: 'p50', label: 'p50', colour: '#2563eb' },
      { key: 'p90', label: 'p90', colour: '#d97706' },
      { key: 'p99', label: 'p99', colour: '#dc2626' },
    ],
  },
];

/** Returns the HTML of the live page. */
export function livePage() {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rawhttp — live metrics</title>
<link rel="icon" href="data:,">
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; background: #f3f4f6; }
  body { margin: 0 auto; max-width: 980px; padding: 20px; }
  header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
  h1 { font-size: 22px; margin: 0; }
  #status { color: #6b7280; font-size: 13px; }
  #status.down { color: #dc2626; }
  .card { background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.12); padding: 14px 16px 8px; margin-top: 16px; }
  .head { display: flex; justify-content: space-between; align-items: baseline; }
  .head h2 { font-size: 15px; margin: 0; font-weight: 600; }
  .now { font-size: 22px; font-variant-numeric: tabular-nums; font-weight: 600; }
  .legend { font-size: 12px; color: #4b5563; margin: 4px 0; }
  .legend span { margin-right: 14px; white-space: nowrap; }
  .legend i { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 5px; border-radius: 2px; }
  svg { width: 100%; height: 170px; display: block; }
  .grid { stroke: #e5e7eb; stroke-width: 1; }
  .axis { fill: #6b7280; font-size: 11px; }
  .line { fill: none; stroke-width: 2; stroke-linejoin: round; }
  footer { margin-top: 16px; font-size: 13px; color: #4b5563; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid #2563eb; background: #2563eb; color: #fff; cursor: pointer; }
  button:disabled { opacity: .6; cursor: default; }
  a { color: #2563eb; }
</style>
</head>
<body>
<header><h1>rawhttp — live</h1><span id="status">connecting…</span></header>
${CHARTS.map(
  (chart) => `<section class="card" id="card-${chart.id}">
  <div class="head"><h2>${chart.title}</h2><span class="now" id="now-${chart.id}">–</span></div>
  <div class="legend">${chart.series.map((s) => `<span><i style="background:${s.colour}"></i>${s.label}</span>`).join('')}</div>
  <svg id="chart-${chart.id}" viewBox="0 0 900 170" preserveAspectRatio="none" role="img" aria-label="${chart.title}"></svg>
</section>`,
).join('\n')}
<footer>
  <button id="load">Send 2 000 requests</button>
  <span id="load-status"></span>
  <a href="/metrics">/metrics</a><a href="/metrics.json">/metrics.json</a><a href="/hello">/hello</a>
</footer>
<script>
const CHARTS = ${JSON.stringify(CHARTS)};
const WINDOW_MS = 120000, W = 900, H = 170, LEFT = 44, BOTTOM = 18, TOP = 8;
const NS = 'http://www.w3.org/2000/svg';

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  // Multiples whose quarters are round too: the grid has four steps.
  for (const m of [1, 2, 4, 6, 8, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}
function format(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  const text = unit === 'ms'
    ? (value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1))
    : Math.round(value).toLocaleString('en');
  return unit ? text + ' ' + unit : text;
}
function el(name, attributes, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}
function draw(chart, samples, now) {
  const svg = document.getElementById('chart-' + chart.id);
  let max = 0;
  for (const s of samples) for (const series of chart.series) if (s[series.key] !== null && s[series.key] > max) max = s[series.key];
  max = niceMax(max);
  const x = (t) => LEFT + ((t - (now - WINDOW_MS)) / WINDOW_MS) * (W - LEFT - 4);
  const y = (v) => TOP + (1 - v / max) * (H - TOP - BOTTOM);
  svg.replaceChildren();
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg.append(el('line', { x1: LEFT, x2: W, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(el('text', { x: LEFT - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, format(v, chart.unit === 'ms' ? 'ms' : '').replace(' ms', '')));
  }
  for (const ago of [120, 90, 60, 30, 0]) {
    svg.append(el('text', { x: x(now - ago * 1000), y: H - 4, 'text-anchor': ago === 0 ? 'end' : 'middle', class: 'axis' }, ago === 0 ? 'now' : '-' + ago + ' s'));
  }
  for (const series of chart.series) {
    let d = '';
    let pen = 'M';
    for (const s of samples) {
      const v = s[series.key];
      if (v === null || v === undefined || s.t < now - WINDOW_MS) { pen = 'M'; continue; }
      d += pen + x(s.t).toFixed(1) + ' ' + y(v).toFixed(1) + ' ';
      pen = 'L';
    }
    if (d !== '') svg.append(el('path', { d, class: 'line', stroke: series.colour }));
  }
  const last = samples[samples.length - 1];
  let current = '–';
  if (last !== undefined && chart.id === 'latency') current = 'p50 ' + format(last.p50, 'ms').replace(' ms', '') + ' · p99 ' + format(last.p99, 'ms');
  else if (last !== undefined) current = format(last[chart.series[0].key], chart.unit);
  document.getElementById('now-' + chart.id).textContent = current;
}

async function tick() {
  const status = document.getElementById('status');
  try {
    const response = await fetch('/metrics.json', { cache: 'no-store' });
    const data = await response.json();
    const samples = data.samples;
    const now = samples.length > 0 ? samples[samples.length - 1].t : Date.now();
    for (const chart of CHARTS) draw(chart, samples, now);
    const last = samples[samples.length - 1];
    status.className = '';
    status.textContent = last === undefined
      ? 'waiting for the first sample…'
      : 'updated ' + new Date(last.t).toLocaleTimeString('en-GB') + ' · ' + last.requests.toLocaleString('en') + ' requests served';
  } catch (error) {
    status.className = 'down';
    status.textContent = 'server unreachable: ' + error.message;
  }
}
setInterval(tick, 1000);
tick();

document.getElementById('load').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  const out = document.getElementById('load-status');
  button.disabled = true;
  const started = performance.now();
  let next = 0, done = 0;
  const worker = async () => {
    while (next < 2000) { next++; await (await fetch('/hello', { cache: 'no-store' })).text(); done++; }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  out.textContent = done + ' requests in ' + Math.round(performance.now() - started) + ' ms';
  button.disabled = false;
});
</script>
</body>
</html>
`;
}
