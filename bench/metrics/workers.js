// rawhttp serveWorkers(): N worker threads (argv[2], default 2) on one port
// with reusePort and one shared metrics buffer. Needs Node 22.12+ / 23.1+.
import { serveWorkers } from '../../dist/index.js';
import { announce } from '../servers/common.js';

const workers = Number(process.argv[2] ?? 2);
const pool = await serveWorkers({ port: 0, workers, handler: new URL('./hello-module.js', import.meta.url) });
announce(`rawhttp serveWorkers(${workers})`, pool.port);
