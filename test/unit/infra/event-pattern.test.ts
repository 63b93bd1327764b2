import { describe, expect, it } from 'vitest';
import { matchesEventPattern, validateEventPattern } from '../../../infra/local/event-pattern.ts';

/**
 * Conformance of the local EventBridge pattern matcher. Where the Amazon EventBridge user guide gives an
 * example ("Creating event patterns", "Comparison operators", "Arrays in event patterns", "Matching null
 * values and empty strings", "Content filtering"), the event and pattern are taken from it.
 */

interface Case {
  readonly name: string;
  readonly pattern: Record<string, unknown>;
  readonly event: Record<string, unknown>;
  readonly expected: boolean;
}

// --- events from the AWS documentation ---------------------------------------------------------------------

/** "Creating event patterns": an EC2 state-change event. */
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};
const ec2Pattern = {
  source: ['aws.ec2'],
  'detail-type': ['EC2 Instance State-change Notification'],
  detail: { state: ['terminated'] },
};

/** "Matching null values and empty strings": an EC2 Auto Scaling event. */
const autoScalingEvent = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

/** "Value matching": a (truncated) Macie alert. */
const macieEvent = {
  version: '0',
  id: '3e355723-fca9-4de3-9fd7-154c289d6b59',
  'detail-type': 'Macie Alert',
  source: 'aws.macie',
  account: '123456789012',
  time: '2017-04-24T22:28:49Z',
  region: 'us-east-1',
  resources: [
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id',
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
  ],
  detail: {
    'notification-type': 'ALERT_CREATED',
    name: 'Scanning bucket policies',
    tags: ['Custom_Alert', 'Insider'],
    'risk-score': 80,
    trigger: { 'alert-type': 'basic', risk: 8 },
  },
};
const maciePattern = {
  source: ['aws.macie'],
  'detail-type': ['Macie Alert'],
  detail: { 'risk-score': [80], trigger: { risk: [8] } },
};

/** "Exists matching": an event with a detail.state field, and one without it whose c-count is an object. */
const existsEvent = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
};
const nonLeafCountEvent = {
  'detail-type': ['EC2 Instance State-change Notification'],
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
  detail: { 'c-count': { c1: 100 } },
};

/** "Arrays in event patterns". */
const resourcesPattern = {
  resources: [
    'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
    'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
    'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
  ],
};
const resourcesEvent = {
  resources: [
    'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
    'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
  ],
};

/** "Numeric matching" and "Or matching". */
const numericPattern = {
  detail: {
    'c-count': [{ numeric: ['>', 0, '<=', 5] }],
    'd-count': [{ numeric: ['<', 10] }],
    'x-limit': [{ numeric: ['=', 3.018e2] }],
  },
};
const numericOrPattern = {
  detail: {
    $or: [
      { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
      { 'd-count': [{ numeric: ['<', 10] }] },
      { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
    ],
  },
};

/** "Complex example with multiple matching". */
const complexPattern = {
  time: [{ prefix: '2017-10-02' }],
  detail: {
    state: [{ 'anything-but': 'initializing' }],
    'c-count': [{ numeric: ['>', 0, '<=', 5] }],
    'd-count': [{ numeric: ['<', 10] }],
    'x-limit': [{ 'anything-but': [100, 200, 300] }],
  },
};

const withDetail = (detail: Record<string, unknown>) => ({ ...ec2Event, detail });
const parsed = (json: string) => JSON.parse(json) as Record<string, unknown>;

// --- the conformance table ---------------------------------------------------------------------------------

const exactCases: Case[] = [
  {
    name: 'docs: EC2 termination pattern matches the EC2 event',
    pattern: ec2Pattern,
    event: ec2Event,
    expected: true,
  },
  {
    name: 'docs: EC2 termination pattern does not match a running instance',
    pattern: ec2Pattern,
    event: withDetail({ state: 'running' }),
    expected: false,
  },
  {
    name: 'strings match character by character, without case folding',
    pattern: { detail: { state: ['Terminated'] } },
    event: ec2Event,
    expected: false,
  },
  {
    name: 'docs: "source": ["aws.ec2", "aws.fargate"] matches either value',
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    event: { ...ec2Event, source: 'aws.fargate' },
    expected: true,
  },
  {
    name: 'a value matching none of the listed values does not match',
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    event: { ...ec2Event, source: 'aws.s3' },
    expected: false,
  },
  {
    name: 'docs: Macie risk-score 80 and trigger risk 8 match',
    pattern: maciePattern,
    event: macieEvent,
    expected: true,
  },
  {
    name: 'a different number does not match',
    pattern: maciePattern,
    event: { ...macieEvent, detail: { ...macieEvent.detail, trigger: { risk: 9 } } },
    expected: false,
  },
  {
    name: 'numbers compare by value: 300 matches 300.0',
    pattern: { detail: { 'x-limit': [300] } },
    event: parsed('{"detail": {"x-limit": 300.0}}'),
    expected: true,
  },
  {
    name: 'numbers compare by value: 300 matches 3.0e2',
    pattern: { detail: { 'x-limit': [300] } },
    event: parsed('{"detail": {"x-limit": 3.0e2}}'),
    expected: true,
  },
  {
    name: 'the string "300" does not match the number 300',
    pattern: { detail: { 'x-limit': [300] } },
    event: { detail: { 'x-limit': '300' } },
    expected: false,
  },
  {
    name: 'boolean true matches true',
    pattern: { detail: { enabled: [true] } },
    event: { detail: { enabled: true } },
    expected: true,
  },
  {
    name: 'boolean true does not match false',
    pattern: { detail: { enabled: [true] } },
    event: { detail: { enabled: false } },
    expected: false,
  },
  {
    name: 'boolean true does not match the string "true"',
    pattern: { detail: { enabled: [true] } },
    event: { detail: { enabled: 'true' } },
    expected: false,
  },
  {
    name: 'docs: [null] matches a null value',
    pattern: {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance Launch Successful'],
      detail: { responseElements: [null] },
    },
    event: autoScalingEvent,
    expected: true,
  },
  {
    name: 'docs: [""] matches an empty string',
    pattern: { detail: { eventVersion: [''] } },
    event: autoScalingEvent,
    expected: true,
  },
  {
    name: 'docs: null and the empty string are not interchangeable ([null] vs "")',
    pattern: { detail: { eventVersion: [null] } },
    event: autoScalingEvent,
    expected: false,
  },
  {
    name: 'docs: null and the empty string are not interchangeable ([""] vs null)',
    pattern: { detail: { responseElements: [''] } },
    event: autoScalingEvent,
    expected: false,
  },
  {
    name: '[null] does not match a missing field',
    pattern: { detail: { absent: [null] } },
    event: autoScalingEvent,
    expected: false,
  },
  {
    name: 'a missing field does not match an exact matcher',
    pattern: { detail: { 'instance-type': ['t3.micro'] } },
    event: ec2Event,
    expected: false,
  },
  {
    name: 'an object-valued field does not match an exact matcher',
    pattern: { detail: ['terminated'] },
    event: ec2Event,
    expected: false,
  },
];

const arrayCases: Case[] = [
  {
    name: 'docs: array event value matches when the intersection is non-empty',
    pattern: resourcesPattern,
    event: resourcesEvent,
    expected: true,
  },
  {
    name: 'array event value without any listed element does not match',
    pattern: resourcesPattern,
    event: { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-other'] },
    expected: false,
  },
  {
    name: 'an empty event array matches no exact value',
    pattern: { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    event: autoScalingEvent,
    expected: false,
  },
  {
    name: 'operators apply to each element of an array value',
    pattern: { detail: { tags: [{ prefix: 'Insi' }] } },
    event: macieEvent,
    expected: true,
  },
  {
    name: 'a nested pattern matches an object element of an array value',
    pattern: { detail: { items: { sku: ['b'] } } },
    event: { detail: { items: [{ sku: 'a' }, { sku: 'b' }] } },
    expected: true,
  },
  {
    name: 'a nested pattern does not match when no array element matches',
    pattern: { detail: { items: { sku: ['c'] } } },
    event: { detail: { items: [{ sku: 'a' }, { sku: 'b' }] } },
    expected: false,
  },
];

const prefixSuffixCases: Case[] = [
  {
    name: 'docs: prefix "2017-10-02" matches "2017-10-02T18:43:48Z"',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    event: { ...ec2Event, time: '2017-10-02T18:43:48Z' },
    expected: true,
  },
  {
    name: 'prefix does not match another day',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    event: ec2Event,
    expected: false,
  },
  {
    name: 'prefix only applies to strings',
    pattern: { detail: { code: [{ prefix: '12' }] } },
    event: { detail: { code: 123 } },
    expected: false,
  },
  {
    name: 'docs: prefix with equals-ignore-case matches "EVENTBRIDGE" for "EventB"',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event: { detail: { service: 'EVENTBRIDGE' } },
    expected: true,
  },
  {
    name: 'prefix with equals-ignore-case still anchors at the start',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event: { detail: { service: 'amazon-eventbridge' } },
    expected: false,
  },
  {
    name: 'docs: suffix ".png" matches "image.png"',
    pattern: { FileName: [{ suffix: '.png' }] },
    event: { FileName: 'image.png' },
    expected: true,
  },
  {
    name: 'suffix is case-sensitive: ".png" does not match "image.PNG"',
    pattern: { FileName: [{ suffix: '.png' }] },
    event: { FileName: 'image.PNG' },
    expected: false,
  },
  {
    name: 'docs: suffix with equals-ignore-case ".png" matches "IMAGE.PNG"',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    event: { detail: { FileName: 'IMAGE.PNG' } },
    expected: true,
  },
  {
    name: 'suffix with equals-ignore-case does not match another extension',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    event: { detail: { FileName: 'image.jpg' } },
    expected: false,
  },
];

const anythingButCases: Case[] = [
  {
    name: 'docs: anything-but "initializing" matches "running"',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: withDetail({ state: 'running' }),
    expected: true,
  },
  {
    name: 'anything-but "initializing" does not match "initializing"',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: withDetail({ state: 'initializing' }),
    expected: false,
  },
  {
    name: 'anything-but does not match a missing field',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: withDetail({}),
    expected: false,
  },
  {
    name: 'docs: anything-but 123 matches 456',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: { detail: { 'x-limit': 456 } },
    expected: true,
  },
  {
    name: 'anything-but 123 does not match 123',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: { detail: { 'x-limit': 123 } },
    expected: false,
  },
  {
    name: 'docs: anything-but ["stopped", "overloaded"] matches "running"',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: withDetail({ state: 'running' }),
    expected: true,
  },
  {
    name: 'anything-but ["stopped", "overloaded"] does not match "overloaded"',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: withDetail({ state: 'overloaded' }),
    expected: false,
  },
  {
    name: 'docs: anything-but [100, 200, 300] matches 150',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event: { detail: { 'x-limit': 150 } },
    expected: true,
  },
  {
    name: 'anything-but [100, 200, 300] does not match 200',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event: { detail: { 'x-limit': 200 } },
    expected: false,
  },
  {
    name: 'docs: anything-but prefix "init" matches "running"',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: withDetail({ state: 'running' }),
    expected: true,
  },
  {
    name: 'anything-but prefix "init" does not match "initializing"',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: withDetail({ state: 'initializing' }),
    expected: false,
  },
  {
    name: 'docs: anything-but suffix ".png" matches "notes.txt"',
    pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    event: { FileName: 'notes.txt' },
    expected: true,
  },
  {
    name: 'anything-but suffix ".png" does not match "image.png"',
    pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    event: { FileName: 'image.png' },
    expected: false,
  },
  {
    name: 'docs: anything-but equals-ignore-case "initializing" matches "running"',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    event: withDetail({ state: 'running' }),
    expected: true,
  },
  {
    name: 'anything-but equals-ignore-case "initializing" does not match "INITIALIZING"',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    event: withDetail({ state: 'INITIALIZING' }),
    expected: false,
  },
  {
    name: 'anything-but equals-ignore-case list does not match any casing of a listed value',
    pattern: {
      detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
    },
    event: withDetail({ state: 'Stopped' }),
    expected: false,
  },
  {
    name: 'docs: anything-but wildcard "*/lib/*" matches "/usr/bin/tool"',
    pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    event: { FilePath: '/usr/bin/tool' },
    expected: true,
  },
  {
    name: 'anything-but wildcard "*/lib/*" does not match "/usr/lib/libc.so"',
    pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    event: { FilePath: '/usr/lib/libc.so' },
    expected: false,
  },
  {
    name: 'anything-but matches an array value holding any non-excluded element',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: withDetail({ state: ['initializing', 'running'] }),
    expected: true,
  },
  {
    name: 'anything-but does not match an array value holding only excluded elements',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: withDetail({ state: ['initializing'] }),
    expected: false,
  },
];

const numericCases: Case[] = [
  {
    name: 'docs: numeric ranges and equality all hold',
    pattern: numericPattern,
    event: { detail: { 'c-count': 5, 'd-count': 9, 'x-limit': 301.8 } },
    expected: true,
  },
  {
    name: 'numeric ">" excludes its bound (c-count 0)',
    pattern: numericPattern,
    event: { detail: { 'c-count': 0, 'd-count': 9, 'x-limit': 301.8 } },
    expected: false,
  },
  {
    name: 'numeric "<=" bound exceeded (c-count 6)',
    pattern: numericPattern,
    event: { detail: { 'c-count': 6, 'd-count': 9, 'x-limit': 301.8 } },
    expected: false,
  },
  {
    name: 'numeric "<" excludes its bound (d-count 10)',
    pattern: numericPattern,
    event: { detail: { 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 } },
    expected: false,
  },
  {
    name: 'docs: numeric "=" 100 matches 100.0 (float vs int)',
    pattern: { Price: [{ numeric: ['=', 100] }] },
    event: parsed('{"Price": 100.0}'),
    expected: true,
  },
  {
    name: 'numeric "=" 100 does not match 100.5',
    pattern: { Price: [{ numeric: ['=', 100] }] },
    event: { Price: 100.5 },
    expected: false,
  },
  {
    name: 'docs: numeric [">", 10, "<=", 20] matches 20',
    pattern: { Price: [{ numeric: ['>', 10, '<=', 20] }] },
    event: { Price: 20 },
    expected: true,
  },
  {
    name: 'numeric [">=", 10, "<", 20] includes 10',
    pattern: { Price: [{ numeric: ['>=', 10, '<', 20] }] },
    event: { Price: 10 },
    expected: true,
  },
  {
    name: 'numeric [">=", 10, "<", 20] excludes 20',
    pattern: { Price: [{ numeric: ['>=', 10, '<', 20] }] },
    event: { Price: 20 },
    expected: false,
  },
  {
    name: 'numeric only matches JSON numbers, not numeric strings',
    pattern: { Price: [{ numeric: ['>', 10] }] },
    event: { Price: '15' },
    expected: false,
  },
  {
    name: 'numeric compares fractional values',
    pattern: { Price: [{ numeric: ['>', 10.25, '<', 10.5] }] },
    event: { Price: 10.375 },
    expected: true,
  },
];

const existsCases: Case[] = [
  {
    name: 'docs: exists true matches an event with detail.state',
    pattern: { detail: { state: [{ exists: true }] } },
    event: existsEvent,
    expected: true,
  },
  {
    name: 'docs: exists true does not match an event without detail.state',
    pattern: { detail: { state: [{ exists: true }] } },
    event: nonLeafCountEvent,
    expected: false,
  },
  {
    name: 'docs: exists false matches an event without detail.c-count',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: existsEvent,
    expected: true,
  },
  {
    name: 'docs: exists false also matches when c-count is not a leaf node',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: nonLeafCountEvent,
    expected: true,
  },
  {
    name: 'exists false does not match a present leaf value',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: { detail: { 'c-count': 3 } },
    expected: false,
  },
  {
    name: 'exists true does not match an object (exists works on leaf nodes only)',
    pattern: { detail: { 'c-count': [{ exists: true }] } },
    event: nonLeafCountEvent,
    expected: false,
  },
  {
    name: 'exists false matches when the whole parent object is missing',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: { source: 'aws.ec2' },
    expected: true,
  },
  {
    name: 'exists true matches an empty string',
    pattern: { detail: { eventVersion: [{ exists: true }] } },
    event: autoScalingEvent,
    expected: true,
  },
];

const equalsIgnoreCaseCases: Case[] = [
  {
    name: 'docs: equals-ignore-case "alice" matches "ALICE"',
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    event: { Name: 'ALICE' },
    expected: true,
  },
  {
    name: 'equals-ignore-case "alice" does not match "Alicia"',
    pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
    event: { Name: 'Alicia' },
    expected: false,
  },
  {
    name: 'equals-ignore-case only applies to strings',
    pattern: { Name: [{ 'equals-ignore-case': 'true' }] },
    event: { Name: true },
    expected: false,
  },
];

const wildcardCases: Case[] = [
  {
    name: 'docs: wildcard "dir/*.png" matches "dir/abc.png"',
    pattern: { FileName: [{ wildcard: 'dir/*.png' }] },
    event: { FileName: 'dir/abc.png' },
    expected: true,
  },
  {
    name: 'wildcard "*" also spans "/" ("dir/sub/abc.png")',
    pattern: { FileName: [{ wildcard: 'dir/*.png' }] },
    event: { FileName: 'dir/sub/abc.png' },
    expected: true,
  },
  {
    name: 'wildcard "dir/*.png" does not match "dir/abc.jpg"',
    pattern: { FileName: [{ wildcard: 'dir/*.png' }] },
    event: { FileName: 'dir/abc.jpg' },
    expected: false,
  },
  {
    name: 'wildcard "dir/*.png" does not match "other/abc.png"',
    pattern: { FileName: [{ wildcard: 'dir/*.png' }] },
    event: { FileName: 'other/abc.png' },
    expected: false,
  },
  {
    name: 'docs: wildcard with two stars matches an event bus ARN',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    event: { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
    expected: true,
  },
  {
    name: 'wildcard with two stars does not match another region',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    event: { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default' },
    expected: false,
  },
  {
    name: 'wildcard "*ab*ab*" matches "abab" (stars may match nothing)',
    pattern: { code: [{ wildcard: '*ab*ab*' }] },
    event: { code: 'abab' },
    expected: true,
  },
  {
    name: 'wildcard "*ab*ab*" does not match "aab" (runs may not overlap)',
    pattern: { code: [{ wildcard: '*ab*ab*' }] },
    event: { code: 'aab' },
    expected: false,
  },
  {
    name: 'wildcard "*ab*ab" does not match "xab" (the last run cannot reuse the middle one)',
    pattern: { code: [{ wildcard: '*ab*ab' }] },
    event: { code: 'xab' },
    expected: false,
  },
  {
    name: 'docs: an escaped star "a\\*b" matches the literal "a*b"',
    pattern: { code: [{ wildcard: 'a\\*b' }] },
    event: { code: 'a*b' },
    expected: true,
  },
  {
    name: 'an escaped star "a\\*b" is not a wildcard ("axxb")',
    pattern: { code: [{ wildcard: 'a\\*b' }] },
    event: { code: 'axxb' },
    expected: false,
  },
  {
    name: 'docs: an escaped backslash "a\\\\*" matches "a\\" followed by anything',
    pattern: { code: [{ wildcard: 'a\\\\*' }] },
    event: { code: 'a\\bc' },
    expected: true,
  },
  {
    name: 'wildcard only applies to strings',
    pattern: { code: [{ wildcard: '1*' }] },
    event: { code: 123 },
    expected: false,
  },
];

const cidrCases: Case[] = [
  {
    name: 'docs: cidr "10.0.0.0/24" matches 10.0.0.255',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: { detail: { sourceIPAddress: '10.0.0.255' } },
    expected: true,
  },
  {
    name: 'cidr "10.0.0.0/24" does not match 10.0.1.1',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: { detail: { sourceIPAddress: '10.0.1.1' } },
    expected: false,
  },
  {
    name: 'cidr does not match a string that is not an IP address',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: { detail: { sourceIPAddress: 'AWS Internal' } },
    expected: false,
  },
  {
    name: 'cidr "/31" does not match the address after its two',
    pattern: { ip: [{ cidr: '192.168.1.6/31' }] },
    event: { ip: '192.168.1.8' },
    expected: false,
  },
  {
    name: 'cidr compares addresses, not text: host bits in the block are ignored',
    pattern: { ip: [{ cidr: '10.0.0.77/24' }] },
    event: { ip: '10.0.0.3' },
    expected: true,
  },
  {
    name: 'cidr matches IPv6 addresses',
    pattern: { ip: [{ cidr: '2001:db8::/32' }] },
    event: { ip: '2001:db8:85a3::8a2e:370:7334' },
    expected: true,
  },
  {
    name: 'cidr IPv6 block does not match an address outside it',
    pattern: { ip: [{ cidr: '2001:db8::/32' }] },
    event: { ip: '2001:db9::1' },
    expected: false,
  },
  {
    name: 'cidr IPv4 block does not match an IPv6 address',
    pattern: { ip: [{ cidr: '10.0.0.0/8' }] },
    event: { ip: '::1' },
    expected: false,
  },
];

const orCases: Case[] = [
  {
    name: 'docs: top-level $or matches on its first branch (Location)',
    pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    event: { Location: 'New York', Day: 'Sunday' },
    expected: true,
  },
  {
    name: 'docs: top-level $or matches on its second branch (Day)',
    pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    event: { Location: 'Boston', Day: 'Monday' },
    expected: true,
  },
  {
    name: 'top-level $or does not match when no branch matches',
    pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    event: { Location: 'Boston', Day: 'Sunday' },
    expected: false,
  },
  {
    name: '$or is ANDed with the fields beside it',
    pattern: {
      source: ['aws.ec2'],
      $or: [
        { 'detail-type': ['EC2 Instance State-change Notification'] },
        { 'detail-type': ['EC2 Instance Launch Successful'] },
      ],
    },
    event: { ...autoScalingEvent, source: 'aws.autoscaling' },
    expected: false,
  },
  {
    name: 'docs: nested $or inside detail matches on any branch (d-count)',
    pattern: numericOrPattern,
    event: { detail: { 'c-count': 0, 'd-count': 2, 'x-limit': 1 } },
    expected: true,
  },
  {
    name: 'nested $or inside detail does not match when every branch fails',
    pattern: numericOrPattern,
    event: { detail: { 'c-count': 0, 'd-count': 20, 'x-limit': 1 } },
    expected: false,
  },
  {
    name: '$or nests inside $or',
    pattern: { $or: [{ a: ['1'] }, { $or: [{ b: ['2'] }, { c: ['3'] }] }] },
    event: { c: '3' },
    expected: true,
  },
];

const structureCases: Case[] = [
  {
    name: 'nested objects match several levels deep',
    pattern: { detail: { a: { b: { c: { d: ['deep'] } } } } },
    event: { detail: { a: { b: { c: { d: 'deep', e: 'ignored' } } } } },
    expected: true,
  },
  {
    name: 'nested objects several levels deep: a different leaf does not match',
    pattern: { detail: { a: { b: { c: { d: ['deep'] } } } } },
    event: { detail: { a: { b: { c: { d: 'shallow' } } } } },
    expected: false,
  },
  {
    name: 'a nested pattern does not match a leaf where an object is expected',
    pattern: { detail: { a: { b: ['x'] } } },
    event: { detail: { a: 'x' } },
    expected: false,
  },
  {
    name: 'multiple fields are ANDed: one mismatching field fails the pattern',
    pattern: { ...ec2Pattern, 'detail-type': ['EC2 Instance Launch Successful'] },
    event: ec2Event,
    expected: false,
  },
  {
    name: 'docs: complex example (prefix, anything-but, numeric) matches',
    pattern: complexPattern,
    event: {
      time: '2017-10-02T18:43:48Z',
      detail: { state: 'running', 'c-count': 3, 'd-count': 1, 'x-limit': 150 },
    },
    expected: true,
  },
  {
    name: 'docs: complex example fails on an excluded x-limit',
    pattern: complexPattern,
    event: {
      time: '2017-10-02T18:43:48Z',
      detail: { state: 'running', 'c-count': 3, 'd-count': 1, 'x-limit': 300 },
    },
    expected: false,
  },
];

/** Recorded against EventBridge's TestEventPattern (LocalStack's AWS-validated templates, 2025-10-15). */
const dottedKeyCases: Case[] = [
  {
    name: 'a pattern key "state.status" is the path state → status in the event',
    pattern: { detail: { 'state.status': ['running'] } },
    event: withDetail({ state: { status: 'running' } }),
    expected: true,
  },
  {
    name: 'an event key "state.status" is the path state → status in the pattern',
    pattern: { detail: { state: { status: ['running'] } } },
    event: withDetail({ 'state.status': 'running' }),
    expected: true,
  },
  {
    name: 'a dotted key names the whole path: "state.status" under status is state → status → status',
    pattern: { detail: { 'state.status': { status: ['running'] } } },
    event: withDetail({ state: { status: 'running' } }),
    expected: false,
  },
  {
    name: 'a dotted key reaches through an array of objects',
    pattern: { detail: { 'items.sku': [{ prefix: 'q-' }] } },
    event: withDetail({ items: [{ sku: 'a-1' }, { sku: 'q-2' }] }),
    expected: true,
  },
  {
    name: 'fields from different elements of one array do not match together',
    pattern: { detail: { items: { sku: ['a-1'], qty: [2] } } },
    event: withDetail({
      items: [
        { sku: 'a-1', qty: 1 },
        { sku: 'b-1', qty: 2 },
      ],
    }),
    expected: false,
  },
];

const ipValueCases: Case[] = [
  {
    name: 'an exact IPv6 value matches the same address written in full',
    pattern: { ip: ['2001:db8::1'] },
    event: { ip: '2001:0DB8:0000:0000:0000:0000:0000:0001' },
    expected: true,
  },
  {
    name: 'an exact IPv6 value does not match another address',
    pattern: { ip: ['2001:db8::1'] },
    event: { ip: '2001:db8::2' },
    expected: false,
  },
];

const regressionCases: Case[] = [
  {
    name: 'exists false under an array of objects fails when any element has the field',
    pattern: { a: { b: [{ exists: false }] } },
    event: { a: [{ b: 1 }, { c: 2 }] },
    expected: false,
  },
  {
    name: 'exists false under an array of objects holds when no element has the field',
    pattern: { a: { b: [{ exists: false }] } },
    event: { a: [{ c: 1 }, { c: 2 }] },
    expected: true,
  },
  {
    name: 'anything-but a list of prefixes matches a value with none of them',
    pattern: { detail: { state: [{ 'anything-but': { prefix: ['init', 'test'] } }] } },
    event: withDetail({ state: 'running' }),
    expected: true,
  },
  {
    name: 'anything-but a list of prefixes does not match a value with one of them',
    pattern: { detail: { state: [{ 'anything-but': { prefix: ['init', 'post'] } }] } },
    event: withDetail({ state: 'post-run' }),
    expected: false,
  },
  {
    name: 'anything-but a list of suffixes matches a null value',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: ['.txt', '.jpg'] } }] } },
    event: withDetail({ FileName: null }),
    expected: true,
  },
  {
    name: 'anything-but a list of suffixes does not match a value with one of them',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: ['.txt', '.jpg'] } }] } },
    event: withDetail({ FileName: 'photo.jpg' }),
    expected: false,
  },
  {
    name: 'equals-ignore-case matches a character whose upper case is several characters (ΰ, Ϋ́)',
    pattern: { v: [{ 'equals-ignore-case': '\u03b0k' }] },
    event: { v: '\u03a5\u0308\u0301K' },
    expected: true,
  },
  {
    name: '"$or" followed by an object is an ordinary field name',
    pattern: { source: ['aws.cloudwatch'], $or: { metricType: ['MetricType'] } },
    event: { source: 'aws.cloudwatch', $or: { metricType: 'MetricType' } },
    expected: true,
  },
];

const groups: Record<string, Case[]> = {
  'dotted keys and arrays of objects': dottedKeyCases,
  'IP addresses as exact values': ipValueCases,
  'corpus regressions': regressionCases,
  'exact values, null and empty strings': exactCases,
  'array-valued event fields': arrayCases,
  'prefix and suffix': prefixSuffixCases,
  'anything-but': anythingButCases,
  numeric: numericCases,
  exists: existsCases,
  'equals-ignore-case': equalsIgnoreCaseCases,
  wildcard: wildcardCases,
  cidr: cidrCases,
  $or: orCases,
  'nesting and AND': structureCases,
};

describe('matchesEventPattern', () => {
  for (const [group, cases] of Object.entries(groups)) {
    describe(group, () => {
      it.each(cases)('$name', ({ pattern, event, expected }) => {
        expect(validateEventPattern(pattern)).toEqual([]);
        expect(matchesEventPattern(pattern, event)).toBe(expected);
      });
    });
  }

  it('covers every operator with both a positive and a negative case', () => {
    const all = Object.values(groups).flat();
    const operators = [
      'prefix',
      'suffix',
      'equals-ignore-case',
      'wildcard',
      'anything-but',
      'numeric',
      'exists',
      'cidr',
      '$or',
    ];
    for (const operator of operators) {
      const uses = all.filter((c) => JSON.stringify(c.pattern).includes(`"${operator}"`));
      expect(new Set(uses.map((c) => c.expected)), operator).toEqual(new Set([true, false]));
    }
  });

  it('never matches a malformed pattern', () => {
    expect(matchesEventPattern({ source: 'aws.ec2' }, ec2Event)).toBe(false);
    expect(matchesEventPattern(null, ec2Event)).toBe(false);
    expect(matchesEventPattern({ source: [{ contains: 'ec2' }] }, ec2Event)).toBe(false);
  });

  it('never matches an empty pattern: EventBridge refuses {}', () => {
    expect(matchesEventPattern({}, ec2Event)).toBe(false);
  });
});

describe('validateEventPattern', () => {
  it('accepts the documentation patterns', () => {
    for (const pattern of [ec2Pattern, maciePattern, numericPattern, numericOrPattern, complexPattern]) {
      expect(validateEventPattern(pattern)).toEqual([]);
    }
  });

  it('accepts what AWS accepts near its limits', () => {
    const accepted = [
      { state: [{ 'anything-but': { prefix: ['init', 'test'] } }] },
      { file: [{ 'anything-but': { suffix: ['.txt', '.jpg'] } }] },
      { path: [{ wildcard: '/Users/*/dir/dir/dir/dir/dir/doc.txt' }] },
      { path: [{ 'anything-but': { wildcard: ['*/init/*', '*/dir/*'] } }] },
      { ip: [{ cidr: '10.0.0.1/31' }, { cidr: '2001:db8::/127' }] },
      Object.fromEntries(
        ['a', 'b', 'c'].map((field) => [
          field,
          { $or: [0, 1, 2, 3, 4, 5].map((n) => ({ [`${field}${n}`]: ['x'] })) },
        ]),
      ),
    ];
    for (const pattern of accepted)
      expect(validateEventPattern(pattern), JSON.stringify(pattern)).toEqual([]);
  });

  it.each([
    {
      name: 'a pattern that is not an object',
      pattern: ['aws.ec2'],
      problem: 'pattern: must be a JSON object',
    },
    { name: 'a null pattern', pattern: null, problem: 'pattern: must be a JSON object' },
    {
      name: 'a leaf that is not an array',
      pattern: { source: 'aws.ec2' },
      problem: 'source: must be an array',
    },
    {
      name: 'an empty leaf array',
      pattern: { source: [] },
      problem: 'source: must contain at least one matcher',
    },
    {
      name: 'a nested array matcher',
      pattern: { source: [['aws.ec2']] },
      problem: 'source[0]: a matcher must be',
    },
    {
      name: 'an unknown operator',
      pattern: { detail: { type: [{ contains: 'Normal' }] } },
      problem: 'detail.type[0]: unknown operator "contains"',
    },
    {
      name: 'two operators in one matcher',
      pattern: { name: [{ prefix: 'a', suffix: 'b' }] },
      problem: 'name[0]: a matcher object must hold exactly one operator',
    },
    {
      name: 'a numeric matcher with a bad operator',
      pattern: { detail: { n: [{ numeric: ['!=', 1] }] } },
      problem: 'detail.n[0].numeric[0]: unknown numeric operator "!="',
    },
    {
      name: 'a numeric matcher with a non-number bound',
      pattern: { n: [{ numeric: ['>', '5'] }] },
      problem: 'n[0].numeric[1]: must be a number',
    },
    {
      name: 'a numeric bound beyond 5.0e9',
      pattern: { n: [{ numeric: ['<', 6e9] }] },
      problem: 'n[0].numeric[1]: must be a number between -5.0e9 and 5.0e9',
    },
    {
      name: 'a numeric matcher with an odd number of elements',
      pattern: { n: [{ numeric: ['>', 0, '<'] }] },
      problem: 'n[0].numeric: must be [operator, number]',
    },
    {
      name: 'a numeric range given upper bound first',
      pattern: { n: [{ numeric: ['<', 5, '>', 0] }] },
      problem: 'a range is a lower bound',
    },
    {
      name: 'an empty numeric range',
      pattern: { n: [{ numeric: ['>', 5, '<', 1] }] },
      problem: 'the lower bound must be below the upper bound',
    },
    {
      name: 'exists with a non-boolean',
      pattern: { n: [{ exists: 'yes' }] },
      problem: 'n[0].exists: must be true',
    },
    {
      name: 'anything-but with a mixed list',
      pattern: { n: [{ 'anything-but': ['a', 1] }] },
      problem: 'only strings or only numbers',
    },
    {
      name: 'anything-but with an empty prefix',
      pattern: { n: [{ 'anything-but': { prefix: '' } }] },
      problem: 'n[0].anything-but.prefix: must be a non-empty string',
    },
    {
      name: 'anything-but with an empty suffix',
      pattern: { n: [{ 'anything-but': { suffix: '' } }] },
      problem: 'n[0].anything-but.suffix: must be a non-empty string',
    },
    {
      name: 'anything-but with an empty string in a list of prefixes',
      pattern: { n: [{ 'anything-but': { prefix: ['a', ''] } }] },
      problem: 'n[0].anything-but.prefix[1]: must be a non-empty string',
    },
    {
      name: 'anything-but with a number in a list of suffixes',
      pattern: { n: [{ 'anything-but': { suffix: [123, '.txt'] } }] },
      problem: 'n[0].anything-but.suffix[0]: must be a non-empty string',
    },
    {
      name: 'anything-but with an unsupported operator',
      pattern: { n: [{ 'anything-but': { numeric: ['>', 1] } }] },
      problem: 'n[0].anything-but: must be a string, a number, a list',
    },
    {
      name: 'prefix with a non-string',
      pattern: { n: [{ prefix: 1 }] },
      problem: 'n[0].prefix: must be a string or {"equals-ignore-case": string}',
    },
    {
      name: 'a wildcard with consecutive stars',
      pattern: { n: [{ wildcard: 'a**b' }] },
      problem: 'consecutive wildcard characters are not allowed',
    },
    {
      name: 'a wildcard with an invalid escape',
      pattern: { n: [{ wildcard: 'a\\b' }] },
      problem: 'n[0].wildcard: only \\* and \\\\ may be escaped',
    },
    {
      name: 'a cidr with a prefix length beyond 32',
      pattern: { ip: [{ cidr: '10.0.0.0/33' }] },
      problem: 'ip[0].cidr: must be an IPv4 or IPv6 CIDR block',
    },
    {
      name: 'an $or that is neither an array nor an object',
      pattern: { $or: 'a' },
      problem: '$or: must be an array of at least two pattern objects',
    },
    {
      name: 'an empty $or',
      pattern: { $or: [] },
      problem: '$or: must be an array of at least two pattern objects',
    },
    {
      name: 'an $or with one alternative',
      pattern: { $or: [{ metricName: ['CPUUtilization'] }] },
      problem: '$or: must be an array of at least two pattern objects',
    },
    {
      name: 'an $or whose alternatives combine into more than 1000 rules (6 × 6 × 6 × 6)',
      pattern: Object.fromEntries(
        ['a', 'b', 'c', 'd'].map((field) => [
          field,
          { $or: [0, 1, 2, 3, 4, 5].map((n) => ({ [`${field}${n}`]: ['x'] })) },
        ]),
      ),
      problem: 'pattern: its $or alternatives combine into more than 1000 rules',
    },
    {
      name: 'an operator name used as a field inside $or',
      pattern: { $or: [{ numeric: [1] }, { a: ['abc'] }] },
      problem: '$or[0].numeric: "numeric" is reserved',
    },
    { name: 'an empty pattern', pattern: {}, problem: 'pattern: must not be an empty object' },
    {
      name: 'an empty nested object',
      pattern: { detail: { foo: {} } },
      problem: 'detail.foo: must not be an empty object',
    },
    {
      name: 'a cidr block with a /32 mask (an exact address is a plain value)',
      pattern: { ip: [{ cidr: '10.0.0.1/32' }] },
      problem: 'ip[0].cidr: must be an IPv4 or IPv6 CIDR block with a mask below /32 or /128',
    },
    {
      name: 'a cidr block with a /128 mask',
      pattern: { ip: [{ cidr: '2001:db8::1/128' }] },
      problem: 'ip[0].cidr: must be an IPv4 or IPv6 CIDR block',
    },
    {
      name: 'a cidr block without a mask',
      pattern: { ip: [{ cidr: '10.0.0.1' }] },
      problem: 'ip[0].cidr: must be an IPv4 or IPv6 CIDR block',
    },
    {
      name: 'a wildcard AWS finds too complex (six stars over repeated separators)',
      pattern: { EventBusArn: [{ wildcard: '*:*:*:*:*:event-bus/*' }] },
      problem: 'EventBusArn: the wildcards are too complex for EventBridge',
    },
    {
      name: 'wildcards of one field that are too complex together',
      pattern: { key: [{ wildcard: '*a*a*a*' }, { wildcard: '*b*b*b*' }] },
      problem: 'key: the wildcards are too complex',
    },
    {
      name: 'an $or branch that is not an object',
      pattern: { detail: { $or: [{ a: ['1'] }, 'b'] } },
      problem: 'detail.$or[1]: must be a pattern object',
    },
    {
      name: 'a problem inside an $or branch',
      pattern: { $or: [{ a: ['1'] }, { b: [{ numeric: ['~', 1] }] }] },
      problem: '$or[1].b[0].numeric[0]: unknown numeric operator',
    },
  ])('rejects $name', ({ pattern, problem }) => {
    const problems = validateEventPattern(pattern);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('reports every problem of a pattern', () => {
    expect(
      validateEventPattern({ source: 'aws.ec2', detail: { a: [{ bogus: 1 }], b: [{ numeric: ['>'] }] } }),
    ).toHaveLength(3);
  });
});
