// Login sessions: a random id in an HttpOnly, SameSite=Lax cookie; the database keeps only its hash, when it was
// last used, and which browser it began in, so the account page can list them and end any one.
import type { Context } from 'hono';
import { randomToken, sha256 } from '../crypto.js';
import type { SessionsRepository } from '../storage/sessions.js';
import type { Cookies } from './cookies.js';

const COOKIE = 'gatehouse_session';
/** A word for the page after a redirect ("disconnected.<grant>"), read once. */
const NOTICE_COOKIE = 'gatehouse_notice';
const NOTICE_SECONDS = 60;

/** How stale "last seen" may grow: a session is written to at most once in this long, not on every page. */
const LAST_SEEN_RESOLUTION_MS = 5 * 60 * 1000;

export interface SignedInUser {
  id: string;
  username: string;
}

/** A session as the account page lists it. */
export interface SessionView {
  /** Names the session in forms: a hash of the stored hash, so neither the cookie nor the table's key is shown. */
  ref: string;
  createdAt: number;
  lastSeenAt: number | null;
  /** "Firefox on Linux", or null when the session began before this was recorded. */
  userAgent: string | null;
  /** The session of the browser looking at the page. */
  current: boolean;
}

/** What ending a session by its ref did. */
export type EndSessionOutcome = 'ended' | 'current' | 'unknown';

const refOf = (idHash: string) => sha256(`gatehouse session ref\n${idHash}`);

export class SessionManager {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly cookies: Cookies,
    private readonly ttlSeconds: number,
  ) {}

  /** The hash of this browser's session id, as stored; undefined without a session cookie. */
  private currentHash(c: Context): string | undefined {
    const id = this.cookies.get(c, COOKIE);
    return id ? sha256(id) : undefined;
  }

  async currentUser(c: Context): Promise<SignedInUser | undefined> {
    const idHash = this.currentHash(c);
    if (!idHash) return undefined;
    const now = Date.now();
    const found = await this.sessions.findActiveUser(idHash, now);
    if (!found) return undefined;
    const since = now - LAST_SEEN_RESOLUTION_MS;
    if (found.lastSeenAt === null || found.lastSeenAt < since) await this.sessions.touch(idHash, now, since);
    return { id: found.id, username: found.username };
  }

  /** Starts a fresh session; any earlier session id in the browser is replaced (no session fixation). */
  async start(c: Context, userId: string): Promise<void> {
    const previous = this.currentHash(c);
    if (previous) await this.sessions.delete(previous);
    const id = randomToken();
    const now = Date.now();
    await this.sessions.create({
      idHash: sha256(id),
      userId,
      createdAt: now,
      expiresAt: now + this.ttlSeconds * 1000,
      userAgent: summariseUserAgent(c.req.header('user-agent')),
    });
    this.cookies.set(c, COOKIE, id, this.ttlSeconds);
  }

  async end(c: Context): Promise<void> {
    const idHash = this.currentHash(c);
    if (idHash) await this.sessions.delete(idHash);
    this.cookies.delete(c, COOKIE);
  }

  /**
   * Leaves a code for the next page this browser shows (after a form's redirect): a cookie rather than the URL, so
   * a crafted link cannot make the page announce something that did not happen.
   */
  leaveNotice(c: Context, code: string): void {
    this.cookies.set(c, NOTICE_COOKIE, code, NOTICE_SECONDS);
  }

  /** The code left by the last form, once: reading it clears it. */
  takeNotice(c: Context): string | undefined {
    const code = this.cookies.get(c, NOTICE_COOKIE);
    if (code !== undefined) this.cookies.delete(c, NOTICE_COOKIE);
    return code;
  }

  /** The user's sessions in force, the current browser's marked. */
  async list(c: Context, userId: string): Promise<SessionView[]> {
    const current = this.currentHash(c);
    const stored = await this.sessions.listActiveForUser(userId, Date.now());
    return stored.map((session) => ({
      ref: refOf(session.idHash),
      createdAt: session.createdAt,
      lastSeenAt: session.lastSeenAt,
      userAgent: session.userAgent,
      current: session.idHash === current,
    }));
  }

  /**
   * Ends another of the user's sessions, named by its ref. Only the user's own sessions are candidates, and the
   * delete is conditional on the user too; the current session is signed out through /logout instead.
   */
  async endOther(c: Context, userId: string, ref: string): Promise<EndSessionOutcome> {
    const current = this.currentHash(c);
    const target = (await this.sessions.listActiveForUser(userId, Date.now())).find((session) => refOf(session.idHash) === ref);
    if (!target) return 'unknown';
    if (target.idHash === current) return 'current';
    return (await this.sessions.deleteOfUser(userId, target.idHash)) ? 'ended' : 'unknown';
  }

  /** Ends every session of the user but this browser's; returns how many ended. */
  async endAllOthers(c: Context, userId: string): Promise<number> {
    const current = this.currentHash(c);
    if (!current) return 0;
    return this.sessions.deleteOthersOfUser(userId, current);
  }
}

// Most specific first: Edge, Opera and Samsung Internet also say "Chrome", and Chrome also says "Safari".
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\b(HeadlessChrome|Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];
const SYSTEMS: [RegExp, string][] = [
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/**
 * A few words a person recognises their browser by ("Firefox on Linux"), from a User-Agent header: no version and
 * nothing else, so the table keeps no fingerprint. A client that is not a browser is named by its first product
 * token ("curl"); undefined when the header says nothing usable.
 */
export function summariseUserAgent(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const browser = BROWSERS.find(([pattern]) => pattern.test(header))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(header))?.[1];
  if (browser) return system ? `${browser} on ${system}` : browser;
  const product = /^([A-Za-z][A-Za-z0-9._-]{0,31})(\/|\s|$)/.exec(header)?.[1];
  if (!product || product === 'Mozilla') return system ? `A browser on ${system}` : undefined;
  return system ? `${product} on ${system}` : product;
}
