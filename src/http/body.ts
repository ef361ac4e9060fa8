// Reads a request body as text, bounded. On Node it reads the socket stream directly: building a web
// ReadableStream for each request costs as much as the rest of a small MCP call.
import type { IncomingMessage } from 'node:http';
import { readRequestBody } from '@modelcontextprotocol/server';
import type { Context } from 'hono';

export type BodyText = { tooLarge: true } | { tooLarge: false; text: string };

export async function readBodyText(c: Context, maxBytes: number): Promise<BodyText> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || incoming.readableDidRead) return readRequestBody(c.req.raw, maxBytes);
  if (Number(incoming.headers['content-length']) > maxBytes) return { tooLarge: true };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return { tooLarge: true };
    chunks.push(chunk);
  }
  return { tooLarge: false, text: Buffer.concat(chunks).toString('utf8') };
}
