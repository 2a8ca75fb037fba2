// The handler module each serveWorkers() thread imports: the hello scenario.
import { HELLO } from '../servers/common.js';

export default function hello(_req, res) {
  res.status(200).header('content-type', 'text/plain').end(HELLO);
}
