// RFC 7591 dynamic client registration at /register.
import type { Context } from 'hono';
import { z } from 'zod';
import { randomToken, sha256 } from '../crypto.js';
import type { ClientMetadata, ClientsRepository } from '../storage/index.js';
import { InvalidClientMetadata, InvalidRedirectUri } from './errors.js';
import { TOKEN_ENDPOINT_AUTH_METHODS } from './metadata.js';
import { redirectUriProblem } from './redirect-uri.js';
import { parseScope, SUPPORTED_SCOPES } from './scopes.js';

export interface RegisterDeps {
  clients: ClientsRepository;
}

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

const RegistrationRequest = z.object({
  redirect_uris: z.array(z.string().max(2000)).min(1, 'at least one redirect URI is required').max(20),
  token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).default('client_secret_basic'),
  // Many clients omit grant_types yet expect refresh tokens, so the default includes them (RFC 7591 lets the
  // server choose what it registers; the answer says what it chose).
  grant_types: z.array(z.enum(['authorization_code', 'refresh_token'])).min(1).default(['authorization_code', 'refresh_token']),
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
});

export function registerRoute(deps: RegisterDeps) {
  return async (c: Context) => {
    const metadata = parseRegistration(await readJsonObject(c.req.raw));
    const clientId = randomToken(16);
    const secret = metadata.token_endpoint_auth_method === 'none' ? undefined : randomToken(32);
    const createdAt = Date.now();
    await deps.clients.create({ clientId, secretHash: secret ? sha256(secret) : null, metadata, createdAt });

    c.header('Cache-Control', 'no-store');
    return c.json(
      {
        client_id: clientId,
        ...(secret && { client_secret: secret, client_secret_expires_at: 0 }),
        client_id_issued_at: Math.floor(createdAt / 1000),
        ...metadata,
      },
      201,
    );
  };
}

async function readJsonObject(request: Request): Promise<unknown> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new InvalidClientMetadata('the registration request must be application/json');
  try {
    return JSON.parse(await request.text());
  } catch {
    throw new InvalidClientMetadata('the registration request is not valid JSON');
  }
}

/** Validates RFC 7591 §2 metadata; redirect URI problems get their own error code (§3.2.2). */
export function parseRegistration(body: unknown): ClientMetadata {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidClientMetadata('the registration request must be a JSON object');
  const parsed = RegistrationRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'request';
    const message = `${field}: ${issue.message}`;
    throw issue.path[0] === 'redirect_uris' ? new InvalidRedirectUri(message) : new InvalidClientMetadata(message);
  }
  const metadata = parsed.data;
  for (const uri of metadata.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new InvalidRedirectUri(problem);
  }
  if (!metadata.grant_types.includes('authorization_code')) {
    throw new InvalidClientMetadata('grant_types must include authorization_code: it is the only way to obtain tokens here');
  }
  const scope = metadata.scope === undefined ? undefined : parseScope(metadata.scope).filter((s) => (SUPPORTED_SCOPES as readonly string[]).includes(s));
  if (scope !== undefined && scope.length === 0) throw new InvalidClientMetadata(`scope must include one of ${SUPPORTED_SCOPES.join(' ')}`);

  const { scope: _ignored, ...rest } = metadata;
  return { ...dropUndefined(rest), ...(scope && { scope: scope.join(' ') }) };
}

const dropUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
