import type { EventPattern } from 'aws-cdk-lib/aws-events';

/** EventBridge's top-level pattern fields and CDK's names for them (CDK renders them back). */
const FIELDS = {
  version: 'version',
  id: 'id',
  'detail-type': 'detailType',
  source: 'source',
  account: 'account',
  time: 'time',
  region: 'region',
  resources: 'resources',
  detail: 'detail',
} as const satisfies Record<string, keyof EventPattern>;

/**
 * A topology pattern (EventBridge's JSON, which the local matcher also reads) in CDK's shape. A field
 * CDK has no name for would be dropped silently, so it is refused instead.
 */
export function toCdkEventPattern(pattern: Readonly<Record<string, unknown>>): EventPattern {
  const converted: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(pattern)) {
    const name = (FIELDS as Record<string, string>)[field];
    if (!name) throw new Error(`event pattern field '${field}' is not a top-level EventBridge field`);
    converted[name] = value;
  }
  return converted as EventPattern;
}
