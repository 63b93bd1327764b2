import * as z from 'zod';
import { zodIssues } from '../../domain/ingest/field-issues.ts';
import type { HttpEvent } from './http-api.ts';
import { badRequest } from './http-error.ts';

export const LimitSchema = z.coerce.number().int().min(1).max(1000).default(100);

/** `from`, `to` (RFC 3339, normalised to UTC), `limit` and an opaque `cursor` for newest-first lists. */
export const TimeWindowQuerySchema = z.object({
  from: z.iso
    .datetime({ offset: true })
    .transform((t) => new Date(t).toISOString())
    .optional(),
  to: z.iso
    .datetime({ offset: true })
    .transform((t) => new Date(t).toISOString())
    .optional(),
  limit: LimitSchema.pipe(z.number().max(200)),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .max(1024)
    .optional(),
});

/** Parses query string parameters with a zod schema; failures name the parameter. */
export function queryParams<T extends z.ZodType>(event: HttpEvent, schema: T): z.infer<T> {
  const parsed = schema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success)
    throw badRequest('invalid query parameters', zodIssues(parsed.error.issues, ['query']));
  return parsed.data;
}

/** A path parameter, percent-decoded; a malformed escape (`%`, `%E0%A4%A`) is the caller's error. */
export function pathParam(event: HttpEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value)
    throw badRequest(`path parameter ${name} is required`, [{ path: ['path', name], message: 'required' }]);
  try {
    return decodeURIComponent(value);
  } catch {
    throw badRequest(`path parameter ${name} is not validly percent-encoded UTF-8`, [
      { path: ['path', name], message: 'malformed percent-encoding' },
    ]);
  }
}
