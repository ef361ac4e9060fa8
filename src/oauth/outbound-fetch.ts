// Fetching the URLs that clients hand us (client ID metadata documents, their JWKS). A client_id URL is chosen by
// whoever connects, so each fetch is bounded (time, size, no redirects) and refuses non-public addresses, checked
// on the address actually connected to, so DNS rebinding cannot slip past (server-side request forgery).
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32],
  ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) NON_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** True for addresses on the public internet; false for loopback, private, link-local, reserved and the like. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  return !NON_PUBLIC.check(address, 'ipv6');
}

export class OutboundFetchError extends Error {
  override readonly name = 'OutboundFetchError';
}

export interface OutboundFetchOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Development and tests only: allow http:// and non-public addresses. */
  allowLocal: boolean;
}

export interface FetchedJson {
  body: unknown;
  /** The Cache-Control and Age response headers, for caching the result as the publisher asks. */
  cacheControl: string | undefined;
  age: number;
}

/** GETs a JSON document, never following redirects, refusing anything slow, large or not public. */
export async function fetchJson(url: string, options: OutboundFetchOptions): Promise<FetchedJson> {
  const target = new URL(url);
  if (target.protocol !== 'https:' && !(options.allowLocal && target.protocol === 'http:')) throw new OutboundFetchError('only https URLs are fetched');
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !options.allowLocal && !isPublicAddress(host)) throw new OutboundFetchError(`${host} is not a public address`);

  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<FetchedJson>((resolve, reject) => {
    const fail = (message: string) => {
      req.destroy();
      reject(new OutboundFetchError(message));
    };
    const timer = setTimeout(() => fail(`no complete answer within ${options.timeoutMs} ms`), options.timeoutMs);
    const req = request(
      target,
      { method: 'GET', headers: { accept: 'application/json' }, lookup: options.allowLocal ? undefined : publicOnlyLookup, agent: false },
      (response) => {
        readBody(response, options.maxBytes).then(
          (text) => {
            clearTimeout(timer);
            let body: unknown;
            try {
              body = JSON.parse(text);
            } catch {
              return reject(new OutboundFetchError('the document is not valid JSON'));
            }
            resolve({ body, cacheControl: response.headers['cache-control'], age: Number(response.headers.age) || 0 });
          },
          (error: Error) => {
            clearTimeout(timer);
            reject(error instanceof OutboundFetchError ? error : new OutboundFetchError(error.message));
          },
        );
      },
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error instanceof OutboundFetchError ? error : new OutboundFetchError(`fetch failed: ${error.message}`));
    });
    req.end();
  });
}

function readBody(response: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) return reject(new OutboundFetchError(`answered ${status}: redirects are not followed`));
    if (status !== 200) return reject(new OutboundFetchError(`answered ${status}, not 200`));
    if (Number(response.headers['content-length']) > maxBytes) return reject(new OutboundFetchError(`larger than ${maxBytes} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new OutboundFetchError(`larger than ${maxBytes} bytes`));
      } else chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

/** A DNS lookup that fails when any address the name resolves to is not public. */
function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused) return callback(new OutboundFetchError(`${hostname} resolves to ${refused.address}, which is not a public address`), []);
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}
