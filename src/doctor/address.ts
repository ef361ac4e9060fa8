// Step 1: the URL itself. Claude connects from Anthropic's cloud, over https only, to public IPv4 addresses only;
// a connector URL that fails here never gets further, however well the server behind it behaves.
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { isPublicAddress } from '../oauth/outbound-fetch.js';
import { CLAUDE_EGRESS } from './claude.js';
import { fail, pass, skip, warn, type Finding } from './finding.js';

export class DoctorUsageError extends Error {}

/** Parses what the operator typed; anything that is not an http(s) URL is a usage error, not a finding. */
export function parseTarget(input: string): URL {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new DoctorUsageError(`not a URL: ${input}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DoctorUsageError(`not an http(s) URL: ${input}`);
  if (url.hash) throw new DoctorUsageError(`an MCP URL has no #fragment: ${input}`);
  return url;
}

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const NAMED_RANGES = new Map<string, BlockList>();
for (const [name, network, prefix] of [
  ['loopback', '127.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['link-local', '169.254.0.0', 16],
  ['carrier-grade NAT', '100.64.0.0', 10],
] as const) {
  const list = NAMED_RANGES.get(name) ?? new BlockList();
  list.addSubnet(network, prefix, 'ipv4');
  NAMED_RANGES.set(name, list);
}

/** "public", or why an IPv4 address is not: loopback, private, link-local, carrier-grade NAT, reserved. */
export function kindOfIPv4(address: string): string {
  if (isPublicAddress(address)) return 'public';
  for (const [name, list] of NAMED_RANGES) if (list.check(address, 'ipv4')) return name;
  return 'reserved';
}

export function checkScheme(url: URL, local: boolean): Finding {
  const title = 'Served over https';
  if (url.protocol === 'https:') return pass('url.https', title, url.origin);
  if (local) return skip('url.https', title, `${url.origin} is plain http, allowed by --local; Claude itself connects only over https`);
  return fail(
    'url.https',
    title,
    `${url.origin} is plain http: Claude reaches connectors only over https`,
    "serve the MCP endpoint over https with a certificate from a public CA, e.g. behind a TLS-terminating proxy (Caddy, nginx with Let's Encrypt) or your platform's https front, and give Claude the https URL",
  );
}

/** Whether the host resolves, and to addresses Claude can reach. `resolves` false means nothing further can be tried. */
export async function checkAddresses(
  url: URL,
  local: boolean,
  lookup: Lookup = systemLookup,
  timeoutMs = 10_000,
): Promise<{ finding: Finding; resolves: boolean }> {
  const id = 'url.address';
  const title = 'Host resolves to public IPv4 addresses';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await withTimeout(lookup(host), timeoutMs);
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).message;
    const fix = `publish a DNS A record for ${host} pointing at the server's public IPv4 address`;
    return { resolves: false, finding: fail(id, title, `${host} does not resolve: ${code}`, fix) };
  }
  if (addresses.length === 0) return { resolves: false, finding: fail(id, title, `${host} resolves to no address`, `publish a DNS A record for ${host}`) };

  const v4 = addresses.filter((entry) => entry.family === 4).map((entry) => entry.address);
  const v6 = addresses.filter((entry) => entry.family === 6).map((entry) => entry.address);
  const kinds = v4.map((address) => ({ address, kind: kindOfIPv4(address) }));
  const publicV4 = kinds.filter((entry) => entry.kind === 'public').map((entry) => entry.address);
  const others = kinds.filter((entry) => entry.kind !== 'public').map((entry) => `${entry.address} (${entry.kind})`);
  const literal = isIP(host) !== 0;
  const listed = literal
    ? `${host} is ${kinds[0] ? `a ${kinds[0].kind}` : 'an IPv6'} address`
    : `${host} resolves to ${[...publicV4, ...others, ...v6].join(', ')}`;

  if (publicV4.length > 0 && others.length === 0) return { resolves: true, finding: pass(id, title, listed) };
  if (local) return { resolves: true, finding: skip(id, title, `${listed}: allowed by --local; Claude reaches only public IPv4 addresses`) };
  if (publicV4.length > 0) {
    return {
      resolves: true,
      finding: warn(
        id,
        title,
        `${host} resolves to public ${publicV4.join(', ')} but also to ${others.join(', ')}, which Claude cannot reach`,
        `publish only public addresses for ${host} in public DNS (keep internal ones in split-horizon DNS)`,
      ),
    };
  }
  if (v4.length === 0) {
    return {
      resolves: true,
      finding: fail(
        id,
        title,
        `${literal ? listed : `${host} resolves only to IPv6 (${v6.join(', ')})`}: Claude connects over IPv4 only`,
        literal
          ? 'give Claude a URL whose host has a public IPv4 address'
          : `add a DNS A record for ${host} with a public IPv4 address (a proxy or load balancer with IPv4 in front will do)`,
      ),
    };
  }
  return {
    resolves: true,
    finding: fail(
      id,
      title,
      `${listed}: Claude connects from Anthropic's cloud (${CLAUDE_EGRESS}) and reaches only public IPv4 addresses`,
      `expose the server on a public IPv4 address (a reverse proxy or load balancer with a public IP; for a quick test, a tunnel such as cloudflared or ngrok) and give Claude that URL`,
    ),
  };
}

// getaddrinfo cannot be cancelled, but the doctor need not wait for it.
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: `no answer within ${ms / 1000} s` })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
