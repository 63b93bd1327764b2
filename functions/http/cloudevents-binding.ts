import type { FieldIssue } from '../../domain/ingest/field-issues.ts';

/**
 * The two pieces of the CloudEvents 1.0 HTTP binding the ledger needs beyond the envelope schema in
 * domain/ingest: reading binary mode, and the attribute rules the cloudevents SDK enforced on batch
 * members. In-repo because the SDK is CommonJS (nothing tree-shakes) and brought ajv formats,
 * json-bigint, bignumber.js and uuid, ~65 KB of every ingesting Lambda, to do what fits here.
 */

const EXTENSION_PREFIX = 'ce-';

/**
 * Binary mode: every attribute is a `ce-<name>` header except `datacontenttype`, which is Content-Type
 * (binding §3.1.3); the body is the data. Header values are taken as sent (strings), `time` included,
 * so a retry of the same request has the same payload. `headers` must have lower-case names.
 */
export function binaryModeEvent(
  headers: Readonly<Record<string, string>>,
  data: unknown,
): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  const contentType = headers['content-type'];
  if (contentType !== undefined) attributes.datacontenttype = contentType;
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(EXTENSION_PREFIX) && name.length > EXTENSION_PREFIX.length) {
      attributes[name.slice(EXTENSION_PREFIX.length)] = value;
    }
  }
  return { ...attributes, data };
}

const CONTEXT_ATTRIBUTES = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
  'data',
  'data_base64',
]);
/** Attribute names: lower-case ASCII letters and digits (spec §3.1.1). */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
/** RFC 3986 characters, with `%` only as a complete percent-encoding. */
const URI_CHARACTERS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * What the spec requires of attributes beyond the envelope schema: name syntax, `source` a
 * URI-reference, `dataschema` an absolute URI, optional strings non-empty when present, extension values
 * of the spec's type system (no fractional numbers). The ledger applies these to batch members only, as
 * it did when the SDK validated batches strictly and the other modes leniently: tightening single events
 * would refuse requests that were accepted before.
 */
export function attributeIssues(
  event: Readonly<Record<string, unknown>>,
  path: (string | number)[],
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const at = (name: string, message: string) => issues.push({ path: [...path, name], message });
  for (const [name, value] of Object.entries(event)) {
    if (!ATTRIBUTE_NAME.test(name) && name !== 'data_base64') {
      at(name, 'attribute names must be lower-case letters and digits');
    } else if (!CONTEXT_ATTRIBUTES.has(name) && typeof value === 'number' && !Number.isInteger(value)) {
      at(name, 'extension values must be strings, booleans, integers or objects');
    }
  }
  if (typeof event.source === 'string' && !URI_CHARACTERS.test(event.source)) {
    at('source', 'must be a URI-reference (RFC 3986)');
  }
  if (
    typeof event.dataschema === 'string' &&
    !(URI_SCHEME.test(event.dataschema) && URI_CHARACTERS.test(event.dataschema))
  ) {
    at('dataschema', 'must be an absolute URI (RFC 3986)');
  }
  for (const name of ['datacontenttype', 'subject'] as const) {
    if (event[name] === '') at(name, 'must not be empty when present');
  }
  return issues;
}
