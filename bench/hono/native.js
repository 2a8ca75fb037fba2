// The same three routes on rawhttp's native (req, res) API: the ceiling the
// fetch adapter is measured against.
import { announce, importRawhttp } from './app.js';

const { serve } = await importRawhttp();
const JSON_BODY = JSON.stringify({ message: 'Hello, World!' });
const server = await serve({ port: 0, host: '127.0.0.1' }, async (req, res) => {
  const path = req.path;
  if (req.method === 'GET' && path === '/json') {
    res.header('content-type', 'application/json').end(JSON_BODY);
  } else if (req.method === 'GET' && path.startsWith('/hello/') && path.indexOf('/', 7) === -1) {
    res.header('content-type', 'text/plain; charset=UTF-8').end(`Hello, ${decodeURIComponent(path.slice(7))}!`);
  } else if (req.method === 'POST' && path === '/echo') {
    const body = await req.json();
    res.header('content-type', 'application/json').end(JSON.stringify(body));
  } else {
    res.status(404).header('content-type', 'text/plain; charset=UTF-8').end('404 Not Found');
  }
});
announce('rawhttp-native', server.port);
