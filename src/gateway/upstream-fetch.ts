// The fetch the SDK's HTTP transports reach upstream servers with: node:http(s) over keep-alive agents, which cost
// the SDK client about half the CPU undici's fetch did (README, Performance). An event stream is handed over as it
// arrives; any other answer is read whole, up to a bound, since the transport reads it whole anyway.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/client';
import { readIncomingBody } from '../http/body.js';

/** The largest answer read whole: an upstream sending more is cut off with an error. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 256 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }) };

export const upstreamFetch: FetchLike = (input, init = {}) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(abortError(signal));
    const request = (secure ? httpsRequest : httpRequest)(
      url,
      { method: init.method ?? 'GET', headers, agent: secure ? agents.https : agents.http },
      (answer) => {
        readAnswer(answer).then(resolve, reject);
      },
    );
    const abort = () => request.destroy(abortError(signal!));
    signal?.addEventListener('abort', abort, { once: true });
    request.once('close', () => signal?.removeEventListener('abort', abort));
    request.once('error', reject);
    request.end(typeof init.body === 'string' ? init.body : undefined);
  });

async function readAnswer(answer: IncomingMessage): Promise<Response> {
  const status = answer.statusCode ?? 502;
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  if (status === 204 || status === 304 || answer.method === 'HEAD') {
    answer.resume();
    return new Response(null, { status, headers });
  }
  if ((headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    return new Response(Readable.toWeb(answer) as ReadableStream<Uint8Array>, { status, headers });
  }
  const read = await readIncomingBody(answer, MAX_ANSWER_BYTES);
  if (read.tooLarge) {
    answer.destroy();
    throw new Error(`the upstream's answer is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`);
  }
  return new Response(read.text, { status, headers });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}
