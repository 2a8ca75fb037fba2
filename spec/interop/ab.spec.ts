// ApacheBench against rawhttp (issue 8 item 2): ab is an HTTP/1.0 client;
// with -k it asks for keep-alive (Connection: Keep-Alive) and counts on the
// server to keep the connection and frame every response by Content-Length.

import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Server } from '../../lib/index.ts';
import { ServerPool, type ReportedError } from '../integration/support/server.ts';
import { AcceptCounter } from './support/accepted.ts';
import { describeRun, describeWith, findProgram, run } from './support/programs.ts';

const AB = findProgram('ab', 'apache2-utils');
const REQUESTS = 10_000;
const CONCURRENCY = 10;

/** Returns the number after `label:` in ab's report, or undefined when the line is absent. */
function field(report: string, label: string): number | undefined {
  const match = new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(report);
  return match === null ? undefined : Number(match[1]);
}

describeWith('interop: ab (ApacheBench)', [AB], () => {
  const servers = new ServerPool();
  let server: Server;
  let errors: ReportedError[];
  let counter: AcceptCounter;
  const versions = new Map<string, number>();

  beforeAll(async () => {
    ({ server, errors } = await servers.start({}, (req, res) => {
      versions.set(req.version, (versions.get(req.version) ?? 0) + 1);
      res.header('content-type', 'text/plain').end('hello from rawhttp\n');
    }));
    counter = new AcceptCounter(server.port);
  });

  afterAll(async () => {
    counter?.stop();
    await servers.closeAll();
  });

  it(`ab -k -n ${REQUESTS} -c ${CONCURRENCY}: every request completes, 0 failed, 0 non-2xx, all over kept-alive connections`, async () => {
    const result = await run(AB.path as string, ['-k', '-n', String(REQUESTS), '-c', String(CONCURRENCY), '-s', '10', '-q', `${server.url}/`], { timeoutMs: 45_000 });
    const report = result.stdout.toString();
    const why = describeRun('ab', result);
    console.log(`ab: ${/^Requests per second:.*$/m.exec(report)?.[0] ?? '?'}, ${counter.accepted} connections accepted`);
    expect(result.code, why).toBe(0);
    expect(field(report, 'Complete requests'), why).toBe(REQUESTS);
    expect(field(report, 'Failed requests'), why).toBe(0);
    // ab prints "Non-2xx responses" only when there were some.
    expect(field(report, 'Non-2xx responses') ?? 0, why).toBe(0);
    expect(field(report, 'Keep-Alive requests'), why).toBe(REQUESTS);
    expect(versions.get('1.0'), 'requests rawhttp saw as HTTP/1.0').toBe(REQUESTS);
    expect(counter.accepted, 'connections rawhttp accepted (ab opens one per concurrent slot when kept alive)').toBeLessThanOrEqual(CONCURRENCY);
    expect(errors.map((e) => `${e.context.kind}: ${String(e.error)}`)).toEqual([]);
  });
});
