// What a conformance case expects and what a run observed (over a socket or
// through the pure parser/decoder model), and how the two are compared.
// Test support only.

/** What the echo handler reports for an accepted request (the body of its 200 response). */
export interface Echo {
  readonly method: string;
  readonly target: string;
  readonly version: string;
  /** Header fields as received: names in their case, repeats kept, in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The decoded body as latin1 text. */
  readonly body: string;
  readonly bodyLength: number;
  /** Trailer fields of a chunked body, in order. */
  readonly trailers: ReadonlyArray<readonly [string, string]>;
}

/** The parts of an Echo a case checks; an absent property is not checked. */
export interface ExpectedEcho {
  readonly method?: string;
  readonly target?: string;
  readonly version?: '1.0' | '1.1';
  /** Lower-case field name → every value received under that name (any case), in order. [] = absent. */
  readonly headers?: Readonly<Record<string, readonly string[]>>;
  readonly body?: string;
  readonly bodyLength?: number;
  readonly trailers?: ReadonlyArray<readonly [string, string]>;
}

/** A case's expected outcome. */
export interface Expected {
  /** Final statuses in order (1xx excluded); [] = no final response (the server waits for more). */
  readonly statuses: readonly number[];
  /** What the handler saw for each 200 in `statuses`, in order. */
  readonly parsed?: readonly ExpectedEcho[];
  /** Interim (1xx) statuses, checked only when given. */
  readonly interim?: readonly number[];
  /** Whether the server closes the connection; default: true iff the last status is ≥ 400. */
  readonly closes?: boolean;
}

/** What one run produced. */
export interface Observed {
  readonly statuses: readonly number[];
  /** The echo of each final response (null for non-200 or unparsable bodies). */
  readonly echoes: ReadonlyArray<Echo | null>;
  readonly interim: readonly number[];
  readonly closed: boolean;
  /** Anything odd about the run (bytes that are not a response, a socket error). */
  readonly note?: string;
}

/** Returns whether the case expects the server to close the connection. */
export function expectsClose(expected: Expected): boolean {
  if (expected.closes !== undefined) return expected.closes;
  const last = expected.statuses[expected.statuses.length - 1];
  return last !== undefined && last >= 400;
}

function valuesOf(headers: ReadonlyArray<readonly [string, string]>, lowerName: string): string[] {
  return headers.filter(([name]) => name.toLowerCase() === lowerName).map(([, value]) => value);
}

// The fields of `echo` that `want` checks, in a fixed order, as JSON-able values.
function projectEcho(want: ExpectedEcho, echo: Echo | null): unknown {
  if (echo === null) return null;
  const out: Record<string, unknown> = {};
  if (want.method !== undefined) out['method'] = echo.method;
  if (want.target !== undefined) out['target'] = echo.target;
  if (want.version !== undefined) out['version'] = echo.version;
  if (want.headers !== undefined) {
    const headers: Record<string, string[]> = {};
    for (const name of Object.keys(want.headers)) headers[name] = valuesOf(echo.headers, name);
    out['headers'] = headers;
  }
  if (want.body !== undefined) out['body'] = echo.body;
  if (want.bodyLength !== undefined) out['bodyLength'] = echo.bodyLength;
  if (want.trailers !== undefined) out['trailers'] = echo.trailers.map(([name, value]) => [name, value]);
  return out;
}

/**
 * Which close behaviour a comparison checks: 'always' (rawhttp: every
 * rejection closes, per DESIGN.md) or 'explicit' (only where the case says
 * so because the RFC requires it — used for node:http's informational table).
 */
export type CloseRule = 'always' | 'explicit';

function checksClose(expected: Expected, rule: CloseRule): boolean {
  return rule === 'always' || expected.closes !== undefined;
}

function expectedProjection(expected: Expected, rule: CloseRule): unknown {
  const parsed = expected.parsed ?? [];
  const out: Record<string, unknown> = { statuses: [...expected.statuses] };
  if (parsed.length > 0) {
    out['parsed'] = parsed.map((want) => {
      const copy: Record<string, unknown> = {};
      if (want.method !== undefined) copy['method'] = want.method;
      if (want.target !== undefined) copy['target'] = want.target;
      if (want.version !== undefined) copy['version'] = want.version;
      if (want.headers !== undefined) copy['headers'] = Object.fromEntries(Object.entries(want.headers).map(([k, v]) => [k, [...v]]));
      if (want.body !== undefined) copy['body'] = want.body;
      if (want.bodyLength !== undefined) copy['bodyLength'] = want.bodyLength;
      if (want.trailers !== undefined) copy['trailers'] = want.trailers.map(([name, value]) => [name, value]);
      return copy;
    });
  }
  if (expected.interim !== undefined) out['interim'] = [...expected.interim];
  if (checksClose(expected, rule)) out['closes'] = expectsClose(expected);
  return out;
}

/**
 * Returns what `observed` shows of the things `expected` checks (statuses,
 * the checked echo fields of each 200, interim statuses when checked, and
 * whether the server closed), in the shape of the expectation: equal JSON
 * means the run conforms.
 */
export function project(expected: Expected, observed: Observed, rule: CloseRule = 'always'): unknown {
  const parsed = expected.parsed ?? [];
  const out: Record<string, unknown> = { statuses: [...observed.statuses] };
  if (parsed.length > 0) {
    const echoes: unknown[] = [];
    let k = 0;
    observed.statuses.forEach((status, i) => {
      if (status !== 200) return;
      const want = parsed[k++];
      if (want !== undefined) echoes.push(projectEcho(want, observed.echoes[i] ?? null));
    });
    out['parsed'] = echoes;
  }
  if (expected.interim !== undefined) out['interim'] = [...observed.interim];
  if (checksClose(expected, rule)) out['closes'] = observed.closed;
  return out;
}

/** Returns '' when `observed` matches `expected`, else a got/want message. */
export function mismatch(expected: Expected, observed: Observed, rule: CloseRule = 'always'): string {
  const want = JSON.stringify(expectedProjection(expected, rule));
  const got = JSON.stringify(project(expected, observed, rule));
  if (want === got) return '';
  return `got  ${got}\nwant ${want}${observed.note === undefined ? '' : `\nnote ${observed.note}`}`;
}

/** Summarises an observation in one short line for tables. */
export function summarize(observed: Observed): string {
  const statuses = observed.statuses.length === 0 ? 'no response' : observed.statuses.join(',');
  const interim = observed.interim.length > 0 ? ` (1xx ${observed.interim.join(',')})` : '';
  return `${statuses}${interim}${observed.closed ? ' close' : ' open'}`;
}
