// A small, strict parser of the Prometheus text format 0.0.4, written from
// the format's description so the specs can read rawhttp's exposition back
// without trusting rawhttp's own code. Throws on anything malformed.

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family: its HELP, TYPE and samples (histograms: _bucket, _sum, _count). */
export interface ParsedFamily {
  readonly name: string;
  help: string | undefined;
  type: string | undefined;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Parses `text`; the map keeps families in order of first appearance. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const seen = new Set<string>();
  const family = (name: string): ParsedFamily => {
    let found = families.get(name);
    if (found === undefined) {
      found = { name, help: undefined, type: undefined, samples: [] };
      families.set(name, found);
    }
    return found;
  };
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) ([^ ]+) (.*)$/.exec(line);
      if (match === null) return; // a plain comment
      const [, keyword, name = '', rest = ''] = match;
      if (!NAME.test(name) || (NAME.exec(name)?.[0] ?? '') !== name) throw new Error(`${where}: bad metric name`);
      const f = family(name);
      if (keyword === 'HELP') {
        if (f.help !== undefined) throw new Error(`${where}: second HELP`);
        f.help = unescape(rest, false, where);
      } else {
        if (f.type !== undefined) throw new Error(`${where}: second TYPE`);
        if (f.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        f.type = rest;
      }
      return;
    }
    if (line.trim() === '') return;
    const sample = parseSample(line, where);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series`);
    seen.add(key);
    family(familyOf(sample.name, families)).samples.push(sample);
  });
  return families;
}

// A histogram's _bucket/_sum/_count samples belong to the family without the suffix.
function familyOf(name: string, families: Map<string, ParsedFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = families.get(base)?.type;
    if (type === 'histogram' || type === 'summary') return base;
  }
  return name;
}

function parseSample(line: string, where: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) throw new Error(`${where}: no metric name`);
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const label = LABEL.exec(line.slice(i))?.[0];
      if (label === undefined) throw new Error(`${where}: bad label name at ${i}`);
      i += label.length;
      if (line.slice(i, i + 2) !== '="') throw new Error(`${where}: want =" after ${label}`);
      i += 2;
      let raw = '';
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\') {
          raw += line.slice(i, i + 2);
          i += 2;
        } else {
          raw += line[i];
          i++;
        }
      }
      if (line[i] !== '"') throw new Error(`${where}: unterminated label value`);
      i++;
      if (label in labels) throw new Error(`${where}: repeated label ${label}`);
      labels[label] = unescape(raw, true, where);
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`${where}: want , or } at ${i}`);
    }
    i++;
  }
  if (line[i] !== ' ') throw new Error(`${where}: want a space before the value`);
  const fields = line.slice(i + 1).split(' ');
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') throw new Error(`${where}: want value [timestamp]`);
  return { name, labels, value: parseValue(fields[0] as string, where) };
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

// HELP escapes \\ and \n; label values also \".
function unescape(text: string, quotes: boolean, where: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quotes) return '"';
    throw new Error(`${where}: bad escape \\${c}`);
  });
}

/** Sums the samples named `name` whose labels include `match`. */
export function sumSamples(families: Map<string, ParsedFamily>, name: string, match: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const f of families.values()) {
    for (const sample of f.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(match).every(([label, value]) => sample.labels[label] === value)) sum += sample.value;
    }
  }
  return sum;
}
