/** Body and query validation for routes that are declared with registerPath (several content types, SCIM). */
import type { Context } from 'hono';
import type { z } from 'zod';

export type Valid<T> = { ok: true; data: T } | { ok: false; response: Response };

function fail(c: Context, issues: z.core.$ZodIssue[], prefix = ''): Response {
  const i = issues[0]!;
  const field = prefix + (i.path.join('.') || '(body)');
  return c.json({ error: `invalid ${field}: ${i.message}`, field, reason: i.message }, 400);
}

export async function validJson<S extends z.ZodType>(c: Context, schema: S): Promise<Valid<z.output<S>>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch (e) {
    return { ok: false, response: c.json({ error: `body is not valid JSON: ${(e as Error).message}`, field: '(body)', reason: 'invalid JSON' }, 400) };
  }
  const r = schema.safeParse(raw);
  return r.success ? { ok: true, data: r.data } : { ok: false, response: fail(c, r.error.issues) };
}

export function validQuery<S extends z.ZodType>(c: Context, schema: S): Valid<z.output<S>> {
  const r = schema.safeParse(c.req.query());
  return r.success ? { ok: true, data: r.data } : { ok: false, response: fail(c, r.error.issues) };
}
