// The SDK converts every tool's schemas to JSON Schema on every tools/list (it asks each schema's
// `~standard.jsonSchema` anew), which made listing tools slower than calling one. A tool's schemas do not change
// once registered, so each is registered with a Standard Schema face that validates exactly as the schema does and
// converts it once per target.
import type { McpServer } from '@modelcontextprotocol/server';

interface JsonSchemaConverter {
  input(options: unknown): unknown;
  output(options: unknown): unknown;
}

interface StandardSchemaLike {
  '~standard': { version: number; vendor: string; validate: unknown; jsonSchema?: JsonSchemaConverter };
}

const isStandardSchema = (value: unknown): value is StandardSchemaLike =>
  typeof value === 'object' && value !== null && '~standard' in value && typeof (value as StandardSchemaLike)['~standard'] === 'object';

/** `schema` with its JSON Schema conversions remembered; anything else (a raw shape, nothing) as it is. */
export function convertedOnce<T>(schema: T): T {
  if (!isStandardSchema(schema) || !schema['~standard'].jsonSchema) return schema;
  const standard = schema['~standard'];
  const converter = standard.jsonSchema!;
  const converted = new Map<string, unknown>();
  const remembered = (io: 'input' | 'output') => (options: unknown) => {
    const key = `${io} ${JSON.stringify(options)}`;
    if (!converted.has(key)) converted.set(key, converter[io](options));
    return converted.get(key);
  };
  // The schema itself stays the prototype: whatever else a reader looks up on it is the original's.
  return Object.create(schema as object, {
    '~standard': { value: { ...standard, jsonSchema: { input: remembered('input'), output: remembered('output') } }, enumerable: true },
  }) as T;
}

/** Registers every tool of `server` with its schemas converted once. */
export function convertToolSchemasOnce(server: McpServer): McpServer {
  const registerTool = server.registerTool.bind(server) as (name: string, config: Record<string, unknown>, callback: unknown) => unknown;
  server.registerTool = ((name: string, config: Record<string, unknown>, callback: unknown) =>
    registerTool(
      name,
      { ...config, inputSchema: convertedOnce(config.inputSchema), outputSchema: convertedOnce(config.outputSchema) },
      callback,
    )) as McpServer['registerTool'];
  return server;
}
