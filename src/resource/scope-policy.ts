// Which scope each MCP method needs. Methods outside the three families (initialize, ping, server/discover,
// notifications, …) need only a valid token.

export function requiredScope(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { method, params } = message as { method?: unknown; params?: { ref?: { type?: unknown } } };
  if (typeof method !== 'string') return undefined;
  if (method.startsWith('tools/')) return 'mcp:tools';
  if (method.startsWith('resources/')) return 'mcp:resources';
  if (method.startsWith('prompts/')) return 'mcp:prompts';
  if (method === 'completion/complete') {
    // Completing a prompt argument or a resource template reveals what the prompts or resources hold.
    if (params?.ref?.type === 'ref/prompt') return 'mcp:prompts';
    if (params?.ref?.type === 'ref/resource') return 'mcp:resources';
  }
  return undefined;
}

/** The first scope that a message (or any message of a batch) needs and `granted` lacks. */
export function missingScope(body: unknown, granted: readonly string[]): string | undefined {
  const messages = Array.isArray(body) ? body : [body];
  for (const message of messages) {
    const scope = requiredScope(message);
    if (scope && !granted.includes(scope)) return scope;
  }
  return undefined;
}
