// Why the gateway could not serve a call, in words the user reads in their MCP client. Each reason is counted and
// audited as it is; the message names the server and says what to do, never an internal detail.
export type GatewayRefusal =
  'unavailable' | 'too_many_processes' | 'stopping' | 'needs_secret' | 'unsafe_value' | 'missing_value' | 'timeout' | 'ended' | 'upstream_error';

export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly reason: GatewayRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON-RPC error the upstream itself answered: relayed with its code, its message naming the server. */
export class UpstreamRefusal extends GatewayError {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super('upstream_error', message);
  }
}
