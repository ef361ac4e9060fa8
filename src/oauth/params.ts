// Reads OAuth parameters from a query string, a form body or a JSON body. RFC 6749 §3.1: a parameter sent twice
// is an error, not a choice.
import type { Context } from 'hono';
import { InvalidRequest, RequestTooLarge } from '../errors.js';
import { readBodyText } from '../http/body.js';

export type OAuthParams = Record<string, string | undefined>;

export function paramsFromSearch(search: URLSearchParams): OAuthParams {
  const params: OAuthParams = {};
  for (const [key, value] of search) {
    if (key in params) throw new InvalidRequest(`parameter ${key} is included more than once`);
    params[key] = value;
  }
  return params;
}

/**
 * Accepts application/x-www-form-urlencoded (the standard) and application/json (which some clients send), of at
 * most `maxBytes`.
 */
export async function readOAuthParams(c: Context, maxBytes: number): Promise<OAuthParams> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const body = await readBodyText(c, maxBytes);
  if (body.tooLarge) throw new RequestTooLarge(maxBytes);
  const { text } = body;
  if (type === 'application/json') return paramsFromJson(text);
  if (type === 'application/x-www-form-urlencoded' || (type === '' && text === '')) return paramsFromSearch(new URLSearchParams(text));
  throw new InvalidRequest('the body must be application/x-www-form-urlencoded or application/json');
}

function paramsFromJson(text: string): OAuthParams {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidRequest('the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidRequest('the body must be a JSON object');
  const params: OAuthParams = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number') throw new InvalidRequest(`parameter ${key} must be a string`);
    params[key] = String(value);
  }
  return params;
}

/** Reads a parameter that must be present and non-empty. */
export function required(params: OAuthParams, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw new InvalidRequest(`${name} is required`);
  return value;
}
