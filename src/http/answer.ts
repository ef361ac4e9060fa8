// An HTTP answer before it is bound to a server: the MCP endpoint gives one, and whichever way the request came in
// (a Web Request through the app, or Node's own request through the MCP door) turns it into what goes out.
import type { ServerResponse } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Readonly<Record<string, string>>;
  /** Text, or a stream of bytes (an event stream); null for no body. */
  body: string | ReadableStream<Uint8Array> | null;
}

/** An answer whose body is text, known in full. */
export type TextAnswer = HttpAnswer & { body: string };

export const jsonAnswer = (status: number, value: unknown): TextAnswer => ({
  status,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(value),
});

export function toResponse(answer: HttpAnswer | Response): Response {
  return answer instanceof Response ? answer : new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * Sends `answer` on Node's own response, after `headers` (the ones every answer carries), and resolves once it is
 * written. A stream is written as it comes, and abandoned when the client goes away.
 */
export async function writeAnswer(response: ServerResponse, answer: HttpAnswer | Response, headers: Readonly<Record<string, string>>): Promise<void> {
  if (answer instanceof Response) {
    const sent = { ...headers, ...Object.fromEntries(answer.headers) };
    // Only an event stream is sent as it comes; any other body is whole before it goes, with its length.
    if (answer.headers.get('content-type')?.startsWith('text/event-stream')) {
      response.writeHead(answer.status, sent);
      return writeStream(response, answer.body);
    }
    const body = Buffer.from(await answer.arrayBuffer());
    response.writeHead(answer.status, { ...sent, 'Content-Length': String(body.length) });
    return void response.end(body);
  }
  const { body } = answer;
  if (typeof body === 'string' || body === null) {
    response.writeHead(answer.status, { ...headers, ...answer.headers, 'Content-Length': String(body === null ? 0 : Buffer.byteLength(body)) });
    response.end(body ?? undefined);
    return;
  }
  response.writeHead(answer.status, { ...headers, ...answer.headers });
  return writeStream(response, body);
}

async function writeStream(response: ServerResponse, body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (body === null) return void response.end();
  const reader = body.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  response.once('close', stop);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || response.destroyed) break;
      response.write(value);
    }
  } catch {
    // The stream failed or was cancelled because the client went away: nothing more to send.
  } finally {
    response.off('close', stop);
    response.end();
  }
}
