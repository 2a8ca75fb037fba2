// Runs a conformance case through rawhttp's pure protocol core the way a
// connection does — parseHead (re-joining an unfinished head with the next
// piece), decideFraming, then the Length/Chunked decoder, request after
// request — with the connection's and the echo handler's own decisions
// (CONNECT without onConnect → 405, 413 above maxBodyBytes) folded in. Cheap enough to cut the input at every byte offset.
// Test support only.

import { DEFAULTS } from '../../lib/constants.ts';
import { ChunkedDecoder, LengthDecoder, type BodyDecoder } from '../../lib/decode.ts';
import { FAILURES, type FailureCode } from '../../lib/errors.ts';
import { decideFraming } from '../../lib/framing.ts';
import { FIELD_STRIDE, INCOMPLETE, ParsedHead, parseHead } from '../../lib/parse.ts';
import type { CaseOptions } from './cases.ts';
import type { Echo, Observed } from './outcome.ts';
import { cutPieces } from '../support/split.ts';

/** The limits a model run enforces: the server defaults overridden by the case's options. */
export type ModelLimits = Required<CaseOptions>;

/** Returns the defaults merged with `options`. */
export function modelLimits(options: CaseOptions = {}): ModelLimits {
  return {
    maxUriBytes: options.maxUriBytes ?? DEFAULTS.maxUriBytes,
    maxHeaderBytes: options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes,
    maxHeaderCount: options.maxHeaderCount ?? DEFAULTS.maxHeaderCount,
    maxChunkExtensionBytes: options.maxChunkExtensionBytes ?? DEFAULTS.maxChunkExtensionBytes,
    maxTrailerBytes: options.maxTrailerBytes ?? DEFAULTS.maxTrailerBytes,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
  };
}


interface BodyPhase {
  readonly echo: Omit<Echo, 'body' | 'bodyLength' | 'trailers'>;
  readonly decoder: BodyDecoder;
  readonly keepAlive: boolean;
  readonly parts: Buffer[];
}

/**
 * Feeds `input`, cut at `cuts`, piece by piece to the pure core and returns
 * what a client would observe: a status per request (200 with the echo for
 * accepted ones), interim 100s, and whether the connection ends.
 */
export function runModel(input: Buffer, cuts: readonly number[], limits: ModelLimits): Observed {
  const statuses: number[] = [];
  const echoes: Array<Echo | null> = [];
  const interim: number[] = [];
  let closed = false;
  const queue: Buffer[] = [];
  let offset = 0;
  const head = new ParsedHead(limits.maxHeaderCount);
  head.reset();
  let body: BodyPhase | null = null;

  const fail = (status: number): void => {
    statuses.push(status);
    echoes.push(null);
    closed = true;
  };
  const failWith = (code: number): void => fail(FAILURES[code as FailureCode].status);
  const consume = (bytes: number): void => {
    offset += bytes;
    while (queue.length > 0 && offset >= (queue[0] as Buffer).length) offset -= (queue.shift() as Buffer).length;
  };
  const finish = (phase: BodyPhase, trailers: ReadonlyArray<readonly [string, string]>): void => {
    const content = Buffer.concat(phase.parts);
    statuses.push(200);
    echoes.push({ ...phase.echo, body: content.toString('latin1'), bodyLength: content.length, trailers });
    if (!phase.keepAlive) closed = true;
  };

  // One step: false when more input is needed (or the connection is done).
  const step = (): boolean => {
    if (closed || queue.length === 0) return false;
    if (body === null) {
      let buf = queue[0] as Buffer;
      let start = offset;
      let result = parseHead(buf, start, buf.length, limits, head);
      while (result === INCOMPLETE && queue.length > 1) {
        buf = Buffer.concat([buf.subarray(start), queue[1] as Buffer]);
        queue.splice(0, 2, buf);
        offset = 0;
        start = 0;
        result = parseHead(buf, start, buf.length, limits, head);
      }
      if (result === INCOMPLETE) return false;
      if (result < 0) {
        failWith(-result);
        return false;
      }
      const framing = decideFraming(head);
      if (typeof framing === 'number') {
        failWith(-framing);
        return false;
      }
      const text = (from: number, to: number): string => buf.toString('latin1', start + from, start + to);
      const headers: Array<readonly [string, string]> = [];
      for (let i = 0; i < head.fieldCount; i++) {
        const at = i * FIELD_STRIDE;
        const f = head.fields;
        headers.push([text(f[at] as number, f[at + 1] as number), text(f[at + 2] as number, f[at + 3] as number)]);
      }
      const echo = { method: head.method, target: text(head.targetStart, head.targetEnd), version: head.versionMinor === 1 ? '1.1' : '1.0', headers };
      consume(result);
      const isConnect = head.method === 'CONNECT';
      head.reset();
      // No onConnect hook on the test server: the connection answers CONNECT with 405 and closes.
      if (isConnect) {
        fail(405);
        return false;
      }
      const kind = framing.body;
      if (kind.kind === 'None') {
        finish({ echo, decoder: new LengthDecoder(0), keepAlive: framing.keepAlive, parts: [] }, []);
        return true;
      }
      // The echo handler reads the body at once: req.bytes() refuses an announced length over the limit.
      if (kind.kind === 'Length' && kind.length > limits.maxBodyBytes) {
        fail(413);
        return false;
      }
      // Reading the body is what sends the owed 100 Continue.
      if (framing.expectContinue) interim.push(100);
      const decoder = kind.kind === 'Length' ? new LengthDecoder(kind.length) : new ChunkedDecoder(limits);
      body = { echo, decoder, keepAlive: framing.keepAlive, parts: [] };
      return true;
    }
    const phase: BodyPhase = body;
    const buf = queue[0] as Buffer;
    let size = phase.parts.reduce((sum, part) => sum + part.length, 0);
    let tooLarge = false;
    const next = phase.decoder.decode(buf, offset, buf.length, (view) => {
      size += view.length;
      if (size > limits.maxBodyBytes) tooLarge = true;
      phase.parts.push(Buffer.from(view));
    });
    if (tooLarge) {
      fail(413);
      return false;
    }
    if (next < 0) {
      failWith(-next);
      return false;
    }
    consume(next - offset);
    if (phase.decoder.done) {
      body = null;
      finish(phase, phase.decoder instanceof ChunkedDecoder ? phase.decoder.trailers : []);
    }
    return true;
  };

  for (const piece of cutPieces(input, cuts)) {
    if (closed) break;
    queue.push(piece);
    while (step()) {
      // consume while possible
    }
  }
  return { statuses, echoes, interim, closed };
}
