import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  BatchTooLargeError,
  CallerRevokedError,
  EventRefusedError,
  EventTooLargeError,
  IdempotencyConflictError,
  InvalidCursorError,
  StorageUnavailableError,
} from '../../domain/ports/event-store.ts';
import { HttpError } from './http-error.ts';

export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { lambda?: Record<string, unknown> };
  };
};
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/** Maps every failure to the documented error body. Registered last, as middy's error handlers are. */
export function httpErrors(
  log: (line: string) => void = (line) => console.error(line),
): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const error = toHttpError(request.error);
      if (error.status >= 500 && error.code !== 'storage_unavailable') {
        log(
          `unexpected error: ${request.error instanceof Error ? (request.error.stack ?? request.error.message) : String(request.error)}`,
        );
      }
      request.response = json(
        error.status,
        { error: { code: error.code, message: error.message, issues: error.issues } },
        { ...error.headers },
      );
    },
  };
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof IdempotencyConflictError)
    return new HttpError(409, 'idempotency_conflict', error.message);
  if (error instanceof EventTooLargeError) return new HttpError(413, 'payload_too_large', error.message);
  if (error instanceof BatchTooLargeError) return new HttpError(400, 'batch_too_large', error.message);
  if (error instanceof EventRefusedError) return eventRefused(error, true);
  if (error instanceof InvalidCursorError) {
    return new HttpError(400, 'validation_failed', 'invalid query parameters', [
      { path: ['query', 'cursor'], message: error.message },
    ]);
  }
  if (error instanceof CallerRevokedError) {
    return new HttpError(401, 'unauthorized', 'the bearer token is not valid', [], {
      'www-authenticate': 'Bearer',
    });
  }
  if (error instanceof StorageUnavailableError) {
    return new HttpError(503, 'storage_unavailable', error.message, [], {
      'retry-after': String(error.retryAfterSeconds),
    });
  }
  return new HttpError(500, 'internal_error', 'internal error; the request may be retried');
}

/**
 * A refused submission: 400 with the failing field paths (prefixed by the event's position when the
 * request was a batch), or 409 when the release id it needs is another release's.
 */
export function eventRefused(error: EventRefusedError, batch: boolean): HttpError {
  return new HttpError(
    error.code === 'release_id_taken' ? 409 : 400,
    error.code,
    error.message,
    error.issues.map((issue) => ({
      path: batch ? [issue.index, ...issue.path] : [...issue.path],
      message: issue.message,
    })),
  );
}

/** Wraps a route handler: parse, call the domain, map the result; errors become JSON responses. */
export function httpApi(handler: HttpHandler) {
  return middy<HttpEvent, HttpResult>().use(httpErrors()).handler(handler);
}

/** Reads a header case-insensitively (API Gateway v2 lower-cases them; be lenient anyway). */
export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export function rawBody(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}
