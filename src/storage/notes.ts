// The demo toolset's per-user notes. Every query is scoped by user id: one user never reaches another's notes.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './database.js';
import { statement } from './statements.js';

export interface Note {
  id: string;
  title: string;
  body: string;
  createdAt: number;
}

type NoteRow = { id: string; title: string; body: string; created_at: number };
const toNote = (row: NoteRow): Note => ({ id: row.id, title: row.title, body: row.body, createdAt: Number(row.created_at) });

/** What search matches against: title and body, lower-cased in JavaScript, which folds every script. */
const searchText = (title: string, body: string) => `${title}\n${body}`.toLowerCase();

/** Escapes LIKE wildcards so a search for "50%" means the characters, not a pattern. */
const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const insertNote = statement((db, values: { id: string; userId: string; title: string; body: string; createdAt: number; searchText: string }) =>
  db.insertInto('notes').values({
    id: values.id,
    user_id: values.userId,
    title: values.title,
    body: values.body,
    created_at: values.createdAt,
    search_text: values.searchText,
  }),
);
const listNotes = statement((db, values: { userId: string; limit: number }) =>
  db
    .selectFrom('notes')
    .select(['id', 'title', 'body', 'created_at'])
    .where('user_id', '=', values.userId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(values.limit),
);
const getNote = statement((db, values: { userId: string; id: string }) =>
  db.selectFrom('notes').select(['id', 'title', 'body', 'created_at']).where('user_id', '=', values.userId).where('id', '=', values.id),
);
const searchNotes = statement((db, values: { userId: string; pattern: string; limit: number }) =>
  db
    .selectFrom('notes')
    .select(['id', 'title', 'body', 'created_at'])
    .where('user_id', '=', values.userId)
    .where('search_text', 'like', sql<string>`${values.pattern} escape '\\'`)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(values.limit),
);
const deleteNote = statement((db, values: { userId: string; id: string }) =>
  db.deleteFrom('notes').where('user_id', '=', values.userId).where('id', '=', values.id),
);

export class NotesRepository {
  constructor(private readonly db: Db) {}

  async create(userId: string, input: { title: string; body: string }): Promise<Note> {
    const note = { id: randomUUID(), title: input.title, body: input.body, createdAt: Date.now() };
    await insertNote.run(this.db, { ...note, userId, searchText: searchText(input.title, input.body) });
    return note;
  }

  async list(userId: string, limit = 100): Promise<Note[]> {
    return (await listNotes.all(this.db, { userId, limit })).map(toNote);
  }

  async get(userId: string, id: string): Promise<Note | undefined> {
    const row = await getNote.first(this.db, { userId, id });
    return row && toNote(row);
  }

  /** Case-insensitive substring search over title and body, in any script. */
  async search(userId: string, query: string, limit = 50): Promise<Note[]> {
    return (await searchNotes.all(this.db, { userId, pattern: likePattern(query), limit })).map(toNote);
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return (await deleteNote.run(this.db, { userId, id })) === 1;
  }
}
