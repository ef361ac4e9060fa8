// The fixtures the MCP conformance suite's server scenarios call (the tools, resources, prompts, logging,
// progress and completion of its reference "everything" server), so the suite measures Gatehouse's protocol
// handling rather than missing fixtures. Served when TOOLSET=conformance.
import {
  acceptedContent,
  fromJsonSchema,
  inputRequired,
  inputResponse,
  ResourceTemplate,
  type CallToolResult,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolServices, Toolset } from '../../src/mcp/toolset.js';

/** A 1×1 red PNG and a minimal WAV file, as the suite expects them. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

/** A raw JSON Schema 2020-12 input schema using $defs, $anchor, $ref, composition and conditionals. */
const CONTACT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
} as const;

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const conformanceToolset: Toolset = (server, context) => {
  server.server.registerCapabilities({ logging: {}, completions: {}, resources: { subscribe: true, listChanged: true } });
  registerContentTools(server);
  registerNotifyingTools(server);
  registerClientRequestTools(server);
  registerInputRequiredTools(server, context);
  registerListChangeTriggers(server, context);
  registerResources(server);
  registerPrompts(server);
  registerProtocolHandlers(server);
};

function registerContentTools(server: McpServer) {
  server.registerTool('test_simple_text', { description: 'Tests simple text content response' }, async () =>
    text('This is a simple text response for testing.'),
  );
  server.registerTool('test_image_content', { description: 'Tests image content response' }, async () => ({
    content: [{ type: 'image', data: PNG, mimeType: 'image/png' }],
  }));
  server.registerTool('test_audio_content', { description: 'Tests audio content response' }, async () => ({
    content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
  }));
  server.registerTool('test_embedded_resource', { description: 'Tests embedded resource content response' }, async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  server.registerTool('test_multiple_content_types', { description: 'Tests response with multiple content types (text, image, resource)' }, async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) },
      },
    ],
  }));
  server.registerTool('test_error_handling', { description: 'Tests error response handling' }, async () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
  server.registerTool(
    'json_schema_2020_12_tool',
    { description: 'Tool with JSON Schema 2020-12 features (SEP-1613, SEP-2106)', inputSchema: fromJsonSchema(CONTACT_SCHEMA) },
    async (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
}

function registerNotifyingTools(server: McpServer) {
  server.registerTool(
    'test_tool_with_logging',
    { description: 'Tests tool that emits log messages during execution', inputSchema: z.object({}) },
    async (_args, ctx) => {
      for (const [i, message] of ['Tool execution started', 'Tool processing data', 'Tool execution completed'].entries()) {
        if (i > 0) await pause(50);
        await ctx.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data: message } });
      }
      return text('Tool with logging executed successfully');
    },
  );
  server.registerTool(
    'test_tool_with_progress',
    { description: 'Tests tool that reports progress notifications', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken ?? 0;
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await pause(50);
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
        });
      }
      return text(String(progressToken));
    },
  );
}

/**
 * Tools that ask the client for something the 2025 way: a server → client request on the call's SSE stream. The
 * client's answer comes back as a separate POST, which stateless serving cannot hand to the call waiting for it,
 * so these give up after a few seconds (see interop/expected-failures.yaml); 2026-07-28 clients get
 * input_required results instead.
 */
function registerClientRequestTools(server: McpServer) {
  const ask = async (ctx: ServerContext, request: { method: 'sampling/createMessage' | 'elicitation/create'; params: Record<string, unknown> }) => {
    try {
      return (await ctx.mcpReq.send(request as never, { timeout: 5000 })) as { action?: string; content?: unknown };
    } catch (error) {
      return { action: 'unanswered', content: { error: (error as Error).message } };
    }
  };

  server.registerTool(
    'test_sampling',
    { description: 'Tests server-initiated sampling (LLM completion request)', inputSchema: z.object({ prompt: z.string() }) },
    async ({ prompt }, ctx) => {
      const result = (await ask(ctx, {
        method: 'sampling/createMessage',
        params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
      })) as { content?: { text?: string } };
      return text(`LLM response: ${result.content?.text ?? 'No response'}`);
    },
  );
  server.registerTool(
    'test_elicitation',
    { description: 'Tests server-initiated elicitation (user input request)', inputSchema: z.object({ message: z.string() }) },
    async ({ message }, ctx) => {
      const result = await ask(ctx, {
        method: 'elicitation/create',
        params: {
          message,
          requestedSchema: { type: 'object', properties: { response: { type: 'string', description: "User's response" } }, required: ['response'] },
        },
      });
      return text(`User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
    },
  );
  server.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Tests elicitation with default values per SEP-1034', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const result = await ask(ctx, {
        method: 'elicitation/create',
        params: {
          message: 'Please review and update the form fields with defaults',
          requestedSchema: {
            type: 'object',
            properties: {
              name: { type: 'string', description: 'User name', default: 'John Doe' },
              age: { type: 'integer', description: 'User age', default: 30 },
              score: { type: 'number', description: 'User score', default: 95.5 },
              status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
              verified: { type: 'boolean', description: 'Verification status', default: true },
            },
            required: [],
          },
        },
      });
      return text(`Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
    },
  );
  server.registerTool(
    'test_elicitation_sep1330_enums',
    { description: 'Tests elicitation with enum schema improvements per SEP-1330', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const options = (prefix: string, titles: string[]) => titles.map((title, i) => ({ const: `${prefix}${i + 1}`, title }));
      const result = await ask(ctx, {
        method: 'elicitation/create',
        params: {
          message: 'Please select options from the enum fields',
          requestedSchema: {
            type: 'object',
            properties: {
              untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
              titledSingle: {
                type: 'string',
                description: 'Select one option with titles',
                oneOf: options('value', ['First Option', 'Second Option', 'Third Option']),
              },
              legacyEnum: {
                type: 'string',
                description: 'Select one option (legacy)',
                enum: ['opt1', 'opt2', 'opt3'],
                enumNames: ['Option One', 'Option Two', 'Option Three'],
              },
              untitledMulti: {
                type: 'array',
                description: 'Select multiple options',
                minItems: 1,
                maxItems: 3,
                items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
              },
              titledMulti: {
                type: 'array',
                description: 'Select multiple options with titles',
                minItems: 1,
                maxItems: 3,
                items: { anyOf: options('value', ['First Choice', 'Second Choice', 'Third Choice']) },
              },
            },
            required: [],
          },
        },
      });
      return text(`Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
    },
  );
}

const NameSchema = z.object({ name: z.string() });
const askName = (message = 'What is your name?') => inputRequired.elicit({ message, requestedSchema: NameSchema });
const askConfirmation = () => inputRequired.elicit({ message: 'Please confirm', requestedSchema: z.object({ ok: z.boolean() }) });
const askCapital = () =>
  inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 });
const declaredCapabilities = (ctx: ServerContext) =>
  ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.['io.modelcontextprotocol/clientCapabilities'] ?? {}) as Record<string, unknown>;

/**
 * Multi-round-trip tools (2026-07-28, SEP-2322): the tool answers input_required with what it needs from the
 * client, and the client retries with the answers. State rides in `requestState`, sealed by Gatehouse.
 */
function registerInputRequiredTools(server: McpServer, { sealState }: ToolServices) {
  server.registerTool('test_input_required_result_elicitation', { description: 'Asks for a name, then greets' }, async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', NameSchema);
    return answer ? text(`Hello, ${answer.name}!`) : inputRequired({ inputRequests: { user_name: askName() } });
  });

  server.registerTool('test_input_required_result_sampling', { description: "Asks the client's model a question" }, async (ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
    if (answer.kind !== 'sampling') return inputRequired({ inputRequests: { capital_question: askCapital() } });
    const content = answer.result.content as { type: string; text?: string };
    return text(`Model answered: ${content.text ?? '(no text)'}`);
  });

  server.registerTool('test_input_required_result_list_roots', { description: "Asks for the client's roots" }, async (ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
    if (answer.kind !== 'roots') return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    return text(`Roots: ${answer.roots.map((root) => root.uri).join(', ') || '(none)'}`);
  });

  // The same shape twice: the suite checks the state round trip on one and tampering on the other.
  for (const name of ['test_input_required_result_request_state', 'test_input_required_result_tampered_state']) {
    server.registerTool(name, { description: 'Asks for confirmation, keeping sealed requestState' }, async (ctx) => {
      const state = ctx.mcpReq.requestState<{ awaiting: string }>();
      if (state?.awaiting === 'confirm' && inputResponse(ctx.mcpReq.inputResponses, 'confirm').kind === 'elicit')
        return text('state-ok: confirmation received');
      return inputRequired({ inputRequests: { confirm: askConfirmation() }, requestState: await sealState({ awaiting: 'confirm' }, ctx) });
    });
  }

  server.registerTool('test_input_required_result_multiple_inputs', { description: 'Asks for a name, a greeting and the roots at once' }, async (ctx) => {
    const keys = ['user_name', 'greeting', 'client_roots'];
    if (
      ctx.mcpReq.requestState<{ awaiting: string }>()?.awaiting === 'all' &&
      keys.every((key) => inputResponse(ctx.mcpReq.inputResponses, key).kind !== 'missing')
    ) {
      return text('Received all three answers.');
    }
    const greeting = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 });
    return inputRequired({
      inputRequests: { user_name: askName(), greeting, client_roots: inputRequired.listRoots() },
      requestState: await sealState({ awaiting: 'all' }, ctx),
    });
  });

  server.registerTool('test_input_required_result_multi_round', { description: 'Asks two questions, one round each' }, async (ctx) => {
    const state = ctx.mcpReq.requestState<{ round: number; name?: string }>();
    const name = acceptedContent(ctx.mcpReq.inputResponses, 'step1', NameSchema)?.name;
    const color = acceptedContent(ctx.mcpReq.inputResponses, 'step2', z.object({ color: z.string() }))?.color;
    if (state?.round === 2 && color) return text(`${state.name} likes ${color}.`);
    if (state?.round === 1 && name) {
      const step2 = inputRequired.elicit({ message: 'Step 2: What is your favorite color?', requestedSchema: z.object({ color: z.string() }) });
      return inputRequired({ inputRequests: { step2 }, requestState: await sealState({ round: 2, name }, ctx) });
    }
    return inputRequired({ inputRequests: { step1: askName('Step 1: What is your name?') }, requestState: await sealState({ round: 1 }, ctx) });
  });

  server.registerTool('test_input_required_result_capabilities', { description: 'Asks only for what the client declared it can give' }, async (ctx) => {
    const declared = declaredCapabilities(ctx);
    const wanted = {
      ...(declared.elicitation !== undefined && { user_name: askName() }),
      ...(declared.sampling !== undefined && { capital_question: askCapital() }),
    };
    if (Object.keys(wanted).length === 0 || Object.keys(wanted).some((key) => inputResponse(ctx.mcpReq.inputResponses, key).kind !== 'missing')) {
      return text('Nothing more to ask.');
    }
    return inputRequired({ inputRequests: wanted });
  });

  // Needs sampling whether or not the client declared it: the SDK must refuse with -32021 when it did not.
  server.registerTool('test_missing_capability', { description: 'Requires the sampling capability' }, async (ctx) =>
    inputResponse(ctx.mcpReq.inputResponses, 'capital_question').kind === 'sampling'
      ? text('Thanks.')
      : inputRequired({ inputRequests: { capital_question: askCapital() } }),
  );
  server.registerTool('test_streaming_elicitation', { description: 'Answers an elicitation need in its result, never as a request' }, async () =>
    inputRequired({ inputRequests: { user_name: askName() } }),
  );
  server.registerTool('test_logging_tool', { description: 'Logs at info level, which only reaches clients that asked for logs' }, async (ctx) => {
    await ctx.mcpReq.log('info', 'test_logging_tool ran');
    return text('Logged.');
  });

  server.registerPrompt('test_input_required_result_prompt', { description: 'A prompt that first asks for context' }, async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_context', z.object({ context: z.string() }));
    if (!answer) {
      const user_context = inputRequired.elicit({ message: 'What context should the prompt use?', requestedSchema: z.object({ context: z.string() }) });
      return inputRequired({ inputRequests: { user_context } });
    }
    return { messages: [{ role: 'user', content: { type: 'text', text: `Use this context: ${answer.context}` } }] };
  });
}

/** A tool and a prompt that appear and disappear, and the triggers that flip them and tell listeners. */
const dynamic = { tool: false, prompt: false };

function registerListChangeTriggers(server: McpServer, { notify }: ToolServices) {
  if (dynamic.tool) server.registerTool('test_dynamic_tool', { description: 'Present while toggled on' }, async () => text('Dynamic tool.'));
  if (dynamic.prompt) {
    server.registerPrompt('test_dynamic_prompt', { description: 'Present while toggled on' }, async () => ({
      messages: [{ role: 'user', content: { type: 'text', text: 'Dynamic prompt.' } }],
    }));
  }
  server.registerTool('test_trigger_tool_change', { description: 'Adds or removes test_dynamic_tool and announces it' }, async () => {
    dynamic.tool = !dynamic.tool;
    notify.toolsChanged();
    return text(`test_dynamic_tool is now ${dynamic.tool ? 'listed' : 'gone'}.`);
  });
  server.registerTool('test_trigger_prompt_change', { description: 'Adds or removes test_dynamic_prompt and announces it' }, async () => {
    dynamic.prompt = !dynamic.prompt;
    notify.promptsChanged();
    return text(`test_dynamic_prompt is now ${dynamic.prompt ? 'listed' : 'gone'}.`);
  });
}

function registerResources(server: McpServer) {
  server.registerResource(
    'static-text',
    'test://static-text',
    { title: 'Static Text Resource', description: 'A static text resource for testing', mimeType: 'text/plain' },
    async () => ({
      contents: [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
    }),
  );
  server.registerResource(
    'static-binary',
    'test://static-binary',
    { title: 'Static Binary Resource', description: 'A static binary resource (image) for testing', mimeType: 'image/png' },
    async () => ({
      contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG }],
    }),
  );
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { title: 'Resource Template', description: 'A resource template with parameter substitution', mimeType: 'application/json' },
    async (uri, { id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }],
    }),
  );
  server.registerResource(
    'watched-resource',
    'test://watched-resource',
    { title: 'Watched Resource', description: 'A resource that auto-updates every 3 seconds', mimeType: 'text/plain' },
    async () => ({
      contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'Watched resource content' }],
    }),
  );
}

function registerPrompts(server: McpServer) {
  server.registerPrompt('test_simple_prompt', { title: 'Simple Test Prompt', description: 'A simple prompt without arguments' }, async () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    { title: 'Prompt With Arguments', description: 'A prompt with required arguments', argsSchema: z.object({ arg1: z.string(), arg2: z.string() }) },
    async ({ arg1, arg2 }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }] }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    { title: 'Prompt With Embedded Resource', description: 'A prompt that includes an embedded resource', argsSchema: z.object({ resourceUri: z.string() }) },
    async ({ resourceUri }) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );
  server.registerPrompt('test_prompt_with_image', { title: 'Prompt With Image', description: 'A prompt that includes image content' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
}

/** Subscriptions, log levels and completion: answered, with nothing kept between requests (stateless serving). */
function registerProtocolHandlers(server: McpServer) {
  server.server.setRequestHandler('resources/subscribe', async () => ({}));
  server.server.setRequestHandler('resources/unsubscribe', async () => ({}));
  server.server.setRequestHandler('completion/complete', async () => ({ completion: { values: [], total: 0, hasMore: false } }));
}
