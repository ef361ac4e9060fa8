// What the MCP endpoint's guard needs from whoever verifies bearer tokens: Gatehouse's own tokens, or an external
// authorization server's.
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { McpResource } from '../protected-resources.js';

/**
 * Throws InvalidToken (401, with a `reason` such as `expired` or `audience`) for a token that is not acceptable, and
 * TemporarilyUnavailable (503) when it cannot be checked right now (the issuer's keys or introspection unreachable).
 */
export interface TokenVerifier {
  /** The verified token for `resource` (an MCP endpoint and the audiences it accepts), with the caller in `extra.caller`. */
  verify(token: string, resource: McpResource): Promise<AuthInfo>;
}
