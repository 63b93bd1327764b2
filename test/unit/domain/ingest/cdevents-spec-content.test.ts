import { describe, expect, it } from 'vitest';
import { specContentTypes } from '../../../../domain/ingest/cdevents/spec-content.ts';
import { type CdEventIssue, mapCdEvent } from '../../../../domain/ingest/cdevents.ts';

/**
 * Every type of both spec lines, field-checked against what its cdevents/spec JSON schema (v0.4.1, v0.5.1)
 * states: given a valid event of the type, taking a required field away, or putting a value of the wrong
 * type, enum or format in a field, or adding a field the schema does not list, is refused at that field's path.
 */

type Json = Record<string, unknown>;
type Path = (string | number)[];
type Line = '0.4' | '0.5';

const PURL = 'pkg:golang/github.com/acme/payments@v2.4.0';
const LINES: readonly Line[] = ['0.4', '0.5'];

interface TypeCase {
  readonly type: string;
  /** `subject.type`, required in 0.4. */
  readonly subjectType: string;
  /** The event's own schema version in 0.4.1 and in 0.5.1. */
  readonly versions: Readonly<Record<Line, string>>;
  readonly subjectId?: string;
  /** A valid content of the line. */
  readonly content: (line: Line) => Json;
  /** Content paths the schema requires (a nested path: required once its parent is there). */
  readonly required?: (line: Line) => Path[];
  /** A value the schema refuses at a content path. */
  readonly wrong: (line: Line) => [Path, unknown][];
}

const v = (v04: string, v05: string) => ({ '0.4': v04, '0.5': v05 });
const link = (line: Line, value = 'https://ci.example/runs/1'): Json =>
  line === '0.4' ? { url: value } : { uri: value };
const linkKey = (line: Line) => (line === '0.4' ? 'url' : 'uri');
const otherLineOutcome = (line: Line) => (line === '0.4' ? 'success' : 'pass');
const passed = (line: Line) => (line === '0.4' ? 'pass' : 'success');

const repository = (type: string, versions = v('0.2.0', '0.3.0')): TypeCase => ({
  type,
  subjectType: type.split('.')[0] as string,
  versions,
  content: () => ({ repository: { id: 'acme/payments', source: 'https://github.com' } }),
  required: () => [['repository', 'id']],
  wrong: () => [
    [['repository'], 'acme/payments'],
    [['repository', 'source'], 'not a uri reference'],
  ],
});

const service = (type: string): TypeCase => ({
  type,
  subjectType: 'service',
  versions: v('0.2.0', '0.3.0'),
  content: () => ({ environment: { id: 'prod' }, artifactId: PURL }),
  required: () => [['environment'], ['environment', 'id'], ['artifactId']],
  wrong: () => [
    [['environment', 'source'], 'a b'],
    [['artifactId'], ''],
  ],
});

const pipelineRun = (type: string): TypeCase => ({
  type,
  subjectType: 'pipelineRun',
  versions: v('0.2.0', '0.3.0'),
  content: (line) => ({ pipelineName: 'build', ...link(line) }),
  wrong: (line) => [
    [['pipelineName'], 7],
    [[linkKey(line)], line === '0.4' ? 7 : 'not a uri'],
  ],
});

const taskRun = (type: string, finished: boolean): TypeCase => ({
  type,
  subjectType: 'taskRun',
  versions: v('0.2.0', '0.3.0'),
  content: (line) => ({
    taskName: 'unit',
    pipelineRun: { id: 'run-1' },
    ...link(line),
    ...(finished ? { outcome: 'failure', errors: 'exit 1' } : {}),
  }),
  required: () => [['pipelineRun', 'id']],
  wrong: () => [
    [['pipelineRun'], 'run-1'],
    [['taskName'], 1],
    ...(finished ? ([[['errors'], 1]] as [Path, unknown][]) : []),
  ],
});

const testCaseStart = (type: string): TypeCase => ({
  type,
  subjectType: 'testCaseRun',
  versions: v('0.2.0', '0.3.0'),
  content: () => ({
    environment: { id: 'ci' },
    testCase: { id: 'tc-1', type: 'unit', uri: 'https://tests.example/tc-1' },
    testSuiteRun: { id: 'suite-run-1' },
    trigger: { type: 'schedule' },
  }),
  required: () => [['environment'], ['environment', 'id'], ['testCase', 'id'], ['testSuiteRun', 'id']],
  wrong: () => [
    [['testCase', 'type'], 'smoke'],
    [['testCase', 'uri'], 'not a uri'],
    [['trigger', 'type'], 'cron'],
    [['trigger', 'uri'], 'not a uri'],
  ],
});

const testSuiteStart = (type: string): TypeCase => ({
  type,
  subjectType: 'testSuiteRun',
  versions: v('0.2.0', '0.3.0'),
  content: () => ({ environment: { id: 'ci' }, testSuite: { id: 'e2e' }, trigger: { type: 'pipeline' } }),
  required: () => [['environment'], ['testSuite', 'id']],
  wrong: () => [
    [['testSuite', 'uri'], 'not a uri'],
    [['trigger', 'type'], 'nightly'],
  ],
});

const TICKET = { uri: 'https://tickets.example/T-1' };

const CASES: readonly TypeCase[] = [
  {
    type: 'artifact.packaged',
    subjectType: 'artifact',
    versions: v('0.2.0', '0.3.0'),
    subjectId: PURL,
    content: () => ({ change: { id: 'acme/payments/pull/7' }, sbom: { uri: 'https://sbom.example/p.sbom' } }),
    required: () => [['change'], ['change', 'id'], ['sbom', 'uri']],
    wrong: () => [
      [['change', 'source'], 'not a uri reference'],
      [['sbom', 'uri'], ''],
    ],
  },
  {
    type: 'artifact.published',
    subjectType: 'artifact',
    versions: v('0.2.0', '0.3.0'),
    subjectId: PURL,
    content: () => ({ user: 'release-bot', sbom: { uri: '/sboms/payments.sbom' } }),
    required: () => [['sbom', 'uri']],
    wrong: () => [
      [['user'], ''],
      [['sbom'], 'payments.sbom'],
    ],
  },
  {
    type: 'artifact.signed',
    subjectType: 'artifact',
    versions: v('0.2.0', '0.3.0'),
    subjectId: PURL,
    content: () => ({ signature: 'MEYCIQCBT8U5' }),
    required: () => [['signature']],
    wrong: () => [[['signature'], 42]],
  },
  ...['artifact.downloaded', 'artifact.deleted'].map(
    (type): TypeCase => ({
      type,
      subjectType: 'artifact',
      versions: v('0.1.0', '0.2.0'),
      subjectId: PURL,
      content: () => ({ user: 'mybot' }),
      wrong: () => [[['user'], '']],
    }),
  ),
  repository('branch.created'),
  repository('branch.deleted'),
  ...['build.queued', 'build.started'].map(
    (type): TypeCase => ({
      type,
      subjectType: 'build',
      versions: v('0.2.0', '0.3.0'),
      content: () => ({}),
      wrong: () => [[['artifactId'], PURL]],
    }),
  ),
  {
    type: 'build.finished',
    subjectType: 'build',
    versions: v('0.2.0', '0.3.0'),
    content: () => ({ artifactId: PURL }),
    wrong: () => [[['artifactId'], 7]],
  },
  {
    ...repository('change.created', v('0.3.0', '0.4.0')),
    content: () => ({ description: 'Fix rounding', repository: { id: 'acme/payments' } }),
    wrong: () => [
      [['description'], ''],
      [['repository'], 'acme/payments'],
    ],
  },
  repository('change.updated'),
  repository('change.reviewed'),
  repository('change.merged'),
  repository('change.abandoned'),
  ...['environment.created', 'environment.modified'].map(
    (type): TypeCase => ({
      type,
      subjectType: 'environment',
      versions: v('0.2.0', '0.3.0'),
      content: (line) => ({ name: 'production', ...link(line, 'https://prod.example') }),
      wrong: (line) => [
        [['name'], 1],
        [[linkKey(line)], line === '0.4' ? 1 : 'prod'],
      ],
    }),
  ),
  {
    type: 'environment.deleted',
    subjectType: 'environment',
    versions: v('0.2.0', '0.3.0'),
    content: () => ({ name: 'production' }),
    wrong: (line) => [
      [['name'], 1],
      [[linkKey(line)], 'https://prod.example'],
    ],
  },
  {
    type: 'incident.detected',
    subjectType: 'incident',
    versions: v('0.2.0', '0.3.0'),
    subjectId: 'inc-1',
    content: () => ({
      description: 'p99 above 1s',
      environment: { id: 'prod' },
      service: { id: 'payments' },
    }),
    required: () => [['environment'], ['environment', 'id'], ['service', 'id']],
    wrong: () => [
      [['service', 'source'], 'a b'],
      [['artifactId'], ''],
      [['ticketURI'], 'https://tickets.example/1'],
    ],
  },
  {
    type: 'incident.reported',
    subjectType: 'incident',
    versions: v('0.2.0', '0.3.0'),
    subjectId: 'inc-1',
    content: () => ({
      environment: { id: 'prod' },
      service: { id: 'payments' },
      ticketURI: 'https://tickets.example/1',
    }),
    required: () => [['environment'], ['ticketURI']],
    wrong: () => [[['ticketURI'], 'ticket 12']],
  },
  {
    type: 'incident.resolved',
    subjectType: 'incident',
    versions: v('0.2.0', '0.3.0'),
    subjectId: 'inc-1',
    content: () => ({ environment: { id: 'prod' } }),
    required: () => [['environment'], ['environment', 'id']],
    wrong: () => [
      [['description'], 5],
      [['ticketURI'], 'https://tickets.example/1'],
    ],
  },
  pipelineRun('pipelinerun.queued'),
  pipelineRun('pipelinerun.started'),
  {
    ...pipelineRun('pipelinerun.finished'),
    content: (line) => ({ pipelineName: 'build', ...link(line), outcome: 'failure', errors: 'exit 1' }),
    wrong: (line) => [
      // Free text in 0.4, an enum in 0.5.
      [['outcome'], line === '0.4' ? 1 : 'Succeeded'],
      [['errors'], 1],
    ],
  },
  {
    type: 'repository.created',
    subjectType: 'repository',
    versions: v('0.2.0', '0.3.0'),
    content: (line) => ({
      name: 'payments',
      owner: 'acme',
      ...link(line, 'https://github.com/acme/payments'),
      viewUrl: 'https://github.com/acme/payments',
    }),
    required: (line) => [['name'], [linkKey(line)]],
    wrong: (line) => [
      [['name'], ''],
      [['viewUrl'], line === '0.4' ? 1 : 'github/acme'],
    ],
  },
  ...['repository.modified', 'repository.deleted'].map(
    (type): TypeCase => ({
      type,
      subjectType: 'repository',
      versions: v('0.2.0', '0.3.0'),
      content: () => ({ name: 'payments' }),
      wrong: (line) => [
        [['owner'], 1],
        [[linkKey(line)], line === '0.4' ? 1 : 'github/acme'],
      ],
    }),
  ),
  service('service.deployed'),
  service('service.upgraded'),
  service('service.rolledback'),
  ...['service.published', 'service.removed'].map(
    (type): TypeCase => ({
      type,
      subjectType: 'service',
      versions: v('0.2.0', '0.3.0'),
      content: () => ({ environment: { id: 'prod' } }),
      required: () => [['environment', 'id']],
      wrong: () => [
        [['environment', 'id'], ''],
        [['artifactId'], PURL],
      ],
    }),
  ),
  taskRun('taskrun.started', false),
  taskRun('taskrun.finished', true),
  testCaseStart('testcaserun.queued'),
  testCaseStart('testcaserun.started'),
  {
    type: 'testcaserun.finished',
    subjectType: 'testCaseRun',
    versions: v('0.2.0', '0.3.0'),
    content: (line) => ({ outcome: passed(line), environment: { id: 'ci' }, testCase: { id: 'tc-1' } }),
    required: () => [['outcome'], ['environment'], ['testCase', 'id']],
    wrong: (line) => [
      [['outcome'], otherLineOutcome(line)],
      [['severity'], 'blocker'],
      [['trigger'], { type: 'manual' }],
    ],
  },
  {
    type: 'testcaserun.skipped',
    subjectType: 'testCaseRun',
    versions: v('0.1.0', '0.2.0'),
    // The only testCaseRun predicate without a required environment.
    content: () => ({
      reason: 'not on arm64',
      testCase: { id: 'tc-1' },
      testSuiteRun: { id: 'suite-run-1' },
    }),
    required: () => [
      ['testCase', 'id'],
      ['testSuiteRun', 'id'],
    ],
    wrong: () => [
      [['reason'], 1],
      [['testSuiteRun', 'id'], ''],
    ],
  },
  testSuiteStart('testsuiterun.queued'),
  testSuiteStart('testsuiterun.started'),
  {
    type: 'testsuiterun.finished',
    subjectType: 'testSuiteRun',
    versions: v('0.2.0', '0.3.0'),
    content: (line) => ({ outcome: passed(line), environment: { id: 'ci' }, testSuite: { id: 'e2e' } }),
    required: () => [['outcome'], ['environment'], ['testSuite', 'id']],
    wrong: (line) => [
      [['outcome'], otherLineOutcome(line)],
      [['severity'], 'blocker'],
      [['testSuite', 'uri'], 'not a uri'],
    ],
  },
  {
    type: 'testoutput.published',
    subjectType: 'testOutput',
    versions: v('0.2.0', '0.3.0'),
    content: () => ({ outputType: 'log', format: 'text/plain', testCaseRun: { id: 'tc-run-1' } }),
    required: () => [['outputType'], ['format'], ['testCaseRun', 'id']],
    wrong: () => [
      [['outputType'], 'pdf'],
      [['uri'], 'not a uri'],
    ],
  },
  {
    type: 'ticket.created',
    subjectType: 'ticket',
    versions: v('0.1.0', '0.2.0'),
    subjectId: 'T-1',
    content: () => ({ summary: 'CVE-123', creator: 'alice', ...TICKET, ticketType: 'bug', priority: 'p0' }),
    required: () => [['summary'], ['creator'], ['uri']],
    wrong: () => [
      [['assignees'], 'bob'],
      [['uri'], 'tickets example'],
      [['creator'], ''],
    ],
  },
  {
    type: 'ticket.updated',
    subjectType: 'ticket',
    versions: v('0.1.0', '0.2.0'),
    subjectId: 'T-1',
    content: () => ({ ...TICKET, updatedBy: 'bob', labels: ['bug'] }),
    required: () => [['uri']],
    wrong: () => [
      [['labels', 0], 1],
      [['resolution'], 'completed'],
    ],
  },
  {
    type: 'ticket.closed',
    subjectType: 'ticket',
    versions: v('0.1.0', '0.2.0'),
    subjectId: 'T-1',
    content: () => ({ ...TICKET, resolution: 'completed' }),
    required: () => [['uri'], ['resolution']],
    wrong: () => [[['resolution'], '']],
  },
];

function event(line: Line, c: TypeCase, content: Json): Json {
  return {
    context: {
      [line === '0.4' ? 'version' : 'specversion']: line === '0.4' ? '0.4.1' : '0.5.1',
      id: `${c.type}-1`,
      source: '/ci',
      type: `dev.cdevents.${c.type}.${c.versions[line]}`,
      timestamp: '2026-12-03T07:00:00Z',
    },
    subject: {
      id: c.subjectId ?? 'payments',
      ...(line === '0.4' ? { type: c.subjectType } : {}),
      content,
    },
  };
}

function withValue(content: Json, path: Path, value: unknown): Json {
  const copy = structuredClone(content);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function refusedAt(body: Json): Path[] {
  const result = mapCdEvent(body);
  if (result.ok) throw new Error(`expected a refusal, got ${result.event.type}`);
  return result.issues.map((issue: CdEventIssue) => issue.path);
}

const content = (path: Path): Path => ['subject', 'content', ...path];

it('covers every type of the spec lines, each once', () => {
  expect(CASES.map((c) => c.type).sort()).toEqual([...specContentTypes].sort());
  expect(specContentTypes).toHaveLength(45);
});

describe.each(LINES)('CDEvents %s: every type is field-checked against its spec schema', (line) => {
  describe.each(CASES)('$type', (c) => {
    const valid = c.content(line);

    it('accepts a valid event', () => {
      const result = mapCdEvent(event(line, c, valid));
      expect(result.ok ? result.event.cdeventType : result.issues).toBe(
        `dev.cdevents.${c.type}.${c.versions[line]}`,
      );
    });

    const required = c.required?.(line) ?? [];
    it.each(required.map((path) => [path.join('.'), path] as const))(
      'refuses it without %s, at that path',
      (_, path) => {
        expect(refusedAt(event(line, c, withValue(valid, path, undefined)))).toEqual([content(path)]);
      },
    );

    it.each(
      c.wrong(line).map(([path, value]) => [path.join('.'), JSON.stringify(value), path, value] as const),
    )('refuses %s = %s, at that path', (_, __, path, value) => {
      expect(refusedAt(event(line, c, withValue(valid, path, value)))).toEqual([content(path)]);
    });

    it('refuses a field the schema does not list, at its own path', () => {
      expect(refusedAt(event(line, c, { ...valid, releaseId: 'payments@2.4.0' }))).toEqual([
        content(['releaseId']),
      ]);
    });
  });
});

describe('CDEvents: where the lines differ', () => {
  const run = CASES.find((c) => c.type === 'pipelinerun.started') as TypeCase;

  it('refuses the other line’s link name: url in 0.5, uri in 0.4', () => {
    expect(refusedAt(event('0.5', run, { url: 'https://ci.example/runs/1' }))).toEqual([content(['url'])]);
    expect(refusedAt(event('0.4', run, { uri: 'https://ci.example/runs/1' }))).toEqual([content(['uri'])]);
  });

  it('accepts any 0.4 pipelineRun outcome but only the 0.5 enum in 0.5', () => {
    const finished = CASES.find((c) => c.type === 'pipelinerun.finished') as TypeCase;
    expect(mapCdEvent(event('0.4', finished, { outcome: 'Succeeded' })).ok).toBe(true);
    for (const outcome of ['success', 'failure', 'cancel', 'error'])
      expect(mapCdEvent(event('0.5', finished, { outcome })).ok).toBe(true);
    expect(refusedAt(event('0.5', finished, { outcome: 'Succeeded' }))).toEqual([content(['outcome'])]);
  });

  it('reports every unknown field of a nested closed object at its own path', () => {
    const deployed = CASES.find((c) => c.type === 'service.deployed') as TypeCase;
    const body = event('0.5', deployed, {
      environment: { id: 'prod', name: 'Production', region: 'eu' },
      artifactId: PURL,
    });
    expect(refusedAt(body)).toEqual([content(['environment', 'name']), content(['environment', 'region'])]);
  });

  it('holds format uri to a scheme and RFC 3986 characters, and uri-reference to RFC 3986 characters', () => {
    const created = CASES.find((c) => c.type === 'environment.created') as TypeCase;
    for (const uri of ['https://prod.example/env?x=1#top', 'urn:env:prod', 'https://prod.example/%C3%A9'])
      expect(mapCdEvent(event('0.5', created, { uri })).ok).toBe(true);
    for (const uri of ['https://prod.example/a b', 'prod.example', '/envs/prod', 'https://prod.example/%zz'])
      expect(refusedAt(event('0.5', created, { uri }))).toEqual([content(['uri'])]);

    const published = CASES.find((c) => c.type === 'service.published') as TypeCase;
    for (const source of ['/clusterA/namespaceB', 'testkube-dev-123', 'https://k8s.example'])
      expect(mapCdEvent(event('0.5', published, { environment: { id: 'prod', source } })).ok).toBe(true);
    for (const source of ['', 'cluster A', 'ns<1>'])
      expect(refusedAt(event('0.5', published, { environment: { id: 'prod', source } }))).toEqual([
        content(['environment', 'source']),
      ]);
  });

  it('keeps trigger open, as the schemas do', () => {
    const queued = CASES.find((c) => c.type === 'testsuiterun.queued') as TypeCase;
    const body = event('0.5', queued, {
      environment: { id: 'ci' },
      trigger: { type: 'manual', by: 'alice' },
    });
    expect(mapCdEvent(body).ok).toBe(true);
  });
});
