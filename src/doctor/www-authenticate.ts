// Reading a WWW-Authenticate header (RFC 9110 §11.6.1): one or more challenges, each a scheme and its parameters,
// e.g. `Bearer resource_metadata="https://x/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"`.

export interface Challenge {
  /** Lower-cased, since schemes compare case-insensitively. */
  scheme: string;
  /** Parameter names lower-cased; quoted values unescaped. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const QUOTED = /"((?:[^"\\]|\\.)*)"/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;

export function parseWwwAuthenticate(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let position = 0;
  const skipSpace = (also = '') => {
    while (position < header.length && (/\s/.test(header[position]!) || also.includes(header[position]!))) position++;
  };
  const match = (pattern: RegExp) => {
    pattern.lastIndex = position;
    const found = pattern.exec(header);
    if (found) position = pattern.lastIndex;
    return found;
  };

  while (position < header.length) {
    skipSpace(',');
    const name = match(TOKEN);
    if (!name) {
      position++; // not a token: step over it rather than give up on the rest of the header
      continue;
    }
    skipSpace();
    const current = challenges[challenges.length - 1];
    if (header[position] === '=' && current && header[position + 1] !== '=') {
      position++;
      skipSpace();
      const quoted = match(QUOTED);
      const value = quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : (match(TOKEN)?.[0] ?? '');
      current.params[name[0].toLowerCase()] = value;
    } else {
      challenges.push({ scheme: name[0].toLowerCase(), params: {} });
      // A token68 credential right after the scheme (`Negotiate abc==`) belongs to it, not to a new challenge.
      const saved = position;
      if (match(TOKEN68) && !/^\s*=/.test(header.slice(position)) && /^\s*(,|$)/.test(header.slice(position))) continue;
      position = saved;
    }
  }
  return challenges;
}

export const bearerChallenge = (header: string | null): Challenge | undefined =>
  header ? parseWwwAuthenticate(header).find((challenge) => challenge.scheme === 'bearer') : undefined;
