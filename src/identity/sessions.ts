// Login sessions: a random id in an HttpOnly, SameSite=Lax cookie; the database keeps only its hash.
import type { Context } from 'hono';
import { randomToken, sha256 } from '../crypto.js';
import type { SessionsRepository } from '../storage/sessions.js';
import type { Cookies } from './cookies.js';

const COOKIE = 'gatehouse_session';

export interface SignedInUser {
  id: string;
  username: string;
}

export class SessionManager {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly cookies: Cookies,
    private readonly ttlSeconds: number,
  ) {}

  async currentUser(c: Context): Promise<SignedInUser | undefined> {
    const id = this.cookies.get(c, COOKIE);
    if (!id) return undefined;
    return this.sessions.findActiveUser(sha256(id), Date.now());
  }

  /** Starts a fresh session; any earlier session id in the browser is replaced (no session fixation). */
  async start(c: Context, userId: string): Promise<void> {
    const previous = this.cookies.get(c, COOKIE);
    if (previous) await this.sessions.delete(sha256(previous));
    const id = randomToken();
    const now = Date.now();
    await this.sessions.create({ idHash: sha256(id), userId, createdAt: now, expiresAt: now + this.ttlSeconds * 1000 });
    this.cookies.set(c, COOKIE, id, this.ttlSeconds);
  }

  async end(c: Context): Promise<void> {
    const id = this.cookies.get(c, COOKIE);
    if (id) await this.sessions.delete(sha256(id));
    this.cookies.delete(c, COOKIE);
  }
}
