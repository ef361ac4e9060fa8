// The demo toolset's per-user notes. Every query is scoped by user id: one user never reaches another's notes.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './database.js';

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

export class NotesRepository {
  constructor(private readonly db: Db) {}

  async create(userId: string, input: { title: string; body: string }): Promise<Note> {
    const row = {
      id: randomUUID(),
      user_id: userId,
      title: input.title,
      body: input.body,
      created_at: Date.now(),
      search_text: searchText(input.title, input.body),
    };
    await this.db.insertInto('notes').values(row).execute();
    return toNote(row);
  }

  async list(userId: string, limit = 100): Promise<Note[]> {
    const rows = await this.db
      .selectFrom('notes')
      .select(['id', 'title', 'body', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toNote);
  }

  async get(userId: string, id: string): Promise<Note | undefined> {
    const row = await this.db
      .selectFrom('notes')
      .select(['id', 'title', 'body', 'created_at'])
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toNote(row);
  }

  /** Case-insensitive substring search over title and body, in any script. */
  async search(userId: string, query: string, limit = 50): Promise<Note[]> {
    const pattern = likePattern(query);
    const rows = await this.db
      .selectFrom('notes')
      .select(['id', 'title', 'body', 'created_at'])
      .where('user_id', '=', userId)
      .where('search_text', 'like', sql<string>`${pattern} escape '\\'`)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toNote);
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('notes').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows === 1n;
  }
}
