// Tools are registered on a fresh McpServer for every request (stateless serving), and the SDK converts each
// tool's schemas to JSON Schema once per server instance, so once per request. These wrappers convert each schema
// once per process instead: a schema defined at module level and registered on every request costs nothing more.
import type { McpServer, StandardSchemaWithJSON } from '@modelcontextprotocol/server';

const wrappers = new WeakMap<object, StandardSchemaWithJSON>();

/** The same schema (same validation, same types), with its JSON Schema conversions remembered. */
export function cachedJsonSchema<S extends StandardSchemaWithJSON>(schema: S): S {
  const known = wrappers.get(schema);
  if (known) return known as S;
  const standard = schema['~standard'];
  const converted = new Map<string, Record<string, unknown>>();
  const remember =
    (io: 'input' | 'output') =>
    (options: { target: string }): Record<string, unknown> => {
      const key = `${io}:${options.target}`;
      let json = converted.get(key);
      if (!json) converted.set(key, (json = standard.jsonSchema[io](options as never) as Record<string, unknown>));
      return json;
    };
  const wrapper = { '~standard': { ...standard, jsonSchema: { input: remember('input'), output: remember('output') } } } as unknown as S;
  wrappers.set(schema, wrapper);
  return wrapper;
}

const isStandard = (value: unknown): value is StandardSchemaWithJSON =>
  typeof value === 'object' && value !== null && '~standard' in value && typeof (value as StandardSchemaWithJSON)['~standard'].jsonSchema === 'object';
const cached = <T>(schema: T): T => (isStandard(schema) ? (cachedJsonSchema(schema) as T) : schema);

/** Makes every tool and prompt registered on `server` reuse its schemas' conversions across requests. */
export function cacheSchemaConversions(server: McpServer): McpServer {
  const registerTool = server.registerTool.bind(server) as (...args: unknown[]) => unknown;
  const registerPrompt = server.registerPrompt.bind(server) as (...args: unknown[]) => unknown;
  type Config = { inputSchema?: unknown; outputSchema?: unknown; argsSchema?: unknown };
  server.registerTool = ((name: string, config: Config, callback: unknown) =>
    registerTool(
      name,
      { ...config, inputSchema: cached(config.inputSchema), outputSchema: cached(config.outputSchema) },
      callback,
    )) as McpServer['registerTool'];
  server.registerPrompt = ((name: string, config: Config, callback: unknown) =>
    registerPrompt(name, { ...config, argsSchema: cached(config.argsSchema) }, callback)) as McpServer['registerPrompt'];
  return server;
}
