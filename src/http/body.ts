// Reads a request body as text, bounded. On Node it reads the socket stream directly: building a web
// ReadableStream for each request costs as much as the rest of a small MCP call.
import type { IncomingMessage } from 'node:http';
import { readRequestBody } from '@modelcontextprotocol/server';
import type { Context } from 'hono';

export type BodyText = { tooLarge: true } | { tooLarge: false; text: string };

export function readBodyText(c: Context, maxBytes: number): Promise<BodyText> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // A body the MCP door read already reaches the app as rawBody (@hono/node-server's convention), in the Request.
  if (!incoming || incoming.readableDidRead) return readRequestBody(c.req.raw, maxBytes);
  return readIncomingBody(incoming, maxBytes);
}

/** The body of Node's own request, bounded; it stops reading at the bound (the answer then closes the connection). */
export function readIncomingBody(incoming: IncomingMessage, maxBytes: number): Promise<BodyText> {
  if (Number(incoming.headers['content-length']) > maxBytes) return Promise.resolve({ tooLarge: true });
  // Events rather than `for await`: an async iterator per request costs more than the small body it reads.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      done();
      incoming.pause();
      resolve({ tooLarge: true });
    };
    const onEnd = () => {
      done();
      resolve({ tooLarge: false, text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8') });
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    // A client gone before its body ended leaves neither an end nor, always, an error.
    const onClose = () => onError(new Error('the request closed before its body ended'));
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}
