import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../../functions/http/http-error.ts';
import { MAX_BATCH_EVENTS, readIngestMessage } from '../../../../functions/http/ingest-message.ts';
import { cloudEvent } from '../../../support/http.ts';

const json = { 'content-type': 'application/json' };
const release = { releaseId: 'r1', service: 'api', version: '1.0' };

function failure(headers: Record<string, string>, body: string): HttpError {
  try {
    readIngestMessage(headers, body);
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected the message to be refused');
}

describe('reading an ingest request', () => {
  it('reads a structured CloudEvent sent as application/json or application/cloudevents+json', () => {
    const event = cloudEvent('release.created', release);
    for (const contentType of ['application/json', 'application/cloudevents+json; charset=utf-8']) {
      const [read] = readIngestMessage({ 'Content-Type': contentType }, JSON.stringify(event));
      expect(read).toMatchObject({
        source: event.source,
        id: event.id,
        type: 'release.created',
        occurredAt: event.time,
        data: release,
      });
      expect(read?.original).toEqual({
        format: 'cloudevent',
        payload: expect.objectContaining({ id: event.id, data: release }),
      });
    }
  });

  it('reads binary mode from ce-* headers', () => {
    const [read] = readIngestMessage(
      {
        ...json,
        'ce-specversion': '1.0',
        'ce-id': 'x1',
        'ce-source': 'ci',
        'ce-type': 'release.created',
        'ce-time': '2026-11-21T10:00:00Z',
      },
      JSON.stringify(release),
    );
    expect(read).toMatchObject({
      source: 'ci',
      id: 'x1',
      type: 'release.created',
      data: release,
      occurredAt: '2026-11-21T10:00:00Z',
    });
  });

  it('gives the same payload hash to the same event in binary and structured mode', () => {
    const event = {
      specversion: '1.0',
      id: 'same',
      source: 'ci',
      type: 'release.created',
      datacontenttype: 'application/json',
      data: release,
    };
    const [structured] = readIngestMessage(json, JSON.stringify(event));
    const [binary] = readIngestMessage(
      { ...json, 'ce-specversion': '1.0', 'ce-id': 'same', 'ce-source': 'ci', 'ce-type': 'release.created' },
      JSON.stringify(release),
    );
    expect(binary?.payloadHash).toBe(structured?.payloadHash);
  });

  it('ignores tracing extensions when deciding whether a replay is the same payload', () => {
    const event = cloudEvent('release.created', release);
    const [a] = readIngestMessage(json, JSON.stringify({ ...event, traceparent: '00-aaaa-01' }));
    const [b] = readIngestMessage(json, JSON.stringify({ ...event, traceparent: '00-bbbb-01' }));
    expect(a?.payloadHash).toBe(b?.payloadHash);
  });

  it('reads a batch and reports every failing member by index', () => {
    const batch = [cloudEvent('release.created', release), cloudEvent('release.created', { service: 'x' })];
    const error = failure({ 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify(batch));
    expect(error.status).toBe(400);
    expect(error.issues.map((i) => i.path)).toEqual([
      [1, 'data', 'releaseId'],
      [1, 'data', 'version'],
    ]);
  });

  it('refuses a batch repeating one (source, id), an empty batch and an oversized batch', () => {
    const event = cloudEvent('release.created', release);
    const header = { 'content-type': 'application/cloudevents-batch+json' };
    expect(failure(header, JSON.stringify([event, event])).issues).toEqual([
      { path: [1, 'id'], message: 'repeats (source, id) of batch member 0' },
    ]);
    expect(failure(header, '[]').code).toBe('validation_failed');
    const many = Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => cloudEvent('release.created', release));
    expect(failure(header, JSON.stringify(many)).code).toBe('batch_too_large');
  });

  it.each([
    ['not JSON', json, '{"a":', 400, 'invalid_json'],
    ['an empty body', json, '', 400, 'invalid_json'],
    ['text/plain', { 'content-type': 'text/plain' }, 'hi', 415, 'unsupported_media_type'],
    ['no content type', {}, '{}', 415, 'unsupported_media_type'],
    [
      'binary mode with XML',
      { 'content-type': 'application/xml', 'ce-id': '1', 'ce-specversion': '1.0' },
      '<a/>',
      415,
      'unsupported_media_type',
    ],
    ['over 256 KB', json, `"${'x'.repeat(256 * 1024)}"`, 413, 'payload_too_large'],
    ['a JSON array outside a batch', json, '[1]', 400, 'validation_failed'],
    ['neither a CloudEvent nor a CDEvent', json, '{"hello":"world"}', 400, 'validation_failed'],
  ])('refuses %s', (_name, headers, body, status, code) => {
    const error = failure(headers as Record<string, string>, body as string);
    expect([error.status, error.code]).toEqual([status, code]);
  });

  it('names the missing CloudEvent attributes', () => {
    const error = failure(
      json,
      JSON.stringify({ specversion: '1.0', type: 'release.created', data: release }),
    );
    expect(error.issues.map((i) => i.path)).toEqual([['id'], ['source']]);
  });

  it('names the failing data field and refuses unknown types', () => {
    expect(
      failure(
        json,
        JSON.stringify(cloudEvent('tests.completed', { releaseId: 'r', suite: 's', passed: 'yes' })),
      ).issues,
    ).toEqual([{ path: ['data', 'passed'], message: expect.any(String) }]);
    expect(
      failure(
        json,
        JSON.stringify(cloudEvent('deployment.started', { deploymentId: 'd', environment: 'prod' })),
      ).issues[0]?.path,
    ).toEqual(['data', 'releaseId']);
    expect(failure(json, JSON.stringify(cloudEvent('release.deleted', {}))).issues[0]?.path).toEqual([
      'type',
    ]);
  });

  it('refuses a CloudEvent time that is not RFC 3339', () => {
    const error = failure(
      json,
      JSON.stringify(cloudEvent('release.created', release, { time: 'yesterday' })),
    );
    expect(error.code).toBe('validation_failed');
    expect(error.issues.map((i) => i.path)).toContainEqual(['time']);
  });

  it('keeps binary-mode extensions and the content type as attributes, so both modes hash alike', () => {
    const headers = {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': 'ext',
      'ce-source': 'ci',
      'ce-type': 'release.created',
      'ce-subject': 'api',
      'ce-partitionkey': 'p1',
    };
    const [binary] = readIngestMessage(headers, JSON.stringify(release));
    expect(binary?.original.payload).toEqual({
      specversion: '1.0',
      id: 'ext',
      source: 'ci',
      type: 'release.created',
      subject: 'api',
      partitionkey: 'p1',
      datacontenttype: 'application/json',
      data: release,
    });
    const [structured] = readIngestMessage(json, JSON.stringify(binary?.original.payload));
    expect(structured?.payloadHash).toBe(binary?.payloadHash);
  });

  it('refuses binary mode with an empty ce-id instead of inventing one', () => {
    const error = failure(
      { ...json, 'ce-specversion': '1.0', 'ce-id': '', 'ce-source': 'ci', 'ce-type': 'release.created' },
      JSON.stringify(release),
    );
    expect(error.issues.map((i) => i.path)).toContainEqual(['id']);
  });

  it('reads ce-* headers beside a CloudEvents media type as the structured or batch mode it names', () => {
    const events = [cloudEvent('release.created', release), cloudEvent('release.created', release)];
    const read = readIngestMessage(
      { 'content-type': 'application/cloudevents-batch+json', 'ce-id': 'ignored', 'ce-specversion': '1.0' },
      JSON.stringify(events),
    );
    expect(read.map((event) => event.id)).toEqual(events.map((event) => event.id));
  });

  it('holds batch members to the CloudEvents attribute rules', () => {
    const header = { 'content-type': 'application/cloudevents-batch+json' };
    const member = (extra: Record<string, unknown>) => ({
      ...cloudEvent('release.created', release),
      ...extra,
    });
    const error = failure(
      header,
      JSON.stringify([
        member({ source: 'not a uri' }),
        member({ traceParent: 'x' }),
        member({ dataschema: 'relative/path' }),
        member({ subject: '' }),
        member({ weight: 1.5 }),
        member({ partitionkey: 'ok', count: 3 }),
      ]),
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      [0, 'source'],
      [1, 'traceParent'],
      [2, 'dataschema'],
      [3, 'subject'],
      [4, 'weight'],
    ]);
  });
});

describe("the ledger's own source is reserved", () => {
  const forged = { source: 'release-ledger', id: 'gate-bypass:evil-1' };
  const testsCompleted = { releaseId: 'r1', suite: 'unit', passed: true };

  it('refuses a structured CloudEvent naming it, with the field path', () => {
    const error = failure(json, JSON.stringify(cloudEvent('tests.completed', testsCompleted, forged)));
    expect([error.status, error.code]).toEqual([400, 'validation_failed']);
    expect(error.issues.map((i) => i.path)).toEqual([['source']]);
  });

  it('refuses it in binary mode', () => {
    const error = failure(
      {
        ...json,
        'ce-specversion': '1.0',
        'ce-id': 'rollback:evil-2',
        'ce-source': 'release-ledger',
        'ce-type': 'release.created',
      },
      JSON.stringify(release),
    );
    expect(error.issues.map((i) => i.path)).toEqual([['source']]);
  });

  it('refuses a batch member naming it, by index, and stores nothing of the batch', () => {
    const batch = [cloudEvent('release.created', release), cloudEvent('release.created', release, forged)];
    const error = failure({ 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify(batch));
    expect(error.issues.map((i) => i.path)).toEqual([[1, 'source']]);
  });

  it('refuses a raw CDEvent whose context names it', () => {
    const cdevent = JSON.parse(
      readFileSync(
        new URL('../../../fixtures/cdevents/testsuiterun-finished.v0.5.json', import.meta.url),
        'utf8',
      ),
    );
    cdevent.context.source = 'release-ledger';
    cdevent.context.id = 'implicit-release:api@1.0';
    const error = failure(json, JSON.stringify(cdevent));
    expect(error.issues.map((i) => i.path)).toEqual([['context', 'source']]);
  });

  it('accepts a decision-like id under a client source: the identity is the (source, id) pair', () => {
    const [read] = readIngestMessage(
      json,
      JSON.stringify(cloudEvent('tests.completed', testsCompleted, { id: 'gate-bypass:evil-1' })),
    );
    expect(read).toMatchObject({ id: 'gate-bypass:evil-1', source: 'https://ci.example.com/pipelines/42' });
  });
});
