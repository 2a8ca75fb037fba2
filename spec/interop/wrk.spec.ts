// wrk against rawhttp (issue 8 item 3): 5 s at 100 connections, each write
// a batch of pipelined requests (support/pipeline.lua), so the server keeps
// reading requests while earlier responses are still being written.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Server } from '../../lib/index.ts';
import { ServerPool, type ReportedError } from '../integration/support/server.ts';
import { AcceptCounter } from './support/accepted.ts';
import { describeRun, describeWith, findProgram, run } from './support/programs.ts';

const WRK = findProgram('wrk', 'wrk');
const SCRIPT = fileURLToPath(new URL('./support/pipeline.lua', import.meta.url));
const CONNECTIONS = 100;
const DURATION_S = 5;

describeWith('interop: wrk', [WRK], () => {
  const servers = new ServerPool();
  let server: Server;
  let errors: ReportedError[];
  let counter: AcceptCounter;
  let served = 0;

  beforeAll(async () => {
    ({ server, errors } = await servers.start({}, (req, res) => {
      served++;
      res.header('content-type', 'text/plain').header('x-path', req.path).end('hello from rawhttp\n');
    }));
    counter = new AcceptCounter(server.port);
  });

  afterAll(async () => {
    counter?.stop();
    await servers.closeAll();
  });

  it(`${DURATION_S} s at ${CONNECTIONS} pipelining connections: 0 socket errors, 0 non-2xx`, async () => {
    const result = await run(
      WRK.path as string,
      ['-t', '2', '-c', String(CONNECTIONS), '-d', `${DURATION_S}s`, '--timeout', '5s', '-s', SCRIPT, `${server.url}/`],
      { timeoutMs: (DURATION_S + 20) * 1_000 },
    );
    const report = result.stdout.toString();
    const why = describeRun('wrk', result);
    expect(result.code, why).toBe(0);

    // wrk's own report: "N requests in 5.00s", and lines that appear only when something went wrong.
    const total = /^\s*(\d+) requests in /m.exec(report);
    expect(total, why).not.toBeNull();
    expect(report, why).not.toMatch(/Socket errors:/);
    expect(report, why).not.toMatch(/Non-2xx or 3xx responses:/);

    // Our script's line: counts from the response() callback and summary.errors.
    const line = /^INTEROP (.*)$/m.exec(report);
    expect(line, why).not.toBeNull();
    const counts = Object.fromEntries((line?.[1] ?? '').split(' ').map((pair) => pair.split('=')).map(([k, v]) => [k, Number(v)])) as Record<string, number>;
    console.log(`wrk: ${line?.[1]}, ${counter.accepted} connections accepted`);
    expect(counts, why).toMatchObject({ non2xx: 0, connect: 0, read: 0, write: 0, status: 0, timeout: 0 });
    expect(counts['responses'], why).toBe(Number(total?.[1]));
    expect(counts['responses'], `${why}\nexpected well over one batch per connection`).toBeGreaterThan(CONNECTIONS * 8 * 10);
    expect(served, 'requests the handler saw').toBeGreaterThanOrEqual(counts['responses'] ?? 0);
    // wrk first opens (and closes) one connection to check the address, then keeps its 100 alive.
    expect(counter.accepted, 'connections rawhttp accepted').toBeLessThanOrEqual(CONNECTIONS + 1);
    // wrk drops its connections with requests in flight when time is up: those are socket-level, not protocol errors.
    expect(errors.filter((e) => e.context.kind !== 'Socket').map((e) => `${e.context.kind}: ${String(e.error)}`)).toEqual([]);
  }, 60_000);
});
