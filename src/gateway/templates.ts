// Placeholders in the servers file's strings. Two kinds, resolved at different times:
// - `${VAR}` and `${VAR:-default}` come from Gatehouse's environment when the file is loaded (as Claude Code's .mcp.json);
// - `${user.…}`, `${secret.…}` and `${upstream.…}` come from the signed-in user each time a server is used.
// A template is the loaded string split into literal text and the use-time placeholders, checked on every render so that
// no user-controlled value can turn into another path, another argument, another host or another header.
import type { Environment } from '../config.js';

export type UserField = 'id' | 'username' | 'email';
export type UpstreamProvider = 'oidc' | 'github';
/** Where the rendered string goes: a process's command, argument or environment value; a URL; an HTTP header value. */
export type RenderContext = 'argument' | 'url' | 'header';

export interface TemplateValues {
  user: { id: string; username: string; email?: string | undefined };
  /** The secrets this user supplied for this server. */
  secrets: Readonly<Record<string, string>>;
  /** The user's tokens from the upstream-token vault. */
  upstream: Readonly<Record<string, string | undefined>>;
}

/** What a template needs at use time, each name once. */
export interface TemplateReferences {
  readonly user: readonly UserField[];
  readonly secrets: readonly string[];
  readonly upstream: readonly UpstreamProvider[];
}

export interface Template {
  /** Where the template came from (`args[0]`, `headers.Authorization`): named in every error. */
  readonly field: string;
  readonly references: TemplateReferences;
  /** Fills in the use-time placeholders; throws a TemplateRenderError when a value is missing or unsafe here. */
  render(values: TemplateValues, context: RenderContext): string;
}

/** A placeholder the file cannot use, or an environment variable that is not set: a configuration error. */
export class InvalidTemplate extends Error {
  override readonly name = 'InvalidTemplate';
}

/** Why a template could not be filled in for this user: the caller shows it as a tool error. */
export abstract class TemplateRenderError extends Error {
  constructor(
    readonly field: string,
    /** The placeholder at fault, as written inside `${}`: `user.username`, `secret.GITHUB_TOKEN`, `upstream.github`. */
    readonly reference: string,
    message: string,
  ) {
    super(message);
  }
}

export class UnsafeTemplateValue extends TemplateRenderError {
  override readonly name = 'UnsafeTemplateValue';
}

export class MissingSecret extends TemplateRenderError {
  override readonly name = 'MissingSecret';
  constructor(
    field: string,
    readonly secret: string,
  ) {
    super(field, `secret.${secret}`, `${field} needs the secret ${secret}, which has not been supplied for this server`);
  }
}

export class MissingTemplateValue extends TemplateRenderError {
  override readonly name = 'MissingTemplateValue';
}

type Placeholder =
  | { kind: 'env'; variable: string; fallback: string | undefined }
  | { kind: 'user'; reference: string; field: UserField }
  | { kind: 'secret'; reference: string; name: string }
  | { kind: 'upstream'; reference: string; provider: UpstreamProvider };
type UseTimePlaceholder = Exclude<Placeholder, { kind: 'env' }>;
type Part = string | UseTimePlaceholder;

const USER = /^user\.(id|username|email)$/;
const SECRET = /^secret\.([A-Za-z_][A-Za-z0-9_]{0,63})$/;
const UPSTREAM = /^upstream\.(oidc|github)$/;
const ENV = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;
const USE_TIME_FORMS = '${user.id}, ${user.username}, ${user.email}, ${secret.NAME}, ${upstream.oidc} or ${upstream.github}';
const FORMS = `\${VAR}, \${VAR:-default}, ${USE_TIME_FORMS}`;

/**
 * Compiles a string of the servers file. With `env`, `${VAR}` placeholders are expanded in the same pass, so a variable's
 * value is always literal text (never read again as a placeholder); without it they are refused.
 */
export function compileTemplate(text: string, field: string, env?: Environment): Template {
  const parts: Part[] = [];
  for (const piece of splitPlaceholders(text, field)) {
    if (typeof piece !== 'string' && piece.kind === 'env') {
      if (!env) throw new InvalidTemplate(`${field} has \${${piece.variable}}, which is not one of ${USE_TIME_FORMS}`);
      parts.push(environmentValue(piece, env, field));
    } else parts.push(piece);
  }
  return new CompiledTemplate(field, mergeText(parts));
}

/** The load-time step alone: expands `${VAR}` and `${VAR:-default}`, and leaves the use-time placeholders as written. */
export function expandEnvironment(text: string, env: Environment, where: string): string {
  return splitPlaceholders(text, where)
    .map((piece) => {
      if (typeof piece === 'string') return piece;
      return piece.kind === 'env' ? environmentValue(piece, env, where) : `\${${piece.reference}}`;
    })
    .join('');
}

function splitPlaceholders(text: string, field: string): (string | Placeholder)[] {
  const pieces: (string | Placeholder)[] = [];
  let from = 0;
  for (let start = text.indexOf('${'); start !== -1; start = text.indexOf('${', from)) {
    const end = text.indexOf('}', start + 2);
    if (end === -1) throw new InvalidTemplate(`${field} has a "\${" with no closing "}"`);
    pieces.push(text.slice(from, start), parsePlaceholder(text.slice(start + 2, end), field));
    from = end + 1;
  }
  pieces.push(text.slice(from));
  return pieces.filter((piece) => piece !== '');
}

function parsePlaceholder(expression: string, field: string): Placeholder {
  let match: RegExpExecArray | null;
  if ((match = USER.exec(expression))) return { kind: 'user', reference: expression, field: match[1] as UserField };
  if ((match = SECRET.exec(expression))) return { kind: 'secret', reference: expression, name: match[1]! };
  if ((match = UPSTREAM.exec(expression))) return { kind: 'upstream', reference: expression, provider: match[1] as UpstreamProvider };
  // A default holding "${" is a nested placeholder cut short at its first "}": not supported, so not guessed at.
  if ((match = ENV.exec(expression)) && !match[2]?.includes('${')) return { kind: 'env', variable: match[1]!, fallback: match[2] };
  throw new InvalidTemplate(`${field} has \${${expression}}, which is not one of ${FORMS}`);
}

function environmentValue(placeholder: Extract<Placeholder, { kind: 'env' }>, env: Environment, field: string): string {
  const value = env[placeholder.variable];
  // As the shell's ${VAR:-default}: the default also stands in for a variable set to nothing.
  if (placeholder.fallback !== undefined) return value ? value : placeholder.fallback;
  if (value === undefined) {
    throw new InvalidTemplate(
      `${field} uses \${${placeholder.variable}}, which is not set in Gatehouse's environment (set it, or give a default: \${${placeholder.variable}:-…})`,
    );
  }
  return value;
}

function mergeText(parts: Part[]): Part[] {
  const merged: Part[] = [];
  for (const part of parts) {
    const last = merged.length - 1;
    if (typeof part === 'string' && typeof merged[last] === 'string') merged[last] += part;
    else merged.push(part);
  }
  return merged;
}

class CompiledTemplate implements Template {
  readonly references: TemplateReferences;
  // Private to the class, so not in JSON or logs: expanded environment variables are often tokens.
  readonly #parts: readonly Part[];

  constructor(
    readonly field: string,
    parts: readonly Part[],
  ) {
    this.#parts = parts;
    const placeholders = parts.filter((part) => typeof part !== 'string');
    const unique = <T>(items: T[]) => [...new Set(items)];
    this.references = {
      user: unique(placeholders.flatMap((part) => (part.kind === 'user' ? [part.field] : []))),
      secrets: unique(placeholders.flatMap((part) => (part.kind === 'secret' ? [part.name] : []))),
      upstream: unique(placeholders.flatMap((part) => (part.kind === 'upstream' ? [part.provider] : []))),
    };
  }

  render(values: TemplateValues, context: RenderContext): string {
    return this.#parts.map((part) => (typeof part === 'string' ? part : this.substitute(part, values, context))).join('');
  }

  private substitute(placeholder: UseTimePlaceholder, values: TemplateValues, context: RenderContext): string {
    const value = this.lookUp(placeholder, values);
    const refuse = (why: string) =>
      new UnsafeTemplateValue(this.field, placeholder.reference, `${placeholder.reference} cannot be used in ${this.field}: ${why}`);
    if (placeholder.kind === 'user' && context !== 'header' && !isSafeUserValue(value)) throw refuse(USER_VALUE_RULE);
    if (context === 'header' && !HEADER_VALUE.test(value)) throw refuse('it holds a line break, a control character or a character a header cannot carry');
    if (context === 'argument' && value.includes('\0')) throw refuse('it holds a NUL character');
    if (context !== 'url') return value;
    // Every value is one encoded component: none can add a path segment, a query parameter, or move the host.
    try {
      return encodeURIComponent(value);
    } catch {
      throw refuse('it is not valid Unicode');
    }
  }

  private lookUp(placeholder: UseTimePlaceholder, values: TemplateValues): string {
    switch (placeholder.kind) {
      case 'user': {
        const value = values.user[placeholder.field];
        if (value === undefined) throw new MissingTemplateValue(this.field, placeholder.reference, `${this.field} needs user.email, and this account has none`);
        return value;
      }
      case 'secret': {
        // Own properties only: a secret named "constructor" must not find Object's.
        const value = Object.hasOwn(values.secrets, placeholder.name) ? values.secrets[placeholder.name] : undefined;
        if (!value) throw new MissingSecret(this.field, placeholder.name);
        return value;
      }
      case 'upstream': {
        const value = Object.hasOwn(values.upstream, placeholder.provider) ? values.upstream[placeholder.provider] : undefined;
        if (!value) {
          throw new MissingTemplateValue(
            this.field,
            placeholder.reference,
            `${this.field} needs an upstream ${placeholder.provider} token, and none is stored for this user`,
          );
        }
        return value;
      }
    }
  }
}

const USER_VALUE_RULE = 'only letters, digits, ".", "_", "-", "@" and "+" are allowed, not empty, not starting with "-" or ".", and never ".."';

// Safe as a whole argument, a path segment or an environment value: no separator, whitespace or shell metacharacter,
// no leading "-" (read as an option) or "." (hidden files), no ".." (the parent folder).
function isSafeUserValue(value: string): boolean {
  return /^[A-Za-z0-9._@+-]+$/.test(value) && !/^[-.]/.test(value) && !value.includes('..');
}

// RFC 9110 §5.5: a field value is visible characters, spaces, tabs and obs-text; CR and LF would start a new header.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
