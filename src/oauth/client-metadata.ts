// RFC 7591 §2 client metadata: the one validation behind dynamic registration, RFC 7592 updates and client ID
// metadata documents. Redirect URI problems get their own error code (RFC 7591 §3.2.2).
import { z } from 'zod';
import type { ClientMetadata } from '../storage/index.js';
import { InvalidClientMetadata, InvalidRedirectUri, type OAuthError } from '../errors.js';
import { redirectUriProblem } from './redirect-uri.js';
import { parseScope, SUPPORTED_SCOPES } from './scopes.js';

export const TOKEN_ENDPOINT_AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

export interface MetadataRules {
  authMethods: readonly TokenEndpointAuthMethod[];
  defaultAuthMethod: TokenEndpointAuthMethod;
  /** Makes the errors say where the metadata came from. */
  invalid: (description: string) => OAuthError;
  invalidRedirect: (description: string) => OAuthError;
}

/** Registration defaults to client_secret_basic, as RFC 7591 §2 says. */
export const REGISTRATION_RULES: MetadataRules = {
  authMethods: TOKEN_ENDPOINT_AUTH_METHODS,
  defaultAuthMethod: 'client_secret_basic',
  invalid: (description) => new InvalidClientMetadata(description),
  invalidRedirect: (description) => new InvalidRedirectUri(description),
};

const text = (max: number) => z.string().trim().min(1).max(max);
const webUri = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      return ['https:', 'http:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

function schemaFor(rules: MetadataRules) {
  return z.object({
    redirect_uris: z.array(z.string().max(2000)).min(1, 'at least one redirect URI is required').max(20),
    token_endpoint_auth_method: z.enum(rules.authMethods as [TokenEndpointAuthMethod, ...TokenEndpointAuthMethod[]]).default(rules.defaultAuthMethod),
    // Many clients omit grant_types yet expect refresh tokens, so the default includes them (RFC 7591 lets the
    // server choose what it registers; the answer says what it chose).
    grant_types: z
      .array(z.enum(['authorization_code', 'refresh_token']))
      .min(1)
      .default(['authorization_code', 'refresh_token']),
    response_types: z.array(z.literal('code')).min(1).default(['code']),
    client_name: text(200).optional(),
    client_uri: webUri.optional(),
    logo_uri: webUri.optional(),
    tos_uri: webUri.optional(),
    policy_uri: webUri.optional(),
    scope: z.string().max(1000).optional(),
    contacts: z.array(text(320)).max(10).optional(),
    software_id: text(200).optional(),
    software_version: text(100).optional(),
    application_type: z.enum(['web', 'native']).optional(),
    jwks_uri: webUri.refine((value) => value.startsWith('https://'), 'must be https').optional(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(10) }).optional(),
  });
}

export function parseClientMetadata(body: unknown, rules: MetadataRules): ClientMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw rules.invalid('the client metadata must be a JSON object');
  const parsed = schemaFor(rules).safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const message = `${issue.path.join('.') || 'metadata'}: ${issue.message}`;
    throw issue.path[0] === 'redirect_uris' ? rules.invalidRedirect(message) : rules.invalid(message);
  }
  const metadata = parsed.data;
  for (const uri of metadata.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw rules.invalidRedirect(problem);
  }
  if (!metadata.grant_types.includes('authorization_code')) {
    throw rules.invalid('grant_types must include authorization_code: it is the only way to obtain tokens here');
  }
  if (metadata.token_endpoint_auth_method === 'private_key_jwt' && !metadata.jwks === !metadata.jwks_uri) {
    throw rules.invalid('private_key_jwt needs exactly one of jwks and jwks_uri');
  }
  const scope = metadata.scope === undefined ? undefined : parseScope(metadata.scope).filter((s) => (SUPPORTED_SCOPES as readonly string[]).includes(s));
  if (scope !== undefined && scope.length === 0) throw rules.invalid(`scope must include one of ${SUPPORTED_SCOPES.join(' ')}`);

  const { scope: _ignored, ...rest } = metadata;
  return { ...dropUndefined(rest), ...(scope && { scope: scope.join(' ') }) };
}

const dropUndefined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
