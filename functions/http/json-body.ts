import type * as z from 'zod';
import { zodIssues } from '../../domain/ingest/field-issues.ts';
import { HttpError } from './http-error.ts';

/** Parses a small JSON request body with a schema: 400 invalid_json or validation_failed with paths. */
export function parseJsonBody<T extends z.ZodType>(text: string, schema: T): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(text || 'null');
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new HttpError(400, 'validation_failed', 'the body is not valid', zodIssues(parsed.error.issues));
  return parsed.data;
}
