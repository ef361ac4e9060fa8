// The conformance suite's server scenarios send no credentials. This loopback proxy stands in for an MCP client
// that finished a real OAuth flow: it adds the Bearer token Gatehouse issued and forwards everything else as is,
// streaming both ways (SSE included). Like any reverse proxy it presents the upstream as its own origin, so a
// request from the proxy's own origin reaches Gatehouse as same-origin. Test-only: Gatehouse has no backdoor.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startBearerProxy(target: string, accessToken: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  let ownOrigin = '';
  const server: Server = createServer((incoming, outgoing) => {
    const headers = { ...incoming.headers, authorization: `Bearer ${accessToken}` };
    if (headers.host === new URL(ownOrigin).host) headers.host = upstream.host;
    if (headers.origin === ownOrigin) headers.origin = upstream.origin;
    const forwarded = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: upstream.pathname + (incoming.url?.includes('?') ? incoming.url.slice(incoming.url.indexOf('?')) : ''),
        headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    outgoing.on('close', () => forwarded.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ownOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${ownOrigin}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
