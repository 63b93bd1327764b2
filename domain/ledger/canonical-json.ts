/**
 * RFC 8785 (JSON Canonicalization Scheme). The ledger hashes exactly this text, so it must be
 * byte-for-byte stable: object keys sorted by UTF-16 code units (JavaScript's default string order),
 * numbers in ECMAScript shortest round-trip form, strings escaped as JSON.stringify does (which is what
 * RFC 8785 section 3.2.2.2 prescribes).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`cannot canonicalise the number ${value}`);
      // Number#toString is the ECMAScript serialisation RFC 8785 requires; -0 serialises as 0.
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      throw new CanonicalJsonError(`cannot canonicalise a value of type ${typeof value}`);
  }
}

function canonicalArray(values: readonly unknown[]): string {
  return `[${values.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
}

function canonicalObject(object: Record<string, unknown>): string {
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
  return `{${members.join(',')}}`;
}

export class CanonicalJsonError extends Error {
  readonly code = 'canonical_json';
}
