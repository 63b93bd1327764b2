import { describe, expect, it } from 'vitest';
import { type CdEventIssue, mapCdEvent } from '../../../../domain/ingest/cdevents.ts';

/**
 * What the spec's JSON schemas (cdevents/spec, 0.4.x and 0.5.x lines) require of the mapped types: each case
 * builds the smallest event those schemas accept, then takes one required field away (or puts a value outside
 * the schema's enum or format in it) and expects a refusal at exactly that field's path.
 */

type Json = Record<string, unknown>;
type Path = (string | number)[];

const PURL = 'pkg:golang/github.com/acme/payments@v2.4.0';

interface Line {
  readonly spec: '0.4.1' | '0.5.1';
  /** The event's own schema version for the mapped types in this line. */
  readonly eventVersion: string;
}
const LINES: readonly Line[] = [
  { spec: '0.4.1', eventVersion: '0.2.0' },
  { spec: '0.5.1', eventVersion: '0.3.0' },
];

/** The required context of each line: 0.4 names the spec version `version` and requires `subject.type`. */
function minimal(line: Line, type: string, subjectType: string, content: Json): Json {
  const versionField = line.spec.startsWith('0.4') ? 'version' : 'specversion';
  return {
    context: {
      [versionField]: line.spec,
      id: `${type}-1`,
      source: '/ci',
      type: `dev.cdevents.${type}.${line.eventVersion}`,
      timestamp: '2026-12-03T07:00:00Z',
    },
    subject: {
      id: type === 'incident.detected' || type === 'incident.reported' ? 'inc-1' : 'payments',
      ...(line.spec.startsWith('0.4') ? { type: subjectType } : {}),
      content,
    },
  };
}

/** Required content per type, as the schemas list it (plus what the ledger needs to name a service). */
const TYPES: readonly { type: string; subjectType: string; content: Json; required: Path[] }[] = [
  {
    type: 'service.deployed',
    subjectType: 'service',
    content: { environment: { id: 'prod' }, artifactId: PURL },
    required: [
      ['subject', 'content', 'environment'],
      ['subject', 'content', 'environment', 'id'],
      ['subject', 'content', 'artifactId'],
    ],
  },
  {
    type: 'incident.detected',
    subjectType: 'incident',
    content: { environment: { id: 'prod' }, service: { id: 'payments' } },
    required: [
      ['subject', 'content', 'environment'],
      ['subject', 'content', 'environment', 'id'],
    ],
  },
  {
    type: 'incident.reported',
    subjectType: 'incident',
    content: { environment: { id: 'prod' }, service: { id: 'payments' }, ticketURI: 'https://t.example/1' },
    required: [
      ['subject', 'content', 'environment'],
      ['subject', 'content', 'ticketURI'],
    ],
  },
  {
    type: 'incident.resolved',
    subjectType: 'incident',
    content: { environment: { id: 'prod' } },
    required: [['subject', 'content', 'environment']],
  },
  {
    type: 'testsuiterun.finished',
    subjectType: 'testSuiteRun',
    content: { outcome: 'error', environment: { id: 'ci' }, testSuite: { id: 'e2e' } },
    required: [
      ['subject', 'content', 'outcome'],
      ['subject', 'content', 'environment'],
    ],
  },
];

const ENVELOPE_REQUIRED: Path[] = [
  ['context', 'id'],
  ['context', 'source'],
  ['context', 'type'],
  ['context', 'timestamp'],
  ['subject', 'id'],
  ['subject', 'content'],
];

function without(event: Json, path: Path): Json {
  return withValue(event, path, undefined);
}

function withValue(event: Json, path: Path, value: unknown): Json {
  const copy = structuredClone(event);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function issues(event: Json): CdEventIssue[] {
  const result = mapCdEvent(event);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.event.type)}`);
  return result.issues;
}

describe.each(LINES)('CDEvents $spec: the schema facts of the mapped types', (line) => {
  describe.each(TYPES)('$type', ({ type, subjectType, content, required }) => {
    const event = minimal(line, type, subjectType, content);

    it('accepts the event built from the required fields only', () => {
      const result = mapCdEvent(event);
      expect(result.ok ? result.event.cdeventType : result.issues).toBe(
        `dev.cdevents.${type}.${line.eventVersion}`,
      );
    });

    it.each([...ENVELOPE_REQUIRED, ...required])('refuses it without %j, at that path', (...path) => {
      expect(issues(without(event, path)).map((issue) => issue.path)).toContainEqual(path);
    });
  });
});

describe('CDEvents: the schemas’ enums, formats and version-specific fields', () => {
  const [v04, v05] = LINES as [Line, Line];
  const run = (line: Line, content: Json = {}) =>
    minimal(line, 'testsuiterun.finished', 'testSuiteRun', {
      outcome: 'error',
      environment: { id: 'ci' },
      // Not required by the schema; given so its id's format is checked below.
      testSuite: { id: 'e2e' },
      ...content,
    });

  it('refuses a 0.4 event without subject.type, which 0.5 removed', () => {
    expect(issues(without(run(v04), ['subject', 'type'])).map((issue) => issue.path)).toEqual([
      ['subject', 'type'],
    ]);
    expect(mapCdEvent(run(v05)).ok).toBe(true);
  });

  it.each([
    [['subject', 'content', 'outcome'], 'passed'],
    [['subject', 'content', 'severity'], 'blocker'],
    [['subject', 'content', 'testSuite', 'id'], ''],
    [['context', 'timestamp'], '2026-12-03 07:00'],
    [['context', 'schemaUri'], 'not a uri'],
    [['context', 'chainId'], ''],
  ] as [Path, unknown][])('refuses %j = %j at that path', (path, value) => {
    const event = withValue(run(v05), path, value);
    expect(issues(event).map((issue) => issue.path)).toEqual([path]);
  });

  it('accepts every severity the schema lists', () => {
    for (const severity of ['low', 'medium', 'high', 'critical'])
      expect(mapCdEvent(run(v05, { severity })).ok).toBe(true);
  });

  it('refuses an incident.reported ticketURI that is not a URI', () => {
    const reported = minimal(v05, 'incident.reported', 'incident', {
      environment: { id: 'prod' },
      service: { id: 'payments' },
      ticketURI: 'ticket 12',
    });
    expect(issues(reported).map((issue) => issue.path)).toEqual([['subject', 'content', 'ticketURI']]);
  });

  it('accepts END, PATH and RELATION links and refuses a link missing what its linkType requires', () => {
    const links = [
      { linkType: 'END', from: { contextId: 'a' } },
      { linkType: 'PATH', from: { contextId: 'a' }, tags: { k: 'v' } },
      { linkType: 'RELATION', linkKind: 'TRIGGER', target: { contextId: 'a' } },
    ];
    const linked = withValue(run(v05), ['context', 'links'], links);
    expect(mapCdEvent(linked).ok).toBe(true);

    const refused = (link: Json) =>
      issues(withValue(run(v05), ['context', 'links'], [link])).map((issue) => issue.path);
    expect(refused({ linkType: 'RELATION', target: { contextId: 'a' } })).toEqual([
      ['context', 'links', 0, 'linkKind'],
    ]);
    expect(refused({ linkType: 'PATH' })).toEqual([['context', 'links', 0, 'from']]);
    expect(refused({ linkType: 'END', from: {} })).toEqual([['context', 'links', 0, 'from', 'contextId']]);
    expect(refused({ linkType: 'CHILD' })).toEqual([['context', 'links', 0, 'linkType']]);
  });
});
