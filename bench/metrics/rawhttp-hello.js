// rawhttp answering the hello scenario with its built-in metrics on (the
// default) or off (`off` as the first argument): what bench/metrics.ts
// compares. The handler is bench/servers/rawhttp.js's hello branch.
import { serve } from '../../dist/index.js';
import { announce, HELLO } from '../servers/common.js';

const metricsOn = process.argv[2] !== 'off';
const server = await serve({ port: 0, host: '127.0.0.1', ...(metricsOn ? {} : { metrics: false }) }, (_req, res) => {
  res.status(200).header('content-type', 'text/plain').end(HELLO);
});
announce(metricsOn ? 'rawhttp (metrics on)' : 'rawhttp (metrics off)', server.port);
