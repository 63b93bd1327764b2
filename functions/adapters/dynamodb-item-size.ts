/**
 * An upper bound of the bytes DynamoDB counts for a value, as its item-size rules do: strings and
 * attribute names by their UTF-8 length, numbers at most 21 bytes, booleans and nulls 1, and lists and
 * maps 3 bytes plus 1 per element. Used to keep a transaction under DynamoDB's 4 MB before sending it.
 */
export function dynamoDbValueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return 21;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + 1 + dynamoDbValueBytes(item), 3);
  if (value instanceof Set)
    return [...value].reduce((sum: number, item) => sum + dynamoDbValueBytes(item), 3);
  if (typeof value === 'object') {
    return Object.entries(value).reduce(
      (sum, [name, item]) => sum + 1 + Buffer.byteLength(name, 'utf8') + dynamoDbValueBytes(item),
      3,
    );
  }
  return Buffer.byteLength(String(value), 'utf8');
}
