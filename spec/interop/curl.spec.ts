// curl against rawhttp (issue 8 item 1): GET, HEAD, POST, HTTP/1.0, a
// chunked upload from stdin, Expect: 100-continue with a large body (curl
// must wait for 100 Continue, and must not send a body the server refused),
// and several URLs over one reused connection.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Handler, Server } from '../../lib/index.ts';
import { patternBytes, ServerPool, sha256, type ReportedError } from '../integration/support/server.ts';
import { AcceptCounter } from './support/accepted.ts';
import { describeRun, describeWith, findProgram, run, type RunResult } from './support/programs.ts';

const CURL = findProgram('curl', 'curl');
const BIG_BYTES = 8 * 1024 * 1024;

/** Reads the body as a stream (it may exceed maxBodyBytes) and answers its size, hash and how it was framed. */
async function describeBody(req: Parameters<Handler>[0]): Promise<string> {
  const hash = (await import('node:crypto')).createHash('sha256');
  let bytes = 0;
  for await (const chunk of req.body) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return JSON.stringify({
    bytes,
    sha256: hash.digest('hex'),
    version: req.version,
    transferEncoding: req.headers.get('transfer-encoding') ?? null,
    contentLength: req.headers.get('content-length') ?? null,
    expect: req.headers.get('expect') ?? null,
  });
}

const handler: Handler = async (req, res) => {
  res.header('x-request-version', req.version);
  switch (req.path) {
    case '/hello':
      res.header('content-type', 'text/plain').header('x-request-method', req.method).end('hello\n');
      return;
    case '/echo':
      res.header('content-type', 'application/octet-stream').end(await req.bytes());
      return;
    case '/describe':
      res.header('content-type', 'application/json').end(await describeBody(req));
      return;
    case '/refuse':
      // Refuses before reading: with Expect: 100-continue the body must never be sent.
      res.status(413).header('content-type', 'text/plain').end('too large\n');
      return;
    default:
      res.status(404).end('not found\n');
  }
};

describeWith('interop: curl', [CURL], () => {
  const curl = CURL.path as string;
  const servers = new ServerPool();
  let server: Server;
  let errors: ReportedError[];
  let counter: AcceptCounter;
  let dir: string;
  let bigFile: string;
  const big = patternBytes(BIG_BYTES, 8);

  beforeAll(async () => {
    ({ server, errors } = await servers.start({}, handler));
    counter = new AcceptCounter(server.port);
    dir = mkdtempSync(join(tmpdir(), 'rawhttp-curl-'));
    bigFile = join(dir, 'big.bin');
    writeFileSync(bigFile, big);
  });

  afterAll(async () => {
    counter?.stop();
    await servers.closeAll();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const url = (path: string): string => `${server.url}${path}`;

  /** Runs curl with -sS (quiet but errors shown) and a bounded time; asserts exit 0. */
  async function curlOk(args: readonly string[], input?: Uint8Array): Promise<RunResult> {
    const result = await run(curl, ['-sS', '--max-time', '20', ...args], { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
    expect(result.code, describeRun(`curl ${args.join(' ')}`, result)).toBe(0);
    return result;
  }

  it('GET: 200 with the body', async () => {
    const result = await curlOk(['--fail', url('/hello')]);
    expect(result.stdout.toString()).toBe('hello\n');
  });

  it('HEAD (-I): 200, the GET Content-Length, no body', async () => {
    const result = await curlOk(['-I', url('/hello')]);
    const head = result.stdout.toString('latin1');
    expect(head, head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head, head).toMatch(/\r\ncontent-length: 6\r\n/i);
    expect(head, head).toMatch(/\r\nx-request-method: HEAD\r\n/i);
    expect(head.endsWith('\r\n\r\n'), head).toBe(true);
  });

  it('POST --data-binary: the body is echoed byte for byte', async () => {
    const body = patternBytes(200_000, 3);
    const path = join(dir, 'post.bin');
    writeFileSync(path, body);
    const result = await curlOk(['--fail', '--data-binary', `@${path}`, '-H', 'Content-Type: application/octet-stream', url('/echo')]);
    expect(result.stdout.length).toBe(body.length);
    expect(sha256(result.stdout)).toBe(sha256(body));
  });

  it('--http1.0: served as HTTP/1.0 and the connection closes after the response', async () => {
    const result = await curlOk(['--http1.0', '-i', '-H', 'Expect:', '--data-binary', 'ten bytes!', url('/echo')]);
    const text = result.stdout.toString('latin1');
    expect(text, text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text, text).toMatch(/\r\nx-request-version: 1\.0\r\n/i);
    expect(text, text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text.endsWith('\r\n\r\nten bytes!'), text).toBe(true);
    const get = await curlOk(['--http1.0', '--fail', url('/hello')]);
    expect(get.stdout.toString()).toBe('hello\n');
  });

  it('chunked upload from stdin (-T - with Transfer-Encoding: chunked) arrives whole', async () => {
    const body = patternBytes(300_000, 4);
    const result = await curlOk(['--fail', '-H', 'Transfer-Encoding: chunked', '-T', '-', url('/describe')], body);
    const got = JSON.parse(result.stdout.toString()) as Record<string, unknown>;
    expect(got).toMatchObject({ bytes: body.length, sha256: sha256(body), version: '1.1', transferEncoding: 'chunked', contentLength: null });
  });

  it('Expect: 100-continue with an 8 MiB upload: curl waits for 100 Continue, then the body arrives whole', async () => {
    // --expect100-timeout 15: had the server not sent 100 Continue, curl would sit out 15 s before sending.
    const result = await curlOk([
      '-v', '--fail', '--expect100-timeout', '15', '-H', 'Expect: 100-continue',
      '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${bigFile}`,
      '--write-out', '\n%{time_total}', url('/describe'),
    ]);
    const [json, timeTotal] = result.stdout.toString().split('\n');
    const got = JSON.parse(json ?? '') as Record<string, unknown>;
    expect(got).toMatchObject({ bytes: BIG_BYTES, sha256: sha256(big), expect: '100-continue', contentLength: String(BIG_BYTES) });
    expect(result.stderr, describeRun('curl -v', result)).toMatch(/< HTTP\/1\.1 100 Continue/);
    expect(Number(timeTotal), `curl took ${timeTotal} s: it waited out its Expect timeout`).toBeLessThan(10);
  });

  it('Expect: 100-continue refused with 413 before reading: curl sends no body and gets the 413', async () => {
    const result = await run(curl, [
      '-sS', '--max-time', '20', '--expect100-timeout', '15', '-H', 'Expect: 100-continue',
      '--data-binary', `@${bigFile}`, '-o', '/dev/null', '--write-out', '%{http_code} %{size_upload} %{time_total}', url('/refuse'),
    ], { timeoutMs: 30_000 });
    expect(result.code, describeRun('curl', result)).toBe(0);
    const [code, uploaded, timeTotal] = result.stdout.toString().split(' ');
    expect(code).toBe('413');
    expect(Number(uploaded), 'bytes of the refused body curl sent').toBe(0);
    expect(Number(timeTotal)).toBeLessThan(10);
  });

  it('several URLs in one invocation reuse one connection (num_connects 1, 0, 0, 0)', async () => {
    counter.reset();
    const urls = ['/hello', '/hello?2', '/hello?3', '/hello?4'].map(url);
    const result = await curlOk(['--fail', ...urls.flatMap((u) => ['-o', '/dev/null', u]), '--write-out', '%{num_connects} %{http_code}\\n']);
    expect(result.stdout.toString().trim().split('\n')).toEqual(['1 200', '0 200', '0 200', '0 200']);
    expect(counter.accepted, 'connections rawhttp accepted').toBe(1);
  });

  it('reported no handler or protocol errors', () => {
    expect(errors.filter((e) => e.context.kind !== 'Socket').map((e) => `${e.context.kind}: ${String(e.error)}`)).toEqual([]);
  });
});
