// Who may use an upstream server, and which of its tools the gateway offers. Pure: built once from the servers file,
// asked on every connection and every tools/list.

/** Everyone, or the people named by username, email address or group. */
export type AccessRule =
  | { readonly everyone: true }
  | { readonly everyone: false; readonly users: ReadonlySet<string>; readonly emails: ReadonlySet<string>; readonly groups: ReadonlySet<string> };

/** The `allow` setting as written: `"*"`, or lists where `"*"` among the users also means everyone. */
export type AccessLists = '*' | { users?: readonly string[] | undefined; emails?: readonly string[] | undefined; groups?: readonly string[] | undefined };

export interface Person {
  username: string;
  email?: string | undefined;
  groups: readonly string[];
}

export const EVERYONE: AccessRule = { everyone: true };

/** No `allow` setting means everyone. */
export function accessRule(lists: AccessLists | undefined): AccessRule {
  if (lists === undefined || lists === '*' || lists.users?.includes('*')) return EVERYONE;
  return {
    everyone: false,
    users: new Set(lists.users),
    // Email addresses are compared as their owners type them: case does not matter.
    emails: new Set(lists.emails?.map((email) => email.toLowerCase())),
    groups: new Set(lists.groups),
  };
}

/** Usernames and groups match exactly, email addresses whatever their case. */
export function mayUse(rule: AccessRule, who: Person): boolean {
  if (rule.everyone) return true;
  if (rule.users.has(who.username)) return true;
  if (who.email !== undefined && rule.emails.has(who.email.toLowerCase())) return true;
  return who.groups.some((group) => rule.groups.has(group));
}

/** `*` matches any run of characters and `?` one character; every other character stands for itself. */
export class Glob {
  private readonly regex: RegExp;

  constructor(readonly pattern: string) {
    const source = [...pattern].map((char) => (char === '*' ? '[\\s\\S]*' : char === '?' ? '[\\s\\S]' : char.replace(/[\\^$.*+?()[\]{}|/]/, '\\$&')));
    this.regex = new RegExp(`^${source.join('')}$`, 'u');
  }

  matches(text: string): boolean {
    return this.regex.test(text);
  }
}

/** Tool names (as the upstream server lists them) to offer: without an allow list, all but the denied ones. */
export interface ToolFilter {
  readonly allow: readonly Glob[] | undefined;
  readonly deny: readonly Glob[];
}

export function toolFilter(lists: { allow?: readonly string[] | undefined; deny?: readonly string[] | undefined } = {}): ToolFilter {
  return { allow: lists.allow?.map((pattern) => new Glob(pattern)), deny: (lists.deny ?? []).map((pattern) => new Glob(pattern)) };
}

export const ALL_TOOLS: ToolFilter = toolFilter();

/** Deny wins over allow; an empty allow list offers nothing. */
export function permitsTool(filter: ToolFilter, toolName: string): boolean {
  const allowed = filter.allow === undefined || filter.allow.some((glob) => glob.matches(toolName));
  return allowed && !filter.deny.some((glob) => glob.matches(toolName));
}

/** The filter in words, for the person approving a connection: which of a server's tools the app will reach. */
export function describeToolFilter(filter: ToolFilter): string {
  const list = (globs: readonly Glob[]) => globs.map((glob) => glob.pattern).join(', ');
  if (filter.allow !== undefined && filter.allow.length === 0) return 'none of its tools';
  const allowed = filter.allow === undefined ? 'all its tools' : `its tools named ${list(filter.allow)}`;
  return filter.deny.length === 0 ? allowed : `${allowed}, except ${list(filter.deny)}`;
}
