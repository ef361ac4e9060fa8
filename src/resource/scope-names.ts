// The names scopes go by at the authorization server. Gatehouse's own tokens carry mcp:tools, mcp:resources and
// mcp:prompts; an external server's carry its own names (EXTERNAL_SCOPE_MAP), which clients must ask for and
// which the resource server translates back before checking what a method needs.
import { MCP_SCOPES } from '../protected-resources.js';

const MCP = new Set<string>(MCP_SCOPES);

export class ScopeNames {
  /** Gatehouse's own names, unchanged. */
  static readonly own = new ScopeNames(new Map());

  /** @param map provider scope → the MCP scopes it grants; the key `*` grants them to every valid token. */
  constructor(private readonly map: ReadonlyMap<string, readonly string[]>) {}

  /**
   * The MCP scopes a token's scopes grant. A provider that puts short names in tokens (Entra ID's `scp` holds
   * `mcp.tools` for the requested `api://…/mcp.tools`) matches a configured full name by its last segment.
   */
  toMcp(granted: readonly string[]): string[] {
    const result = new Set<string>(this.map.get('*') ?? []);
    for (const scope of granted) {
      if (MCP.has(scope)) result.add(scope);
      for (const [name, grants] of this.map) {
        if (name === scope || name.endsWith(`/${scope}`)) for (const mcp of grants) result.add(mcp);
      }
    }
    return [...result];
  }

  /** What a client should ask the authorization server for to get `mcpScope`. */
  forMcp(mcpScope: string): string {
    for (const [name, grants] of this.map) if (name !== '*' && grants.includes(mcpScope)) return name;
    return mcpScope;
  }

  /** Every scope worth asking for, in the authorization server's names. */
  all(): string[] {
    return [...new Set(MCP_SCOPES.map((scope) => this.forMcp(scope)))];
  }
}
