// `runDoctor`: walks the path Claude.ai takes to connect a remote MCP server, in its order, and returns one
// finding per step. Works against any server, not only Gatehouse, and talks only to the URL it is given and the
// URLs that server advertises.
import { checkAddresses, checkScheme, parseTarget, type Lookup } from './address.js';
import { AUTHORIZE_TITLE, checkAuthorization } from './authorize.js';
import { CHALLENGE_TITLE, checkChallenge, type ChallengeResult } from './challenge.js';
import { checkClientSetup, TITLES as CLIENT } from './client-registration.js';
import { checkExposedChallenge, checkPreflight, TITLES as CORS } from './cors.js';
import { skip, type Finding } from './finding.js';
import { checkGatewayEndpoint, checkServerName, skippedGateway } from './gateway-endpoints.js';
import { Http } from './http.js';
import { checkClaudePatterns, skippedPatterns } from './claude-patterns.js';
import { checkProtocolEras, skippedEras, TITLES as ERAS } from './protocol-eras.js';
import { checkResourceMetadata, metadataTitle, pathInsertedMetadataUrl, rootMetadataUrl } from './resource-metadata.js';
import { checkServerMetadata, stringList, TITLES as SERVER } from './server-metadata.js';

export interface DoctorOptions {
  /** An access token for the MCP URL: the doctor then lists tools in both protocol eras. */
  token?: string;
  /** Development: plain http and loopback or private addresses are skipped instead of failed. */
  local?: boolean;
  /** Per request; 10 by default. */
  timeoutSeconds?: number;
  /** DNS resolution, replaceable in tests. */
  lookup?: Lookup;
  /** Upstream servers of a Gatehouse gateway: each /mcp/<name> is checked as a protected resource of its own. */
  servers?: readonly string[];
}

export { DoctorUsageError, parseTarget } from './address.js';
export { checkServerName } from './gateway-endpoints.js';
export { exitCodeFor, type Finding, type Status } from './finding.js';

/** Throws DoctorUsageError for a URL that is not one; every other problem is a finding. */
export async function runDoctor(mcpUrl: string, options: DoctorOptions = {}): Promise<Finding[]> {
  const target = parseTarget(mcpUrl);
  const servers = (options.servers ?? []).map(checkServerName);
  const input = mcpUrl.trim();
  const local = options.local ?? false;
  const timeoutMs = (options.timeoutSeconds ?? 10) * 1000;
  const http = new Http(timeoutMs);
  const findings: Finding[] = [checkScheme(target, local)];

  const address = await checkAddresses(target, local, options.lookup, timeoutMs);
  findings.push(address.finding);
  if (!address.resolves) {
    const reason = `${target.hostname} does not resolve`;
    return [...findings, ...skipped(oauthSteps(target), reason), ...skippedGateway(servers, reason), ...laterSteps(reason)];
  }

  const challenge = await checkChallenge(http, target);
  findings.push(challenge.finding);
  if (challenge.state === 'unreachable') {
    const reason = 'the MCP URL cannot be reached';
    return [...findings, ...skipped(oauthSteps(target).slice(1), reason), ...skippedGateway(servers, reason), ...laterSteps(reason)];
  }

  if (challenge.state === 'open') findings.push(...skipped(oauthSteps(target).slice(1), 'the server answers without a token: Claude connects without OAuth'));
  else findings.push(...(await oauthPath(http, target, input, challenge, local)));
  for (const server of servers) findings.push(await checkGatewayEndpoint(http, target, server));

  findings.push(await checkPreflight(http, target));
  findings.push(await checkExposedChallenge(http, target, challenge.state === 'open'));

  if (challenge.state !== 'open' && !options.token) {
    const reason = `pass --token with an access token for ${target.href} to list tools in both protocol eras and replay Claude's requests`;
    return [...findings, ...skippedEras(reason), ...skippedPatterns(reason)];
  }
  const token = challenge.state === 'open' ? undefined : options.token;
  const eras = await checkProtocolEras(http, target, token);
  const serves = (id: string) => eras.find((finding) => finding.id === id)?.status === 'pass';
  findings.push(...eras, ...(await checkClaudePatterns(http, target, token, { legacy: serves('mcp.2025'), modern: serves('mcp.2026') })));
  return findings;
}

/** Steps 3 to 8: discovery, the authorization server, getting a client id, and the authorization request. */
async function oauthPath(http: Http, target: URL, input: string, challenge: ChallengeResult, local: boolean): Promise<Finding[]> {
  const prm = await checkResourceMetadata(http, target, input, challenge.resourceMetadata);
  const findings = [...prm.findings];
  const issuer = prm.document?.authorizationServers[0];
  const server = await checkServerMetadata(http, issuer ?? target.origin, { fromPrm: issuer !== undefined, local });
  findings.push(...server.findings);
  const { metadata } = server;
  if (!metadata) {
    const reason = 'no authorization-server metadata';
    return [
      ...findings,
      ...skipped(
        oauthSteps(target).filter(([id]) => !id.startsWith('prm.') && id !== 'as.metadata' && id !== 'mcp.challenge'),
        reason,
      ),
    ];
  }

  const clients = await checkClientSetup(http, metadata);
  findings.push(...clients.findings);
  try {
    const endpoint = metadata.authorization_endpoint;
    if (!clients.clientId) findings.push(skip('authorize', AUTHORIZE_TITLE, 'Claude would have no client id to ask with'));
    else if (typeof endpoint !== 'string') findings.push(skip('authorize', AUTHORIZE_TITLE, 'no authorization_endpoint advertised'));
    else {
      // Claude honours the challenge's scope; without one it asks for every scope the server lists.
      const scopes = challenge.scope ?? (prm.document?.scopesSupported.length ? prm.document.scopesSupported : stringList(metadata.scopes_supported)).join(' ');
      findings.push(await checkAuthorization(http, { endpoint, clientId: clients.clientId, scope: scopes || undefined, resource: input }));
    }
  } finally {
    if (clients.cleanup) findings.push(await clients.cleanup());
  }
  return findings;
}

type Step = [id: string, title: string];

/** The OAuth steps, for reporting them skipped when an earlier step rules them out. */
function oauthSteps(target: URL): Step[] {
  const path = pathInsertedMetadataUrl(target);
  const root = rootMetadataUrl(target);
  return [
    ['mcp.challenge', CHALLENGE_TITLE],
    ...(path.href !== root.href ? [['prm.path', metadataTitle(path)] as Step] : []),
    ['prm.root', metadataTitle(root)],
    ['as.metadata', SERVER.metadata],
    ['as.issuer', SERVER.issuer],
    ['as.endpoints', SERVER.endpoints],
    ['pkce.s256', SERVER.pkce],
    ['client.cimd', CLIENT.cimd],
    ['client.dcr', CLIENT.dcr],
    ['authorize', AUTHORIZE_TITLE],
  ];
}

const laterSteps = (reason: string): Finding[] => [
  ...skipped(
    [
      ['cors.preflight', CORS.preflight],
      ['cors.expose', CORS.expose],
      ['mcp.2025', ERAS.legacy],
      ['mcp.2026', ERAS.modern],
    ],
    reason,
  ),
  ...skippedPatterns(`skipped: ${reason}`),
];

const skipped = (steps: Step[], reason: string): Finding[] => steps.map(([id, title]) => skip(id, title, `skipped: ${reason}`));
