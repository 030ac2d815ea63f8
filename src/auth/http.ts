/** Request helpers for the governance routes. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { AuthError } from './service.js';

/** Parse a JSON or form body with a schema; a failure is a 400 naming the field and reason. */
export async function input<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const type = c.req.header('content-type') ?? '';
  const raw: unknown = type.includes('application/json') ? await c.req.json().catch(() => undefined) : await c.req.parseBody();
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new AuthError(`invalid ${issue.path.join('.') || '(body)'}: ${issue.message}`, 400);
  }
  return r.data;
}

/** The client address for rate limiting (the socket peer; proxies are not trusted). */
export function clientKey(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'local';
}
