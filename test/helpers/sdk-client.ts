// The official MCP client (@modelcontextprotocol/client v2) with an OAuth provider whose "browser" is our
// sign-in helper, so the SDK's own discovery, registration, PKCE and token code runs against Gatehouse.
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type ClientCapabilities,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { signInAndDecide, type Browser } from './browser.js';

export class RecordingOAuthProvider implements OAuthClientProvider {
  private info: StoredOAuthClientInformation | undefined;
  private stored: StoredOAuthTokens | undefined;
  private verifier = '';
  private discovery: OAuthDiscoveryState | undefined;
  authorizationUrl: URL | undefined;

  constructor(readonly clientMetadata: OAuthClientMetadata) {}

  get redirectUrl() {
    return this.clientMetadata.redirect_uris[0]!;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.info = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

export const CLAUDE_LIKE_METADATA: OAuthClientMetadata = {
  redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
  token_endpoint_auth_method: 'client_secret_post',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  client_name: 'Claude',
};

export type Era = 'legacy' | '2026-07-28';

/** What the client can be asked (sampling, elicitation, roots), with the handlers that answer. */
export interface Answering {
  capabilities: ClientCapabilities;
  /** Registers the client's handlers for what it declared. */
  handlers(client: Client): void;
}

function newClient(era: Era, answering?: Answering) {
  const client = new Client(
    { name: 'gatehouse-test', version: '1.0.0' },
    {
      ...(era !== 'legacy' && { versionNegotiation: { mode: { pin: '2026-07-28' } } }),
      ...(answering && { capabilities: answering.capabilities }),
    },
  );
  answering?.handlers(client);
  return client;
}

/** Connects the SDK client to `mcpUrl`, completing the OAuth flow through sign-in and consent when challenged. */
export async function connectWithOAuth(
  mcpUrl: string,
  options: { era: Era; metadata?: OAuthClientMetadata; username?: string; password?: string; browser?: Browser; answering?: Answering },
): Promise<{ client: Client; provider: RecordingOAuthProvider }> {
  const provider = new RecordingOAuthProvider(options.metadata ?? CLAUDE_LIKE_METADATA);
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  try {
    await newClient(options.era).connect(first);
    throw new Error('expected the server to ask for authorization');
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
  }
  const callback = await signInAndDecide(provider.authorizationUrl!, options);
  await first.finishAuth(callback.searchParams);
  const client = newClient(options.era, options.answering);
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  return { client, provider };
}
