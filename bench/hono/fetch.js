// The Hono app on rawhttp's fetch adapter: serve({ port, fetch: app.fetch }).
import { announce, createApp, importRawhttp } from './app.js';

const { serve } = await importRawhttp();
const app = createApp();
const server = await serve({ port: 0, host: '127.0.0.1', fetch: app.fetch });
announce('rawhttp-fetch', server.port);
