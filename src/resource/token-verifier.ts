// What the MCP endpoint's guard needs from whoever verifies bearer tokens: Gatehouse's own tokens, or an external
// authorization server's.
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { McpResource } from '../protected-resources.js';

export interface TokenVerifier {
  /** The verified token for `resource` (an MCP endpoint and the audiences it accepts), with the caller in `extra.caller`. */
  verify(token: string, resource: McpResource): Promise<AuthInfo>;
}

/** The token is not acceptable: the client gets 401 invalid_token with this message. */
export class InvalidAccessToken extends Error {
  override readonly name = 'InvalidAccessToken';
}

/** The token cannot be checked right now (the issuer's keys or introspection are unreachable): 503, retry later. */
export class VerificationUnavailable extends Error {
  override readonly name = 'VerificationUnavailable';
}
