// Baseline: the fastest a Node HTTP server answers on this machine (no framework, no I/O).
import http from 'node:http';
import { announceReady } from '../targets/child-process';

const body = Buffer.from('hello');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => announceReady(server));
