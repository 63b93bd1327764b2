import type { EventPattern } from 'aws-cdk-lib/aws-events';
import { validateEventPattern } from '../local/event-pattern.ts';

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
 * A topology pattern (EventBridge's JSON, which the local matcher also reads) in CDK's shape. It is
 * checked with the local bus's own validator, so synth fails on a pattern EventBridge would refuse at
 * deploy. A field CDK has no name for would be dropped silently, so it is refused too.
 */
export function toCdkEventPattern(pattern: Readonly<Record<string, unknown>>): EventPattern {
  const problems = validateEventPattern(pattern);
  if (problems.length > 0) {
    throw new Error(`event pattern would be refused by EventBridge: ${problems.join('; ')}`);
  }
  const converted: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(pattern)) {
    const name = (FIELDS as Record<string, string>)[field];
    if (!name) throw new Error(`event pattern field '${field}' is not a top-level EventBridge field`);
    converted[name] = value;
  }
  return converted as EventPattern;
}
