// Compile-time typestate of the response, checked by `tsc --noEmit` in
// `npm test`: every @ts-expect-error below must be an error, or tsc fails.
// (Regression guard for issue 2, item 7.)

import type { Handler } from '../../lib/index.ts';

export const afterEnd: Handler = (_req, res) => {
  const sent = res.status(200).header('x-a', '1').end('done');
  // @ts-expect-error a sent response has no header()
  sent.header('x-b', '2');
  // @ts-expect-error a sent response has no status()
  sent.status(404);
  // @ts-expect-error a sent response cannot end twice
  sent.end();
  // @ts-expect-error a sent response cannot start a stream
  sent.stream();
  const code: number = sent.statusCode;
  void code;
};

export const afterStream: Handler = (_req, res) => {
  const writer = res.header('content-type', 'text/plain').stream();
  // @ts-expect-error the body writer cannot set headers
  writer.header('x-b', '2');
  // @ts-expect-error the body writer cannot set a status
  writer.status(500);
  // @ts-expect-error the body writer cannot append headers
  writer.appendHeader('set-cookie', 'a=b');
  writer.write('body');
  writer.end();
};

export const chained: Handler = (_req, res) => {
  // @ts-expect-error header() after stream() in one chain
  res.stream().header('x', 'y');
  // @ts-expect-error status() after end() in one chain
  res.end().status(201);
};
