// How people prove who they are (AUTH_MODE and the provider settings), parsed from the environment config.ts read.
//   local, oidc, github  Gatehouse is the authorization server; people sign in with a password, at an OIDC
//                        provider, or at GitHub (several may be offered together).
//   external             Gatehouse is only the protected resource: it trusts another authorization server's tokens.
import { z } from 'zod';

/** Who may sign in through an upstream provider: everyone it authenticates, or those matching a list. */
export interface Allowlist {
  anyone: boolean;
  /** OIDC: email domains (of verified emails); GitHub: user logins. Lower case. */
  names: string[];
  /** OIDC: values of the groups claim; GitHub: organisation logins. Lower case for GitHub. */
  groups: string[];
}

export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Unset for a public client (PKCE only). */
  clientSecret: string | undefined;
  scopes: string[];
  /** The button on the sign-in page: "Sign in with …". */
  label: string;
  allow: Allowlist;
  /** The claim listing a user's groups (Keycloak, Okta, Entra ID put it in the ID token when configured). */
  groupsClaim: string;
}

export interface GitHubSettings {
  clientId: string;
  clientSecret: string;
  allow: Allowlist;
  /** https://github.com, or a GitHub Enterprise Server. */
  webUrl: string;
  /** https://api.github.com, or the server's /api/v3. */
  apiUrl: string;
}

export interface ExternalSettings {
  /** Authorization servers whose tokens are accepted, as their `iss` says. */
  issuers: string[];
  /** The `aud` tokens must carry; unset: the MCP endpoint's URL (RFC 8707). */
  audience: string | undefined;
  /** Where the signing keys are; unset: discovered from each issuer's metadata. */
  jwksUrl: string | undefined;
  /** Provider scope → the MCP scopes it grants (`*` grants to every valid token). */
  scopeMap: Map<string, string[]>;
  /** RFC 7662 introspection for opaque (non-JWT) tokens. */
  introspection: { url: string; clientId: string; clientSecret: string } | undefined;
}

export interface AuthConfig {
  /** Sign-in methods of Gatehouse's own authorization server; all off in external mode. */
  local: boolean;
  oidc: OidcSettings | undefined;
  github: GitHubSettings | undefined;
  external: ExternalSettings | undefined;
  /** Keep upstream access and refresh tokens (encrypted) so tools can call the provider's API for the user. */
  keepUpstreamTokens: boolean;
}

export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}

const MODES = ['local', 'oidc', 'github', 'external'] as const;
const MCP_SCOPES = new Set(['mcp:tools', 'mcp:resources', 'mcp:prompts']);

export const AUTH_ENV = {
  AUTH_MODE: z.string().default('local'),
  OIDC_ISSUER: z.string().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_SCOPES: z.string().default('openid email profile'),
  OIDC_NAME: z.string().max(60).optional(),
  OIDC_ALLOWED_DOMAINS: z.string().default(''),
  OIDC_ALLOWED_GROUPS: z.string().default(''),
  OIDC_GROUPS_CLAIM: z.string().default('groups'),
  GITHUB_CLIENT_ID: z.string().optional(),
  GITHUB_CLIENT_SECRET: z.string().optional(),
  GITHUB_ALLOWED_USERS: z.string().default(''),
  GITHUB_ALLOWED_ORGS: z.string().default(''),
  GITHUB_URL: z.string().default('https://github.com'),
  GITHUB_API_URL: z.string().default('https://api.github.com'),
  KEEP_UPSTREAM_TOKENS: z.enum(['true', 'false']).default('false'),
  EXTERNAL_ISSUER: z.string().optional(),
  EXTERNAL_AUDIENCE: z.string().optional(),
  EXTERNAL_JWKS_URL: z.string().optional(),
  EXTERNAL_SCOPE_MAP: z.string().default(''),
  EXTERNAL_INTROSPECTION_URL: z.string().optional(),
  EXTERNAL_CLIENT_ID: z.string().optional(),
  EXTERNAL_CLIENT_SECRET: z.string().optional(),
};

type AuthEnv = z.output<z.ZodObject<typeof AUTH_ENV>>;

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export function authConfig(e: AuthEnv): AuthConfig {
  const modes = new Set(list(e.AUTH_MODE.toLowerCase()));
  for (const mode of modes) {
    if (!(MODES as readonly string[]).includes(mode)) throw new AuthConfigError(`AUTH_MODE: "${mode}" is not one of ${MODES.join(', ')}`);
  }
  if (modes.size === 0) throw new AuthConfigError('AUTH_MODE: name at least one of local, oidc, github, or external');
  if (modes.has('external') && modes.size > 1) {
    throw new AuthConfigError('AUTH_MODE=external stands alone: Gatehouse is then no authorization server and signs no one in');
  }
  return {
    local: modes.has('local'),
    oidc: modes.has('oidc') ? oidcSettings(e) : undefined,
    github: modes.has('github') ? githubSettings(e) : undefined,
    external: modes.has('external') ? externalSettings(e) : undefined,
    keepUpstreamTokens: e.KEEP_UPSTREAM_TOKENS === 'true',
  };
}

function oidcSettings(e: AuthEnv): OidcSettings {
  if (!e.OIDC_ISSUER || !e.OIDC_CLIENT_ID)
    throw new AuthConfigError('AUTH_MODE=oidc needs OIDC_ISSUER and OIDC_CLIENT_ID (and OIDC_CLIENT_SECRET for a confidential client)');
  const issuer = upstreamUrl('OIDC_ISSUER', e.OIDC_ISSUER, { exact: true });
  const scopes = e.OIDC_SCOPES.split(/\s+/).filter(Boolean);
  if (!scopes.includes('openid')) scopes.unshift('openid');
  const allow = allowlist(e.OIDC_ALLOWED_DOMAINS, e.OIDC_ALLOWED_GROUPS, false);
  if (!allow) {
    throw new AuthConfigError(
      'AUTH_MODE=oidc needs OIDC_ALLOWED_DOMAINS or OIDC_ALLOWED_GROUPS (OIDC_ALLOWED_DOMAINS=* admits everyone the provider signs in)',
    );
  }
  return {
    issuer,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    scopes,
    label: e.OIDC_NAME ?? new URL(issuer).hostname,
    allow,
    groupsClaim: e.OIDC_GROUPS_CLAIM,
  };
}

function githubSettings(e: AuthEnv): GitHubSettings {
  if (!e.GITHUB_CLIENT_ID || !e.GITHUB_CLIENT_SECRET)
    throw new AuthConfigError('AUTH_MODE=github needs GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (an OAuth app)');
  const allow = allowlist(e.GITHUB_ALLOWED_USERS, e.GITHUB_ALLOWED_ORGS, true);
  if (!allow) {
    throw new AuthConfigError('AUTH_MODE=github needs GITHUB_ALLOWED_USERS or GITHUB_ALLOWED_ORGS (GITHUB_ALLOWED_USERS=* admits every GitHub account)');
  }
  return {
    clientId: e.GITHUB_CLIENT_ID,
    clientSecret: e.GITHUB_CLIENT_SECRET,
    allow,
    webUrl: upstreamUrl('GITHUB_URL', e.GITHUB_URL),
    apiUrl: upstreamUrl('GITHUB_API_URL', e.GITHUB_API_URL),
  };
}

function externalSettings(e: AuthEnv): ExternalSettings {
  const issuers = list(e.EXTERNAL_ISSUER ?? '').map((issuer) => upstreamUrl('EXTERNAL_ISSUER', issuer, { exact: true }));
  if (issuers.length === 0) throw new AuthConfigError('AUTH_MODE=external needs EXTERNAL_ISSUER: the authorization server(s) whose tokens to accept');
  if (e.EXTERNAL_JWKS_URL && issuers.length > 1) throw new AuthConfigError('EXTERNAL_JWKS_URL serves one issuer; with several, their keys are discovered');
  const introspection = e.EXTERNAL_INTROSPECTION_URL
    ? {
        url: upstreamUrl('EXTERNAL_INTROSPECTION_URL', e.EXTERNAL_INTROSPECTION_URL),
        clientId: e.EXTERNAL_CLIENT_ID ?? '',
        clientSecret: e.EXTERNAL_CLIENT_SECRET ?? '',
      }
    : undefined;
  if (introspection && (!introspection.clientId || !introspection.clientSecret)) {
    throw new AuthConfigError('EXTERNAL_INTROSPECTION_URL needs EXTERNAL_CLIENT_ID and EXTERNAL_CLIENT_SECRET to authenticate to it');
  }
  return {
    issuers,
    audience: e.EXTERNAL_AUDIENCE,
    jwksUrl: e.EXTERNAL_JWKS_URL && upstreamUrl('EXTERNAL_JWKS_URL', e.EXTERNAL_JWKS_URL),
    scopeMap: scopeMap(e.EXTERNAL_SCOPE_MAP),
    introspection,
  };
}

/** `*` admits anyone; otherwise whoever is on either list. Undefined when both lists are empty. */
function allowlist(names: string, groups: string, lowerCaseGroups: boolean): Allowlist | undefined {
  const nameList = list(names).map((name) => name.toLowerCase().replace(/^@/, ''));
  const groupList = list(groups).map((group) => (lowerCaseGroups ? group.toLowerCase() : group));
  if (nameList.length === 0 && groupList.length === 0) return undefined;
  return { anyone: nameList.includes('*'), names: nameList.filter((name) => name !== '*'), groups: groupList };
}

/** "provider_scope=mcp:tools,other=mcp:resources" → provider scope → MCP scopes. */
function scopeMap(value: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const pair of list(value)) {
    const [from, to] = pair.split('=').map((part) => part.trim());
    if (!from || !to || !MCP_SCOPES.has(to)) {
      throw new AuthConfigError(`EXTERNAL_SCOPE_MAP entry "${pair}" must read provider_scope=mcp:tools (or mcp:resources, mcp:prompts)`);
    }
    map.set(from, [...(map.get(from) ?? []), to]);
  }
  return map;
}

/**
 * An upstream URL: https, except on a loopback host (a provider on the same machine, as in development and tests).
 * Issuers keep their exact spelling, since `iss` must match it character for character.
 */
function upstreamUrl(name: string, value: string, options: { exact?: boolean } = {}): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthConfigError(`${name} "${value}" is not an absolute URL`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new AuthConfigError(`${name} must be an https URL`);
  return options.exact ? value : value.replace(/\/+$/, '');
}
