// The verified caller of an MCP request: who the access token speaks for, through which client, with which scopes.
// The resource server (resource/) finds it, the MCP serving (mcp/) hands it to each request, and a tool handler reads
// it with callerOf(ctx). This module is where both sides meet, so that neither imports the other.
import type { AuthInfo, ServerContext } from '@modelcontextprotocol/server';

export interface Caller {
  user: { id: string; username: string };
  clientId: string;
  scopes: readonly string[];
  /** The grant the token belongs to (Gatehouse's own tokens; an external authorization server's have none here). */
  grantId?: string | undefined;
}

/**
 * Where a request's message carries its caller to the handler: a `_meta` key of Gatehouse's own (reverse-DNS named,
 * as MCP asks of implementation keys). Whatever a client sends under it is replaced before the message is served.
 */
export const CALLER_META_KEY = 'dev.gatehouse/caller';

/** A caller that no handler can alter for the requests after it (the verifiers keep it with a cached token). */
export function verifiedCaller(caller: Caller): Caller {
  return Object.freeze({ ...caller, user: Object.freeze({ ...caller.user }), scopes: Object.freeze([...caller.scopes]) });
}

/** The AuthInfo the SDK passes around, with the caller in `extra.caller`. */
export function authInfoFor(caller: Caller, token: string, resource: URL, expiresAt: number | undefined): AuthInfo {
  return { token, clientId: caller.clientId, scopes: [...caller.scopes], resource, ...(expiresAt !== undefined && { expiresAt }), extra: { caller } };
}

/** The caller a verifier attached to `authInfo`. */
export function callerFromAuthInfo(authInfo: AuthInfo): Caller {
  const caller = authInfo.extra?.caller as Caller | undefined;
  if (!caller) throw new Error('AuthInfo without a verified caller: every verifier attaches one');
  return caller;
}

/** Hands `caller` to every request of a parsed JSON-RPC body (one message or a batch), replacing any the client sent. */
export function attachCaller(body: unknown, caller: Caller): void {
  for (const message of Array.isArray(body) ? body : [body]) {
    if (typeof message !== 'object' || message === null || !('method' in message)) continue;
    const carrier = message as { id?: unknown; params?: unknown };
    if (carrier.params === undefined && carrier.id !== undefined) carrier.params = {};
    const params = carrier.params;
    if (typeof params !== 'object' || params === null || Array.isArray(params)) continue;
    const withMeta = params as { _meta?: unknown };
    if (withMeta._meta === undefined && carrier.id !== undefined) withMeta._meta = {};
    if (typeof withMeta._meta !== 'object' || withMeta._meta === null) continue;
    const meta = withMeta._meta as Record<string, unknown>;
    if (carrier.id === undefined) delete meta[CALLER_META_KEY];
    else meta[CALLER_META_KEY] = caller;
  }
}

/**
 * Who is calling, inside a tool, resource or prompt handler: `const { user } = callerOf(ctx)`. Every MCP request
 * Gatehouse serves carries the caller its access token was verified for.
 */
export function callerOf(ctx: ServerContext): Caller {
  const caller = ctx.mcpReq._meta?.[CALLER_META_KEY] as Caller | undefined;
  if (typeof caller !== 'object' || caller === null || typeof caller.user?.id !== 'string') {
    throw new Error('this request carries no verified caller: Gatehouse serves every MCP request with one');
  }
  return caller;
}
