// Sends a case's bytes to a live server over a raw socket (whole, or in
// separate writes) and turns what comes back into an Observed: statuses in
// order, the echo of each 200, interim 1xx, and whether the server closed.
// Also the echo handlers for rawhttp and node:http. Test support only.

import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Handler } from '../../lib/connection.ts';
import type { Echo, Observed } from './outcome.ts';

/** How long a run waits for more after the expected responses arrived (to see extra ones or a close). */
export const SETTLE_MS = 40;
/** How long a run waits in silence, short of the expected responses, before it gives up. */
export const IDLE_MS = 300;
/** Delay between the writes of a split input, so that they arrive as separate reads. */
export const WRITE_GAP_MS = 5;

/** Returns the echo body the handlers send for an accepted request. */
function echoJson(echo: Echo): string {
  return JSON.stringify(echo);
}

function pairs(flat: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
}

/** rawhttp handler: reads the whole body, answers 200 with the echo as JSON. */
export const rawhttpEcho: Handler = async (req, res) => {
  const body = await req.bytes();
  const echo: Echo = {
    method: req.method,
    target: req.target,
    version: req.version,
    headers: [...req.headers],
    body: body.toString('latin1'),
    bodyLength: body.length,
    trailers: req.trailers === undefined ? [] : [...req.trailers],
  };
  res.status(200).header('content-type', 'application/json').end(echoJson(echo));
};

/** node:http handler: the same echo from IncomingMessage (raw headers and trailers, in order). */
function nodeEcho(req: IncomingMessage, res: ServerResponse): void {
  const parts: Buffer[] = [];
  req.on('data', (chunk: Buffer) => parts.push(chunk));
  req.on('error', () => undefined);
  req.on('end', () => {
    const body = Buffer.concat(parts);
    const echo: Echo = {
      method: req.method ?? '',
      target: req.url ?? '',
      version: req.httpVersion,
      headers: pairs(req.rawHeaders),
      body: body.toString('latin1'),
      bodyLength: body.length,
      trailers: pairs(req.rawTrailers),
    };
    const json = echoJson(echo);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  });
}

/** Starts a node:http server on 127.0.0.1:0 with the echo handler; maxHeaderSize when given. */
export async function startNodeServer(maxHeaderSize: number | undefined): Promise<{ server: HttpServer; port: number }> {
  // No 'clientError' listener: node's own answer to a parse error (400, 431…) is what is compared.
  const server = createHttpServer(maxHeaderSize === undefined ? {} : { maxHeaderSize }, nodeEcho);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

interface Parsed {
  readonly statuses: number[];
  readonly echoes: Array<Echo | null>;
  readonly interim: number[];
  readonly note?: string;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

// Splits received bytes into responses; bodies framed by Content-Length,
// chunked, or (at close) by the end of the stream.
function parseResponses(data: Buffer, closed: boolean): Parsed {
  const statuses: number[] = [];
  const echoes: Array<Echo | null> = [];
  const interim: number[] = [];
  let pos = 0;
  const done = (note?: string): Parsed => ({ statuses, echoes, interim, ...(note === undefined ? {} : { note }) });
  while (pos < data.length) {
    const headEnd = data.indexOf(CRLFCRLF, pos);
    if (headEnd < 0) return done(closed ? `trailing bytes ${JSON.stringify(data.toString('latin1', pos, pos + 80))}` : undefined);
    const lines = data.toString('latin1', pos, headEnd).split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (match === null) return done(`not a status line: ${JSON.stringify(lines[0])}`);
    const status = Number(match[1]);
    const fields = new Map<string, string>();
    for (const fieldLine of lines.slice(1)) {
      const colon = fieldLine.indexOf(':');
      if (colon > 0) fields.set(fieldLine.slice(0, colon).trim().toLowerCase(), fieldLine.slice(colon + 1).trim());
    }
    const bodyStart = headEnd + 4;
    if (status < 200) {
      interim.push(status);
      pos = bodyStart;
      continue;
    }
    let body: Buffer;
    const length = fields.get('content-length');
    if (length !== undefined) {
      const end = bodyStart + Number(length);
      if (end > data.length) return done(closed ? 'response body cut short' : undefined);
      body = data.subarray(bodyStart, end);
      pos = end;
    } else if (/chunked/i.test(fields.get('transfer-encoding') ?? '')) {
      const pieces: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', at);
        if (lineEnd < 0) return done(closed ? 'chunked response cut short' : undefined);
        const size = parseInt(data.toString('latin1', at, lineEnd), 16);
        if (size === 0) {
          const end = data.indexOf(CRLFCRLF, lineEnd);
          if (end < 0) return done(closed ? 'chunked response cut short' : undefined);
          at = end + 4;
          break;
        }
        if (lineEnd + 2 + size + 2 > data.length) return done(closed ? 'chunked response cut short' : undefined);
        pieces.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(pieces);
      pos = at;
    } else {
      if (!closed) return done();
      body = data.subarray(bodyStart);
      pos = data.length;
    }
    statuses.push(status);
    let echo: Echo | null = null;
    if (status === 200) {
      try {
        echo = JSON.parse(body.toString('utf8')) as Echo;
      } catch {
        echo = null;
      }
    }
    echoes.push(echo);
  }
  return done();
}

/**
/** What sendPieces waits for before it stops listening. */
export interface WaitFor {
  /** Final responses expected. */
  readonly finals: number;
  /** Interim (1xx) responses expected. */
  readonly interim: number;
  /** Keep waiting (up to IDLE_MS of silence) for the server to close. */
  readonly close: boolean;
}

/**
 * Opens a socket to 127.0.0.1:`port`, writes each piece in its own write
 * (WRITE_GAP_MS apart, Nagle off), then collects responses until the server
 * closes, or what `wait` expects has arrived and SETTLE_MS passed (unless
 * `wait.close`: then it waits for the close), or IDLE_MS of silence.
 */
export function sendPieces(port: number, pieces: readonly Buffer[], wait: WaitFor): Promise<Observed> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    let closed = false;
    let writing = true;
    let lastEvent = Date.now();
    let socketError: string | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      socket.destroy();
      const parsed = parseResponses(Buffer.concat(chunks), closed);
      const note = [parsed.note, socketError].filter((x) => x !== undefined).join('; ');
      resolve({ statuses: parsed.statuses, echoes: parsed.echoes, interim: parsed.interim, closed, ...(note === '' ? {} : { note }) });
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      lastEvent = Date.now();
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socketError = error.code ?? error.message;
    });
    const timer = setInterval(() => {
      if (writing) return;
      const quietMs = Date.now() - lastEvent;
      if (quietMs >= IDLE_MS) return finish();
      if (quietMs < SETTLE_MS || wait.close) return;
      const parsed = parseResponses(Buffer.concat(chunks), false);
      if (parsed.statuses.length >= wait.finals && parsed.interim.length >= wait.interim) finish();
    }, 10);
    socket.once('connect', () => {
      void (async () => {
        for (let i = 0; i < pieces.length; i++) {
          if (closed || socket.destroyed) break;
          if (i > 0) await new Promise((r) => setTimeout(r, WRITE_GAP_MS));
          if (closed || socket.destroyed) break;
          socket.write(pieces[i] as Buffer);
        }
        lastEvent = Date.now();
        writing = false;
      })();
    });
  });
}
