import { z } from 'zod';
import { zodIssues } from '../../domain/ingest/normalise-event.ts';
import type { HttpEvent } from './http-api.ts';
import { badRequest } from './http-error.ts';

export const LimitSchema = z.coerce.number().int().min(1).max(1000).default(100);

/** Parses query string parameters with a zod schema; failures name the parameter. */
export function queryParams<T extends z.ZodType>(event: HttpEvent, schema: T): z.infer<T> {
  const parsed = schema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success)
    throw badRequest('invalid query parameters', zodIssues(parsed.error.issues, ['query']));
  return parsed.data;
}

export function pathParam(event: HttpEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value)
    throw badRequest(`path parameter ${name} is required`, [{ path: ['path', name], message: 'required' }]);
  return decodeURIComponent(value);
}
