// Fetching the URLs that clients hand us (client ID metadata documents, their JWKS). A client_id URL is chosen by
// whoever connects, so each fetch is bounded (time, size, no redirects) and refuses non-public addresses, checked
// on the address actually connected to, so DNS rebinding cannot slip past (server-side request forgery).
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

/**
 * Every address that is not on the public internet, by one table (IANA's special-purpose registries). IPv6 is
 * global only inside 2000::/3 (RFC 4291 §2.4); everything outside it is refused as a whole, which includes the
 * spellings that embed an IPv4 address (::/96 IPv4-compatible, ::ffff:0:0/96 IPv4-mapped, 64:ff9b::/96 NAT64), so
 * [::ffff:127.0.0.1] is never a way to reach 127.0.0.1.
 */
const NON_PUBLIC_RANGES: readonly [network: string, prefix: number, family: 'ipv4' | 'ipv6', what: string][] = [
  ['0.0.0.0', 8, 'ipv4', 'this network'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared address space (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (cloud metadata services)'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.88.99.0', 24, 'ipv4', '6to4 relay anycast'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved, and broadcast'],
  ['::', 3, 'ipv6', 'outside 2000::/3: unspecified, loopback, IPv4-compatible, IPv4-mapped, NAT64, discard'],
  ['4000::', 2, 'ipv6', 'outside 2000::/3: unassigned'],
  ['8000::', 1, 'ipv6', 'outside 2000::/3: unique local, link-local, site-local, multicast'],
  ['2001::', 23, 'ipv6', 'IETF protocol assignments (Teredo, which embeds an IPv4 address, among them)'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['2002::', 16, 'ipv6', '6to4, which embeds an IPv4 address'],
  ['3fff::', 20, 'ipv6', 'documentation'],
];
// One list per family: a BlockList also matches IPv4 addresses against IPv6 rules (as IPv4-mapped), which ::/3 covers.
const NON_PUBLIC = { ipv4: new BlockList(), ipv6: new BlockList() };
for (const [network, prefix, family] of NON_PUBLIC_RANGES) NON_PUBLIC[family].addSubnet(network, prefix, family);

/** True for addresses on the public internet; false for loopback, private, link-local, reserved and the like. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address) === 4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : undefined;
  return family !== undefined && !NON_PUBLIC[family].check(address, family);
}

/**
 * A fetch that failed. `publicReason` is what the client may be told; the message can name addresses and resolver
 * errors (how this server's network resolves names), which go to the log only.
 */
export class OutboundFetchError extends Error {
  override readonly name = 'OutboundFetchError';

  constructor(
    readonly publicReason: string,
    detail = publicReason,
  ) {
    super(detail);
  }
}

/** Any failure to reach a host, told the same way: which one it was would map this server's network for a stranger. */
const UNREACHABLE = 'it could not be fetched from a public address';
const unreachable = (detail: string) => new OutboundFetchError(UNREACHABLE, detail);

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
  if (target.protocol !== 'https:' && !(options.allowLocal && target.protocol === 'http:')) throw new OutboundFetchError('it is not an https URL');
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !options.allowLocal && !isPublicAddress(host)) throw unreachable(`${host} is not a public address`);

  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<FetchedJson>((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(unreachable(`no complete answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
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
              return reject(new OutboundFetchError('it is not valid JSON'));
            }
            resolve({ body, cacheControl: response.headers['cache-control'], age: Number(response.headers.age) || 0 });
          },
          (error: Error) => {
            clearTimeout(timer);
            reject(error instanceof OutboundFetchError ? error : unreachable(`the answer broke off: ${error.message}`));
          },
        );
      },
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error instanceof OutboundFetchError ? error : unreachable(`fetch failed: ${error.message}`));
    });
    req.end();
  });
}

function readBody(response: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) return reject(new OutboundFetchError(`it answered ${status}: redirects are not followed`));
    if (status !== 200) return reject(new OutboundFetchError(`it answered ${status}, not 200`));
    if (Number(response.headers['content-length']) > maxBytes) return reject(new OutboundFetchError(`it is larger than ${maxBytes} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new OutboundFetchError(`it is larger than ${maxBytes} bytes`));
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
    if (refused) return callback(unreachable(`${hostname} resolves to ${refused.address}, which is not a public address`), []);
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}
