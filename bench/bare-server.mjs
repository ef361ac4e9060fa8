// The hardware reference: a bare node:http server answering every POST with a fixed JSON-RPC result, as cheaply
// as Node can. Gatehouse's figures are reported as ratios to this, measured in the same run.
import { createServer } from 'node:http';

// BARE_RESPONSE ({ status, headers, body }) makes it send other bytes: the bench passes Gatehouse's own 401, to
// show what sending that larger answer costs Node and the load generator alone.
const fixed = process.env.BARE_RESPONSE
  ? JSON.parse(process.env.BARE_RESPONSE)
  : {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'ok' }] } }),
    };
const headers = { ...fixed.headers, 'content-length': Buffer.byteLength(fixed.body) };
// BARE_WORK_US keeps the CPU busy that long before each answer: what a server that spends so much per request can
// reach here, the same answer otherwise (the bench's calibration of its ratios).
const workMs = Number(process.env.BARE_WORK_US ?? 0) / 1000;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (workMs > 0) for (const until = performance.now() + workMs; performance.now() < until;);
    res.writeHead(fixed.status, headers);
    res.end(fixed.body);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
