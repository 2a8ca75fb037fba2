// The Hono app every fetch-handler server in bench/hono.js runs, unchanged:
// a JSON route, a text route with a param, and a POST that parses JSON.
import { Hono } from 'hono';

/** Body the POST /echo load sends (bench/hono/post.lua). */
export const ECHO_BODY = '{"name":"rawhttp","tags":["fast","strict"],"n":42}';

/** Returns the benchmark app. */
export function createApp() {
  const app = new Hono();
  app.get('/json', (c) => c.json({ message: 'Hello, World!' }));
  app.get('/hello/:name', (c) => c.text(`Hello, ${c.req.param('name')}!`));
  app.post('/echo', async (c) => c.json(await c.req.json()));
  return app;
}

/** Prints the readiness line the harness waits for; exits on SIGTERM/SIGINT. */
export function announce(name, port) {
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  process.stdout.write(`${JSON.stringify({ ready: true, server: name, port, pid: process.pid, node: process.version })}\n`);
}

/** Imports the compiled rawhttp build the harness made (RAWHTTP_LIB = its index.js). */
export async function importRawhttp() {
  const entry = process.env.RAWHTTP_LIB;
  if (!entry) throw new Error('RAWHTTP_LIB is not set: run bench/hono.js');
  return import(entry);
}
