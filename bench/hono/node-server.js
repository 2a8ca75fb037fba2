// The Hono app on @hono/node-server (node:http + its lightweight Request/Response).
import { serve } from '@hono/node-server';
import { announce, createApp } from './app.js';

const app = createApp();
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce('hono-node-server', info.port));
