// The demo toolset: who am I, and a per-user notes store exposed as tools, as resources (note://{id}) and
// through a prompt. Every handler acts for the request's caller (callerOf(ctx)) and no one else.
import { ResourceNotFoundError, ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { callerOf } from '../caller.js';
import type { Toolset } from '../mcp/toolset.js';
import type { Note, NotesRepository } from '../storage/notes.js';

const NoteShape = z.object({ id: z.string(), title: z.string(), body: z.string(), created_at: z.string() });
const Schemas = {
  whoami: z.object({ id: z.string(), username: z.string(), client_id: z.string(), scopes: z.array(z.string()) }),
  createInput: z.object({ title: z.string().min(1).max(200), body: z.string().max(20_000).default('') }),
  noteList: z.object({ notes: z.array(NoteShape) }),
  searchInput: z.object({ query: z.string().min(1).max(200) }),
  deleteInput: z.object({ id: z.string().min(1).max(100) }),
  deleted: z.object({ deleted: z.boolean() }),
  promptArgs: z.object({ topic: z.string().max(200).optional() }),
};
const toResult = (note: Note) => ({ id: note.id, title: note.title, body: note.body, created_at: new Date(note.createdAt).toISOString() });
const noteUri = (id: string) => `note://${id}`;

function structured<T extends Record<string, unknown>>(value: T, text = JSON.stringify(value, null, 2)) {
  return { content: [{ type: 'text' as const, text }], structuredContent: value };
}

export function demoToolset(notes: NotesRepository): Toolset {
  return (server) => {
    registerTools(server, notes);
    registerResources(server, notes);
    registerPrompts(server, notes);
  };
}

function registerTools(server: McpServer, notes: NotesRepository) {
  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description: 'Tells which user this connection acts for, through which client, with which scopes.',
      outputSchema: Schemas.whoami,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (ctx) => {
      const { user, clientId, scopes } = callerOf(ctx);
      return structured({ id: user.id, username: user.username, client_id: clientId, scopes: [...scopes] });
    },
  );

  server.registerTool(
    'notes_create',
    {
      title: 'Create a note',
      description: 'Saves a note for the signed-in user.',
      inputSchema: Schemas.createInput,
      outputSchema: NoteShape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async ({ title, body }, ctx) => structured(toResult(await notes.create(callerOf(ctx).user.id, { title, body }))),
  );

  server.registerTool(
    'notes_list',
    {
      title: 'List notes',
      description: 'Lists the signed-in user’s notes, newest first.',
      outputSchema: Schemas.noteList,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (ctx) => structured({ notes: (await notes.list(callerOf(ctx).user.id)).map(toResult) }),
  );

  server.registerTool(
    'notes_search',
    {
      title: 'Search notes',
      description: 'Finds the signed-in user’s notes whose title or body contains the text (case-insensitive).',
      inputSchema: Schemas.searchInput,
      outputSchema: Schemas.noteList,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query }, ctx) => structured({ notes: (await notes.search(callerOf(ctx).user.id, query)).map(toResult) }),
  );

  server.registerTool(
    'notes_delete',
    {
      title: 'Delete a note',
      description: 'Deletes one of the signed-in user’s notes by id.',
      inputSchema: Schemas.deleteInput,
      outputSchema: Schemas.deleted,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ id }, ctx) => {
      const deleted = await notes.delete(callerOf(ctx).user.id, id);
      return { ...structured({ deleted }, deleted ? `Deleted note ${id}.` : `No note ${id}.`), isError: !deleted };
    },
  );
}

function registerResources(server: McpServer, notes: NotesRepository) {
  server.registerResource(
    'note',
    new ResourceTemplate('note://{id}', {
      list: async (ctx) => ({
        resources: (await notes.list(callerOf(ctx).user.id)).map((note) => ({ uri: noteUri(note.id), name: note.title, mimeType: 'text/markdown' })),
      }),
    }),
    { title: 'Note', description: 'One of your notes, as Markdown.', mimeType: 'text/markdown' },
    async (uri, { id }, ctx) => {
      const note = typeof id === 'string' ? await notes.get(callerOf(ctx).user.id, id) : undefined;
      if (!note) throw new ResourceNotFoundError(uri.href);
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: `# ${note.title}\n\n${note.body}` }] };
    },
  );
}

function registerPrompts(server: McpServer, notes: NotesRepository) {
  server.registerPrompt(
    'summarize_notes',
    {
      title: 'Summarize my notes',
      description: 'Asks the model to summarize your notes, optionally around a topic.',
      argsSchema: Schemas.promptArgs,
    },
    async ({ topic }, ctx) => {
      const userId = callerOf(ctx).user.id;
      const found = topic ? await notes.search(userId, topic) : await notes.list(userId);
      const listing = found.length ? found.map((note) => `## ${note.title}\n${note.body}`).join('\n\n') : '(no notes)';
      const ask = topic ? `Summarize my notes about "${topic}".` : 'Summarize my notes.';
      return { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: `${ask}\n\n${listing}` } }] };
    },
  );
}
