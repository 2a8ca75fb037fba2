// Property: any stream of 1–4 valid pipelined requests, cut into any chunks,
// driven through parseHead + decideFraming + the body decoders the way a
// connection does, yields exactly the requests that were generated.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder, LengthDecoder, type BodyDecoder } from '../../lib/decode.ts';
import { decideFraming } from '../../lib/framing.ts';
import { HeaderView } from '../../lib/headers.ts';
import { INCOMPLETE, ParsedHead, parseHead } from '../../lib/parse.ts';
import { isDeepStrictEqual } from 'node:util';
import { cutPieces, describeResult, feedBody, feedHead, HEAD_LIMITS, type Split } from '../support/split.ts';

const CHUNKED_LIMITS = { maxChunkExtensionBytes: 16 * 1024, maxTrailerBytes: 16 * 1024 };

/** One request as the application sees it. */
interface Seen {
  readonly method: string;
  readonly target: string;
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly body: string; // hex
  readonly trailers: ReadonlyArray<readonly [string, string]>;
}

interface Generated {
  readonly seen: Seen;
  readonly wire: string; // latin1
}

// --- generators --------------------------------------------------------------

const chars = (text: string): string[] => [...text];
const TCHARS = chars("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
const PCHARS = [...chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@"), '%2F', '%20', '%e9'];
const VCHARS = [
  ...Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)),
  ...Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x80 + i)),
];
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive']);

const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 12 }).filter((name) => !RESERVED.has(name.toLowerCase()));
const ows = fc.constantFrom('', ' ', '\t', '  ', ' \t ');
const word = fc.string({ unit: fc.constantFrom(...VCHARS), minLength: 1, maxLength: 8 });
/** A field value without leading/trailing OWS (inner SP/HTAB kept). */
const value = fc.oneof(
  fc.constant(''),
  fc.tuple(word, fc.array(fc.tuple(fc.constantFrom(' ', '\t', ' \t'), word), { maxLength: 3 })).map(
    ([first, rest]) => first + rest.map(([gap, w]) => gap + w).join(''),
  ),
);
const field = fc.record({ name: token, value, before: ows, after: ows });

const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'QUERY', 'FOO', 'M-SEARCH');
const segment = fc.string({ unit: fc.constantFrom(...PCHARS), maxLength: 8 });
const target = fc
  .tuple(fc.array(segment, { maxLength: 4 }), fc.oneof(fc.constant(''), fc.string({ unit: fc.constantFrom(...PCHARS, '/', '?'), maxLength: 12 }).map((q) => `?${q}`)))
  .map(([segments, query]) => `/${segments.join('/')}${query}`);
const host = fc.constantFrom('example.com', 'localhost:8080', '[::1]:3000', '127.0.0.1', 'a.b-c.example:1');

const extension = fc.constantFrom('', ';a', ';a=b', ' ; x = "y\\"z"', ';q="1;2";r', '\t;n=v');
const chunk = fc.record({
  data: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  upper: fc.boolean(),
  zeros: fc.constantFrom('', '0', '000'),
  ext: extension,
});
const body = fc.oneof(
  fc.constant({ kind: 'None' as const }),
  fc.record({ kind: fc.constant('Length' as const), data: fc.uint8Array({ maxLength: 100 }) }),
  fc.record({
    kind: fc.constant('Chunked' as const),
    chunks: fc.array(chunk, { maxLength: 5 }),
    lastExt: extension,
    trailers: fc.array(field, { maxLength: 3 }),
  }),
);

const request = fc
  .record({ method, target, host, hostAt: fc.nat(), fields: fc.array(field, { maxLength: 10 }), body })
  .map((r): Generated => {
    const lines = r.fields.map((f) => ({ ...f }));
    lines.splice(r.hostAt % (lines.length + 1), 0, { name: 'Host', value: r.host, before: ' ', after: '' });
    let payload = Buffer.alloc(0);
    let encoded = '';
    let trailers: Array<[string, string]> = [];
    const b = r.body;
    if (b.kind === 'Length') {
      payload = Buffer.from(b.data);
      lines.push({ name: 'Content-Length', value: String(payload.length), before: ' ', after: '' });
      encoded = payload.toString('latin1');
    } else if (b.kind === 'Chunked') {
      lines.push({ name: 'Transfer-Encoding', value: 'chunked', before: ' ', after: '' });
      payload = Buffer.concat(b.chunks.map((c) => Buffer.from(c.data)));
      for (const c of b.chunks) {
        const size = c.data.length.toString(16);
        encoded += `${c.zeros}${c.upper ? size.toUpperCase() : size}${c.ext}\r\n${Buffer.from(c.data).toString('latin1')}\r\n`;
      }
      encoded += `0${b.lastExt}\r\n${b.trailers.map((t) => `${t.name}:${t.before}${t.value}${t.after}\r\n`).join('')}\r\n`;
      trailers = b.trailers.map((t) => [t.name, t.value]);
    }
    const headText = `${r.method} ${r.target} HTTP/1.1\r\n${lines.map((l) => `${l.name}:${l.before}${l.value}${l.after}\r\n`).join('')}\r\n`;
    return {
      wire: headText + encoded,
      seen: {
        method: r.method,
        target: r.target,
        fields: lines.map((l) => [l.name, l.value]),
        body: payload.toString('hex'),
        trailers,
      },
    };
  });

type Cutting = { readonly kind: 'points'; readonly points: readonly number[] } | { readonly kind: 'size'; readonly size: number };

/** Cut points: a few random ones, or a fixed piece size (1 = byte by byte). */
const cutting: fc.Arbitrary<Cutting> = fc.oneof(
  fc.record({ kind: fc.constant('points' as const), points: fc.array(fc.nat(), { maxLength: 20 }) }),
  fc.record({ kind: fc.constant('size' as const), size: fc.integer({ min: 1, max: 64 }) }),
);

function cut(stream: Buffer, how: Cutting): Buffer[] {
  const at =
    how.kind === 'points'
      ? [...new Set(how.points.map((p) => (stream.length > 1 ? 1 + (p % (stream.length - 1)) : 0)))].filter((p) => p > 0).sort((a, b) => a - b)
      : Array.from({ length: Math.max(0, Math.ceil(stream.length / how.size) - 1) }, (_, i) => (i + 1) * how.size);
  return cutPieces(stream, at);
}

// --- the connection's loop, reduced to parsing -------------------------------

/** Drives chunks through parseHead, decideFraming and the decoders as connection.ts does; throws on any failure. */
function drive(chunks: readonly Buffer[]): Seen[] {
  const out: Seen[] = [];
  const head = new ParsedHead(HEAD_LIMITS.maxHeaderCount);
  head.reset();
  const input: Buffer[] = [];
  let offset = 0;
  let decoder: BodyDecoder | null = null;
  let current: Omit<Seen, 'body' | 'trailers'> | null = null;
  let parts: Buffer[] = [];

  const process = (): void => {
    for (;;) {
      let buf = input[0];
      if (buf === undefined) return;
      if (offset === buf.length) {
        input.shift();
        offset = 0;
        continue;
      }
      if (decoder === null) {
        let result = parseHead(buf, offset, buf.length, HEAD_LIMITS, head);
        while (result === INCOMPLETE && input.length > 1) {
          // The only copy: the unfinished head joined with the next chunk.
          const joined: Buffer = Buffer.concat([buf.subarray(offset), input[1] as Buffer]);
          input.splice(0, 2, joined);
          offset = 0;
          buf = joined;
          result = parseHead(buf, offset, buf.length, HEAD_LIMITS, head);
        }
        if (result === INCOMPLETE) return;
        if (result < 0) throw new Error(`parseHead: got ${describeResult(result)}, want a head`);
        const framing = decideFraming(head);
        if (typeof framing === 'number') throw new Error(`decideFraming: got ${describeResult(framing)}, want a framing`);
        current = {
          method: head.method,
          target: buf.toString('latin1', offset + head.targetStart, offset + head.targetEnd),
          fields: [...new HeaderView(buf, offset, head.fields, head.fieldCount)],
        };
        offset += result;
        head.reset();
        if (framing.body.kind === 'None') {
          out.push({ ...current, body: '', trailers: [] });
          current = null;
        } else {
          decoder = framing.body.kind === 'Length' ? new LengthDecoder(framing.body.length) : new ChunkedDecoder(CHUNKED_LIMITS);
        }
      } else {
        const next = decoder.decode(buf, offset, buf.length, (view) => parts.push(Buffer.from(view)));
        if (next < 0) throw new Error(`decode: got ${describeResult(next)}, want content`);
        offset = next;
        if (decoder.done) {
          if (current === null) throw new Error('body without a head');
          out.push({ ...current, body: Buffer.concat(parts).toString('hex'), trailers: decoder instanceof ChunkedDecoder ? decoder.trailers : [] });
          decoder = null;
          current = null;
          parts = [];
        }
      }
    }
  };

  for (const chunk of chunks) {
    input.push(chunk);
    process();
  }
  if (decoder !== null || input.some((b, i) => (i === 0 ? b.length > offset : b.length > 0))) {
    throw new Error('bytes left over after the last request');
  }
  return out;
}

describe('pipelined requests split anywhere', () => {
  it('parse back to exactly the generated requests', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), cutting, (requests, how) => {
        const stream = Buffer.from(requests.map((r) => r.wire).join(''), 'latin1');
        const got = drive(cut(stream, how));
        expect(got).toEqual(requests.map((r) => r.seen));
      }),
      { numRuns: 300 },
    );
  });

  it('the driver itself rejects a broken stream (the property can fail)', () => {
    const broken = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabc', 'latin1');
    expect(() => drive([broken])).toThrow(/ConflictingContentLength/);
    const truncated = Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc', 'latin1');
    expect(() => drive([truncated])).toThrow(/left over/);
  });
});

// --- differential: mutated input, whole vs split --------------------------------

const INTERESTING = [0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x00, 0x80, 0xff, 0x22, 0x3b, 0x3d, 0x30, 0x61, 0x46, 0x2c, 0x5c];
const mutation = fc.record({
  kind: fc.constantFrom('replace' as const, 'insert' as const, 'delete' as const),
  at: fc.nat(),
  byte: fc.constantFrom(...INTERESTING),
});

function mutate(input: Buffer, mutations: ReadonlyArray<{ kind: 'replace' | 'insert' | 'delete'; at: number; byte: number }>): Buffer {
  let out = Buffer.from(input);
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'replace') out[at] = m.byte;
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from([m.byte]), out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
  }
  return out;
}

const splitsOf = (length: number, points: readonly number[]): Split[] => [
  ...[...new Set(points.map((p) => (length > 1 ? 1 + (p % (length - 1)) : 0)))].filter((p) => p > 0).map((p) => ({ name: `split@${p}`, cuts: [p] })),
  { name: 'byte-by-byte', cuts: Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1) },
];

describe('mutated input: every split agrees with the whole input, nothing throws', () => {
  it('parseHead', () => {
    fc.assert(
      fc.property(request, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 }), (r, mutations, points) => {
        const wire = Buffer.from(r.wire, 'latin1');
        const headEnd = wire.indexOf('\r\n\r\n') + 4;
        const input = mutate(wire.subarray(0, headEnd), mutations);
        const whole = feedHead(input, { name: 'whole', cuts: [] });
        for (const split of splitsOf(input.length, points)) {
          const o = feedHead(input, split);
          const same = o.result === whole.result && isDeepStrictEqual(o.snapshot, whole.snapshot);
          expect(same, `${split.name} of ${JSON.stringify(input.toString('latin1'))}: got ${describeResult(o.result)} ${JSON.stringify(o.snapshot)}, want ${describeResult(whole.result)} ${JSON.stringify(whole.snapshot)}`).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('ChunkedDecoder', () => {
    const chunkedRequest = request.filter((r) => r.wire.includes('Transfer-Encoding: chunked'));
    fc.assert(
      fc.property(chunkedRequest, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 }), (r, mutations, points) => {
        const wire = Buffer.from(r.wire, 'latin1');
        const input = mutate(wire.subarray(wire.indexOf('\r\n\r\n') + 4), mutations);
        const make = (): ChunkedDecoder => new ChunkedDecoder({ maxChunkExtensionBytes: 64, maxTrailerBytes: 256 });
        const summary = (o: ReturnType<typeof feedBody<ChunkedDecoder>>): string =>
          JSON.stringify([describeResult(o.failure), o.done, o.end, o.content.toString('hex'), o.decoder.trailers]);
        const whole = summary(feedBody(make, input, { name: 'whole', cuts: [] }));
        for (const split of splitsOf(input.length, points)) {
          const got = summary(feedBody(make, input, split));
          expect(got, `${split.name} of ${JSON.stringify(input.toString('latin1'))}: got ${got}, want ${whole}`).toBe(whole);
        }
      }),
      { numRuns: 200 },
    );
  });
});
