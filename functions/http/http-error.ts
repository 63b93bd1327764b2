import type { FieldIssue } from '../../domain/ingest/field-issues.ts';

export type ErrorCode =
  | 'invalid_json'
  | 'validation_failed'
  | 'unsupported_spec_version'
  | 'batch_too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'idempotency_conflict'
  | 'release_id_taken'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'storage_unavailable'
  | 'internal_error';

/** An error with the HTTP status and the `{error: {code, message, issues}}` body clients receive. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly issues: readonly FieldIssue[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, issues: readonly FieldIssue[] = []) =>
  new HttpError(400, 'validation_failed', message, issues);
export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
