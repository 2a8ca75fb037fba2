// rawhttp under load: the compiled dist/ build (run `npm run build` first).
import { serve } from '../../dist/index.js';
import { announce, BIG_BYTES, HELLO, streamBig } from './common.js';

// onError reports by kind. 'Socket' (a client gone mid-response) is expected
// when wrk stops; 'Handler' and 'Client' (protocol errors) should stay at 0
// under wrk, so the first few are printed for the harness to show.
const onErrorCounts = {};
const server = await serve(
  {
    port: 0,
    host: '127.0.0.1',
    onError: (error, context) => {
      const key = context.kind === 'Client' ? `Client:${context.code}` : context.kind;
      const seen = (onErrorCounts[key] ?? 0) + 1;
      onErrorCounts[key] = seen;
      if (context.kind !== 'Socket' && seen <= 3) process.stderr.write(`rawhttp onError (${key}): ${String(error?.stack ?? error)}\n`);
    },
  },
  (req, res) => {
    if (req.method === 'POST' && req.target === '/echo') {
      return req.bytes().then((body) => {
        res.status(200).header('content-type', 'application/octet-stream').end(body);
      });
    }
    if (req.target === '/big') {
      res.status(200).header('content-type', 'application/octet-stream').header('content-length', BIG_BYTES);
      streamBig(res.stream());
      return;
    }
    res.status(200).header('content-type', 'text/plain').end(HELLO);
  },
);
announce('rawhttp', server.port, () => ({ onError: onErrorCounts }));
