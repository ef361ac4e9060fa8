// Reads the pages' form posts. Our forms are always urlencoded; any other body reads as empty, so it fails the
// CSRF check with a 403 instead of reaching a parser that may throw.
import type { Context } from 'hono';
import { ErrorPage } from '../pages/error.js';
import { sendPage } from '../pages/respond.js';

export async function readForm(c: Context): Promise<Record<string, string | undefined>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return {};
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(await c.req.text())) form[key] ??= value;
  return form;
}

/** The answer to a form whose CSRF check failed. */
export function refusedForm(c: Context) {
  const page = ErrorPage({ title: 'Form expired', message: 'This form could not be verified. Reload the page and try again.' });
  return sendPage(c, page, { status: 403 });
}
