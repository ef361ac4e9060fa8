// Step 3: protected-resource metadata (RFC 9728). Claude reads the document the challenge names, or the
// path-inserted well-known URL, and also the root one, where a 404 breaks it. The document must be public and name
// this MCP URL as its resource and at least one authorization server.
import { fail, pass, warn, type Finding } from './finding.js';
import { excerpt, fixForUnreachable, jsonObject, reached, redirectTarget, type Http, type Outcome } from './http.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** RFC 9728 §3.1: the well-known segment goes between the host and the resource's path. */
export const pathInsertedMetadataUrl = (mcpUrl: URL) =>
  new URL(`${mcpUrl.origin}${WELL_KNOWN}${mcpUrl.pathname === '/' ? '' : mcpUrl.pathname}${mcpUrl.search}`);

export const rootMetadataUrl = (mcpUrl: URL) => new URL(`${mcpUrl.origin}${WELL_KNOWN}`);

export const metadataTitle = (url: URL, named = false) =>
  named ? `Protected-resource metadata named by the challenge (${url.href})` : `Protected-resource metadata at ${url.pathname}${url.search}`;

export interface ResourceMetadata {
  url: URL;
  resource: string;
  authorizationServers: string[];
  scopesSupported: string[];
}

interface Location {
  id: string;
  url: URL;
  /** Whether `resource` must be this MCP URL here (the path-inserted and challenge-named documents). */
  namesThisResource: boolean;
  named: boolean;
}

type Reading = { document: ResourceMetadata; finding: Finding } | { document?: undefined; finding: Finding; missing: boolean };

export async function checkResourceMetadata(
  http: Http,
  mcpUrl: URL,
  mcpInput: string,
  named: URL | undefined,
): Promise<{ findings: Finding[]; document?: ResourceMetadata }> {
  const pathUrl = pathInsertedMetadataUrl(mcpUrl);
  const rootUrl = rootMetadataUrl(mcpUrl);
  const locations: Location[] = [];
  if (named && named.href !== pathUrl.href && named.href !== rootUrl.href)
    locations.push({ id: 'prm.challenge', url: named, namesThisResource: true, named: true });
  if (pathUrl.href !== rootUrl.href) locations.push({ id: 'prm.path', url: pathUrl, namesThisResource: true, named: false });
  locations.push({ id: 'prm.root', url: rootUrl, namesThisResource: pathUrl.href === rootUrl.href, named: false });

  const readings = await Promise.all(
    locations.map(async (location) => readDocument(location, await http.get(location.url, { accept: 'application/json' }), mcpUrl, mcpInput)),
  );

  // A 404 at the path-inserted URL hurts only clients that look nowhere else; Claude follows the challenge and the root.
  const usable =
    readings.find((reading, i) => reading.document && locations[i]!.namesThisResource && reading.finding.status !== 'fail') ??
    readings.find((reading) => reading.document);
  const findings = readings.map((reading, i) => {
    const location = locations[i]!;
    if (location.id === 'prm.path' && !reading.document && reading.missing && usable?.document && usable.finding.status === 'pass') {
      const detail = `${reading.finding.detail}; Claude still finds the document at ${usable.document.url.pathname}`;
      return warn(location.id, reading.finding.title, detail, reading.finding.fix!);
    }
    return reading.finding;
  });
  return { findings, ...(usable?.document && { document: usable.document }) };
}

function readDocument(location: Location, outcome: Outcome, mcpUrl: URL, mcpInput: string): Reading {
  const { id, url } = location;
  const title = metadataTitle(url, location.named);
  const broken = (detail: string, fix: string, missing = false): Reading => ({ finding: fail(id, title, detail, fix), missing });
  const shape = `{"resource": "${mcpInput}", "authorization_servers": ["<issuer>"]}`;
  if (!reached(outcome)) return broken(outcome.problem, fixForUnreachable(outcome));
  const { status } = outcome;
  if (status === 401 || status === 403) {
    return broken(
      `${status}: discovery is behind auth; clients read this document before they have any token`,
      `serve ${url.pathname} publicly: exempt /.well-known/* from the authentication middleware`,
    );
  }
  if (status === 404) {
    const fix = {
      'prm.root': `serve the protected-resource metadata at ${url.pathname} too (the same document will do): Claude looks there and gives up on a 404`,
      'prm.path': `serve the metadata for ${mcpInput} at ${url.href} (RFC 9728 §3.1)`,
      'prm.challenge': `serve the metadata at ${url.href}, or make the challenge's resource_metadata name the URL where it is served`,
    }[id]!;
    return broken('404', fix, true);
  }
  const target = redirectTarget(outcome);
  if (target) return broken(`${status} redirect to ${target.href}, which leaves ${url.origin}`, `serve the document at ${url.href} itself`);
  const said = excerpt(outcome.body, 100);
  if (status !== 200) return broken(`${status}${said && `: ${said}`}`, `answer GET ${url.pathname} with 200 and ${shape}`);

  const body = jsonObject(outcome.body);
  if (!body) {
    const looksLikePage = /^\s*</.test(outcome.body);
    return broken(
      looksLikePage ? 'an HTML page, not JSON (a catch-all route of a web app?)' : `not a JSON object: ${excerpt(outcome.body, 100)}`,
      `answer with Content-Type: application/json and ${shape}`,
    );
  }
  const servers = Array.isArray(body.authorization_servers) ? body.authorization_servers.filter((s): s is string => typeof s === 'string' && s !== '') : [];
  if (servers.length === 0)
    return broken('no authorization_servers: Claude cannot tell where to sign the user in', `list the authorization server's issuer: ${shape}`);
  if (typeof body.resource !== 'string') return broken('no resource', `name the MCP URL as the resource: ${shape}`);
  const document: ResourceMetadata = {
    url,
    resource: body.resource,
    authorizationServers: servers,
    scopesSupported: Array.isArray(body.scopes_supported) ? body.scopes_supported.filter((s): s is string => typeof s === 'string') : [],
  };
  const names = `resource ${document.resource}, authorization server ${servers.join(', ')}`;
  if (location.namesThisResource && !sameResource(document.resource, mcpUrl, mcpInput)) {
    const fix = `set "resource" to ${mcpInput}, exactly the URL Claude is given (RFC 9728 §3.3: clients reject any other)`;
    const nearly = document.resource.replace(/\/$/, '') === mcpInput.replace(/\/$/, '');
    const detail = `resource is ${document.resource}, not the MCP URL ${mcpInput}`;
    return { document, finding: nearly ? warn(id, title, `${detail} (they differ by a trailing slash)`, fix) : fail(id, title, detail, fix) };
  }
  return { document, finding: pass(id, title, names) };
}

/** The same URL, spelled either way: `https://host` and `https://host/` are one resource (the origin). */
function sameResource(resource: string, mcpUrl: URL, mcpInput: string): boolean {
  if (resource === mcpInput || resource === mcpUrl.href) return true;
  try {
    return new URL(resource).href === mcpUrl.href;
  } catch {
    return false;
  }
}
