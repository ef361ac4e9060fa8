// Reads the pages' form posts. Our forms are always urlencoded; any other body reads as empty, so it fails the
// CSRF check with a 403 instead of reaching a parser that may throw.
import type { Context } from 'hono';

export async function readForm(c: Context): Promise<Record<string, string | undefined>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return {};
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(await c.req.text())) form[key] ??= value;
  return form;
}
