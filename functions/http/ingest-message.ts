import { SUPPORTED_SPEC_LINES } from '../../domain/ingest/cdevents.ts';
import type { FieldIssue } from '../../domain/ingest/field-issues.ts';
import {
  looksLikeCdEvent,
  normaliseCdEvent,
  normaliseCloudEvent,
} from '../../domain/ingest/normalise-event.ts';
import type { IncomingEvent } from '../../domain/ledger/ledger-event.ts';
import { MAX_BODY_BYTES } from './body-limit.ts';
import { attributeIssues, binaryModeEvent } from './cloudevents-binding.ts';
import { HttpError } from './http-error.ts';

export { MAX_BODY_BYTES };
/** CloudEvents batches are appended in one transaction; DynamoDB caps those at 100 items. */
export const MAX_BATCH_EVENTS = 25;
/**
 * Deepest JSON nesting accepted (an envelope needs 4). The ledger hashes and re-serialises payloads with
 * recursive code, so a 256 KB body of `[[[[...` would otherwise overflow the stack and answer 500.
 */
export const MAX_JSON_DEPTH = 64;

const CE_STRUCTURED = 'application/cloudevents+json';
const CE_BATCH = 'application/cloudevents-batch+json';

/**
 * Reads an HTTP request as one or more events: CloudEvents binary (ce-* headers), structured and
 * batched modes, and plain JSON that is a structured CloudEvent or a raw CDEvent. Throws HttpError with
 * the failing field path; never returns a partly valid submission.
 */
export function readIngestMessage(
  headers: Readonly<Record<string, string | undefined>>,
  body: string,
): IncomingEvent[] {
  const lower = Object.fromEntries(
    Object.entries(headers).flatMap(([key, value]) =>
      value === undefined ? [] : [[key.toLowerCase(), value]],
    ),
  );
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
    throw new HttpError(413, 'payload_too_large', `the body is over ${MAX_BODY_BYTES / 1024} KB`);
  }
  const contentType = (lower['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  // The content type decides the mode (binding §3.1): ce-* headers beside a CloudEvents media type are
  // not binary mode.
  const binary =
    contentType !== CE_STRUCTURED &&
    contentType !== CE_BATCH &&
    (lower['ce-specversion'] !== undefined || lower['ce-id'] !== undefined);
  if (
    !binary &&
    contentType !== CE_STRUCTURED &&
    contentType !== CE_BATCH &&
    contentType !== 'application/json'
  ) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `content-type '${contentType || '(none)'}' is not accepted: use application/json, ${CE_STRUCTURED}, ${CE_BATCH}, or CloudEvents binary mode with a JSON body`,
    );
  }
  if (binary && contentType !== 'application/json' && !contentType.endsWith('+json')) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      'CloudEvents binary mode needs a JSON body (content-type application/json)',
    );
  }
  const parsed = parseJson(body);

  if (binary) return [normalised(binaryModeEvent(lower, parsed), [])];
  if (contentType === CE_BATCH) {
    if (!Array.isArray(parsed)) throw validation('a CloudEvents batch must be a JSON array', []);
    if (parsed.length === 0) throw validation('a CloudEvents batch must hold at least one event', []);
    if (parsed.length > MAX_BATCH_EVENTS) {
      throw new HttpError(400, 'batch_too_large', `a batch may hold at most ${MAX_BATCH_EVENTS} events`);
    }
    const issues = parsed.flatMap((element, index) => {
      const structural = structuralIssues(element, [index]);
      return structural.length > 0
        ? structural
        : attributeIssues(element as Record<string, unknown>, [index]);
    });
    if (issues.length > 0) throw validation('the batch is not valid; nothing was stored', issues);
    return collect(
      parsed.map((element, index) => () => normalised(element as Record<string, unknown>, [index])),
    );
  }
  if (contentType === 'application/json' && looksLikeCdEvent(parsed)) {
    const result = normaliseCdEvent(parsed);
    if (!result.ok) throw refusal('the CDEvent is not valid', result);
    return [result.event];
  }
  const issues = structuralIssues(parsed, []);
  if (issues.length > 0) throw validation('the CloudEvent is not valid', issues);
  return [normalised(parsed as Record<string, unknown>, [])];
}

function parseJson(body: string): unknown {
  if (body.trim() === '')
    throw new HttpError(400, 'invalid_json', 'the body is empty; a JSON event is required');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (nestedDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw validation(`the body is nested deeper than ${MAX_JSON_DEPTH} levels`, [
      { path: [], message: `nested deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  }
  return parsed;
}

/** Iterative on purpose: a recursive walk would overflow on exactly the input it guards against. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

/** The shape every mode needs before the envelope schema can name fields. */
function structuralIssues(value: unknown, path: (string | number)[]): FieldIssue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path, message: 'expected a CloudEvent object (or send a CDEvent with context and subject)' }];
  }
  const record = value as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  if (record.specversion !== '1.0') issues.push({ path: [...path, 'specversion'], message: "must be '1.0'" });
  for (const field of ['id', 'source', 'type'] as const) {
    if (typeof record[field] !== 'string' || (record[field] as string).length === 0) {
      issues.push({ path: [...path, field], message: 'required non-empty string' });
    }
  }
  if ('data_base64' in record) {
    issues.push({ path: [...path, 'data_base64'], message: 'binary data is not accepted; send JSON data' });
  }
  return issues;
}

function normalised(json: Record<string, unknown>, path: (string | number)[]): IncomingEvent {
  if (typeof json.data === 'string' || json.data_base64 !== undefined) {
    throw validation('event data must be a JSON object', [
      { path: [...path, 'data'], message: 'expected an object' },
    ]);
  }
  const result = normaliseCloudEvent(json);
  if (!result.ok) {
    throw refusal('the event is not valid', {
      ...result,
      issues: result.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] })),
    });
  }
  return result.event;
}

/** Runs every member so all failing paths of a batch are reported at once. */
function collect(readers: (() => IncomingEvent)[]): IncomingEvent[] {
  const issues: FieldIssue[] = [];
  const events: IncomingEvent[] = [];
  let unsupportedVersion = false;
  for (const read of readers) {
    try {
      events.push(read());
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      issues.push(...error.issues);
      if (error.code === 'unsupported_spec_version') unsupportedVersion = true;
    }
  }
  if (issues.length > 0) {
    const message = 'the batch is not valid; nothing was stored';
    throw unsupportedVersion
      ? new HttpError(400, 'unsupported_spec_version', message, issues)
      : validation(message, issues);
  }
  const seen = new Map<string, number>();
  events.forEach((event, index) => {
    const key = JSON.stringify([event.source, event.id]);
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ path: [index, 'id'], message: `repeats (source, id) of batch member ${first}` });
    }
    seen.set(key, index);
  });
  if (issues.length > 0) throw validation('the batch is not valid; nothing was stored', issues);
  return events;
}

/** `unsupported_spec_version` names the supported CDEvents lines; any other refusal is `validation_failed`. */
function refusal(
  message: string,
  result: { readonly issues: readonly FieldIssue[]; readonly code?: 'unsupported_spec_version' },
): HttpError {
  if (result.code === 'unsupported_spec_version') {
    return new HttpError(
      400,
      'unsupported_spec_version',
      `unsupported CDEvents spec version; supported lines: ${SUPPORTED_SPEC_LINES.join(', ')}`,
      result.issues,
    );
  }
  return validation(message, result.issues);
}

function validation(message: string, issues: readonly FieldIssue[]): HttpError {
  return new HttpError(400, 'validation_failed', message, issues);
}
