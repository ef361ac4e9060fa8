// Steps 4 and 5: the authorization server's metadata (RFC 8414, or OpenID Connect discovery), read the way MCP
// clients read it, and what Claude needs from it: an issuer that matches to the character, the two endpoints, the
// code flow, and PKCE with S256.
import { fail, pass, skip, type Finding } from './finding.js';
import { excerpt, fixForUnreachable, jsonObject, reached, type Http } from './http.js';

export type ServerMetadata = Record<string, unknown> & { issuer?: unknown };

export const TITLES = {
  metadata: 'Authorization-server metadata',
  issuer: 'Authorization server issuer',
  endpoints: 'Authorization and token endpoints',
  pkce: 'PKCE with S256',
};

/**
 * Where clients look for an issuer's metadata, in order (MCP 2025-11-25, "Authorization Server Metadata
 * Discovery"): RFC 8414 with path insertion, OpenID Connect with path insertion, OpenID Connect appended.
 */
export function metadataUrls(issuer: URL): URL[] {
  // RFC 8414 §3.1: a terminating slash is removed before inserting the well-known segment.
  const path = issuer.pathname.replace(/\/$/, '');
  const urls = [
    `${issuer.origin}/.well-known/oauth-authorization-server${path}`,
    `${issuer.origin}/.well-known/openid-configuration${path}`,
    `${issuer.origin}${path}/.well-known/openid-configuration`,
  ];
  return [...new Set(urls)].map((url) => new URL(url));
}

/**
 * Finds and reads the metadata of `issuer` (from the PRM, or the MCP origin when no PRM was usable, as clients of
 * the 2025-03-26 revision do).
 */
export async function checkServerMetadata(
  http: Http,
  issuer: string,
  options: { fromPrm: boolean; local: boolean },
): Promise<{ findings: Finding[]; metadata?: ServerMetadata }> {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    const fix = 'list the issuer URL of the authorization server in authorization_servers';
    return { findings: [fail('as.metadata', TITLES.metadata, `the PRM names "${issuer}", which is not a URL`, fix)] };
  }

  const tried: string[] = [];
  let behindAuth: string | undefined;
  let found: { url: URL; metadata: ServerMetadata } | undefined;
  for (const url of metadataUrls(issuerUrl)) {
    const outcome = await http.get(url, { accept: 'application/json' });
    // Every candidate is on the same origin: if one cannot be reached, none can.
    if (!reached(outcome)) return { findings: [fail('as.metadata', TITLES.metadata, outcome.problem, fixForUnreachable(outcome))] };
    const metadata = outcome.status === 200 ? jsonObject(outcome.body) : undefined;
    if (metadata) {
      found = { url, metadata };
      break;
    }
    if (outcome.status === 401 || outcome.status === 403) behindAuth ??= url.href;
    tried.push(`${url.pathname}: ${outcome.status}${outcome.status === 200 ? ` but not JSON (${excerpt(outcome.body, 60)})` : ''}`);
  }

  const where = options.fromPrm ? `the issuer ${issuer}` : `the MCP origin ${issuer} (no usable protected-resource metadata named an authorization server)`;
  if (!found) {
    const rfc8414 = metadataUrls(issuerUrl)[0]!.href;
    const detail = behindAuth
      ? `discovery is behind auth: ${behindAuth} wants a token (${tried.join('; ')})`
      : `no metadata for ${where} (${tried.join('; ')})`;
    const fix = behindAuth
      ? `serve ${new URL(behindAuth).pathname} publicly: clients read it before they have any token`
      : `publish RFC 8414 metadata as JSON at ${rfc8414}`;
    return { findings: [fail('as.metadata', TITLES.metadata, detail, fix)] };
  }

  const { url, metadata } = found;
  const findings: Finding[] = [pass('as.metadata', TITLES.metadata, `${url.href}${tried.length ? ` (after ${tried.join('; ')})` : ''}`)];
  findings.push(checkIssuer(metadata, issuer, options.fromPrm));
  findings.push(checkEndpoints(metadata, options.local));
  findings.push(checkPkce(metadata));
  return { findings, metadata };
}

function checkIssuer(metadata: ServerMetadata, issuer: string, fromPrm: boolean): Finding {
  const { issuer: stated } = metadata;
  if (typeof stated !== 'string' || stated === '')
    return fail('as.issuer', TITLES.issuer, 'the metadata has no issuer', `add "issuer": "${issuer}" (RFC 8414 §2: required)`);
  if (!fromPrm) return skip('as.issuer', TITLES.issuer, `metadata says ${stated}; no PRM named an issuer to compare it with`);
  if (stated === issuer) return pass('as.issuer', TITLES.issuer, stated);
  const bySlash = stated.replace(/\/$/, '') === issuer.replace(/\/$/, '');
  return fail(
    'as.issuer',
    TITLES.issuer,
    `metadata says ${stated} but the PRM names ${issuer}`,
    bySlash
      ? `write the issuer the same way in both places, trailing slash and all: strict clients (Vercel AI SDK, opencode, Codex) compare issuers character by character (RFC 8414 §3.3)`
      : `list the issuer exactly as the metadata states it (${stated}) in the PRM's authorization_servers, or correct the metadata's issuer (RFC 8414 §3.3)`,
  );
}

function checkEndpoints(metadata: ServerMetadata, local: boolean): Finding {
  const problems: string[] = [];
  for (const name of ['authorization_endpoint', 'token_endpoint']) {
    const value = metadata[name];
    if (typeof value !== 'string') {
      problems.push(`no ${name}`);
      continue;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      problems.push(`${name} is not a URL (${value})`);
      continue;
    }
    if (url.protocol !== 'https:' && !local) problems.push(`${name} is not https (${value})`);
  }
  const types = metadata.response_types_supported;
  if (!Array.isArray(types)) problems.push('no response_types_supported');
  else if (!types.includes('code')) problems.push(`response_types_supported is ${JSON.stringify(types)}, without "code"`);
  if (problems.length === 0) {
    return pass('as.endpoints', TITLES.endpoints, `authorize at ${metadata.authorization_endpoint}, tokens at ${metadata.token_endpoint}, response type code`);
  }
  return fail(
    'as.endpoints',
    TITLES.endpoints,
    problems.join('; '),
    'advertise https authorization_endpoint and token_endpoint URLs and "response_types_supported": ["code"] (RFC 8414 §2)',
  );
}

function checkPkce(metadata: ServerMetadata): Finding {
  const methods = metadata.code_challenge_methods_supported;
  const fix = 'support PKCE and advertise "code_challenge_methods_supported": ["S256"]';
  if (!Array.isArray(methods)) {
    return fail('pkce.s256', TITLES.pkce, 'no code_challenge_methods_supported: OAuth 2.1 and MCP clients refuse to go on without it', fix);
  }
  if (!methods.includes('S256')) {
    return fail('pkce.s256', TITLES.pkce, `code_challenge_methods_supported is ${JSON.stringify(methods)}, without S256: MCP clients refuse to go on`, fix);
  }
  return pass('pkce.s256', TITLES.pkce, `code_challenge_methods_supported: ${methods.join(', ')}`);
}

export const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
